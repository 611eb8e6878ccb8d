"""This installation's id, sent with every login.

The server remembers the devices a user logged in from; a known device gets through while
strangers guessing the same account from the same address are throttled. The id is random
(not derived from the machine), made on first use and kept in the settings file.
"""

from __future__ import annotations

import uuid

from workbench.config import Settings


def device_id(settings: Settings) -> str:
    """The id kept in ``settings``; made and saved the first time."""
    current = settings.get("device_id")
    if isinstance(current, str) and 8 <= len(current) <= 64 and current.isprintable():
        return current
    fresh = str(uuid.uuid4())
    settings.set("device_id", fresh)
    settings.save()
    return fresh

"""Is there a screen? Checked before Qt starts, so that a headless run explains itself."""

from __future__ import annotations

import os
import sys


class NoDisplayError(RuntimeError):
    """There is no screen to show a window on."""


NO_DISPLAY_MESSAGE = (
    "workbench: no display found (DISPLAY and WAYLAND_DISPLAY are unset). "
    "Run it under a virtual display: `xvfb-run -a workbench ...` "
    "(Debian: apt-get install xvfb), or set QT_QPA_PLATFORM=offscreen for a headless run."
)


def check_display() -> None:
    """Raise :class:`NoDisplayError` on a Linux box without a screen (instead of Qt aborting)."""
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            raise NoDisplayError(NO_DISPLAY_MESSAGE)

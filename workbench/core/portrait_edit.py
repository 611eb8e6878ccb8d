"""What a desktop may change in a customer's portrait, checked once for both sides.

An agent learns things on a call (seed 000's loop): the channel the customer prefers, that
they want no SMS, what interests them and what they need, a note. The desktop sends those as a
``customer``/``update`` mutation; the server applies only these fields, in server order (the
last writer wins), and refuses anything else with a reason.

Interests and needs are tags of the shared vocabulary (:mod:`workbench.core.tags`) from the
groups an agent can learn on a call (usage, device, household, opportunity). A tag edit is a
delta -- ``tags_add`` / ``tags_remove`` -- so the data platform's own tags (tariff, risk,
channel) are never touched and two agents adding different interests do not undo each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from workbench.core import limits
from workbench.core.codes import Channel
from workbench.core.entities import EDITABLE_FIELDS
from workbench.core.tags import TAGS

__all__ = ["EDIT_FIELDS", "EDIT_TAG_GROUPS", "EDITABLE_TAGS", "apply_tag_edit", "edit_reason"]

#: Tag groups whose tags are interests or needs an agent learns on a call.
EDIT_TAG_GROUPS = frozenset({"usage", "device", "household", "opportunity"})
#: The tags a desktop may add or remove.
EDITABLE_TAGS = frozenset(code for code, info in TAGS.items() if info.group in EDIT_TAG_GROUPS)
#: The keys of a desktop's customer update (besides ``id``).
EDIT_FIELDS = EDITABLE_FIELDS | {"tags_add", "tags_remove"}
_BOOLS = ("do_not_call", "do_not_sms")
_CHANNELS = frozenset(c.value for c in Channel)


def edit_reason(fields: Mapping[str, Any]) -> str | None:
    """Why ``fields`` (a customer update without its ``id``) cannot be applied, or ``None``."""
    if not fields:
        return "nothing to update"
    bad = sorted(str(k) for k in fields if k not in EDIT_FIELDS)
    if bad:
        return (f"{', '.join(bad)}: not editable on a desktop "
                f"(editable: {', '.join(sorted(EDIT_FIELDS))})")
    for key, value in fields.items():
        reason = _field_reason(key, value)
        if reason:
            return reason
    both = set(fields.get("tags_add") or ()) & set(fields.get("tags_remove") or ())
    if both:
        return f"tags_add, tags_remove: {', '.join(sorted(both))} both added and removed"
    return None


def _field_reason(key: str, value: Any) -> str | None:
    if key == "preferred_channel":
        if not isinstance(value, str) or value not in _CHANNELS:
            return f"preferred_channel: {value!r} is not one of {', '.join(sorted(_CHANNELS))}"
    elif key in _BOOLS:
        if not isinstance(value, bool):
            return f"{key}: expected true or false"
    elif key == "note":
        if not isinstance(value, str):
            return "note: expected text"
        if "\x00" in value:
            return "note: contains a NUL character"
        return limits.text_reason("note", value, limits.MAX_NOTE)
    else:  # tags_add / tags_remove
        if not isinstance(value, list) or len(value) > len(EDITABLE_TAGS):
            return f"{key}: expected a list of at most {len(EDITABLE_TAGS)} tags"
        for tag in value:
            if not isinstance(tag, str) or tag not in EDITABLE_TAGS:
                shown = repr(tag)[: limits.MAX_TAG_LENGTH]
                return f"{key}: {shown} is not an interest or need tag"
    return None


def apply_tag_edit(tags: Sequence[str] | None, add: Iterable[str] = (),
                   remove: Iterable[str] = ()) -> list[str]:
    """``tags`` without ``remove`` and with ``add`` (appended in order, no duplicates)."""
    gone = set(remove)
    out = [t for t in (tags or []) if t not in gone]
    for tag in add:
        if tag not in out:
            out.append(tag)
    return out

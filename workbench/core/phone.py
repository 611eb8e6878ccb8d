"""Phone number normalisation, shared by the desktop and the server.

Chinese mobile numbers reach us in many spellings: ``+86 138-0013-8000``,
``8613800138000``, ``0086 13800138000``, ``tel:+8613800138000``,
``sip:+8613800138000@10.0.0.1``. They are all the same customer, so every
lookup goes through :func:`normalize_phone` first.
"""

from __future__ import annotations

import re

from workbench.core.errors import UserError

_DIGITS = re.compile(r"\d+")


class InvalidPhoneError(UserError, ValueError):
    """Raised when a string cannot be a phone number."""


def normalize_phone(raw: str) -> str:
    """Return the canonical national form of a phone number.

    Mainland mobiles become their 11 digits (``13800138000``); the country prefix
    (``+86``, ``86``, ``0086``) and any punctuation, ``tel:`` or ``sip:`` wrapping are
    dropped. Other numbers keep their digits (landlines with area code).

    Raises:
        InvalidPhoneError: if fewer than 5 or more than 15 digits remain.
    """
    if not isinstance(raw, str):
        raise InvalidPhoneError(f"phone number must be text, not {type(raw).__name__}")
    text = raw.strip()
    low = text.lower()
    for scheme in ("tel:", "sip:", "sips:"):
        if low.startswith(scheme):
            text = text[len(scheme):]
            break
    # sip:+8613800138000@host;params -> user part only
    text = text.split("@", 1)[0].split(";", 1)[0]
    if re.search(r"[A-Za-z]", text):
        raise InvalidPhoneError(f"not a phone number: {raw!r}")
    digits = "".join(_DIGITS.findall(text))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not 5 <= len(digits) <= 15:
        raise InvalidPhoneError(f"not a phone number: {raw!r}")
    return digits


def is_mobile(number: str) -> bool:
    """True for an 11-digit mainland mobile number in canonical form."""
    return len(number) == 11 and number.startswith("1") and number[1] in "3456789"


def mask_phone(number: str, visible: int = 4) -> str:
    """Mask all but the last ``visible`` digits: ``13800138000`` -> ``*******8000``."""
    if len(number) <= visible:
        return number
    return "*" * (len(number) - visible) + number[-visible:]


def mask_middle(number: str) -> str:
    """Mask a mobile the Chinese way, keeping the first 3 and last 4 digits: ``138****8000``."""
    if len(number) < 8:
        return mask_phone(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


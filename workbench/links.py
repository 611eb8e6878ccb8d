"""Numbers handed to the app on its command line: plain, or ``tel:`` / ``callto:`` links as a
browser or a mail program passes them (percent-encoded, ``//`` after the scheme, parameters)."""

from __future__ import annotations

from urllib.parse import unquote

from workbench.core.phone import InvalidPhoneError, normalize_phone

SCHEMES = ("tel:", "callto:", "sip:", "sips:")


def number_from_link(text: str) -> str:
    """The canonical number of ``text`` (``tel:%2B86-138-0013-8000``, ``callto://+86…``);
    raises InvalidPhoneError."""
    raw = unquote(text.strip())
    low = raw.lower()
    for scheme in SCHEMES:
        if low.startswith(scheme):
            raw = raw[len(scheme):].lstrip("/")
            if scheme.startswith("sip"):
                raw = raw.split("@", 1)[0]
            break
    raw = raw.split(";", 1)[0].split("?", 1)[0]
    if not raw:
        raise InvalidPhoneError(f"not a phone number: {text!r}")
    return normalize_phone(raw)

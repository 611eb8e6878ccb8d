"""Personal links to the online zone: signed, bound to one customer, expiring.

A link is ``{online_base}/online/l/{token}``; the token is the customer id, time-stamped and
signed (HMAC-SHA1, ``itsdangerous``'s ``TimestampSigner``) under the server's secret
(``WORKBENCH_ONLINE_SECRET``, else the SMS secret). It cannot be guessed or altered, and it
stops working after :data:`LINK_DAYS` days. It is kept short on purpose: every character of
an SMS costs (a 67-character UCS-2 part each).
"""

from __future__ import annotations

import functools
import os
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

LINK_DAYS = 14
_SALT = "workbench-online-link"


class LinkError(ValueError):
    """A link that is forged, damaged or expired (``expired`` tells which)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def link_secret(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("WORKBENCH_ONLINE_SECRET") or env.get("WORKBENCH_SMS_SECRET") or ""


@functools.lru_cache(maxsize=8)
def _signer(secret: str) -> TimestampSigner:
    if not secret:
        raise LinkError("no secret configured for personal links (WORKBENCH_ONLINE_SECRET)")
    return TimestampSigner(secret, salt=_SALT)


def make_token(secret: str, customer_id: str) -> str:
    """A token for ``customer_id`` (time-stamped now)."""
    return _signer(secret).sign(customer_id).decode()


def make_link(secret: str, base: str, customer_id: str) -> str:
    return f"{base.rstrip('/')}/online/l/{quote(make_token(secret, customer_id), safe='')}"


def read_token(secret: str, token: str, *, max_age_days: int = LINK_DAYS) -> str:
    """The customer id of a valid token.

    Raises:
        LinkError: forged, damaged or expired.
    """
    if len(token) > 300:
        raise LinkError("this link is not valid")
    try:
        value = _signer(secret).unsign(token, max_age=max_age_days * 86400)
    except SignatureExpired:
        raise LinkError("this link has expired", expired=True) from None
    except BadSignature:
        raise LinkError("this link is not valid") from None
    try:
        customer_id = value.decode()
    except UnicodeDecodeError:
        raise LinkError("this link is not valid") from None
    if not customer_id or len(customer_id) > 40:
        raise LinkError("this link is not valid")
    return customer_id

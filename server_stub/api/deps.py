"""What the API's routers share: the error type, the caller (and the administrator) as
dependencies, the store as a dependency, and the small conversions of users and tokens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from server_stub import auth
from server_stub.api import schemas as s
from server_stub.storage.models import User
from workbench.core.codes import Role


class ApiError(Exception):
    """An error with an HTTP status and a message safe to show to users."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


#: Set when this process is asked to stop: long-polls answer at once instead of being cut.
SHUTTING_DOWN = threading.Event()


def store(request: Request) -> sessionmaker[Session]:
    """The central store's session factory (writes open their own unit of work on it)."""
    return request.app.state.factory  # type: ignore[no-any-return]


Store = Annotated[sessionmaker[Session], Depends(store)]


def read_session(factory: Store) -> Iterator[Session]:
    """A session for reading, closed after the request (writes use ``unit_of_work(factory)``
    inside the endpoint, so they commit before the answer is sent)."""
    with factory() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


def iso(value: Any) -> str:
    return value.isoformat()


def user_out(user: User) -> s.UserOut:
    return s.UserOut(id=user.id, username=user.username, display_name=user.display_name,
                     role=user.role, team_id=user.team_id, store_id=user.store_id)


def tokens_out(user: User, t: auth.IssuedTokens) -> s.TokensOut:
    return s.TokensOut(
        access_token=t.access_token, refresh_token=t.refresh_token, expires_at=iso(t.access_expires),
        refresh_expires_at=iso(t.refresh_expires), session_id=t.session_id, user=user_out(user),
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


_bearer = HTTPBearer(auto_error=False, description="access token from /api/v1/auth/login")


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_token(creds: HTTPAuthorizationCredentials | None) -> str:
    """The access token of the request if it is shaped like one, else 401 (no store access)."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise ApiError(401, "Not logged in.", {"WWW-Authenticate": "Bearer"})
    token = creds.credentials
    if len(token) > 200 or "\x00" in token:
        raise ApiError(401, "Not logged in or the token is invalid.", {"WWW-Authenticate": "Bearer"})
    return token


def caller_in(session: Session, token: str) -> auth.Principal:
    """The principal of ``token`` read through ``session``, or 401."""
    try:
        return auth.authenticate(session, token)
    except auth.AuthFailed as exc:
        raise ApiError(401, str(exc), {"WWW-Authenticate": "Bearer"}) from None


def principal(request: Request, creds: Bearer) -> auth.Principal:
    """The authenticated caller, or 401."""
    token = bearer_token(creds)
    with request.app.state.factory() as session:
        return caller_in(session, token)


Caller = Annotated[auth.Principal, Depends(principal)]


def admin(p: Caller) -> auth.Principal:
    """The caller if an administrator, else 403."""
    if p.role != Role.ADMIN:
        raise ApiError(403, "Only an administrator may do this.")
    return p


Admin = Annotated[auth.Principal, Depends(admin)]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": s.ErrorOut}, 401: {"model": s.ErrorOut}, 403: {"model": s.ErrorOut},
    404: {"model": s.ErrorOut}, 409: {"model": s.ErrorOut}, 413: {"model": s.ErrorOut},
    422: {"model": s.ErrorOut}, 426: {"model": s.ErrorOut}, 429: {"model": s.ErrorOut},
}

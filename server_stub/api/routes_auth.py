"""Log in, refresh, log out, who am I: the ``/api/v1/auth`` routes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from server_stub import audit, auth
from server_stub.api import schemas as s
from server_stub.api.deps import (
    ApiError,
    Caller,
    ReadSession,
    Store,
    client_address,
    iso,
    tokens_out,
    user_out,
)
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import User

router = APIRouter()


@router.post("/api/v1/auth/login", response_model=s.TokensOut, tags=["auth"])
def login(body: s.LoginIn, request: Request, factory: Store) -> s.TokensOut:
    """Log in; wrong credentials give 401, repeated failures 429 with Retry-After.

    ``client_id`` (the desktop's installation id) lets a device that logged in as this
    user before through while others guessing the account are throttled."""
    try:
        user, tokens = auth.login(factory, body.username, body.password, client_address(request),
                                  request.headers.get("user-agent", ""), client_id=body.client_id)
    except auth.Throttled as exc:
        audit.login_failed(factory, body.username, client_address(request), "throttled")
        headers = {"Retry-After": str(exc.retry_after)}
        if exc.until is not None:
            headers["X-Retry-At"] = iso(exc.until)
        raise ApiError(429, str(exc), headers) from None
    except auth.AuthFailed as exc:
        audit.login_failed(factory, body.username, client_address(request), str(exc))
        raise ApiError(401, str(exc)) from None
    with unit_of_work(factory) as session:
        audit.record(session, "login", user_id=user.id, address=client_address(request),
                     session_id=tokens.session_id, detail=body.username)
    return tokens_out(user, tokens)

@router.post("/api/v1/auth/refresh", response_model=s.TokensOut, tags=["auth"])
def refresh(body: s.RefreshIn, factory: Store) -> s.TokensOut:
    """New access and refresh tokens for a valid refresh token (rotates both). A refresh
    token already exchanged revokes its whole session."""
    try:
        user, tokens = auth.refresh(factory, body.refresh_token)
    except auth.AuthFailed as exc:
        raise ApiError(401, str(exc)) from None
    return tokens_out(user, tokens)

@router.post("/api/v1/auth/logout", response_model=s.OkOut, tags=["auth"])
def logout(p: Caller, factory: Store) -> s.OkOut:
    """End this session: its access and refresh tokens stop working."""
    with unit_of_work(factory) as session:
        auth.revoke_session(session, p.session_id)
    return s.OkOut()

@router.get("/api/v1/auth/me", response_model=s.UserOut, tags=["auth"])
def me(p: Caller, session: ReadSession) -> s.UserOut:
    """The logged-in user."""
    user = session.get(User, p.user_id)
    assert user is not None
    return user_out(user)

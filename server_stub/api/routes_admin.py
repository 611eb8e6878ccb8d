"""An administrator's routes: a user's sessions, revoking them, publishing policies."""

from __future__ import annotations

from fastapi import APIRouter, Request

from server_stub import audit, auth
from server_stub.api import schemas as s
from server_stub.api.deps import ERRORS, Admin, ApiError, Store, iso
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import User

router = APIRouter()


@router.get("/api/v1/admin/users/{user_id}/sessions", response_model=list[s.SessionOut], tags=["admin"])
def user_sessions(user_id: str, _p: Admin, factory: Store) -> list[s.SessionOut]:
    """A user's sessions, newest first (admin only)."""
    with unit_of_work(factory) as session:
        if session.get(User, user_id) is None:
            raise ApiError(404, f"no user {user_id}")
        audit.record(session, "admin:list_sessions", user_id=_p.user_id, detail=user_id, session_id=_p.session_id)
        return [
            s.SessionOut(id=a.id, user_id=a.user_id, created_at=iso(a.created_at),
                         access_expires=iso(a.access_expires), refresh_expires=iso(a.refresh_expires),
                         revoked=a.revoked, user_agent=a.user_agent)
            for a in auth.list_user_sessions(session, user_id)
        ]

@router.post("/api/v1/admin/users/{user_id}/sessions/revoke", response_model=s.OkOut, tags=["admin"])
def revoke_user(user_id: str, _p: Admin, factory: Store) -> s.OkOut:
    """Revoke every session of a user (admin only)."""
    with unit_of_work(factory) as session:
        if session.get(User, user_id) is None:
            raise ApiError(404, f"no user {user_id}")
        count = auth.revoke_user_sessions(session, user_id)
        audit.record(session, "admin:revoke_user", user_id=_p.user_id, rows=count, detail=user_id,
                     session_id=_p.session_id)
        return s.OkOut(count=count)

@router.post("/api/v1/admin/sessions/{session_id}/revoke", response_model=s.OkOut, tags=["admin"])
def revoke_one(session_id: str, _p: Admin, factory: Store) -> s.OkOut:
    """Revoke one session (admin only)."""
    with unit_of_work(factory) as session:
        if not auth.revoke_session(session, session_id[:40]):
            raise ApiError(404, f"no session {session_id}")
        audit.record(session, "admin:revoke_session", user_id=_p.user_id, detail=session_id[:40],
                     session_id=_p.session_id)
    return s.OkOut(count=1)


@router.post("/api/v1/admin/policies/publish", response_model=s.PublishOut, responses=ERRORS, tags=["admin"])
def publish_policies(body: s.PublishIn, _p: Admin, request: Request, factory: Store) -> s.PublishOut:
    """Publish policies, scripts and pressure limits (YAML, as the studio exports it):
    validated as a whole (nothing applied if any item is wrong), versions bumped,
    sent to every desktop through the change log."""
    from server_stub.policy_admin import apply_bundle
    from workbench.core.policies import PolicyYamlError, load_yaml

    try:
        report = apply_bundle(request.app.state.engine, load_yaml(body.yaml))
    except PolicyYamlError as exc:  # nothing applied
        raise ApiError(422, str(exc)) from None
    with unit_of_work(factory) as session:
        audit.record(session, "admin:publish_policies", user_id=_p.user_id, session_id=_p.session_id,
                     rows=sum(len(v) for v in (*report.created.values(), *report.updated.values())),
                     detail=f"created {report.created}, updated {report.updated}"[:2000])
    return s.PublishOut(created=report.created, updated=report.updated, unchanged=report.unchanged)

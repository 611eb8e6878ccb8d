"""HTTP routes of the lead lifecycle: the team pool, a customer's trail of task moves, the
team's lifecycle settings. Moves themselves (claim, release, reassign, call-backs) are push
mutations (``/api/v1/sync/push``), validated and applied like every desktop write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from server_stub.lifecycle.pool import (
    SETTING_RANGES,
    customer_moves,
    pool_items,
    save_settings,
    team_settings,
)
from server_stub.storage import models as m
from server_stub.storage.db import unit_of_work
from workbench.core.codes import Role


class PoolItemOut(BaseModel):
    task_id: str
    customer_id: str
    customer_name: str
    policy_id: str
    deal: float | None
    lead_tier: str | None
    barred_for_me: bool


class MoveOut(BaseModel):
    task_id: str
    action: str
    from_user_id: str | None
    to_user_id: str | None
    by_user_id: str | None
    reason: str
    at: str


class SettingsIn(BaseModel):
    """Some of a team's lifecycle settings (the others keep their values)."""

    model_config = ConfigDict(extra="forbid")
    callback_release_minutes: int | None = Field(None, ge=1, le=7 * 24 * 60)
    recycle_no_contact_days: int | None = Field(None, ge=1, le=365)
    recycle_no_deal_days: int | None = Field(None, ge=1, le=730)
    recycle_warning_days: int | None = Field(None, ge=0, le=60)
    claims_per_day: int | None = Field(None, ge=0, le=10_000)
    reclaim_bar_days: int | None = Field(None, ge=0, le=365)
    max_open_items: int | None = Field(None, ge=1, le=100_000)
    new_lead_protect_days: int | None = Field(None, ge=0, le=60)


class RetentionIn(BaseModel):
    """A lead's selection on the at-risk list: retention tasks for these customers."""

    model_config = ConfigDict(extra="forbid")
    customer_ids: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(..., max_length=1000)
    policy_id: str = Field(..., min_length=1, max_length=40)
    rule: str = Field(..., min_length=1, max_length=40)
    reason: str = Field(..., min_length=1, max_length=200)


def lifecycle_router(factory: sessionmaker[Session], principal: Callable[..., Any],
                     api_error: Callable[[int, str], Exception]) -> APIRouter:
    """The router; ``principal`` is the app's authentication dependency."""
    router = APIRouter(prefix="/api/v1", tags=["lifecycle"])
    auth = Depends(principal)  # (a default, not Annotated: these annotations are strings)

    def _team_of(p: Any, team: str | None) -> str:
        if p.role == Role.ADMIN:
            if not team:
                raise api_error(400, "An administrator names the team (?team=...).")
            return team
        if p.role not in (Role.AGENT, Role.LEAD) or p.team_id is None:
            raise api_error(403, "Only agents and leads of a team have a team pool.")
        if team not in (None, p.team_id):
            raise api_error(403, "That is another team's pool.")
        return str(p.team_id)

    @router.get("/pool", response_model=list[PoolItemOut])
    def pool(team: Annotated[str | None, Query(max_length=40)] = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 200, p: Any = auth) -> list[PoolItemOut]:
        """The team pool (公海): unheld open outbound tasks, best deal score first."""
        team_id = _team_of(p, team)
        with factory() as s:
            items = pool_items(s, team_id, limit)
        return [PoolItemOut(task_id=i.task_id, customer_id=i.customer_id, customer_name=i.customer_name,
                            policy_id=i.policy_id, deal=i.deal, lead_tier=i.lead_tier,
                            barred_for_me=i.previous_assignee_id == p.user_id and i.barred_until is not None)
                for i in items]

    @router.get("/customers/{customer_id}/moves", response_model=list[MoveOut])
    def moves(customer_id: str, p: Any = auth) -> list[MoveOut]:
        """The customer's trail of task moves (recycled, claimed, released, reassigned)."""
        from server_stub.sync import customer_scope_ok

        if len(customer_id) > 40:
            raise api_error(404, "No such customer in your scope.")
        with factory() as s:
            cust = s.get(m.Customer, customer_id)
            if cust is None or not customer_scope_ok(p, cust):
                raise api_error(404, "No such customer in your scope.")
            rows = customer_moves(s, customer_id)
        return [MoveOut(task_id=r.task_id, action=r.action, from_user_id=r.from_user_id, to_user_id=r.to_user_id,
                        by_user_id=r.by_user_id, reason=r.reason, at=r.at.isoformat()) for r in rows]

    @router.post("/retention-tasks")
    def retention_tasks(body: RetentionIn, p: Any = auth) -> dict[str, Any]:
        """Retention tasks for a selection of the at-risk list, handed out by ``rule``."""
        from server_stub.lifecycle.retention import RetentionRefused, create_retention_tasks

        engine = factory.kw["bind"]
        try:
            r = create_retention_tasks(engine, by_user=p.user_id, role=str(p.role), team_id=p.team_id,
                                       customer_ids=body.customer_ids, policy_id=body.policy_id,
                                       rule=body.rule, reason=body.reason)
        except RetentionRefused as exc:
            raise api_error(exc.status, str(exc)) from None
        return {"created": len(r.created), "skipped": len(r.skipped), "assigned": r.assigned,
                "waiting": r.waiting}

    @router.get("/teams/{team_id}/lifecycle-settings")
    def get_settings(team_id: str, p: Any = auth) -> dict[str, Any]:
        if p.role != Role.ADMIN and p.team_id != team_id:
            raise api_error(403, "That is another team's settings.")
        with factory() as s:
            cfg = team_settings(s, team_id)
        return {k: getattr(cfg, k) for k in SETTING_RANGES}

    @router.put("/teams/{team_id}/lifecycle-settings")
    def put_settings(team_id: str, body: SettingsIn, p: Any = auth) -> dict[str, Any]:
        """A lead sets their team's settings (an admin any team's); audited."""
        if not (p.role == Role.ADMIN or (p.role == Role.LEAD and p.team_id == team_id)):
            raise api_error(403, "Only the team's lead or an administrator changes these settings.")
        values = {k: v for k, v in body.model_dump().items() if v is not None}
        try:
            with unit_of_work(factory) as s:
                cfg = save_settings(s, team_id, values, p.user_id)
                s.add(m.AuditEntry(user_id=p.user_id, action="team_settings", detail=f"{team_id}: {values}"))
        except ValueError as exc:
            raise api_error(400, str(exc)) from None
        return {k: getattr(cfg, k) for k in SETTING_RANGES}

    return router

"""Admin routes for assignment (issue 17 points 3 and 4): the agents' skills, daily capacity
and away flag, edited in the workbench, and the named assignment rules the studio lists.

``GET  /api/v1/admin/agents?team=T``: a team's agents and leads with grade, skills, capacity
and away, and the skills a policy can ask for (the only ones an edit may set).
``PUT  /api/v1/admin/users/{user_id}/assignment``: change skills / capacity / away. Admin only,
audited (``admin:update_user``, before -> after), published to the desktops; refused with a
reason and nothing changed for an unknown user, a ``team_id`` that is not the user's (a
forged or stale id), a user who takes no tasks, unknown or malformed skills, too many.
``GET  /api/v1/admin/assignment-rules``: the stored rules and the built-in ones. Rules are
published through ``/api/v1/admin/policies/publish`` (the YAML bundle's ``assignment_rules``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.lifecycle.update_user import (
    MAX_CAPACITY,
    MAX_SKILLS,
    SKILL_PATTERN,
    UpdateRefused,
    UserChange,
    change_user,
)
from server_stub.storage import models as m
from server_stub.storage.db import unit_of_work
from workbench.core.codes import Role


class AgentOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    team_id: str | None
    grade: str | None
    skills: list[str]
    daily_capacity: int | None
    away: bool


class AgentsOut(BaseModel):
    agents: list[AgentOut]
    known_skills: list[str]


class AssignmentIn(BaseModel):
    """What to change; ``team_id`` must be the user's team (guards against a forged or stale id)."""

    model_config = ConfigDict(extra="forbid")
    team_id: str = Field(..., min_length=1, max_length=40)
    skills: list[Annotated[str, Field(min_length=1, max_length=30)]] | None = Field(None, max_length=MAX_SKILLS)
    daily_capacity: int | None = Field(None, ge=0, le=MAX_CAPACITY)
    no_capacity_limit: bool = False
    away: bool | None = None


class RuleOut(BaseModel):
    name: str
    kind: str
    params: dict[str, Any]
    description: str
    status: str
    version: int
    built_in: bool


def known_skills(session: Session) -> list[str]:
    """Skills some policy asks for, and those an agent already has: what an edit may set."""
    from server_stub.task_generation import _skills_for
    from workbench.core.policies import PolicySpec

    out: set[str] = set()
    for p in session.execute(select(m.Policy)).scalars():
        out |= {s for s in _skills_for(PolicySpec.from_row(p)) if SKILL_PATTERN.fullmatch(s)}
    for skills in session.execute(select(m.User.skills).where(m.User.role.in_((Role.AGENT.value, Role.LEAD.value)))
                                  ).scalars():
        out |= {s for s in (skills or []) if isinstance(s, str) and SKILL_PATTERN.fullmatch(s)}
    return sorted(out)


def _agent(u: m.User) -> AgentOut:
    return AgentOut(id=u.id, username=u.username, display_name=u.display_name, role=u.role, team_id=u.team_id,
                    grade=u.grade, skills=sorted(u.skills or []), daily_capacity=u.daily_capacity, away=bool(u.away))


def agent_admin_router(factory: sessionmaker[Session], principal: Callable[..., Any],
                       api_error: Callable[[int, str], Exception]) -> APIRouter:
    """The router; ``principal`` is the app's authentication dependency."""
    router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
    auth = Depends(principal)

    def _admin(p: Any) -> None:
        if p.role != Role.ADMIN:
            raise api_error(403, "Only an administrator manages agents and assignment rules.")

    @router.get("/agents", response_model=AgentsOut)
    def agents(team: Annotated[str | None, Query(max_length=40)] = None, p: Any = auth) -> AgentsOut:
        """Agents and leads (of ``team``, or all), by team and name."""
        _admin(p)
        query = select(m.User).where(m.User.role.in_((Role.AGENT.value, Role.LEAD.value)), m.User.active.is_(True))
        if team:
            query = query.where(m.User.team_id == team)
        with factory() as s:
            rows = s.execute(query.order_by(m.User.team_id, m.User.username)).scalars().all()
            return AgentsOut(agents=[_agent(u) for u in rows], known_skills=known_skills(s))

    @router.put("/users/{user_id}/assignment", response_model=AgentOut)
    def set_assignment(user_id: str, body: AssignmentIn, p: Any = auth) -> AgentOut:
        """Change an agent's skills, daily capacity or away flag (audited, sent to the desktops)."""
        from server_stub.sync import lock_log

        _admin(p)
        if len(user_id) > 40:
            raise api_error(404, "No such user.")
        if body.no_capacity_limit and body.daily_capacity is not None:
            raise api_error(400, "Give a daily capacity or no limit, not both.")
        skills = None
        if body.skills is not None:
            skills = sorted(set(body.skills))
            bad = [s for s in skills if not SKILL_PATTERN.fullmatch(s)]
            if bad:
                raise api_error(400, f"Skill {bad[0][:30]!r} is not a lower-case token of letters, digits, _ or -.")
        change = UserChange(skills, body.daily_capacity, body.no_capacity_limit, body.away)
        if skills is None and body.daily_capacity is None and not body.no_capacity_limit and body.away is None:
            raise api_error(400, "Nothing to change.")
        try:
            with unit_of_work(factory) as s:
                lock_log(s)
                user = s.get(m.User, user_id)
                if user is None:
                    raise api_error(404, "No such user.")
                if user.team_id != body.team_id:
                    raise api_error(409, "That user is not in that team (reload the list).")
                if skills is not None:
                    unknown = sorted(set(skills) - set(known_skills(s)))
                    if unknown:
                        raise api_error(400, f"Unknown skill(s): {', '.join(unknown)} (no policy asks for them).")
                change_user(s, user, change, by_user=p.user_id, session_id=p.session_id)
                s.flush()
                return _agent(user)
        except UpdateRefused as exc:
            raise api_error(400, str(exc)) from None

    @router.get("/assignment-rules", response_model=list[RuleOut])
    def rules(p: Any = auth) -> list[RuleOut]:
        """Every named assignment rule: stored ones, and the built-in ones no row overrides."""
        from server_stub.lifecycle.assignment import list_rules
        from workbench.core.assignment_rules import BUILT_IN

        _admin(p)
        with factory() as s:
            stored = set(s.execute(select(m.AssignmentRule.name)).scalars())
            return [RuleOut(**r.to_dict(), built_in=r.name in BUILT_IN and r.name not in stored)
                    for r in list_rules(s)]

    return router

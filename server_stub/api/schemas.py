"""Pydantic models of the HTTP API's request and response bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from server_stub.sync import MAX_BATCH


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: Text that the stores can hold (PostgreSQL refuses NUL characters).
SafeStr = Annotated[str, AfterValidator(_no_nul)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_Strict):
    username: SafeStr = Field(min_length=1, max_length=60)
    password: SafeStr = Field(min_length=1, max_length=256)
    client_id: SafeStr | None = Field(default=None, min_length=1, max_length=64,
                                      description="the desktop's installation id (lets a known device through "
                                                  "while others are throttled)")


class RefreshIn(_Strict):
    refresh_token: SafeStr = Field(min_length=1, max_length=200)


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    team_id: str | None
    store_id: str | None


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_at: str
    refresh_expires_at: str
    session_id: str
    user: UserOut


class MutationIn(_Strict):
    mutation_id: SafeStr = Field(min_length=1, max_length=64)
    entity: SafeStr = Field(min_length=1, max_length=30)
    op: SafeStr = Field(min_length=1, max_length=20)
    data: dict[str, Any]


class PushIn(_Strict):
    client_id: SafeStr = Field(min_length=1, max_length=64)
    mutations: list[MutationIn] = Field(max_length=MAX_BATCH)


class MutationResult(BaseModel):
    mutation_id: str
    status: str
    reason: str | None = None
    cursor: int | None = None
    original_status: str | None = None


class PushOut(BaseModel):
    results: list[MutationResult]
    cursor: int


class ChangeOut(BaseModel):
    cursor: int
    entity: str
    op: str
    data: dict[str, Any]


class PullOut(BaseModel):
    changes: list[ChangeOut]
    next_cursor: int
    has_more: bool


class LookupOut(BaseModel):
    customer: dict[str, Any]
    tasks: list[dict[str, Any]]
    contact_events: list[dict[str, Any]]
    acceptances: list[dict[str, Any]]
    work_orders: list[dict[str, Any]]


class HealthOut(BaseModel):
    status: str
    schema_version: int
    min_client_schema: int
    cursor: int


class SessionOut(BaseModel):
    id: str
    user_id: str
    created_at: str
    access_expires: str
    refresh_expires: str
    revoked: bool
    user_agent: str


class CtiEventIn(_Strict):
    agent: SafeStr = Field(min_length=1, max_length=60, description="username or user id of the agent")
    caller: SafeStr = Field(min_length=1, max_length=40, description="the caller's number, any spelling")
    call_id: SafeStr | None = Field(default=None, max_length=64)


class CtiEventOut(BaseModel):
    event_id: str
    cursor: int
    customer_id: str | None


class ThrottleOut(BaseModel):
    scope: str
    username: str
    source: str
    failures: int
    blocked_until: str
    retry_after: int


class ClearThrottleIn(_Strict):
    username: SafeStr | None = Field(default=None, min_length=1, max_length=60)
    address: SafeStr | None = Field(default=None, min_length=1, max_length=60)


class OkOut(BaseModel):
    ok: bool = True
    count: int | None = None


class ErrorOut(BaseModel):
    detail: str


class PublishIn(_Strict):
    yaml: SafeStr = Field(min_length=1, max_length=2_000_000,
                      description="policies, scripts and pressure limits, as exported by the studio")


class PublishOut(BaseModel):
    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    unchanged: dict[str, list[str]]

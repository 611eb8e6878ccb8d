"""HTTP endpoints of the SMS gateway's callbacks and of SMS administration.

The gateway's callbacks (``/api/v1/sms/dlr``, ``/api/v1/sms/inbound``) accept only the gateway:
the caller's address must be in ``WORKBENCH_SMS_ALLOW`` and the request must carry the shared
secret (an HMAC of the message id for delivery reports, the secret itself as ``key`` for
replies). Anything else gets a 403 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from server_stub.api.deps import Admin, ApiError, Caller
from server_stub.api.schemas import SafeStr
from server_stub.sms import outbox, replies, words
from server_stub.sms.gateway import NOT_CONFIGURED, GatewayConfigError, SmsSettings, make_sender
from server_stub.storage.db import unit_of_work
from workbench.core.sms_text import segments, validate_free_text, validate_template

router = APIRouter(tags=["sms"])
_T = TypeVar("_T")


def sms_settings(request: Request) -> SmsSettings:
    """The app's SMS settings (from the environment unless a test or ``serve`` set them)."""
    state = request.app.state
    current = getattr(state, "sms_settings", None)
    if current is None:
        try:
            current = SmsSettings.from_env()
        except GatewayConfigError as exc:
            raise ApiError(503, f"SMS gateway misconfigured: {exc}") from None
        state.sms_settings = current
    return current


def _factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.factory  # type: ignore[no-any-return]


def _gateway_only(request: Request, settings: SmsSettings) -> None:
    if not settings.configured:  # no gateway, so nobody is the gateway
        raise ApiError(403, f"{NOT_CONFIGURED}: gateway callbacks are refused")
    address = request.client.host if request.client else ""
    if not settings.address_allowed(address):
        raise ApiError(403, "Only the SMS gateway may call this.")


class DlrOut(BaseModel):
    message_id: str
    status: str


@router.get("/api/v1/sms/dlr", response_model=DlrOut)
async def delivery_report(
    request: Request,
    id: Annotated[str, Query(min_length=1, max_length=40)],
    sig: Annotated[str, Query(min_length=1, max_length=64)],
    status: Annotated[int, Query(ge=0, le=1 << 16, description="Kannel's %d")],
    answer: Annotated[str, Query(max_length=500)] = "",
    at: Annotated[str, Query(max_length=40)] = "",
) -> DlrOut:
    """A delivery report from the gateway (Kannel's dlr-url)."""
    settings = sms_settings(request)
    _gateway_only(request, settings)
    if not settings.signature_ok(id, sig):
        raise ApiError(403, "Wrong signature on the delivery report.")
    try:
        new = await _write(request, _apply_dlr, _factory(request), id, status, answer)
    except outbox.UnknownMessage as exc:
        raise ApiError(404, str(exc)) from None
    return DlrOut(message_id=id, status=new)


def _apply_dlr(factory: sessionmaker[Session], message_id: str, status: int, answer: str) -> str:
    with unit_of_work(factory) as session:
        return outbox.apply_dlr(session, message_id, status, answer)


async def _write(request: Request, func: Callable[..., _T], *args: Any) -> _T:
    """Run a write in the app's writer lane: on SQLite the callbacks of this process take
    turns on a lock (woken the moment the one before commits) instead of a dozen threads
    sleeping and retrying on the database file's lock (1, 2, 5 ... 100 ms)."""
    lane = getattr(request.app.state, "writers", None)
    if lane is None:
        return await run_in_threadpool(func, *args)
    return await lane.run(func, *args)


class InboundOut(BaseModel):
    reply_id: str
    kind: str
    customers: int


@router.get("/api/v1/sms/inbound", response_model=InboundOut)
def inbound(
    request: Request,
    key: Annotated[str, Query(min_length=1, max_length=200)],
    from_: Annotated[str, Query(alias="from", min_length=1, max_length=40)],
    text: Annotated[str, Query(max_length=1000)] = "",
    to: Annotated[str, Query(max_length=40)] = "",
    coding: Annotated[str, Query(max_length=4, description="Kannel's %c: 0 GSM, 1 8-bit, 2 UCS-2")] = "",
    charset: Annotated[str, Query(max_length=40, description="Kannel's %C")] = "",
) -> JSONResponse:
    """A customer's SMS to us (Kannel's sms-service get-url). Unknown numbers are kept (202)."""
    settings = sms_settings(request)
    _gateway_only(request, settings)
    if not settings.key_ok(key):
        raise ApiError(403, "Wrong key on the SMS callback.")
    text = _inbound_text(request, text)
    if "\x00" in text or "\x00" in from_ or "\x00" in to:
        raise ApiError(400, "NUL character in the message")
    with unit_of_work(_factory(request)) as session:
        out = replies.handle_reply(session, from_, to, text)
    body = InboundOut(reply_id=out.reply_id, kind=out.kind, customers=len(out.customer_ids))
    return JSONResponse(body.model_dump(), status_code=202 if out.kind == replies.UNKNOWN else 200)


def _inbound_text(request: Request, parsed: str) -> str:
    """The reply's text, decoded by its coding. The get-url should pass ``text=%b`` (the message
    as it came; ``%a`` re-joins "words" and turns bytes that look like blanks into spaces) with
    ``coding=%c&charset=%C``: Kannel passes a UCS-2 message's bytes
    as they came (``coding=2``, ``charset=UTF-16BE``), which a UTF-8 query parser mangles, so
    the raw query is read again."""
    raw: dict[bytes, bytes] = {}
    for pair in request.scope.get("query_string", b"").split(b"&"):
        key, _, value = pair.partition(b"=")
        raw[key] = unquote_to_bytes(value.replace(b"+", b" "))
    data = raw.get(b"text")
    if data is None:
        return parsed
    coding = raw.get(b"coding", b"").strip()
    charset = raw.get(b"charset", b"").decode("ascii", errors="replace").strip().upper()
    if coding == b"2" or charset in ("UTF-16BE", "UCS-2", "UCS2", "UTF-16"):
        if len(data) % 2:
            raise ApiError(400, "a UCS-2 message with an odd number of bytes")
        return data.decode("utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class SmsStatusOut(BaseModel):
    configured: bool
    gateway: str
    message: str
    outbox: dict[str, int]


@router.get("/api/v1/sms/status", response_model=SmsStatusOut)
def sms_status(request: Request, _p: Admin) -> SmsStatusOut:
    """Whether a gateway is configured, and the outbox by status (admin only)."""
    settings = sms_settings(request)
    with _factory(request)() as session:
        counts = outbox.outbox_counts(session)
    name = ""
    if settings.configured:
        try:
            sender = make_sender(settings)
            name = sender.name if sender else ""
            if sender:
                sender.close()
        except GatewayConfigError as exc:
            return SmsStatusOut(configured=False, gateway="", message=str(exc), outbox=counts)
    message = "ok" if settings.configured else f"{NOT_CONFIGURED}: messages wait in the outbox"
    return SmsStatusOut(configured=settings.configured, gateway=name, message=message, outbox=counts)


class CheckIn(BaseModel):
    text: str = Field(max_length=2000)
    template: bool = True


class IssueOut(BaseModel):
    code: str
    position: int
    message: str
    word: str | None = None
    name: str | None = None


class CheckOut(BaseModel):
    ok: bool
    issues: list[IssueOut]
    encoding: str
    units: int
    segments: int
    remaining: int


@router.post("/api/v1/sms/check", response_model=CheckOut)
def check_text(body: CheckIn, request: Request, _p: Caller) -> CheckOut:
    """Validate a template (or free text): placeholders, signature, sensitive words, segments."""
    with _factory(request)() as session:
        listed = words.load_words(session)
    issues = validate_template(body.text, listed) if body.template else validate_free_text(body.text, listed)
    from workbench.core.sms_text import estimate

    info = segments(estimate(body.text) if body.template else body.text)
    return CheckOut(ok=not issues, issues=[_issue(i.to_dict()) for i in issues], encoding=info.encoding,
                    units=info.units, segments=info.segments, remaining=info.remaining)


def _issue(d: dict[str, Any]) -> IssueOut:
    return IssueOut(code=d["code"], position=d["position"], message=d["message"],
                    word=d.get("word"), name=d.get("name"))


class WordsIn(BaseModel):
    words: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(max_length=5000)


class WordsOut(BaseModel):
    words: list[str]


@router.get("/api/v1/admin/sms/words", response_model=WordsOut, tags=["admin"])
def get_words(request: Request, _p: Admin) -> WordsOut:
    """The sensitive-word list (admin only)."""
    with _factory(request)() as session:
        return WordsOut(words=sorted(words.load_words(session)))


@router.put("/api/v1/admin/sms/words", response_model=WordsOut, tags=["admin"])
def put_words(body: WordsIn, request: Request, p: Admin) -> WordsOut:
    """Replace the sensitive-word list (admin only)."""
    try:
        with unit_of_work(_factory(request)) as session:
            stored = words.replace_words(session, body.words, p.user_id)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    return WordsOut(words=stored)


class TemplatesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: SafeStr = Field(min_length=1, max_length=1_000_000,
                          description="sms_templates: a list, as export-sms-templates writes it")


class TemplatesOut(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]


class TemplateOut(BaseModel):
    id: str
    name: str
    policy_id: str | None
    purpose: str
    body: str
    status: str
    version: int
    updated_at: str


class TemplatesYamlOut(BaseModel):
    yaml: str
    #: the same templates with their versions (what the policy studio lists)
    templates: list[TemplateOut] = []


@router.post("/api/v1/admin/sms/templates/publish", response_model=TemplatesOut, tags=["admin"])
def publish_templates(body: TemplatesIn, request: Request, p: Admin) -> TemplatesOut | JSONResponse:
    """Publish SMS templates (YAML), validated as a whole against the store's policies and
    sensitive words: any problem and nothing is applied (422 with every problem, each with its
    template, field and position). Audited like publishing policies, in the same transaction."""
    from server_stub import audit
    from server_stub.sms.templates import TemplateError, apply_templates, load_templates

    try:
        with unit_of_work(_factory(request)) as session:
            specs = load_templates(session, body.yaml)
            report = apply_templates(session, specs)
            audit.record(session, "admin:publish_sms_templates", user_id=p.user_id, session_id=p.session_id,
                         rows=len(report.created) + len(report.updated),
                         detail=f"created {report.created}, updated {report.updated}"[:2000])
    except TemplateError as exc:
        return JSONResponse({"detail": str(exc), "issues": [
            {"index": i.index, "id": i.item_id, "field": i.field, "message": i.message, "code": i.code,
             "position": i.position} for i in exc.issues]}, status_code=422)
    return TemplatesOut(created=report.created, updated=report.updated, unchanged=report.unchanged)


@router.get("/api/v1/admin/sms/templates", response_model=TemplatesYamlOut, tags=["admin"])
def get_templates(request: Request, _p: Admin) -> TemplatesYamlOut:
    """Every SMS template as YAML, and as a list with versions (admin only)."""
    from sqlalchemy import select

    from server_stub.sms.templates import export_templates
    from server_stub.storage.models import SmsTemplate

    with _factory(request)() as session:
        rows = session.execute(select(SmsTemplate).order_by(SmsTemplate.id)).scalars().all()
        listed = [TemplateOut(id=r.id, name=r.name, policy_id=r.policy_id, purpose=r.purpose, body=r.body,
                              status=r.status, version=r.version, updated_at=r.updated_at.isoformat())
                  for r in rows]
        return TemplatesYamlOut(yaml=export_templates(session), templates=listed)


class FunnelOut(BaseModel):
    messages: int
    sent: int
    delivered: int
    failed: int
    waiting: int
    customers_reached: int
    links_opened: int
    ordered: int
    cost: float
    cost_per_order: float | None


@router.get("/api/v1/reports/sms-funnel", response_model=FunnelOut, tags=["reports"])
def sms_funnel_report(
    request: Request, p: Caller,
    days: Annotated[int, Query(ge=1, le=366, description="the last N days")] = 30,
) -> FunnelOut:
    """SMS sent -> delivered -> link opened -> ordered online, with the cost per order (a team
    lead sees their team, an administrator everyone)."""
    import datetime as dt

    from server_stub.sms.report import sms_funnel
    from workbench.core.codes import Role

    if p.role not in (Role.LEAD, Role.ADMIN):
        raise ApiError(403, "Only team leads and administrators see the SMS funnel.")
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with _factory(request)() as session:
        funnel = sms_funnel(session, until - dt.timedelta(days=days), until,
                            team_id=p.team_id if p.role == Role.LEAD else None)
    return FunnelOut(**funnel.to_dict())

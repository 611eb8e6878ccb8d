"""The online zone's pages at ``/online/`` (server-rendered, no JavaScript needed, phone-sized,
Chinese first with English at ``?lang=en``).

Entry by the personal link of an SMS (``/online/l/{token}``, see :mod:`server_stub.online.links`)
or by mobile number and a one-time code. The session is a signed cookie (itsdangerous) holding
the customer id and the CSRF token of its forms; the login forms use a double-submit CSRF
cookie. Every refusal — a forged, expired or replayed link, a wrong or expired code, a repeated
order, an offer no longer available — is a friendly page with a 4xx status, and changes nothing.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from server_stub.online import service
from server_stub.online.links import LinkError, link_secret, read_token
from server_stub.online.texts import pick_lang, t
from server_stub.sms.gateway import SmsSettings
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Customer, OnlineOrder, Policy
from workbench.core.phone import InvalidPhoneError, mask_phone

router = APIRouter(prefix="/online", tags=["online"])
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

SESSION_COOKIE, CSRF_COOKIE, LANG_COOKIE = "wb_online", "wb_csrf", "wb_lang"
SESSION_MAX_AGE = 30 * 60
_HTML = {"text/html": {}}


def _factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.factory  # type: ignore[no-any-return]


def _sms_settings(request: Request) -> SmsSettings:
    current = getattr(request.app.state, "sms_settings", None)
    return current if current is not None else SmsSettings.from_env_or_default()


def _lang(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                     request.headers.get("accept-language"))


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _lang(request)
    response = templates.TemplateResponse(request, template, {"lang": lang, "t": lambda key, **kw: t(lang, key, **kw),
                                                          **context}, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/online", samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _message(request: Request, key: str, status: int, *, next_url: str = "", next_label: str = "",
             kind: str = "notice", **params: Any) -> HTMLResponse:
    lang = _lang(request)
    return _page(request, "message.html", status, message=t(lang, key, **params), next_url=next_url,
                 next_label=t(lang, next_label) if next_label else "", kind=kind)


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="workbench-online-session")


def _session(request: Request, secret: str) -> tuple[str, str] | None:
    """(customer id, csrf token) of a valid session cookie."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 500:
        return None
    try:
        data = _serializer(secret).loads(raw, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("x"), str):
        return None
    return data["c"], data["x"]


def _login_response(request: Request, secret: str, customer_id: str) -> Response:
    response = RedirectResponse("/online/offers", status_code=303)
    value = _serializer(secret).dumps({"c": customer_id, "x": secrets.token_urlsafe(16)})
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, path="/online", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


def _pre_csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)


def _with_pre_csrf(request: Request, response: HTMLResponse, token: str) -> HTMLResponse:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, max_age=3600, path="/online", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
    return response


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def _not_set_up(request: Request) -> HTMLResponse:
    return _message(request, "not_set_up", 404)


def _customer(request: Request, secret: str) -> tuple[Customer, str] | None:
    found = _session(request, secret)
    if found is None:
        return None
    with _factory(request)() as session:
        cust = session.get(Customer, found[0])
    return (cust, found[1]) if cust is not None else None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/", response_class=HTMLResponse, responses={404: {"content": _HTML}})
def home(request: Request) -> Response:
    """The login page (or the offers, when logged in)."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    if _customer(request, secret) is not None:
        return RedirectResponse("/online/offers", status_code=303)
    token = _pre_csrf(request)
    return _with_pre_csrf(request, _page(request, "login.html", csrf=token, error=""), token)


@router.get("/l/{token}", response_class=HTMLResponse, responses={400: {"content": _HTML}, 410: {"content": _HTML}})
def personal_link(request: Request, token: str) -> Response:
    """A personal link from an SMS: logs the customer in and shows their offers."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    try:
        customer_id = read_token(secret, token)
    except LinkError as exc:
        key = "link_expired" if exc.expired else "link_invalid"
        return _message(request, key, 410 if exc.expired else 400, next_url="/online/", next_label="to_login")
    with unit_of_work(_factory(request)) as session:
        if session.get(Customer, customer_id) is None:
            return _message(request, "link_invalid", 400, next_url="/online/", next_label="to_login")
        service.record_visit(session, customer_id, "link")
    return _login_response(request, secret, customer_id)


@router.post("/code/send", response_class=HTMLResponse,
             responses={400: {"content": _HTML}, 403: {"content": _HTML}, 409: {"content": _HTML},
                        429: {"content": _HTML}})
def send_code(request: Request, phone: Annotated[str, Form(max_length=40)] = "",
              csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Send a one-time code to a mobile number (throttled per number and per address)."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    if not _same(csrf, request.cookies.get(CSRF_COOKIE)):
        return _message(request, "form_expired", 403, next_url="/online/", next_label="back")
    settings = _sms_settings(request)
    if not settings.configured:
        return _message(request, "code_unavailable", 409)
    token = _pre_csrf(request)
    try:
        with unit_of_work(_factory(request)) as session:
            number = service.request_code(session, phone, _client(request), secret, settings)
    except InvalidPhoneError:
        return _with_pre_csrf(request, _page(request, "login.html", 400, csrf=token,
                                             error=t(_lang(request), "phone_invalid")), token)
    except service.CodeThrottled as exc:
        page = _message(request, "code_throttled", 429, s=exc.retry_after)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    pump = getattr(request.app.state, "sms_pump", None)
    if pump is not None:
        pump.kick()
    return _with_pre_csrf(request, _page(request, "code.html", csrf=token, phone=number,
                                         masked=mask_phone(number), error=""), token)


@router.post("/code/verify", response_class=HTMLResponse, responses={400: {"content": _HTML}, 403: {"content": _HTML}})
def verify_code(request: Request, phone: Annotated[str, Form(max_length=40)] = "",
                code: Annotated[str, Form(max_length=20)] = "",
                csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Log in with the code."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    if not _same(csrf, request.cookies.get(CSRF_COOKIE)):
        return _message(request, "form_expired", 403, next_url="/online/", next_label="back")
    try:
        with unit_of_work(_factory(request)) as session:
            try:
                cust = service.verify_code(session, phone, code.strip(), secret)
            except service.CodeRejected:
                session.commit()  # keep the attempt
                raise
            service.record_visit(session, cust.id, "code")
            customer_id = cust.id
    except service.CodeRejected:
        token = _pre_csrf(request)
        return _with_pre_csrf(request, _page(request, "code.html", 400, csrf=token, phone=phone[:20],
                                             masked=_masked(phone), error=t(_lang(request), "code_wrong")), token)
    return _login_response(request, secret, customer_id)


def _masked(phone: str) -> str:
    try:
        return mask_phone(phone)
    except (InvalidPhoneError, ValueError):
        return "***"


@router.get("/offers", response_class=HTMLResponse, responses={401: {"content": _HTML}, 404: {"content": _HTML}})
def offers(request: Request) -> Response:
    """The offers this customer may order online now."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    who = _customer(request, secret)
    if who is None:
        return _message(request, "session_needed", 401, next_url="/online/", next_label="to_login")
    cust, csrf = who
    with _factory(request)() as session:
        found = service.offers_for(session, cust)
    items = [{"id": o.policy.id, "name": o.policy.name, "pitch": o.policy.pitch, "description": o.policy.description,
              "left": o.remaining_quota} for o in found]
    return _page(request, "offers.html", name=cust.name, offers=items, csrf=csrf)


@router.get("/offers/{policy_id}/confirm", response_class=HTMLResponse,
            responses={401: {"content": _HTML}, 409: {"content": _HTML}})
def confirm(request: Request, policy_id: str) -> Response:
    """Ask the customer to confirm one offer (the form carries a one-time order token)."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    who = _customer(request, secret)
    if who is None:
        return _message(request, "session_needed", 401, next_url="/online/", next_label="to_login")
    cust, csrf = who
    with unit_of_work(_factory(request)) as session:
        token = service.start_order(session, cust, policy_id[:40])
        policy = session.get(Policy, policy_id[:40]) if token else None
    if token is None or policy is None:
        return _message(request, "ineligible", 409, next_url="/online/offers", next_label="to_offers")
    offer = {"id": policy.id, "name": policy.name, "pitch": policy.pitch, "description": policy.description}
    return _page(request, "confirm.html", offer=offer, token=token, csrf=csrf)


@router.post("/orders", response_class=HTMLResponse,
             responses={400: {"content": _HTML}, 401: {"content": _HTML}, 403: {"content": _HTML},
                        409: {"content": _HTML}})
def order(request: Request, token: Annotated[str, Form(max_length=100)] = "",
          csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Place the confirmed order: one acceptance (channel online), once."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    who = _customer(request, secret)
    if who is None:
        return _message(request, "session_needed", 401, next_url="/online/", next_label="to_login")
    cust, session_csrf = who
    if not _same(csrf, session_csrf):
        return _message(request, "form_expired", 403, next_url="/online/offers", next_label="to_offers")
    with unit_of_work(_factory(request)) as session:
        outcome = service.place_order(session, cust, token, _sms_settings(request))
    if outcome.kind == "placed":
        pump = getattr(request.app.state, "sms_pump", None)
        if pump is not None:
            pump.kick()
        return RedirectResponse(f"/online/done/{token}", status_code=303)
    if outcome.kind == "already":
        return _message(request, "already_done", 200, policy=outcome.policy_name, at=_local(outcome.at),
                        next_url="/online/offers", next_label="to_offers", kind="ok")
    if outcome.kind == "ineligible":
        return _message(request, "ineligible", 409, next_url="/online/offers", next_label="to_offers")
    return _message(request, "form_expired", 400, next_url="/online/offers", next_label="to_offers")


@router.get("/done/{token}", response_class=HTMLResponse, responses={404: {"content": _HTML}})
def done(request: Request, token: str) -> Response:
    """The confirmation page after an order (a reload shows it again, ordering nothing)."""
    secret = link_secret()
    if not secret:
        return _not_set_up(request)
    who = _customer(request, secret)
    with _factory(request)() as session:
        row = session.get(OnlineOrder, token[:64])
        policy = session.get(Policy, row.policy_id) if row is not None else None
    if who is None or row is None or row.used_at is None or policy is None or row.customer_id != who[0].id:
        return _message(request, "not_found", 404, next_url="/online/", next_label="to_offers")
    return _message(request, "done", 200, policy=policy.name, at=_local(row.used_at), kind="ok",
                    next_url="/online/offers", next_label="to_offers")


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request) -> Response:
    response = RedirectResponse("/online/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/online")
    return response


def _local(when: Any) -> str:
    """A time as the customer reads it (China time)."""
    from zoneinfo import ZoneInfo

    if when is None:
        return ""
    return when.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")

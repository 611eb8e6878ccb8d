"""The interactive desktop: log in, open the local store, show the main window, then sync.

Start-up with a stored session (the last user's refresh token in the keyring and their local
store on disk) shows the main window from the local store first: nothing that talks to the
server (httpx, the server client, the sync engine) is imported or run before the window's
first paint. The server is contacted afterwards, off the GUI thread (:class:`ServerLink`); a
refused session brings the login dialog over the window, an unreachable server leaves the
window working offline. Without a stored session the login comes first, as before.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.app import (
    install_excepthook,
    local_path_for,
    make_qapp,
    open_context,
    open_user_context,
)
from workbench.config import Settings
from workbench.services.actor import Actor

if TYPE_CHECKING:
    from workbench.services.credentials import KeyringStatus, TokenStore
    from workbench.services.server_api import LoginResult, ServerApi

log = logging.getLogger("workbench")

LOOKUP_TIMEOUT_S = 2.0


class Connection:
    """The httpx client and server API for one server URL (rebuilt if the user changes it).

    Certificates are verified against the system's CAs plus the company bundle of the
    ``ca_bundle`` setting; plain HTTP to another machine is refused unless ``allow_plain_http``.
    """

    def __init__(self, url: str, on_tokens: Any, device_id: str | None = None, *, ca_bundle: str = "", allow_plain_http: bool = False) -> None:
        import httpx

        from workbench.services.server_api import ApiError, ServerApi, tls_context

        self.url = url.rstrip("/")
        self.ca_bundle = ca_bundle
        self.allow_plain_http = allow_plain_http
        problem: ApiError | None = None
        verify: Any
        try:
            verify = tls_context(ca_bundle)
        except ApiError as exc:  # an unreadable bundle: every request says so
            problem, verify = exc, True
        self.http = httpx.Client(base_url=self.url, timeout=10.0, verify=verify)
        self.api = ServerApi(self.http, on_tokens=on_tokens, client_id=device_id,
                             allow_plain_http=allow_plain_http,
                             setup_error=problem)

    @classmethod
    def from_settings(cls, url: str, on_tokens: Any, settings: Settings,
                      device_id: str | None = None) -> Connection:
        return cls(url, on_tokens, device_id, ca_bundle=settings.get("ca_bundle"),
                   allow_plain_http=settings.get("allow_plain_http"))

    def for_url(self, url: str) -> Connection:
        """A connection like this one to another server address."""
        return Connection(url, self.api._on_tokens, self.api.client_id, ca_bundle=self.ca_bundle,
                          allow_plain_http=self.allow_plain_http)

    def close(self) -> None:
        self.http.close()


def show_login_failure(dialog: Any, exc: BaseException) -> None:
    """A failed login in the dialog: a throttle as the time to try again, else the message."""
    from workbench.services.server_api import ThrottledError
    from workbench.views.server_messages import describe

    if isinstance(exc, ThrottledError):
        dialog.show_throttled(exc.retry_after)
    else:
        dialog.show_error(describe(exc))


@dataclass
class _LoginAttempt:
    """What the login dialog's attempts share: the connection (a new one when the user changes
    the server's address) and the result of the attempt that succeeded."""

    conn: Connection
    result: LoginResult | None = None


def _login(conn: Connection, settings: Settings, args: argparse.Namespace,
           tokens: TokenStore, keyring_note: str) -> tuple[Connection, LoginResult | None]:
    """Log in: password from stdin, a remembered refresh token, or the login dialog."""
    from workbench.services.server_api import ApiError
    from workbench.ui.dialogs import LoginDialog
    from workbench.views.server_messages import describe
    from workbench.views.task_runner import TaskRunner

    if args.user and args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            return conn, conn.api.login(args.user, password)
        except ApiError as exc:
            print(f"workbench: login failed: {describe(exc)}", file=sys.stderr)
            return conn, None
    remembered = args.user or settings.get("last_username")
    token = tokens.load(remembered) if remembered else None
    if token:
        try:
            return conn, conn.api.refresh(token)
        except ApiError as exc:
            log.info("stored session not usable (%s); asking for the password", exc)
    runner = TaskRunner()
    dialog = LoginDialog(conn.url, remembered or "", keyring_note)
    state = _LoginAttempt(conn)

    def attempt(url: str, user: str, password: str) -> None:
        current = state.conn
        if url.rstrip("/") != current.url:
            current.close()
            current = state.conn = current.for_url(url)

        def ok(res: LoginResult) -> None:
            state.result = res
            settings.set("server_url", current.url)
            dialog.accept()

        runner.run(lambda: current.api.login(user, password), ok, lambda exc: show_login_failure(dialog, exc))

    dialog.login_requested.connect(attempt)
    dialog.exec()
    runner.wait_for_done(3000)
    return state.conn, state.result


class _StoredSession:
    """The keyring read in a thread of its own, overlapping the start of the GUI (a desktop
    keyring answers over D-Bus, and discovering its backend costs time too)."""

    def __init__(self, server_url: str, username: str | None) -> None:
        self.server_url = server_url
        self.username = username
        self.keyring_state: KeyringStatus | None = None
        self.tokens: TokenStore | None = None
        self.token: str | None = None
        self._thread = threading.Thread(target=self._read, name="keyring", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        from workbench.services.credentials import TokenStore, configure_keyring

        try:
            self.keyring_state = configure_keyring()
            self.tokens = TokenStore(self.server_url)
            if self.username and self.keyring_state.usable:
                self.token = self.tokens.load(self.username)
        except Exception:  # a broken keyring must not stop the app: the user logs in instead
            log.exception("could not read the keyring")

    def result(self) -> tuple[KeyringStatus, TokenStore, str | None]:
        from workbench.services.credentials import KeyringStatus, TokenStore

        self._thread.join()
        state = self.keyring_state or KeyringStatus(False, "error", "")
        return state, self.tokens or TokenStore(self.server_url), self.token


def after_first_paint(window: Any, callback: Callable[[], None], fallback_ms: int = 1000) -> None:
    """Run ``callback`` once, right after the first paint of ``window`` (or after
    ``fallback_ms`` if the window is not painted, e.g. on a locked screen)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    done: list[bool] = []

    def fire() -> None:
        if not done:
            done.append(True)
            app.removeEventFilter(watcher)
            callback()

    class Watcher(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint and obj.isWidgetType() and obj.window() is window:
                QTimer.singleShot(0, fire)  # once the whole window is painted
            return False

    watcher = Watcher(window)
    app.installEventFilter(watcher)
    QTimer.singleShot(fallback_ms, fire)


def run_desktop(args: argparse.Namespace) -> int:
    settings = Settings()
    language = args.lang or settings.get("language")
    server_url = (args.server or settings.get("server_url")).rstrip("/")
    remembered = args.user or settings.get("last_username") or None
    session = _StoredSession(server_url, None if args.password_stdin else remembered)
    app = make_qapp(language)
    install_excepthook()
    listener = _single_instance(args.call)
    if listener is None:
        return 0
    settings.set("server_url", server_url)
    from workbench.ui.main_window import MainWindow  # noqa: F401  (imported while the keyring answers)
    from workbench.views.server_link import ServerLink

    keyring_state, tokens, token = session.result()
    from workbench.services.device_id import device_id

    device = device_id(settings)

    def keep_token(res: LoginResult) -> None:
        if not tokens.save(res.user.username, res.refresh_token):
            log.warning("the refresh token could not be stored in the keyring")

    link = ServerLink(lambda: Connection.from_settings(server_url, keep_token, settings, device))
    ctx = None
    from workbench.desk_session import DeskSession, ScoringRef

    scoring_ref = ScoringRef()  # the scoring service needs the store; the pops need its rules
    rules = scoring_ref.cross_sell_rules
    if token and remembered:
        local = local_path_for(settings, remembered, args.data_dir)
        if local.exists():  # the stored session's user as synced into their local store
            ctx = open_user_context(local, remembered, cross_sell_rules=rules, language=language)
    if ctx is None:  # no usable stored session: log in first (dialog or stdin), as always
        conn, login = _login(Connection.from_settings(server_url, keep_token, settings, device), settings, args, tokens,
                             keyring_state.message)
        if login is None:
            conn.close()
            return 1
        user = login.user
        actor = Actor(user.id, user.username, user.display_name, user.role, user.team_id, user.store_id)
        local = local_path_for(settings, user.username, args.data_dir)
        ctx = open_context(local, actor, cross_sell_rules=rules, language=language)
        link.conn = conn
        start_link: Callable[[], None] = lambda: link.adopt(conn)  # noqa: E731
    else:
        start_link = lambda: link.resume(str(token))  # noqa: E731
    settings.set("last_username", ctx.actor.username)
    settings.save()
    return DeskSession(app, settings, args, ctx, scoring_ref, link, start_link, keyring_state, listener).run()


def _single_instance(number: str | None) -> Any | None:
    """The local socket, listened on before the log-in so that a second start finds this
    instance at once (calls are held until the window shows them). None: another start won
    the race for the socket and took the number; this one ends."""
    from workbench.ipc import CallListener, hand_over

    listener = CallListener()
    listener.hold()
    if listener.start():
        return listener
    if listener.already_running and hand_over(number) is not None:
        print("workbench is already running: handed over to its window")
        return None
    log.warning("no local socket (%s): `workbench call` and a second start cannot reach this window",
                listener.name)
    return listener


def bring_forward(window: Any) -> None:
    """A second start asked for the window: un-minimise, raise and activate it."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
    log.info("window brought forward by a second start")


def _log_in_again(window: Any, link: Any, settings: Settings, username: str, runner: Any, message: str) -> None:
    """The stored session was refused after the window showed: the login dialog over the window,
    for the same user (the window shows their local store). Cancelled: the window stays, offline."""
    from workbench.ui.dialogs import LoginDialog

    window.set_sync_status(message, False)
    conn = link.conn
    dialog = LoginDialog(conn.url, username, "", parent=window)
    state = _LoginAttempt(conn)

    def attempt(url: str, user: str, password: str) -> None:
        if user != username:
            dialog.show_error(link.wrong_user_text(username))
            return
        current = state.conn
        if url.rstrip("/") != current.url:
            current = state.conn = current.for_url(url)

        def ok(_res: LoginResult) -> None:
            settings.set("server_url", current.url)
            settings.save()
            if current is not link.conn:
                link.conn.close()
            dialog.accept()
            window.set_sync_status("", True)
            link.adopt(current)

        runner.run(lambda: current.api.login(user, password), ok, lambda exc: show_login_failure(dialog, exc))

    dialog.login_requested.connect(attempt)
    dialog.open()


def _switch_language(settings: Settings, language: str, window: Any) -> None:
    settings.set("language", language)
    settings.save()
    window.on_language_saved()


def _start_callback_alerts(window: Any, runner: Any, sf: Any, actor: Any) -> None:
    """Call-backs come back at their time: checked in the local store (works offline)."""
    from workbench.services.callbacks import due_callbacks
    from workbench.ui.callback_alert import CallbackAlerter
    from workbench.views.callback_alerts import CallbackAlerts

    alerts = CallbackAlerts(runner, lambda: due_callbacks(sf, actor), parent=window)
    alerter = CallbackAlerter(window, parent=window)
    alerts.callback_due.connect(alerter.on_callback_due)
    window.callback_alerts, window.callback_alerter = alerts, alerter
    alerts.start()


def _add_tools(window: Any, ctx: Any, actor: Actor, runner: Any,
               api: ServerApi | Callable[[], ServerApi | None] | None = None) -> None:
    """Dashboards for everyone (scoped: own / team / all), the policy studio for admins.

    Nothing of them is imported until the user opens one (pandas, pyqtgraph: a second of start-up).
    ``api``: the server client, or a callable giving it once connected (None: not yet)."""
    from workbench.core.codes import Role

    def dashboard() -> Any:
        from workbench.services.experiments import experiment_outcomes
        from workbench.ui.dashboard import create_dashboard

        def sms_figures(days: int) -> Any:  # the server's SMS report (issue 15 point 8)
            from workbench.services import channel_funnel
            from workbench.services.server_api import OfflineError

            found = api() if callable(api) else api
            if found is None:
                raise OfflineError("Not connected to the server yet. Try again in a moment.")
            return channel_funnel.fetch(found, days)

        def report_export(what: str, rows: int) -> None:  # the audit entry comes before the file
            from workbench.services.server_api import OfflineError

            found = api() if callable(api) else api
            if found is None:
                raise OfflineError("Not connected to the server yet. Try again in a moment.")
            found.report_export(what, rows)

        return create_dashboard(ctx.sf, actor, runner, experiments=lambda: experiment_outcomes(ctx.sf),
                                sms_figures=sms_figures if api is not None else None,
                                report_export=report_export if api is not None else None)[0]

    window.add_dashboards(dashboard)
    if actor.role in (Role.LEAD, Role.ADMIN):  # issue 17 point 7: the at-risk list

        def at_risk() -> Any:
            from workbench.services.at_risk import AtRiskService
            from workbench.services.server_api import OfflineError
            from workbench.ui.at_risk import AtRiskWidget

            def client() -> ServerApi:
                found = api() if callable(api) else api
                if found is None:
                    raise OfflineError("not connected to the server")
                return found

            service = AtRiskService(ctx.engine, actor.team_id if actor.role == Role.LEAD else None,
                                    lambda what, n: client().report_export(what, n),
                                    lambda *a: client().create_retention_tasks(*a))
            page = AtRiskWidget(service)
            page.reload()
            return page

        window.add_at_risk(at_risk)
    if actor.role == Role.ADMIN:

        def current_api() -> ServerApi:
            found = api() if callable(api) else api
            if found is None:
                from workbench.services.server_api import OfflineError

                raise OfflineError("Not connected to the server yet. Try again in a moment.")
            return found

        def studio() -> Any:
            from workbench.core.policies import dump_yaml
            from workbench.services.policy_admin import PolicyAdminService
            from workbench.ui.policy_studio import PolicyStudio
            from workbench.views.policy_studio_vm import PolicyStudioViewModel

            publisher = ((lambda spec: current_api().publish_policies(dump_yaml(policies=[spec])))
                         if api is not None else None)
            from workbench.services.sms_templates import SmsTemplateService
            from workbench.views.assignment_rules_vm import AssignmentRulesViewModel
            from workbench.views.sms_templates_vm import SmsTemplatesViewModel

            vm = PolicyStudioViewModel(PolicyAdminService(ctx.sf, publisher=publisher), runner)
            templates_vm = SmsTemplatesViewModel(
                SmsTemplateService(ctx.sf, current_api if api is not None else None), runner)
            rules_vm = AssignmentRulesViewModel(lambda: current_api().assignment_rules(),
                                                lambda text: current_api().publish_policies(text), runner)
            widget = PolicyStudio(vm, templates_vm=templates_vm, rules_vm=rules_vm)
            vm.setParent(widget)
            templates_vm.setParent(widget)
            rules_vm.setParent(widget)
            vm.reload()
            if widget.rules_page is not None:
                widget.rules_page.on_reload()
            return widget

        window.add_policy_studio(studio)

        def audit_log() -> Any:
            from workbench.ui.audit_log import AuditLogWindow
            from workbench.views.audit_vm import AuditLogViewModel

            vm = AuditLogViewModel(lambda **filters: current_api().audit_log(**filters), runner)
            widget = AuditLogWindow(vm)
            vm.setParent(widget)
            widget.on_search()
            return widget

        window.add_audit_log(audit_log)

        def agent_admin() -> Any:
            from workbench.ui.agent_admin import AgentAdminWindow
            from workbench.views.agent_admin_vm import AgentAdminViewModel

            vm = AgentAdminViewModel(lambda team: current_api().agents(team),
                                     lambda *a, **kw: current_api().set_agent_assignment(*a, **kw), runner)
            widget = AgentAdminWindow(vm)
            vm.setParent(widget)
            widget.on_reload()
            return widget

        window.add_agent_admin(agent_admin)

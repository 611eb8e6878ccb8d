"""The interactive desktop: log in, open the local store, sync, show the main window."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

import httpx

from workbench.app import install_excepthook, local_path_for, make_qapp, open_context
from workbench.config import Settings
from workbench.services.actor import Actor
from workbench.services.credentials import TokenStore, configure_keyring
from workbench.services.phone import InvalidPhoneError
from workbench.services.server_api import ApiError, LoginResult, OfflineError, ServerApi
from workbench.services.sync_engine import SyncEngine

log = logging.getLogger("workbench")

LOOKUP_TIMEOUT_S = 2.0


class Connection:
    """The httpx client and server API for one server URL (rebuilt if the user changes it)."""

    def __init__(self, url: str, on_tokens: Any) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=10.0)
        self.api = ServerApi(self.http, on_tokens=on_tokens)

    def close(self) -> None:
        self.http.close()


def _login(conn: Connection, settings: Settings, args: argparse.Namespace,
           tokens: TokenStore, keyring_note: str) -> tuple[Connection, LoginResult | None]:
    """Log in: password from stdin, a remembered refresh token, or the login dialog."""
    from workbench.ui.dialogs import LoginDialog
    from workbench.views.task_runner import TaskRunner

    if args.user and args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            return conn, conn.api.login(args.user, password)
        except ApiError as exc:
            print(f"workbench: login failed: {exc}", file=sys.stderr)
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
    state: dict[str, Any] = {"conn": conn}

    def attempt(url: str, user: str, password: str) -> None:
        current: Connection = state["conn"]
        if url.rstrip("/") != current.url:
            current.close()
            current = state["conn"] = Connection(url, current.api._on_tokens)

        def ok(res: LoginResult) -> None:
            state["result"] = res
            settings.set("server_url", current.url)
            dialog.accept()

        runner.run(lambda: current.api.login(user, password), ok, lambda exc: dialog.show_error(str(exc)))

    dialog.login_requested.connect(attempt)
    dialog.exec()
    runner.wait_for_done(3000)
    return state["conn"], state.get("result")


def run_desktop(args: argparse.Namespace) -> int:
    settings = Settings()
    language = args.lang or settings.get("language")
    app = make_qapp(language)
    install_excepthook()
    keyring_state = configure_keyring()
    server_url = (args.server or settings.get("server_url")).rstrip("/")
    settings.set("server_url", server_url)
    tokens = TokenStore(server_url)

    def keep_token(res: LoginResult) -> None:
        if not tokens.save(res.user.username, res.refresh_token):
            log.warning("the refresh token could not be stored in the keyring")

    conn, login = _login(Connection(server_url, keep_token), settings, args, tokens, keyring_state.message)
    if login is None:
        conn.close()
        return 1
    api = conn.api
    user = login.user
    settings.set("last_username", user.username)
    settings.save()
    actor = Actor(user.id, user.username, user.display_name, user.role, user.team_id, user.store_id)
    local = local_path_for(settings, user.username, args.data_dir)
    holder: dict[str, Any] = {}  # the scoring service needs the store; the pops need its rules
    ctx = open_context(local, actor, cross_sell_rules=lambda: holder["scoring"].cross_sell_rules,
                       language=language)

    from workbench.ipc import CallListener
    from workbench.services.call_events import CallEvent, Source
    from workbench.services.desk_scoring import DeskScoring
    from workbench.ui.main_window import MainWindow
    from workbench.views.scoring_controller import ScoringController
    from workbench.views.softphone_controller import SoftphoneController
    from workbench.views.sync_controller import SyncController
    from workbench.views.task_runner import TaskRunner
    from workbench.views.workbench_vm import WorkbenchViewModel

    engine = SyncEngine(ctx.sf, api, SyncEngine.client_id_for(ctx.sf))

    def server_lookup(number: str) -> bool:
        try:
            found = api.lookup_customer(number)
        except OfflineError:
            return False
        if not found:
            return False
        engine.apply_lookup(found)
        return True

    runner = TaskRunner()
    scoring = holder["scoring"] = DeskScoring(ctx.sf)
    vm = WorkbenchViewModel(runner, actor, ctx.pops, ctx.outcomes, ctx.sf, server_lookup,
                            explain=scoring.explain)
    window = MainWindow(vm, undo_seconds=int(settings.get("undo_seconds")))
    window.language_change_requested.connect(lambda lang: _switch_language(settings, lang, window))
    _add_tools(window, ctx, actor, runner, api)
    if not keyring_state.usable:
        window.statusBar().showMessage(keyring_state.message, 15000)

    def reauth() -> bool:
        try:
            api.refresh()
            return True
        except ApiError:
            return False

    sync = SyncController(engine, ctx.sf, hold_seconds=float(settings.get("undo_seconds")), reauth=reauth)

    scorer = ScoringController(scoring, runner)
    scorer.progress.connect(window.on_scoring_progress)
    scorer.refreshed.connect(lambda _n: (vm.invalidate(), vm.refresh_worklist()))
    scorer.model_error.connect(window.on_model_error)
    sync.data_changed.connect(scorer.check)
    sync.status_changed.connect(window.on_sync_status)
    sync.data_changed.connect(vm.invalidate)
    sync.data_changed.connect(window.refresh_open_pops)
    sync.data_changed.connect(vm.refresh_worklist)
    sync.call_event.connect(vm.on_call_event)
    sync.initial_progress.connect(window.on_sync_progress)
    sync.fatal.connect(lambda m: window.set_sync_status(m, False))
    vm.saved.connect(lambda _r: sync.kick())
    vm.undone.connect(lambda _ok: sync.kick())
    vm.accepted.connect(lambda _c, _p: sync.kick(force=True))

    phone = SoftphoneController(str(settings.get("softphone_host")), int(settings.get("softphone_port")))
    phone.connection_changed.connect(window.on_softphone_connection)
    phone.call_ringing.connect(vm.on_call_event)
    phone.call_ended.connect(window.on_call_ended)
    phone.command_failed.connect(lambda cmd, m: window.statusBar().showMessage(f"{cmd}: {m}", 10000))
    window.dial_number.connect(phone.dial)
    if int(settings.get("softphone_port")) == 0:
        window.on_no_softphone()

    listener = CallListener()
    listener.call_received.connect(vm.on_call_event)
    listener.error.connect(lambda m: window.statusBar().showMessage(m, 10000))
    listener.start()

    window.show()
    sync.start()
    phone.start()
    vm.refresh_worklist()
    scorer.check()
    if args.call:
        try:
            vm.on_call_event(CallEvent.from_number(args.call, Source.CLI))
        except InvalidPhoneError as exc:
            window.statusBar().showMessage(str(exc), 8000)
    code = app.exec()
    listener.close()
    scorer.cancel()
    phone.stop()
    sync.stop()
    runner.wait_for_done(5000)
    conn.close()
    ctx.engine.dispose()
    return int(code)


def _switch_language(settings: Settings, language: str, window: Any) -> None:
    settings.set("language", language)
    settings.save()
    window.on_language_saved()


def _add_tools(window: Any, ctx: Any, actor: Actor, runner: Any, api: ServerApi | None = None) -> None:
    """Dashboards for everyone (scoped: own / team / all), the policy studio for admins."""
    from workbench.services.codes import Role
    from workbench.services.experiments import experiment_outcomes
    from workbench.ui.dashboard import create_dashboard

    window.add_dashboards(lambda: create_dashboard(ctx.sf, actor, runner,
                                                   experiments=lambda: experiment_outcomes(ctx.sf))[0])
    if actor.role == Role.ADMIN:
        from workbench.services.policy_admin import PolicyAdminService
        from workbench.ui.policy_studio import PolicyStudio
        from workbench.views.policy_studio_vm import PolicyStudioViewModel

        def studio() -> Any:
            from workbench.services.policies import dump_yaml

            publisher = (lambda spec: api.publish_policies(dump_yaml(policies=[spec]))) if api else None
            vm = PolicyStudioViewModel(PolicyAdminService(ctx.sf, publisher=publisher), runner)
            widget = PolicyStudio(vm)
            vm.setParent(widget)
            vm.reload()
            return widget

        window.add_policy_studio(studio)

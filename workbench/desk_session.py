"""The desktop's wiring, as one typed object: the main window on the local store, its
view-model, the scoring, softphone and call-listener controllers, and — once the server link
is up — the sync engine and its controller.

:func:`workbench.desktop.run_desktop` logs in and opens the local store, then hands over to
:meth:`DeskSession.run`. Each part is an attribute with its type, created in ``__init__`` (or,
for the parts that need the server, in :meth:`DeskSession.start_sync`); the callbacks that the
view-model and the window need are methods, so nothing is shared through closures or dicts.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.app import LocalContext
from workbench.config import Settings

if TYPE_CHECKING:
    from workbench.ipc import CallListener
    from workbench.services.call_events import CallEvent
    from workbench.services.credentials import KeyringStatus
    from workbench.services.desk_scoring import DeskScoring
    from workbench.services.server_api import ServerApi
    from workbench.services.sync_engine import SyncEngine
    from workbench.views.server_link import ServerLink
    from workbench.views.sync_controller import SyncController

log = logging.getLogger("workbench")


class ScoringRef:
    """The desk's scoring service, created after the local store is open; the pops read its
    cross-sell rules through :meth:`cross_sell_rules` (the store opens before the service)."""

    def __init__(self) -> None:
        self.scoring: DeskScoring | None = None

    def cross_sell_rules(self) -> Any:
        assert self.scoring is not None, "the scoring service is created with the desk session"
        return self.scoring.cross_sell_rules


class DeskSession:
    """One user's desk from the first paint of the main window to its close."""

    def __init__(self, app: Any, settings: Settings, args: argparse.Namespace, ctx: LocalContext,
                 scoring_ref: ScoringRef, link: ServerLink, start_link: Callable[[], None],
                 keyring_state: KeyringStatus, listener: CallListener | None = None) -> None:
        from workbench.desktop import (
            _add_tools,
            _log_in_again,
            _start_callback_alerts,
            _switch_language,
        )
        from workbench.ipc import CallListener
        from workbench.services.desk_scoring import DeskScoring
        from workbench.services.portrait_edit import PortraitEditor
        from workbench.ui.main_window import MainWindow
        from workbench.views.scoring_controller import ScoringController
        from workbench.views.softphone_controller import SoftphoneController
        from workbench.views.task_runner import TaskRunner
        from workbench.views.workbench_vm import WorkbenchViewModel

        self.app, self.settings, self.args, self.ctx = app, settings, args, ctx
        self.link, self._start_link = link, start_link
        self.actor = ctx.actor
        #: the sync engine and its controller, once the server link is up
        self.engine: SyncEngine | None = None
        self.sync: SyncController | None = None
        self._started = False

        self.runner = TaskRunner()
        self.scoring = scoring_ref.scoring = DeskScoring(ctx.sf)
        self.vm = WorkbenchViewModel(self.runner, self.actor, ctx.pops, ctx.outcomes, ctx.sf, self.server_lookup,
                                     explain=self.scoring.explain, reveal=self.reveal,
                                     report_export=self.report_export,
                                     portraits=PortraitEditor(ctx.sf, self.scoring), moves=self.moves)
        self.vm.refresh_worklist()  # read in a worker while the window is built; shown when it arrives
        self.window = MainWindow(self.vm, undo_seconds=int(settings.get("undo_seconds")))
        self.window.language_change_requested.connect(lambda lang: _switch_language(settings, lang, self.window))
        _start_callback_alerts(self.window, self.runner, ctx.sf, self.actor)
        _add_tools(self.window, ctx, self.actor, self.runner, lambda: self.link.api)
        if not keyring_state.usable:
            self.window.statusBar().showMessage(keyring_state.message, 15000)
        if ctx.notice:  # e.g. the local store's key was missing: a fresh sync is under way
            self.window.statusBar().showMessage(ctx.notice, 30000)

        self.vm.saved.connect(lambda _r: self.kick())
        self.vm.undone.connect(lambda _ok: self.kick())
        self.vm.accepted.connect(lambda _c, _p: self.kick(force=True))

        self.scorer = ScoringController(self.scoring, self.runner)
        self.scorer.progress.connect(self.window.on_scoring_progress)
        self.scorer.refreshed.connect(self._scores_refreshed)
        self.scorer.model_error.connect(self.window.on_model_error)

        link.connected.connect(self.start_sync)
        link.session_refused.connect(lambda message: _log_in_again(self.window, link, settings, self.actor.username,
                                                                   self.runner, message))

        port = int(settings.get("softphone_port"))
        self.phone = SoftphoneController(str(settings.get("softphone_host")), port)
        self.phone.connection_changed.connect(self.window.on_softphone_connection)
        self.phone.call_ringing.connect(self.vm.on_call_event)
        self.phone.call_ended.connect(self.window.on_call_ended)
        self.phone.command_failed.connect(self.window.on_softphone_command_failed)
        self.window.dial_number.connect(self.phone.dial)
        if port == 0:
            self.window.on_no_softphone()

        if listener is None:  # listened on before the log-in (run_desktop); else here
            listener = CallListener()
            listener.hold()
            listener.start()
        self.listener = listener
        listener.call_received.connect(self.vm.on_call_event)
        listener.activate_requested.connect(self.bring_forward)
        if not listener.is_listening():
            self.window.on_no_local_socket()
        listener.release()  # the calls that arrived during the log-in

    def _scores_refreshed(self, _count: int) -> None:
        self.vm.invalidate()
        self.vm.refresh_worklist()

    # ------------------------------------------------------------------ server calls (task runner)

    def _api(self) -> ServerApi:
        api = self.link.api
        if api is None:
            from workbench.services.server_api import OfflineError

            raise OfflineError("not connected to the server")
        return api

    def server_lookup(self, event: CallEvent) -> str | bool | None:
        """A caller outside the local store: ask the server (a serve grant when the caller is
        outside the user's book); ``False`` while not connected."""
        engine, api = self.engine, self.link.api
        if engine is None or api is None:
            return False  # not connected (yet): the local store is all there is
        from workbench.services.serving import ServeClient

        serving = ServeClient(self.ctx.sf, api, engine.apply_lookup, self.actor)
        serving.purge_expired()
        return serving.lookup(event)

    def reveal(self, customer_id: str) -> str:
        """A customer's full number, from the server (which audits it)."""
        return self._api().reveal_number(customer_id, reason="shown on the desk")

    def report_export(self, what: str, rows: int) -> None:
        """Record an export on the server before the file is written."""
        self._api().report_export(what, rows)

    def moves(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's task moves for the pop's trail, from the server."""
        return self._api().customer_moves(customer_id)

    # ------------------------------------------------------------------ sync

    def kick(self, force: bool = False) -> None:
        """Push what was just saved (now, or after the undo window)."""
        if self.sync is not None:
            self.sync.kick(force=force)

    def start_sync(self, api: ServerApi) -> None:
        """The server link is up: start the sync engine and its controller (once)."""
        from workbench.services.server_api import ApiError
        from workbench.services.serving import ServeClient
        from workbench.services.sync_engine import SyncEngine
        from workbench.views.sync_controller import SyncController

        if self.sync is not None:
            return
        engine = self.engine = SyncEngine(self.ctx.sf, api, SyncEngine.client_id_for(self.ctx.sf))
        ServeClient(self.ctx.sf, api, engine.apply_lookup, self.actor).purge_expired()  # grants ended while closed

        def reauth() -> bool:
            try:
                api.refresh()
                return True
            except ApiError:
                return False

        sync = self.sync = SyncController(engine, self.ctx.sf, hold_seconds=float(self.settings.get("undo_seconds")),
                                          reauth=reauth)
        window, vm = self.window, self.vm
        sync.data_changed.connect(self.scorer.check)
        sync.status_changed.connect(window.on_sync_status)
        sync.data_changed.connect(vm.invalidate)
        sync.data_changed.connect(window.refresh_open_pops)
        sync.data_changed.connect(vm.refresh_worklist)
        sync.call_event.connect(vm.on_call_event)
        sync.lead_replaced.connect(vm.on_lead_replaced)
        sync.initial_progress.connect(window.on_sync_progress)
        sync.fatal.connect(lambda m: window.set_sync_status(m, False))
        sync.start()

    # ------------------------------------------------------------------ start and stop

    def bring_forward(self) -> None:
        from workbench.desktop import bring_forward

        bring_forward(self.window)

    def _after_show(self) -> None:
        """What the window does not need for its first paint."""
        self._start_link()
        self.phone.start()
        self.scorer.check()

    def _after_usable_paint(self) -> None:
        """The rest waits for the first paint that shows the work list (or the fallback): started
        earlier, its imports and threads would hold the GIL while the work list is painted."""
        from workbench.desktop import after_first_paint

        if not self._started:
            self._started = True
            after_first_paint(self.window, self._after_show, fallback_ms=500)

    def run(self) -> int:
        """Show the window, run the event loop, then stop every part; the app's exit code."""
        from PySide6.QtCore import QTimer

        from workbench.core.phone import InvalidPhoneError
        from workbench.services.call_events import CallEvent, Source
        from workbench.views.errors import user_message

        self.vm.worklist_ready.connect(lambda _items: self._after_usable_paint())
        # the work list could not be read: do not wait for it
        self.vm.message.connect(lambda _m: self._after_usable_paint())
        self.window.show()
        QTimer.singleShot(3000, self._after_usable_paint)
        if self.args.call:
            try:
                self.vm.on_call_event(CallEvent.from_number(self.args.call, Source.CLI))
            except InvalidPhoneError as exc:
                self.window.statusBar().showMessage(user_message(exc), 8000)
        code = self.app.exec()
        self.close()
        return int(code)

    def close(self) -> None:
        """Stop the listener, the scoring, the softphone and sync; wait for running tasks."""
        self.listener.close()
        self.scorer.cancel()
        self.phone.stop()
        if self.sync is not None:
            self.sync.stop()
        self.runner.wait_for_done(5000)
        self.link.close()
        self.ctx.engine.dispose()

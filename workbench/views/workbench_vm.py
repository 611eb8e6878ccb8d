"""The workbench's main view-model: call events in, screen pops and saved outcomes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from workbench.core.codes import REACHED, WrapUp
from workbench.core.errors import UserError
from workbench.services.actor import Actor
from workbench.services.call_events import CallEvent, Source
from workbench.services.dialing import DialCheck, DialService
from workbench.services.outcomes import OutcomeInput, OutcomeService, Recorded
from workbench.services.portrait_edit import PortraitEditor, PortraitSaved
from workbench.services.screen_pop import ScreenPop, ScreenPopService
from workbench.services.worklist import WorkItem, load_worklist, stores_by_city
from workbench.views.errors import user_message
from workbench.views.task_runner import Latest, TaskRunner

#: ``server_lookup(event) -> customer id | False``: ask the server once for an unknown caller
#: or walk-in (a serve grant outside the user's book); the customer's id (or True) if it put
#: them in the local store.
ServerLookup = Callable[[CallEvent], "str | bool | None"]
#: Lookup keys the server answers for (an ID number only there: desks hold none).
SERVER_KEY_KINDS = ("phone", "member_no", "id_number")


class WorkbenchViewModel(QObject):
    """Adapts the services for the main window. All work runs on the task runner.

    Signals:
        pop_ready(ScreenPop, CallEvent): a snapshot to show for a call event.
        unknown_caller(CallEvent): nobody matches locally nor on the server: new-lead form.
        lookup_failed(str): the lookup itself failed (message safe to show).
        saved(Recorded): an outcome was saved (to the local store and the outbox).
        save_failed(str): the outcome was refused; nothing was written.
        undone(bool): True if the last save was taken back, False if it was already sent.
        worklist_ready(list): the refreshed work list.
        message(str): something to tell the user in the status bar.
        dial_ready(str): contact pressure allows the call: dial this number.
        dial_blocked(DialCheck): pressure blocks the call (a lead may override some reasons).
        dial_refused(str): the call may not start; why.
        explanation_ready(str, Score): a customer's deal score and its top reasons (after the pop).
        accepted(str, str): customer id and policy id of an acceptance just recorded.
        pop_refreshed(ScreenPop): a newer snapshot of a customer already on screen.
        objection_matched(str, object): customer id and (title, answer, score) or None.
        number_revealed(str, str): customer id and their full number (an audited reveal).
        moves_ready(str, tuple): customer id and the moves of their tasks as trail lines
            (``TrailItem`` with ``move`` set), fetched from the server after the pop.
    """

    pop_ready = Signal(object, object)
    unknown_caller = Signal(object)
    lookup_failed = Signal(str)
    saved = Signal(object)
    save_failed = Signal(str)
    undone = Signal(bool)
    worklist_ready = Signal(list)
    lead_created = Signal(str)
    message = Signal(str)
    dial_ready = Signal(str)
    dial_blocked = Signal(object)
    dial_refused = Signal(str)
    explanation_ready = Signal(str, object)
    accepted = Signal(str, str)
    pop_refreshed = Signal(object)
    objection_matched = Signal(str, object)
    number_revealed = Signal(str, str)
    portrait_saved = Signal(str)
    portrait_failed = Signal(str, str)
    moves_ready = Signal(str, tuple)

    def __init__(
        self,
        runner: TaskRunner,
        actor: Actor,
        pops: ScreenPopService,
        outcomes: OutcomeService,
        session_factory: Any,
        server_lookup: ServerLookup | None = None,
        parent: QObject | None = None,
        dialing: DialService | None = None,
        explain: Callable[[str], Any] | None = None,
        reveal: Callable[[str], str] | None = None,
        report_export: Callable[[str, int], None] | None = None,
        portraits: PortraitEditor | None = None,
        moves: Callable[[str], list[dict[str, Any]]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.actor = actor
        self._pops = pops
        self._outcomes = outcomes
        self._sf = session_factory
        self._server_lookup = server_lookup
        self._last_saved: Recorded | None = None
        self._stores: list[tuple[str, str, str]] | None = None
        self._dialing = dialing or DialService(session_factory, actor)
        self._explain = explain
        self._reveal = reveal
        self._report_export = report_export
        self._portraits = portraits or PortraitEditor(session_factory)
        self._moves = moves
        self._moves_latest = Latest(runner)

    # ------------------------------------------------------------------ calls
    def on_call_event(self, event: CallEvent) -> None:
        """Pop the view for ``event`` (any source). Unknown locally -> ask the server once."""

        def work() -> ScreenPop | None:
            pop = self._pops.build(event.number, key_kind=event.key_kind, channel=event.channel)
            if pop is None and self._server_lookup is not None and event.key_kind in SERVER_KEY_KINDS:
                found = self._server_lookup(event)
                if found:
                    pop = self._pops.build(event.number, key_kind=event.key_kind, channel=event.channel)
                if pop is None and isinstance(found, str):  # e.g. an ID number: the desk holds none
                    with self._sf() as s:
                        pop = self._pops.build_for(s, found, channel=event.channel)
            return pop

        def done(pop: ScreenPop | None) -> None:
            if pop is None:
                self.unknown_caller.emit(event)
            else:
                self.pop_ready.emit(pop, event)
                self.request_explanation(pop.portrait.id)
                self.request_moves(pop.portrait.id)

        self.runner.run(work, done, lambda exc: self.lookup_failed.emit(user_message(exc)))

    def request_explanation(self, customer_id: str) -> None:
        """Second stage of a pop: why the model scores this customer as it does."""
        explain = self._explain
        if explain is None:
            return

        def done(score: Any) -> None:
            if score is not None:
                self.explanation_ready.emit(customer_id, score)

        self.runner.run(lambda: explain(customer_id), done,
                        lambda exc: self.message.emit(self.tr("Could not explain the score: {e}").format(e=user_message(exc))))

    def request_moves(self, customer_id: str) -> None:
        """Third stage of a pop: the moves of the customer's tasks (recycled, claimed, released,
        reassigned) from the server, for the trail; the newest pop wins. Offline, the trail
        keeps showing the contacts alone (and says nothing: the status bar shows offline)."""
        fetch = self._moves
        if fetch is None:
            return

        def work() -> tuple[Any, ...]:
            from workbench.services.task_moves import fetch_moves, move_trail_items

            return move_trail_items(fetch_moves(fetch, customer_id), self._pops.user_names())

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, UserError):
                raise exc

        self._moves_latest.run(work, lambda items: self.moves_ready.emit(customer_id, tuple(items)), failed)

    def refresh_pop(self, customer_id: str, channel: str = "outbound") -> None:
        """Rebuild a shown snapshot (after a save, an acceptance or a sync)."""

        def work() -> ScreenPop | None:
            with self._sf() as s:
                return self._pops.build_for(s, customer_id, channel=channel)

        def done(pop: ScreenPop | None) -> None:
            if pop is not None:
                self.pop_refreshed.emit(pop)

        self.runner.run(work, done, lambda exc: self.lookup_failed.emit(user_message(exc)))

    # ------------------------------------------------------------------ writes
    def save_outcome(self, data: OutcomeInput, script_arms: tuple[str, ...] = ()) -> None:
        """Save an outcome; the script variants shown on the call learn from it."""

        def done(rec: Recorded) -> None:
            self._last_saved = rec
            self.saved.emit(rec)
            if script_arms and data.wrapup in REACHED:
                accepted = data.wrapup == WrapUp.ACCEPTED.value
                self.runner.run(lambda: self._pops.advisor.record(script_arms, accepted))

        def failed(exc: BaseException) -> None:
            self.save_failed.emit(user_message(exc))

        self.runner.run(lambda: self._outcomes.record(data), done, failed)

    def save_portrait(self, customer_id: str, values: dict[str, Any], channel: str = "outbound") -> None:
        """Save what the agent learned on the call (one transaction with the outbox; the
        customer's scores recomputed on the desk), then show the refreshed pop."""

        def done(saved: PortraitSaved) -> None:
            self.portrait_saved.emit(customer_id)
            if saved.mutation_id is not None:
                self.message.emit(self.tr("Portrait saved"))
                self.refresh_pop(customer_id, channel)

        def failed(exc: BaseException) -> None:
            self.portrait_failed.emit(customer_id, user_message(exc))

        self.runner.run(lambda: self._portraits.save(customer_id, **values), done, failed)

    def undo_last(self) -> None:
        rec = self._last_saved
        if rec is None:
            self.undone.emit(False)
            return
        self._last_saved = None
        self.runner.run(lambda: self._outcomes.undo(rec), self.undone.emit,
                        lambda exc: self.save_failed.emit(user_message(exc)))

    def accept_policy(self, customer_id: str, policy_id: str, channel: str) -> None:
        """Record an acceptance now (pushed at once: other desktops must stop offering it)."""

        def done(_acceptance_id: str) -> None:
            self.accepted.emit(customer_id, policy_id)
            self.message.emit(self.tr("Acceptance recorded"))
            self.refresh_pop(customer_id, channel)

        self.runner.run(lambda: self._outcomes.accept_policy(customer_id, policy_id, channel), done,
                        lambda exc: self.save_failed.emit(user_message(exc)))

    def create_lead(self, number: str, name: str, city: str, note: str) -> None:
        self.runner.run(
            lambda: self._outcomes.create_lead(number, name, city, note),
            self.lead_created.emit,
            lambda exc: self.save_failed.emit(user_message(exc)),
        )

    def transition_work_order(self, work_order_id: str, status: str, reason: str = "") -> None:
        self.runner.run(
            lambda: self._outcomes.transition_work_order(work_order_id, status, reason),
            lambda _r: (self.message.emit(self.tr("Work order updated")), self.refresh_worklist()),
            lambda exc: self.save_failed.emit(user_message(exc)),
        )

    def match_objection(self, customer_id: str, policy_id: str | None, typed: str) -> None:
        self.runner.run(lambda: self._pops.match_objection(customer_id, policy_id, typed),
                        lambda match: self.objection_matched.emit(customer_id, match),
                        lambda exc: self.message.emit(user_message(exc)))

    def on_lead_replaced(self, customer_id: str, number: str) -> None:
        """A lead created here has a customer on the server already: open that customer (a
        serve grant for the hotline and the stores; others are told whose book it is in)."""
        self.message.emit(self.tr("This number belongs to customer {id} already; the new lead was merged into them.")
                          .format(id=customer_id))
        event = CallEvent(number=number, source=Source.SEARCH,
                          channel="store" if self.actor.role == "receptionist" else "hotline")

        def work() -> ScreenPop | None:
            pop = self._pops.build(number, channel=event.channel)
            if pop is None and self._server_lookup is not None and self._server_lookup(event):
                pop = self._pops.build(number, channel=event.channel)
            return pop

        def done(pop: ScreenPop | None) -> None:
            if pop is None:  # never the new-lead form again: the customer exists, in another book
                self.message.emit(self.tr("Customer {id} is in another team's book; you cannot open them.")
                                  .format(id=customer_id))
            else:
                self.pop_ready.emit(pop, event)
                self.request_moves(pop.portrait.id)

        self.runner.run(work, done, lambda exc: self.lookup_failed.emit(user_message(exc)))

    # ------------------------------------------------------------------ reveal
    @property
    def can_reveal(self) -> bool:
        """Whether this user may ask for full numbers (and the desk can ask the server)."""
        return self._reveal is not None and self.actor.may_reveal

    def reveal_number(self, customer_id: str) -> None:
        """Ask the server for a customer's full number (audited there); never stored locally."""
        reveal = self._reveal
        if reveal is None:
            self.message.emit(self.tr("Full numbers can only be shown while connected to the server."))
            return
        self.runner.run(lambda: reveal(customer_id), lambda number: self.number_revealed.emit(customer_id, number),
                        lambda exc: self.message.emit(self.tr("Could not show the number: {e}").format(e=user_message(exc))))

    # ------------------------------------------------------------------ exports
    def export_worklist(self, path: str) -> None:
        """Write the work list to ``path`` with masked numbers, once the server recorded it."""
        from workbench.services.exports import export_worklist

        def work() -> int:
            return export_worklist(load_worklist(self._sf, self.actor), path, self._report_export)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, OSError):  # the file could not be written (disk full, no permission)
                self.message.emit(self.tr("Could not export: {e}").format(e=exc.strerror or exc))
            else:  # ExportRefused says why; anything else is a bug, reported
                self.message.emit(user_message(exc))

        self.runner.run(work, lambda n: self.message.emit(self.tr("Exported %n rows to {path}", "", n).format(path=path)),
                        failed)

    # ------------------------------------------------------------------ dialling
    @property
    def can_override(self) -> bool:
        return self._dialing.can_override

    def request_dial(self, customer_id: str) -> None:
        """Check contact pressure off the GUI thread, then dial or explain why not."""

        def done(check: DialCheck) -> None:
            if check.allowed:
                self.dial_ready.emit(check.number)
            else:
                self.dial_blocked.emit(check)

        self.runner.run(lambda: self._dialing.check(customer_id), done,
                        lambda exc: self.dial_refused.emit(user_message(exc)))

    def dial_with_override(self, check: DialCheck, reason: str) -> None:
        self.runner.run(lambda: self._dialing.authorize(check, reason), self.dial_ready.emit,
                        lambda exc: self.dial_refused.emit(user_message(exc)))

    # ------------------------------------------------------------------ lists
    def refresh_worklist(self) -> None:
        self.runner.run(lambda: load_worklist(self._sf, self.actor), self.worklist_ready.emit,
                        lambda exc: self.message.emit(user_message(exc)))

    def stores_for(self, city: str) -> list[tuple[str, str, str]]:
        """Stores, those in ``city`` first (reference data, cached until :meth:`invalidate`)."""
        if self._stores is None:
            self._stores = stores_by_city(self._sf, "")
        return sorted(self._stores, key=lambda r: (r[2] != city, r[2], r[1]))

    def invalidate(self) -> None:
        """Reference data changed (after a sync)."""
        self._stores = None
        self._pops.invalidate()


__all__ = ["WorkItem", "WorkbenchViewModel"]

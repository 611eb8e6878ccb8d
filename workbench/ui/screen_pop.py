"""The unified policy view widget: who, why not, what to offer, what to say, what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.core.appointments import format_slot
from workbench.core.clock import BUSINESS_TZ
from workbench.services.screen_pop import Offer, ScreenPop, TrailItem
from workbench.services.task_moves import merge_trail
from workbench.ui import labels, palette, table_fit
from workbench.ui.portrait_editor import PortraitEditorPanel
from workbench.views.numbers import format_number
from workbench.views.row_table import Column, StoredRowModel

LOCAL_TZ = BUSINESS_TZ


def fmt_time(when: dt.datetime | None, with_year: bool = False) -> str:
    if when is None:
        return ""
    t = when.astimezone(LOCAL_TZ)
    # formatted by hand: strftime costs 20 us a call, and the trail formats one per row
    if with_year:
        return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"
    return f"{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"


def fmt_duration(seconds: int) -> str:
    if seconds <= 0:
        return ""
    m, s = divmod(int(seconds), 60)
    return f"{m}:{s:02d}"


def fmt_pct(p: float | None) -> str:
    return "" if p is None else f"{p * 100:.0f}%"


class Badge(QLabel):
    """A small rounded label."""

    def __init__(self, text: str = "", color: str = "stage", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.set_color(color)

    def set_color(self, color: str) -> None:
        """``color``: a badge colour of the palette ("tier", "stage", "lead")."""
        pal = palette.colors()
        self.setStyleSheet(
            f"QLabel {{ background: {getattr(pal, color)}; color: {pal.badge_fg}; border-radius: 8px; padding: 1px 8px; }}"
        )


def _table(model: QAbstractItemModel, widths: tuple[int, ...] = ()) -> QTableView:
    """A read-only table with fixed starting column widths (resize-to-contents would
    measure every row on every layout: too slow for a pop that must paint in milliseconds)."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for col, width in enumerate(widths):
        header.resizeSection(col, width)
    table_fit.install(view)  # elided texts show whole in their tooltip
    return view


@dataclass
class PopViewState:
    """What one call's pop shows beyond its snapshot, kept aside while another call is on
    screen (one pop widget serves every open call)."""

    snapshot: ScreenPop
    objection_index: int = 0
    matched: tuple[str, str, float] | None = None
    objection_text: str = ""
    explanation: str | None = None
    offer_row: int = 0
    history_tab: int = 0


def _rows_replaced(view: QTableView) -> None:
    """Have the next paint of the window show a view's new rows, scroll bar included.

    Left alone, the view would be painted twice: the paint after new rows skips its viewport
    (the new rows come with a later update), and the view lays itself out (scroll bar ranges)
    in a zero-time timer and shows or hides its scroll bar in a queued call, both after that
    paint. Here the viewport is marked for the next paint, and for a view on screen the
    layout and the scroll bar's queued call are done now.
    """
    view.viewport().update()
    if view.isVisible():
        view.updateGeometries()
        QCoreApplication.sendPostedEvents(view, QEvent.Type.MetaCall)


#: warnings that make the pop lead with the warning and the trail instead of the selling parts
RESTRICTING = ("do_not_call", "open_complaint")
#: Customers whose task moves the pop keeps (the calls open in tabs, and a few before).
MOVES_KEPT = 20


class ScreenPopWidget(QWidget):
    """Renders one :class:`ScreenPop` snapshot. Pure display; no data access.

    Signals:
        offer_chosen(str): the agent picked an offer (policy id), e.g. to discuss it.
        accept_requested(str): the agent wants to record that the customer accepted a policy.
        objection_typed(str): the customer's objection in their words (find the answer).
        reveal_requested(str): the user asks to see the full number of this customer (audited).
        portrait_edit_requested(str, dict): save what the agent learned (see ui/portrait_editor.py).
    """

    offer_chosen = Signal(str)
    accept_requested = Signal(str)
    objection_typed = Signal(str)
    reveal_requested = Signal(str)
    portrait_edit_requested = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshot: ScreenPop | None = None
        self._objection_index = 0
        self._last_customer: str | None = None
        self._script_html = ""

        # --- who
        self.name_label = QLabel()
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 1.5)
        f.setBold(True)
        self.name_label.setFont(f)
        self.phone_label = QLabel()
        self.phone_label.setObjectName("phoneLabel")
        self.reveal_button = QPushButton(self.tr("Show number"))
        self.reveal_button.setObjectName("revealNumber")
        self.reveal_button.setToolTip(self.tr("Show the full number (recorded in the audit log)"))
        self.reveal_button.clicked.connect(self._on_reveal_clicked)
        self.reveal_button.hide()
        self._reveal_allowed = False
        self.facts_label = QLabel()
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tier_badge = Badge(color="tier")
        self.stage_badge = Badge(color="stage")
        self.lead_badge = Badge(color="lead")
        pal = palette.colors()
        self.score_label = QLabel()
        self.plan_label = QLabel()
        self.tags_label = QLabel()
        self.tags_label.setWordWrap(True)
        self.explain_label = QLabel()
        self.explain_label.setWordWrap(True)
        self.explain_label.setStyleSheet(f"color: {pal.muted};")
        self.explain_label.hide()

        head = QHBoxLayout()
        head.addWidget(self.name_label)
        head.addWidget(self.phone_label)
        head.addWidget(self.reveal_button)
        head.addSpacing(12)
        head.addWidget(self.tier_badge)
        head.addWidget(self.stage_badge)
        head.addWidget(self.lead_badge)
        head.addStretch(1)
        head.addWidget(self.score_label)

        who = QVBoxLayout()
        who.setSpacing(2)
        who.addLayout(head)
        who.addWidget(self.facts_label)
        who.addWidget(self.plan_label)
        who.addWidget(self.tags_label)
        who.addWidget(self.explain_label)
        self.portrait_editor = PortraitEditorPanel()
        self.portrait_editor.save_requested.connect(self.portrait_edit_requested)
        self.edit_portrait_button = QPushButton(self.tr("Edit portrait (F4)"))
        self.edit_portrait_button.setAccessibleName(self.tr("Edit the portrait"))
        self.edit_portrait_button.clicked.connect(self.open_portrait_editor)
        head.addWidget(self.edit_portrait_button)
        who.addWidget(self.portrait_editor)

        # --- why not
        self.warning_bar = QLabel()
        self.warning_bar.setObjectName("warningBar")
        self.warning_bar.setWordWrap(True)
        self.warning_bar.setStyleSheet(
            f"QLabel#warningBar {{ background: {pal.warning_bg}; color: {pal.warning_fg}; font-weight: bold;"
            " padding: 6px 10px; border-radius: 4px; }"
        )
        self.warning_bar.hide()

        # --- what to offer
        self.offers_model = StoredRowModel(self._offer_columns(), self)
        self.offers_view = _table(self.offers_model, (130, 200, 60, 70, 84, 70))
        self.offers_view.doubleClicked.connect(self._on_offer_activated)
        self.offers_view.activated.connect(self._on_offer_activated)

        # --- what to say
        self.script_view = QTextBrowser()
        self.script_view.setOpenLinks(False)

        # --- what happened
        self._moves: dict[str, tuple[TrailItem, ...]] = {}  # customer id -> their task moves
        self.trail_model = StoredRowModel(self._trail_columns(), self)
        self.trail_view = _table(self.trail_model, (130, 70, 90, 50, 70, 110, 50))
        self.orders_model = StoredRowModel(self._order_columns(), self)
        self.orders_view = _table(self.orders_model, (130, 110, 140, 110, 70))
        self.history_tabs = QTabWidget()
        # No frame around the pane (the table has its own): Fusion strokes that frame through
        # the clip left by the table, a third of the pop's painting.
        self.history_tabs.setDocumentMode(True)
        self.history_tabs.addTab(self.trail_view, self.tr("Contact trail"))
        self.history_tabs.addTab(self.orders_view, self.tr("Work orders"))

        self.cross_label = QLabel()
        self.cross_label.setWordWrap(True)
        self.cross_label.setStyleSheet(f"color: {pal.info};")
        self.cross_label.hide()
        self.accept_button = QPushButton(self.tr("Customer accepts the selected offer (F8)"))
        self.accept_button.clicked.connect(self._on_accept)
        offers_box = self._boxed(self.tr("What to offer"), self.offers_view)
        offers_box.layout().addWidget(self.cross_label)
        offers_box.layout().addWidget(self.accept_button)
        self.objection_box = QLineEdit()
        self.objection_box.setPlaceholderText(self.tr("Customer says… (F7, Enter finds the answer)"))
        self.objection_box.setClearButtonEnabled(True)
        self.objection_box.returnPressed.connect(lambda: self.objection_typed.emit(self.objection_box.text()))
        self._matched: tuple[str, str, float] | None = None
        script_box = self._boxed(self.tr("What to say (F6: next objection answer)"), self.script_view)
        script_box.layout().addWidget(self.objection_box)
        middle = QSplitter(Qt.Orientation.Horizontal)
        middle.addWidget(offers_box)
        middle.addWidget(script_box)
        middle.setSizes([640, 360])  # the offers table: its columns fit at 1366×768

        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(middle)
        body.addWidget(self.history_tabs)
        body.setSizes([300, 220])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        who_frame = QFrame()
        who_frame.setFrameShape(QFrame.Shape.StyledPanel)
        who_frame.setLayout(who)
        layout.addWidget(who_frame)
        layout.addWidget(self.warning_bar)
        layout.addWidget(body, 1)
        self._layout, self._body, self._middle = layout, body, middle
        self.restricted = False  # a do-not-call / complaint customer: warning and trail first

        self._name_for_screen_readers()
        QShortcut(QKeySequence(Qt.Key.Key_F6), self, self.next_objection)
        QShortcut(QKeySequence(Qt.Key.Key_F8), self, self._on_accept)
        QShortcut(QKeySequence(Qt.Key.Key_F7), self, self._focus_objection)
        QShortcut(QKeySequence(Qt.Key.Key_F4), self, self.open_portrait_editor)

    def open_portrait_editor(self) -> None:
        """F4: edit what the agent learned about the customer on screen."""
        if self.snapshot is not None:
            self.portrait_editor.open_for(self.snapshot.portrait)

    def _name_for_screen_readers(self) -> None:
        """Accessible names for the controls; the labels keep their text as their name and say
        what they are in their description."""
        for widget, name in (
            (self.offers_view, self.tr("Offers the customer is eligible for")),
            (self.script_view, self.tr("Script")), (self.trail_view, self.tr("Contact trail")),
            (self.orders_view, self.tr("Work orders")), (self.history_tabs, self.tr("History")),
            (self.accept_button, self.tr("Customer accepts the selected offer")),
            (self.objection_box, self.tr("Customer's objection")),
        ):
            widget.setAccessibleName(name)
        for label, what in (
            (self.name_label, self.tr("Customer name")), (self.phone_label, self.tr("Mobile number")),
            (self.facts_label, self.tr("Customer facts")), (self.tier_badge, self.tr("Value tier")),
            (self.stage_badge, self.tr("Life-cycle stage")), (self.lead_badge, self.tr("Lead")),
            (self.score_label, self.tr("Deal score")), (self.plan_label, self.tr("Current plan")),
            (self.tags_label, self.tr("Tags")), (self.explain_label, self.tr("Why this score")),
            (self.warning_bar, self.tr("Reasons not to push")), (self.cross_label, self.tr("Cross-sell hint")),
        ):
            label.setAccessibleDescription(what)

    def _arrange(self, restricted: bool) -> None:
        """A customer who asked not to be called or has an open complaint: the warning on top,
        then the contact trail (what happened), and the selling parts (offers, script) last."""
        if restricted == self.restricted:
            return
        self.restricted = restricted
        self._layout.removeWidget(self.warning_bar)
        self._layout.insertWidget(0 if restricted else 1, self.warning_bar)
        self._body.insertWidget(0, self.history_tabs if restricted else self._middle)
        self._body.setSizes([260, 260] if restricted else [300, 220])
        if restricted:
            self.history_tabs.setCurrentIndex(0)

    # ------------------------------------------------------------------ columns
    def _offer_columns(self) -> list[Column]:
        return [
            Column(self.tr("Policy"), lambda o: o.name, tooltip=lambda o: o.pitch),
            Column(self.tr("Pitch"), lambda o: o.pitch),
            Column(self.tr("Deal p."), lambda o: fmt_pct(o.probability),
                   sort_key=lambda o: o.probability or 0.0, align_right=True),
            Column(self.tr("Value ¥"), lambda o: format_number(o.value, 0), sort_key=lambda o: o.value,
                   align_right=True),
            Column(self.tr("Valid to"), lambda o: o.valid_to.strftime("%Y-%m-%d") if o.valid_to else "—"),
            Column(self.tr("Quota left"), lambda o: "∞" if o.quota_left is None else str(o.quota_left),
                   sort_key=lambda o: o.quota_left if o.quota_left is not None else 10**9, align_right=True),
            Column(self.tr("Why eligible"), lambda o: "; ".join(o.why)),
        ]

    def _trail_columns(self) -> list[Column]:
        task_move = self.tr("Task move")
        server = self.tr("server")
        pool = self.tr("the team pool")

        def note(t: TrailItem) -> str:
            if not t.move:
                return t.note
            if t.move in ("warn", "rewarn", "withdraw"):  # the task stays where it is
                way = self.tr("held by {who}").format(who=t.move_from or pool)
            else:
                way = self.tr("{from_} → {to}").format(from_=t.move_from or pool, to=t.move_to or pool)
            return f"{way} · {t.note}" if t.note else way

        return [
            Column(self.tr("When"), lambda t: fmt_time(t.when, True), sort_key=lambda t: t.when),
            Column(self.tr("Channel"), lambda t: task_move if t.move else labels.channel(t.channel)),
            Column(self.tr("Outcome"), lambda t: labels.task_move(t.move) if t.move else labels.wrapup(t.wrapup)),
            Column(self.tr("Intent"), lambda t: labels.intent(t.intent)),
            Column(self.tr("Who"), lambda t: t.who or (server if t.move else "")),
            Column(self.tr("Policy"), lambda t: t.policy_name),
            Column(self.tr("Talk"), lambda t: "" if t.move else fmt_duration(t.duration_s),
                   sort_key=lambda t: t.duration_s, align_right=True),
            Column(self.tr("Note"), note, tooltip=note),
        ]

    def show_moves(self, customer_id: str, moves: tuple[TrailItem, ...]) -> None:
        """The moves of a customer's tasks (from the server, after the pop): kept for this
        customer and merged into the trail by time, now if they are on screen."""
        self._moves.pop(customer_id, None)
        self._moves[customer_id] = tuple(moves)
        while len(self._moves) > MOVES_KEPT:  # the oldest customers' go first
            self._moves.pop(next(iter(self._moves)))
        if self.snapshot is not None and self.snapshot.portrait.id == customer_id:
            self.trail_model.set_rows(merge_trail(self.snapshot.trail, moves))
            table_fit.fit_columns(self.trail_view)
            _rows_replaced(self.trail_view)

    def trail_rows(self) -> list[TrailItem]:
        """The trail as shown (contacts and moves), top to bottom."""
        return [self.trail_model.row(i) for i in range(self.trail_model.rowCount())]

    def _order_columns(self) -> list[Column]:
        return [
            Column(self.tr("Created"), lambda w: fmt_time(w.created_at, True), sort_key=lambda w: w.created_at),
            Column(self.tr("Status"), lambda w: labels.work_order_status(w.status)),
            Column(self.tr("Appointment"), lambda w: format_slot(w.appointment_at, w.appointment_minutes),
                   sort_key=lambda w: (w.appointment_at is None, w.appointment_at)),
            Column(self.tr("Store"), lambda w: w.store_name),
            Column(self.tr("Policy"), lambda w: w.policy_name),
            Column(self.tr("From"), lambda w: w.from_user),
            Column(self.tr("Note / result"), lambda w: " · ".join(x for x in (w.note, w.result_reason) if x)),
        ]

    @staticmethod
    def _boxed(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        head = QLabel(title)
        head.setStyleSheet(f"font-weight: bold; color: {palette.colors().text};")
        lay.addWidget(head)
        lay.addWidget(widget, 1)
        return box

    # ------------------------------------------------------------------ reveal
    def set_reveal_allowed(self, allowed: bool) -> None:
        """Whether the user's role may reveal full numbers (the server decides again)."""
        self._reveal_allowed = allowed

    def _on_reveal_clicked(self) -> None:
        if self.snapshot is not None:
            self.reveal_requested.emit(self.snapshot.portrait.id)

    def show_revealed(self, customer_id: str, number: str) -> None:
        """Show a revealed number while this customer stays on screen (never stored)."""
        if self.snapshot is not None and self.snapshot.portrait.id == customer_id:
            self.phone_label.setText(number)
            self.reveal_button.hide()

    # ------------------------------------------------------------------ render
    def show_snapshot(self, pop: ScreenPop) -> None:
        """Paint a snapshot (replaces whatever was shown)."""
        self.snapshot = pop
        p = pop.portrait
        self.name_label.setText(self.tr("{name} (new lead)").format(name=p.name) if p.is_lead else p.name)
        self.phone_label.setText(p.phone_display)
        self.reveal_button.setVisible(self._reveal_allowed and "*" in p.phone_display)
        facts = [x for x in (labels.gender(p.gender), self.tr("%n year(s)", "", p.age) if p.age else "",
                             f"{p.province} {p.city}".strip(), p.job_type) if x]
        if p.member_no:
            facts.append(self.tr("Member {no}").format(no=p.member_no))
        if p.id_number_masked:
            facts.append(self.tr("ID {id}").format(id=p.id_number_masked))
        self.facts_label.setText("  ·  ".join(facts))
        self.plan_label.setText(
            self.tr("Plan {plan} (¥{fee}/month) · tenure {tenure} months · {device} · {network}").format(
                plan=p.plan_name or "—", fee=p.plan_fee, tenure=p.tenure_months, device=p.device or "—",
                network=p.network,
            )
        )
        self.tags_label.setText(self.tr("Tags: ") + (" · ".join(labels.tag(t) for t in p.tags[:12]) if p.tags else "—"))
        self.tier_badge.setText(labels.value_tier(p.value_tier))
        self.stage_badge.setText(labels.lifecycle(p.lifecycle_stage))
        self.lead_badge.setVisible(bool(p.lead_tier))
        self.lead_badge.setText(self.tr("Lead {tier}").format(tier=p.lead_tier or ""))
        scores = [self.tr("Deal {p}").format(p=fmt_pct(p.scores.get("deal"))) if "deal" in p.scores else "",
                  self.tr("Churn risk {p}").format(p=fmt_pct(p.scores.get("churn"))) if "churn" in p.scores else "",
                  self.tr("Renewal {p}").format(p=fmt_pct(p.scores.get("renewal"))) if "renewal" in p.scores else ""]
        self.score_label.setText("   ".join(x for x in scores if x))

        self._arrange(any(w.code in RESTRICTING for w in pop.warnings))
        if pop.warnings:
            self.warning_bar.setText(self.tr("Do not push:") + "  " + "   |   ".join(
                labels.warning(w.code, w.params) for w in pop.warnings))
            self.warning_bar.show()
        else:
            self.warning_bar.hide()

        self.explain_label.hide()
        if pop.cross_sell:
            self.cross_label.setText(self.tr("Customers who took {x} also took: ").format(
                x="、".join(sorted({b for c in pop.cross_sell for b in c.because})))
                + "; ".join(self.tr("{name} ({conf}, lift {lift:.1f}×)").format(
                    name=c.policy_name, conf=fmt_pct(c.confidence), lift=c.lift) for c in pop.cross_sell))
            self.cross_label.show()
        else:
            self.cross_label.hide()
        self.offers_model.set_rows(pop.offers)
        self.accept_button.setEnabled(bool(pop.offers))
        if pop.offers:
            self.offers_view.selectRow(0)
        self.trail_model.set_rows(merge_trail(pop.trail, self._moves.get(pop.portrait.id, ())))
        self.orders_model.set_rows(pop.work_orders)
        for view in (self.offers_view, self.trail_view, self.orders_view):
            table_fit.fit_columns(view)  # no clipped column, whatever the language and the texts
            _rows_replaced(view)
        orders_title = self.tr("Work orders (%n)", "", len(pop.work_orders))
        if self.history_tabs.tabText(1) != orders_title:  # a new title lays the tab bar out again
            self.history_tabs.setTabText(1, orders_title)
        self._objection_index = 0
        if self.snapshot is None or pop.portrait.id != self._last_customer:
            self._matched = None
            self.objection_box.clear()
            if pop.portrait.id != self.portrait_editor.customer_id:
                self.portrait_editor.hide()
        self._last_customer = pop.portrait.id
        self._render_script()

    def forget(self) -> None:
        """The next snapshot is a new call: it starts as a fresh pop, even for the same customer."""
        self._last_customer = None
        self.history_tabs.setCurrentIndex(0)
        self.portrait_editor.hide()

    def capture(self) -> PopViewState | None:
        """What this call shows, to put back with :meth:`restore` after showing another call."""
        if self.snapshot is None:
            return None
        idx = self.offers_view.currentIndex()
        return PopViewState(
            snapshot=self.snapshot, objection_index=self._objection_index, matched=self._matched,
            objection_text=self.objection_box.text(),
            explanation=None if self.explain_label.isHidden() else self.explain_label.text(),
            offer_row=idx.row() if idx.isValid() else 0, history_tab=self.history_tabs.currentIndex())

    def restore(self, state: PopViewState) -> None:
        """Show a call again as it was left: its snapshot, the objection typed and answered,
        the score's reasons, the offer selected and the history tab."""
        self._last_customer = None  # the objection box is set below, not cleared
        self.show_snapshot(state.snapshot)
        self.objection_box.setText(state.objection_text)
        self._matched = state.matched
        self._objection_index = state.objection_index
        if state.matched is not None or state.objection_index:
            self._render_script()
        if state.explanation is not None:
            self.explain_label.setText(state.explanation)
            self.explain_label.show()
        if 0 < state.offer_row < len(state.snapshot.offers):
            self.offers_view.selectRow(state.offer_row)
        self.history_tabs.setCurrentIndex(state.history_tab)

    def show_explanation(self, score: Any) -> None:
        """The deal score's top reasons, in the interface language (arrives after the pop)."""
        self.explain_label.setText(self.explanation_text(score))
        self.explain_label.show()

    def explanation_text(self, score: Any) -> str:
        zh = labels.ui_language() == "zh"
        reasons = "; ".join(f.text_zh if zh else f.text_en for f in score.top_factors)
        return self.tr("Deal {p} because: {reasons}").format(p=fmt_pct(score.probability), reasons=reasons or "—")

    def _render_script(self) -> None:
        pop = self.snapshot
        if pop is None or not pop.script:
            nothing = self.tr("No script for this offer.")
            self._set_script_html(f"<p style='color:{palette.colors().muted}'>{nothing}</p>")
            return
        html = []
        pal = palette.colors()
        if self._matched is not None:
            title, text, score = self._matched
            if text:
                heading = self.tr("Answer to: {q}").format(q=self.objection_box.text())
                html.append(f"<p style='background:{pal.answer_bg}'><b>{_esc(heading)}</b> ({score:.0%})<br>{_esc(text)}</p>")
            else:
                nothing = self.tr("No answer in the library matches these words.")
                html.append(f"<p style='color:{pal.muted}'>{nothing}</p>")
        objections = [s for s in pop.script if s.section == "objection"]
        for sec in pop.script:
            if sec.section == "objection":
                continue
            html.append(f"<p><b>{labels.section(sec.section)}</b><br>{_esc(sec.text)}</p>")
        if objections:
            ob = objections[self._objection_index % len(objections)]
            kw = "、".join(ob.keywords)
            html.append(
                f"<p style='background:{pal.objection_bg}'><b>{labels.section('objection')}"
                f" {self._objection_index % len(objections) + 1}/{len(objections)}</b>"
                f"{' — ' + _esc(kw) if kw else ''}<br>{_esc(ob.text)}</p>"
            )
        self._set_script_html("".join(html))

    def _set_script_html(self, html: str) -> None:
        """Parse and lay out the script only when it changed (often it is the same text:
        "no script", or the same offer's script for the same customer); back to its top."""
        if html != self._script_html:
            self._script_html = html
            self.script_view.setHtml(html)
        else:
            self.script_view.verticalScrollBar().setValue(0)

    def next_objection(self) -> None:
        self._objection_index += 1
        self._render_script()

    def selected_offer(self) -> Offer | None:
        idx = self.offers_view.currentIndex()
        if not idx.isValid():
            return None
        return self.offers_model.row(idx.row())

    def _focus_objection(self) -> None:
        self.objection_box.setFocus()
        self.objection_box.selectAll()

    def show_objection_answer(self, match: tuple[str, str, float] | None) -> None:
        """The answer to what the customer said (None: nothing in the library fits)."""
        self._matched = match if match is not None else ("", "", 0.0)
        self._render_script()

    def _on_accept(self) -> None:
        offer = self.selected_offer()
        if offer is not None:
            self.accept_requested.emit(offer.policy_id)

    def _on_offer_activated(self, index: object) -> None:
        offer = self.selected_offer()
        if offer is not None:
            self.offer_chosen.emit(offer.policy_id)


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "<br>"))


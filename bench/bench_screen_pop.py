"""Screen-pop speed, cold start and memory with a large local store (issue 5, point 7).

    python bench/bench_screen_pop.py [--store PATH] [--customers 200000] [--events 1000000] [--calls 200]
                                     [--breakdown] [--check]

From call event to fully painted pop, for random customers of a store holding 200,000
customers and 1,000,000 contact events, compared with a floor measured in the same run:
the same rows read by bare indexed SQLite queries plus painting plain labels and a plain
table. Every run lets pending layout requests run before the paint that is timed, so that
what is timed is the final paint. Also: cold start of the app to a usable window (a fresh
process), and the resident memory of the app after the pops.

Cold start (since 2026-12-04) is that of the real app, started the way a user starts it:
``workbench`` with a stored session (refresh token in the keyring, last user in the
settings), a real server on loopback and the user's local store being this store; timed from
spawning the process to the end of the first paint of the main window showing the work list.
The app runs its own entry point, so the bench cannot drift from what the app does before
the user can work: see :mod:`bench.real_start` for the rig. Median of 5, after one untimed
start that warms the page cache. The old figure ("window only": a script that builds the main
window straight on the store, without the entry point, keyring, server client or sync) is
printed beside it; it understated the real start (it skipped httpx, the login, the sync
engine and the tools' imports that the app did before its window showed).

Two floors, both timed from the first query to the painted window, in a 1366x768 window:

* old floor (the definition used until 2026-11-24): the customer, their last 50 contact
  events, open tasks, acceptances and work orders read with bare ``sqlite3`` queries; twelve
  short ``QLabel``s set to the first twelve columns of the customer row, and a
  ``QTableWidget`` of 8 columns with one row per contact event read; ``repaint()``.
* same-texts floor: the same bare queries, then the texts that the pop shows for that
  customer, in plain widgets: one ``QLabel`` per text (tab titles, name, phone, badges,
  scores, facts, plan, tags, red bar, cross-sell line, section headings, button and form
  captions, the form's current values; no word wrap, in a grid), one word-wrapped ``QLabel``
  with the script's plain text, and one ``QTableWidget`` of 8 columns holding the cells the
  pop's two tables show (offers and contact trail: the rows and columns inside their
  viewports, with the trail's column titles). The texts are taken from the pop's own window
  after a pop of the same customer, before the floor runs (outside the timer); only the
  queries, setting the texts and cells, and painting are timed. The floor has no frames,
  badges' colours, combo boxes, check boxes, scroll areas or text browser: only labels and
  one table.

``--check`` also verifies, for every timed paint, that the picture on screen right after
the timed paint is the final one (the screen grabbed again after the event loop ran); a
paint that left something for later would make the time too short. It reports how many
paints were incomplete in each run. The old floor is kept exactly as it was, and its table is
painted after its timer in most runs (a table whose rows were replaced is left for a later
paint unless its viewport is marked, and its scroll bar comes and goes in a queued call):
its time is short of painting what it claims to paint. The same-texts floor marks its
table's viewport, as the pop does, and keeps the table's place and width from one customer
to the next (fixed height, no row numbers), so that its timed paint is the final one.

The breakdown (``--breakdown``, a separate run) times the snapshot, filling the widgets,
the switch to the call's tab (``tabs.setCurrentWidget``: on the single pop page, putting
the previous call's input aside), the pending layout and the paint.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def settle() -> None:
    """Let pending layout requests run (the geometry of the new content), as the event loop
    would before painting, so that the paint measured is the final one."""
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def screen_image(win):  # type: ignore[no-untyped-def]
    """What the window shows on screen now (the offscreen platform's copy of its backing store)."""
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.primaryScreen().grabWindow(win.winId()).toImage()


class PaintCheck:
    """Counts timed paints after which the screen still changed once the event loop ran."""

    def __init__(self) -> None:
        self.paints = 0
        self.incomplete = 0
        self.unchecked = 0
        self._before = None

    def after_timed_paint(self, win) -> None:  # type: ignore[no-untyped-def]
        self._before = screen_image(win)

    def after_idle(self, win, app) -> None:  # type: ignore[no-untyped-def]
        """Call right after :meth:`after_timed_paint`, before the harness changes the window."""
        for _ in range(3):
            app.processEvents()
        after = screen_image(win)
        if self._before is None or self._before.isNull() or after.isNull():
            self.unchecked += 1  # the window not on screen yet (the first paint of a new window)
            return
        self.paints += 1
        self.incomplete += int(after != self._before)

    def __str__(self) -> str:
        return (f"{self.incomplete} of {self.paints} timed paints incomplete"
                + (f" ({self.unchecked} not checked: no picture yet)" if self.unchecked else ""))


def floor_run(store: Path, numbers: list[str], app, check: PaintCheck | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """The old floor (see the module's docstring), unchanged."""
    from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

    con = sqlite3.connect(store)
    win = QWidget()
    labels = [QLabel() for _ in range(12)]
    table = QTableWidget(0, 8)
    lay = QVBoxLayout(win)
    for lab in labels:
        lay.addWidget(lab)
    lay.addWidget(table)
    win.resize(1366, 768)
    win.show()
    times = []
    for number in numbers:
        t0 = time.perf_counter()
        cust = con.execute("SELECT * FROM customers WHERE phone = ? LIMIT 1", (number,)).fetchone()
        events = con.execute("SELECT * FROM contact_events WHERE customer_id = ? ORDER BY started_at DESC LIMIT 50",
                             (cust[0],)).fetchall()
        con.execute("SELECT * FROM tasks WHERE customer_id = ? AND status = 'open'", (cust[0],)).fetchall()
        con.execute("SELECT * FROM acceptances WHERE customer_id = ?", (cust[0],)).fetchall()
        con.execute("SELECT * FROM work_orders WHERE customer_id = ?", (cust[0],)).fetchall()
        for i, lab in enumerate(labels):
            lab.setText(str(cust[i + 1]))
        table.setRowCount(len(events))
        for r, ev in enumerate(events):
            for c in range(8):
                table.setItem(r, c, QTableWidgetItem(str(ev[c + 2])))
        settle()
        win.repaint()
        times.append((time.perf_counter() - t0) * 1000)
        if check is not None:
            check.after_timed_paint(win)
            check.after_idle(win, app)
        app.processEvents()
    win.close()
    return times


#: What the pop shows for one customer, as plain strings: (labels, script text, table rows).
PopTexts = tuple[list[str], str, list[list[str]]]


def pop_texts(win) -> PopTexts:  # type: ignore[no-untyped-def]
    """The texts the pop area of ``win`` shows now: every visible label, button, check box,
    combo box, line edit and tab title, the script's plain text, and the cells of the
    visible rows and columns of the visible tables (read from their models); the column
    titles of the tables are among the labels."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QComboBox,
        QLabel,
        QLineEdit,
        QTabBar,
        QTableView,
        QTextBrowser,
        QWidget,
    )

    labels: list[str] = []
    script = ""
    rows: list[list[str]] = []
    for w in win.tabs.findChildren(QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton):
            if w.text():
                labels.append(w.text().replace("&", ""))
        elif isinstance(w, QComboBox):
            labels.append(w.currentText())
        elif isinstance(w, QAbstractSpinBox):
            labels.append(w.text())
        elif isinstance(w, QLineEdit):
            if not isinstance(w.parent(), QComboBox | QAbstractSpinBox) and (w.text() or w.placeholderText()):
                labels.append(w.text() or w.placeholderText())
        elif isinstance(w, QTabBar):
            labels.extend(w.tabText(i) for i in range(w.count()) if w.isTabVisible(i))
        elif isinstance(w, QTextBrowser):
            script = w.toPlainText()
        elif isinstance(w, QTableView):
            model, vp = w.model(), w.viewport()
            if model.rowCount() == 0:
                continue
            first, last = max(w.rowAt(0), 0), w.rowAt(vp.height() - 1)
            last = model.rowCount() - 1 if last < 0 else last
            cols = [c for c in range(model.columnCount())
                    if not w.isColumnHidden(c) and w.columnViewportPosition(c) < vp.width()]
            labels.extend(str(model.headerData(c, Qt.Orientation.Horizontal)) for c in cols)
            rows.extend([str(model.index(r, c).data() or "") for c in cols] for r in range(first, last + 1))
    return labels, script, rows


def texts_run(store: Path, numbers: list[str], app) -> list[PopTexts]:  # type: ignore[no-untyped-def]
    """What the pop shows for each of ``numbers`` (untimed: the same-texts floor paints it)."""
    texts: list[PopTexts] = []
    ours_run(store, numbers, app, texts=texts)
    return texts


def same_texts_floor_run(store: Path, numbers: list[str], texts: list[PopTexts], app,  # type: ignore[no-untyped-def]
                         check: PaintCheck | None = None) -> list[float]:
    """The same-texts floor (see the module's docstring)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QGridLayout,
        QLabel,
        QTableWidget,
        QTableWidgetItem,
        QVBoxLayout,
        QWidget,
    )

    con = sqlite3.connect(store)
    win = QWidget()
    n_labels = max(len(t[0]) for t in texts)
    labels = [QLabel() for _ in range(n_labels)]
    grid = QGridLayout()
    grid.setSpacing(2)
    per_row = 6
    for i, lab in enumerate(labels):
        lab.setMinimumHeight(lab.fontMetrics().height())  # an empty label keeps its line
        grid.addWidget(lab, i // per_row, i % per_row)
    script = QLabel()
    script.setWordWrap(True)
    script.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    table = QTableWidget(0, 8)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # as the pop's tables
    table.setFixedHeight(400)  # room for the rows both pop tables show; the script below
    table.verticalHeader().setVisible(False)  # as the pop's tables (no row numbers)
    lay = QVBoxLayout(win)
    lay.addLayout(grid)
    lay.addWidget(table)
    lay.addWidget(script, 1)  # a longer or shorter script moves nothing (no second layout)
    win.resize(1366, 768)
    win.show()
    times = []
    for number, (label_texts, script_text, cells) in zip(numbers, texts, strict=True):
        t0 = time.perf_counter()
        cust = con.execute("SELECT * FROM customers WHERE phone = ? LIMIT 1", (number,)).fetchone()
        con.execute("SELECT * FROM contact_events WHERE customer_id = ? ORDER BY started_at DESC LIMIT 50",
                    (cust[0],)).fetchall()
        con.execute("SELECT * FROM tasks WHERE customer_id = ? AND status = 'open'", (cust[0],)).fetchall()
        con.execute("SELECT * FROM acceptances WHERE customer_id = ?", (cust[0],)).fetchall()
        con.execute("SELECT * FROM work_orders WHERE customer_id = ?", (cust[0],)).fetchall()
        for i, lab in enumerate(labels):
            lab.setText(label_texts[i] if i < len(label_texts) else "")
        script.setText(script_text)
        table.setRowCount(len(cells))
        for r, row in enumerate(cells):
            for c, text in enumerate(row[:8]):
                table.setItem(r, c, QTableWidgetItem(text))
        table.viewport().update()  # as the pop does: the new rows in this paint, not a later one
        settle()
        win.repaint()
        times.append((time.perf_counter() - t0) * 1000)
        if check is not None:
            check.after_timed_paint(win)
            check.after_idle(win, app)
        app.processEvents()
    win.close()
    return times


def ours_run(store: Path, numbers: list[str], app,  # type: ignore[no-untyped-def]
             stages: dict[str, list[float]] | None = None, check: PaintCheck | None = None,
             texts: list[PopTexts] | None = None) -> list[float]:
    """Pops of ``numbers``, each timed from the call event to the painted pop. With ``stages``,
    also where the time goes (a separate run: the timing hooks cost a little); with
    ``texts``, what each pop shows is collected after its timed paint."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from bench.plain_context import plain_context as open_context  # the floors read the same file
    from workbench.services.actor import Actor
    from workbench.services.call_events import CallEvent, Source
    from workbench.ui.main_window import MainWindow
    from workbench.views.task_runner import TaskRunner
    from workbench.views.workbench_vm import WorkbenchViewModel

    actor = Actor("U-agent1", "agent1", "李敏", "agent", "T01", None)
    ctx = open_context(store, actor)
    runner = TaskRunner()
    win = MainWindow(WorkbenchViewModel(runner, actor, ctx.pops, ctx.outcomes, ctx.sf))
    win.resize(1366, 768)
    win.show()
    ctx.pops.build(numbers[0])  # reference data cached, as in a running app
    switch: list[float] = []
    if stages is not None and hasattr(win.tabs, "setCurrentWidget"):
        set_current = win.tabs.setCurrentWidget

        def timed_set_current(page):  # type: ignore[no-untyped-def]
            ts = time.perf_counter()
            set_current(page)
            switch.append(time.perf_counter() - ts)

        win.tabs.setCurrentWidget = timed_set_current  # type: ignore[method-assign]
    times = []
    for number in numbers:
        switch.clear()
        t0 = time.perf_counter()
        event = CallEvent.from_number(number, Source.CLI)
        pop = ctx.pops.build(event.number, channel=event.channel)
        assert pop is not None
        t_built = time.perf_counter()
        win.on_pop_ready(pop, event)
        t_shown = time.perf_counter()
        settle()
        t_laid_out = time.perf_counter()
        win.tabs.repaint()  # the pop area, painted now (the work list beside it is unchanged)
        t1 = time.perf_counter()
        times.append((t1 - t0) * 1000)
        if stages is not None:
            for key, ms in (("snapshot (queries, rules, script)", t_built - t0),
                            ("filling widgets", t_shown - t_built - sum(switch)),
                            ("switching to the call's tab", sum(switch)),
                            ("layout of the new content", t_laid_out - t_shown),
                            ("painting", t1 - t_laid_out)):
                stages.setdefault(key, []).append(ms * 1000)
        if texts is not None:
            texts.append(pop_texts(win))
        if check is not None:
            check.after_timed_paint(win)
            check.after_idle(win, app)
        if len(win.open_pages()) > 8:  # an agent closes old tabs; keep the window realistic
            win._close_tab(win.tabs.indexOf(win.open_pages()[0]))
        app.processEvents()  # idle time between calls, as in the running app
        # deleteLater() of closed tabs runs when the event loop is re-entered; here, by hand
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    win.close()
    return times


COLD = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, {root!r})
from PySide6.QtCore import QTimer
from workbench.app import make_qapp
from bench.plain_context import plain_context as open_context  # the floors read the same file
from workbench.services.actor import Actor
from workbench.services.worklist import load_worklist
from workbench.ui.main_window import MainWindow
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel
app = make_qapp("zh")
actor = Actor("U-agent1", "agent1", "李敏", "agent", "T01", None)
ctx = open_context(__import__("pathlib").Path({store!r}), actor)
win = MainWindow(WorkbenchViewModel(TaskRunner(), actor, ctx.pops, ctx.outcomes, ctx.sf))
win.on_worklist(load_worklist(ctx.sf, actor))
win.show()
def ready():
    print("READY", flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""


MEMORY = r"""
import os, resource, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, {root!r})
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QEvent
from workbench.app import make_qapp
from bench.plain_context import plain_context as open_context  # the floors read the same file
from workbench.services.actor import Actor
from workbench.services.call_events import CallEvent, Source
from workbench.services.worklist import load_worklist
from workbench.ui.main_window import MainWindow
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel
app = make_qapp("zh")
actor = Actor("U-agent1", "agent1", "李敏", "agent", "T01", None)
ctx = open_context(Path({store!r}), actor)
win = MainWindow(WorkbenchViewModel(TaskRunner(), actor, ctx.pops, ctx.outcomes, ctx.sf))
win.on_worklist(load_worklist(ctx.sf, actor))
win.resize(1366, 768)
win.show()
for number in {numbers!r}:
    event = CallEvent.from_number(number, Source.CLI)
    win.on_pop_ready(ctx.pops.build(event.number, channel=event.channel), event)
    win.tabs.repaint()
    if len(win.open_pages()) > 8:
        win._close_tab(win.tabs.indexOf(win.open_pages()[0]))
    app.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what exec() does when idle
print("RSS_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, flush=True)
"""


def app_memory(store: Path, numbers: list[str]) -> float:
    """Peak RSS (MB) of a fresh app process that pops ``numbers`` from ``store``."""
    out = subprocess.run([sys.executable, "-c", MEMORY.format(root=str(ROOT), store=str(store), numbers=numbers)],
                         capture_output=True, text=True, timeout=600)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RSS_MB")), None)
    if line is None:
        raise RuntimeError(out.stderr)
    return float(line.split()[1])


def cold_start_window_only(store: Path) -> float:
    """The old cold-start figure (see the module's docstring): the COLD script, not the app."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), store=str(store))],
                         capture_output=True, text=True, timeout=120)
    took = time.perf_counter() - t0
    if "READY" not in out.stdout:
        raise RuntimeError(out.stderr)
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/bench-local.db"))
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--breakdown", action="store_true", help="also a run showing where the pop's time goes")
    ap.add_argument("--check", action="store_true",
                    help="check that every timed paint left the final picture on screen")
    args = ap.parse_args()
    if not args.store.exists():
        from bench.make_local_store import build

        print(f"building {args.store} ({args.customers} customers, {args.events} events)…", flush=True)
        build(args.store, args.customers, args.events)
    con = sqlite3.connect(args.store)
    n_cust = con.execute("select count(*) from customers").fetchone()[0]
    n_ev = con.execute("select count(*) from contact_events").fetchone()[0]
    phones = [r[0] for r in con.execute("select phone from customers where id like 'B%'")]
    con.close()
    random.seed(3)
    numbers = random.sample(phones, args.calls)

    from workbench.app import make_qapp

    app = make_qapp("zh")
    # Warm the OS page cache with every row both runs read: the floor runs first, so with a
    # cold cache it would pay the disk reads that the pop then finds cached.
    floor_run(args.store, numbers, app)
    ours_run(args.store, numbers[:10], app)
    texts = texts_run(args.store, numbers, app)  # what the pop shows, for the same-texts floor
    checks = {k: PaintCheck() for k in ("old floor", "same-texts floor", "pop")} if args.check else {}
    floor = floor_run(args.store, numbers, app, checks.get("old floor"))
    floor2 = same_texts_floor_run(args.store, numbers, texts, app, checks.get("same-texts floor"))
    ours = ours_run(args.store, numbers, app, check=checks.get("pop"))
    stages: dict[str, list[float]] = {}
    if args.breakdown:
        ours_run(args.store, numbers, app, stages)
    rss_mb = app_memory(args.store, numbers)
    from bench.real_start import RealStartRig

    with RealStartRig(args.store) as rig:
        rig.cold_start()  # warms the page cache (the timed starts are all alike)
        cold = [rig.cold_start() for _ in range(5)]
    cold_window = [cold_start_window_only(args.store) for _ in range(3)]
    f95, g95, o95 = pct(floor, 95), pct(floor2, 95), pct(ours, 95)
    n_labels = statistics.mean(len(t[0]) for t in texts)
    n_cells = statistics.mean(sum(len(r) for r in t[2]) for t in texts)
    print(f"store: {n_cust} customers, {n_ev} contact events, {args.calls} calls; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"old floor (bare SQLite + 12 labels + trail table): p50 {statistics.median(floor):.1f} ms, p95 {f95:.1f} ms")
    print(f"same-texts floor (bare SQLite + the pop's texts in labels, its cells in one table; "
          f"{n_labels:.0f} labels, {n_cells:.0f} cells on average): "
          f"p50 {statistics.median(floor2):.1f} ms, p95 {g95:.1f} ms")
    print(f"screen pop (call event -> painted):  p50 {statistics.median(ours):.1f} ms, p95 {o95:.1f} ms")
    print(f"ratio p95 ours/old floor: {o95 / f95:.2f}; ours/same-texts floor: {o95 / g95:.2f} (target <= 3), "
          f"absolute p95 {o95:.1f} ms (target <= 30)")
    for name, check in checks.items():
        print(f"paint check, {name}: {check}")
    print(f"cold start of the real app (stored session) to a usable window: median {statistics.median(cold):.2f} s "
          f"of {[f'{c:.2f}' for c in cold]} (target <= 2 s)")
    print(f"  old figure, window built by a script (no entry point, keyring, server, sync): median "
          f"{statistics.median(cold_window):.2f} s of {[f'{c:.2f}' for c in cold_window]}")
    print(f"peak resident memory of the app after {len(numbers)} pops: {rss_mb:.0f} MB (target <= 400)")
    for key, values in stages.items():
        print(f"  {key:36s} p50 {statistics.median(values):5.1f} ms, p95 {pct(values, 95):5.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

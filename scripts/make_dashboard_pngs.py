"""Write a PNG of every dashboard page (for the README): docs/img/dashboard-<page>.png.

Seeds a throw-away local store with a synthetic year of contacts (or uses ``--store``, an
existing local store file), opens the dashboards as a team lead offscreen, waits for each
page to be computed and drawn, and saves ``widget.grab()``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_dashboard_pngs.py
    .venv/bin/python scripts/make_dashboard_pngs.py --events 100000 --lang zh_CN
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QLocale, QTimer, QTranslator  # noqa: E402
from PySide6.QtGui import QFont, QFontDatabase  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.synth.analytics_history import seed_local_store, synthetic_history  # noqa: E402
from workbench.local_store.db import open_local, session_factory  # noqa: E402
from workbench.ui.dashboard import create_dashboard  # noqa: E402


def _wait(signal: object, timeout_ms: int = 120_000) -> bool:
    """Run an event loop until ``signal`` fires (True) or the timeout passes (False)."""
    loop = QEventLoop()
    fired: list[bool] = []

    def done(*_args: object) -> None:
        fired.append(True)
        loop.quit()

    signal.connect(done)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(done)  # type: ignore[attr-defined]
    return bool(fired)


def _cjk_font(app: QApplication) -> None:
    """Prefer a CJK-capable UI font so Chinese labels are not drawn as boxes."""
    families = set(QFontDatabase.families())
    for family in ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei"):
        if family in families:
            app.setFont(QFont(family, 9))
            return
    print("warning: no CJK font found (install fonts-wqy-microhei); Chinese will show as boxes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--events", type=int, default=80_000, help="synthetic contact events to seed")
    parser.add_argument("--store", type=Path, help="use this local store file instead of seeding one")
    parser.add_argument("--user", default="U-lead1", help="user id whose scope to show (with --store)")
    parser.add_argument("--lang", default="", help="load workbench/resources/translations/workbench_<lang>.qm if present")
    parser.add_argument("--size", default="1600x1000", help="window size WxH")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    _cjk_font(app)  # type: ignore[arg-type]
    if args.lang:
        translator = QTranslator(app)
        qm_dir = ROOT / "workbench" / "resources" / "translations"
        if translator.load(QLocale(args.lang), "workbench", "_", str(qm_dir)):
            app.installTranslator(translator)
        else:
            print(f"note: no compiled translation for {args.lang} in {qm_dir}; strings stay in English")

    tmp = tempfile.TemporaryDirectory()
    experiments = None
    if args.store:
        engine = open_local(args.store)
        user = SimpleNamespace(id=args.user, role="lead" if "lead" in args.user else "admin", team_id="T01")
    else:
        engine = open_local(Path(tmp.name) / "local.db")
        history = synthetic_history(args.events, as_of=dt.date.today(), seed=7)
        seed_local_store(engine, history)
        experiments = history.experiments
        user = SimpleNamespace(id="U-lead1", role="lead", team_id="T01")

    widget, vm = create_dashboard(session_factory(engine), user,
                                  experiments=(lambda: experiments) if experiments is not None else None)
    w, h = (int(v) for v in args.size.split("x"))
    widget.resize(w, h)
    widget.show()
    if vm.last_result is None and not _wait(widget.rendered):
        print("error: the first page was not computed in time", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for key in vm.pages:
        if vm.page != key:
            widget.show_page(key)
            if not _wait(widget.rendered):
                print(f"error: page {key} was not computed in time", file=sys.stderr)
                return 1
        app.processEvents()  # let the layout settle before grabbing (script, not app code)
        path = args.out / f"dashboard-{key}.png"
        widget.grab().save(str(path), "PNG")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    vm.shutdown()
    widget.close()
    engine.dispose()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

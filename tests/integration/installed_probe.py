"""Run by an installed (non-editable) copy of the workbench, outside the checkout: open the
main window offscreen in the saved language and print its texts as JSON (tests only)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import workbench
    from workbench.app import make_qapp, open_context
    from workbench.config import Settings
    from workbench.services.actor import Actor
    from workbench.services.sync_engine import SyncStatus
    from workbench.ui.main_window import MainWindow
    from workbench.views.task_runner import TaskRunner
    from workbench.views.workbench_vm import WorkbenchViewModel

    language = Settings().get("language")
    app = make_qapp(language)
    actor = Actor("u1", "agent1", "张三", "agent", "t1")
    ctx = open_context(Path(sys.argv[1]) / "local.db", actor, language=language)
    runner = TaskRunner()
    win = MainWindow(WorkbenchViewModel(runner, actor, ctx.pops, ctx.outcomes, ctx.sf))
    texts = {"file": workbench.__file__, "language": language, "title": win.windowTitle(),
             "menus": [a.text() for a in win.menuBar().actions()]}
    for n in (1, 3):
        win.on_sync_progress(n)
        texts[f"progress_{n}"] = win.sync_label.text()
        win.on_sync_status(SyncStatus(pending=n, rejected=0, last_sync_at=None, online=False,
                                        last_error="", cursor=0))
        texts[f"offline_{n}"] = win.sync_label.text()
    print(json.dumps(texts, ensure_ascii=False))
    win.close()
    runner.wait_for_done()
    ctx.engine.dispose()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())

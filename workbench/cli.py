"""``workbench``: run the app, hand it a call, or render a screen pop to PNG.

    workbench [--user U] [--password-stdin] [--server URL] [--lang zh|en] [NUMBER | tel:… | callto:…]
    workbench call NUMBER
    workbench screenshot --number N --out pop.png [--size 1366x768] [--lang zh|en] [--user U]
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

from workbench.core.phone import InvalidPhoneError, normalize_phone


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench", description="Agent Workbench desktop app")
    p.add_argument("--user", help="log in as this user (skips the login dialog with --password-stdin)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--server", help="central server URL (default: the saved setting)")
    p.add_argument("--data-dir", help="folder of the local store (default: the app-data folder)")
    p.add_argument("--lang", choices=["zh", "en"], help="interface language")
    p.add_argument("--call", metavar="NUMBER", help="pop this number once logged in")
    p.add_argument("link", nargs="?", metavar="NUMBER_OR_LINK",
                   help="a number or a tel:/callto: link to pop; if the workbench is already running it "
                        "gets the number and comes forward, and this start ends")
    return p


def _call_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench call",
                                description="pop a caller's unified policy view in the running workbench")
    p.add_argument("number", help="the caller's number, in any spelling (+86 138-0013-8000, tel:...)")
    p.add_argument("--no-start", action="store_true", help="do not start the app if it is not running")
    return p


def _shot_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workbench screenshot",
                                description="render the screen pop of a number to a PNG, headless")
    p.add_argument("--number", required=True, help="customer's mobile number")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--size", default="1366x768", help="window size WIDTHxHEIGHT (default 1366x768)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="interface language (default zh)")
    p.add_argument("--user", default="agent1", help="whose local store to read (default agent1)")
    p.add_argument("--data-dir", help="folder of the local store")
    p.add_argument("--local", help="path of the local store file (overrides --user/--data-dir)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["call"]:  # a short hand-over: stderr only
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:  # the app and the screenshot: the rotating log file too (crash reports quote it)
        from workbench.core.logfiles import setup_logging

        setup_logging("workbench")
    if argv[:1] == ["call"]:
        return cmd_call(_call_parser().parse_args(argv[1:]))
    if argv[:1] == ["screenshot"]:
        return cmd_screenshot(_shot_parser().parse_args(argv[1:]))
    if argv[:1] == ["run"]:
        argv = argv[1:]
    return cmd_run(_run_parser().parse_args(argv))


def cmd_call(args: argparse.Namespace) -> int:
    from workbench.ipc import NotRunningError, send_call
    from workbench.links import number_from_link

    try:
        number = number_from_link(args.number)
    except InvalidPhoneError as exc:
        print(f"workbench call: {exc}", file=sys.stderr)
        return 2
    try:
        answer = send_call(number)
    except NotRunningError:
        if args.no_start:
            print("workbench call: the workbench is not running", file=sys.stderr)
            return 1
        print("workbench is not running: starting it; the call pops once you are logged in")
        app = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "workbench"]
        subprocess.Popen([*app, "--call", number], start_new_session=True)  # the bundle is its own program
        return 0
    if answer != "ok":
        print(f"workbench call: {answer}", file=sys.stderr)
        return 1
    return 0


def _parse_size(text: str) -> tuple[int, int] | None:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        print(f"workbench screenshot: --size must look like 1366x768, not {text!r}", file=sys.stderr)
        return None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        print("workbench screenshot: --size out of range (320x240 to 7680x4320)", file=sys.stderr)
        return None
    return w, h


def cmd_screenshot(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from workbench.app import actor_from_store, local_path_for, make_qapp, open_context
    from workbench.config import Settings
    from workbench.services.call_events import CallEvent, Source
    from workbench.services.worklist import load_worklist
    from workbench.ui.main_window import MainWindow
    from workbench.views.task_runner import TaskRunner
    from workbench.views.workbench_vm import WorkbenchViewModel

    size = _parse_size(args.size)
    if size is None:
        return 2
    width, height = size
    from workbench.services.credentials import configure_keyring

    configure_keyring()  # the local store's key is in the keyring
    local = Path(args.local) if args.local else local_path_for(Settings(), args.user, args.data_dir)
    if not local.exists():
        print(f"workbench screenshot: no local store at {local}; log in once (or sync) first", file=sys.stderr)
        return 2
    try:
        number = normalize_phone(args.number)
        actor = actor_from_store(local, args.user)
    except (InvalidPhoneError, LookupError) as exc:
        print(f"workbench screenshot: {exc}", file=sys.stderr)
        return 2
    app = make_qapp(args.lang)
    from workbench.desk_session import ScoringRef
    from workbench.services.desk_scoring import DeskScoring

    ref = ScoringRef()
    ctx = open_context(local, actor, cross_sell_rules=ref.cross_sell_rules, language=args.lang)
    scoring = ref.scoring = DeskScoring(ctx.sf)  # the synced models and cross-sell rules, as in the app
    scoring.reload_models()
    scoring.mine_cross_sell()
    pop = ctx.pops.build(number, channel="hotline")  # the screen pop of an incoming call
    if pop is None:
        print(f"workbench screenshot: no customer with number {number} in {local}", file=sys.stderr)
        return 2
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, actor, ctx.pops, ctx.outcomes, ctx.sf)
    win = MainWindow(vm)
    win.resize(width, height)
    win.on_worklist(load_worklist(ctx.sf, actor))
    win.set_sync_status("", True)
    win.on_pop_ready(pop, CallEvent(number=number, source=Source.CLI, channel="hotline"))
    score = scoring.explain(pop.portrait.id)
    if score is not None:
        win.on_explanation(pop.portrait.id, score)
    win.show()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, bool] = {}

    def shoot() -> None:
        result["ok"] = win.grab().save(str(out))
        app.quit()

    QTimer.singleShot(200, shoot)
    app.exec()
    win.close()
    runner.wait_for_done()
    ctx.engine.dispose()
    if not result.get("ok"):
        print(f"workbench screenshot: could not write {out}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({width}x{height}, {args.lang})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from workbench.ipc import hand_over
    from workbench.links import number_from_link

    raw = args.link or args.call
    number = None
    if raw:
        try:
            number = number_from_link(raw)
        except InvalidPhoneError as exc:
            print(f"workbench: {exc}", file=sys.stderr)
            return 2
    answer = hand_over(number)  # one instance per user: a running one takes over
    if answer is not None:
        if answer != "ok":
            print(f"workbench: the running workbench answered: {answer}", file=sys.stderr)
            return 1
        print("workbench is already running: handed over to its window")
        return 0
    args.call = number
    from workbench.display import NoDisplayError, check_display

    try:
        check_display()
    except NoDisplayError as exc:
        print(exc, file=sys.stderr)
        return 2
    from workbench.desktop import run_desktop

    return run_desktop(args)

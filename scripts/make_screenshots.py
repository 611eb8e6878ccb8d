"""Make the README's screenshots from the real app, headless.

Seeds a demo central store, serves it on loopback, logs in as a demo user and syncs that
user's local store through the real API, then renders screen pops with
``workbench screenshot`` at 1366×768 and 1920×1080, in Chinese and English.

    .venv/bin/python scripts/make_screenshots.py [--customers 3000] [--out docs/img]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server_stub.api.app import create_app  # noqa: E402
from server_stub.seed.demo import seed_demo  # noqa: E402
from workbench.local_store.db import default_local_path, open_local, session_factory  # noqa: E402
from workbench.services.server_api import ServerApi  # noqa: E402
from workbench.services.sync_engine import SyncEngine  # noqa: E402


def serve(db_url: str) -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db_url), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def sync_user(base: str, username: str, data_dir: Path) -> Path:
    """Log in, sync the user's scope and score their book, as the app does."""
    from workbench.services.desk_scoring import DeskScoring

    path = default_local_path(username, data_dir)
    factory = session_factory(open_local(path))
    with httpx.Client(base_url=base, timeout=30) as http:
        api = ServerApi(http)
        api.login(username, "demo")
        SyncEngine(factory, api, SyncEngine.client_id_for(factory)).pull_all()
    scoring = DeskScoring(factory)
    scoring.reload_models()
    scoring.refresh_book()
    return path


#: The demo's showcase customers (the same for any seed and size, see README).
NUMBERS = {"pop": "13800138000", "dnc": "13600136000", "store": "13700137000"}


def shoot(local: Path, user: str, number: str, out: Path, size: str, lang: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-m", "workbench", "screenshot", "--local", str(local), "--user", user,
                    "--number", number, "--out", str(out), "--size", size, "--lang", lang],
                   check=True, env=env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=3000)
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/central.db"
        print(f"seeding {args.customers} demo customers…")
        seed_demo(db_url, customers=args.customers, seed=7)
        print("training the deal model…")
        subprocess.run([sys.executable, "-m", "server_stub", "train", "--db", db_url, "--kinds", "deal",
                        "--out", f"{tmp}/models"], check=True)
        base, server, thread = serve(db_url)
        try:
            agent = sync_user(base, "agent1", Path(tmp))
            reception = sync_user(base, "reception1", Path(tmp))
        finally:
            server.should_exit = True
            thread.join(10)
        numbers = NUMBERS
        shoot(agent, "agent1", numbers["pop"], out / "screen-pop-zh-1366.png", "1366x768", "zh")
        shoot(agent, "agent1", numbers["pop"], out / "screen-pop-zh-1920.png", "1920x1080", "zh")
        shoot(agent, "agent1", numbers["pop"], out / "screen-pop-en-1366.png", "1366x768", "en")
        shoot(agent, "agent1", numbers["dnc"], out / "screen-pop-do-not-call-zh.png", "1366x768", "zh")
        shoot(reception, "reception1", numbers["store"], out / "store-arrival-zh-1366.png", "1366x768", "zh")
    return 0


if __name__ == "__main__":
    sys.exit(main())

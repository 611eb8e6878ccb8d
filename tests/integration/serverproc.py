"""A central server in its own process (``python -m server_stub serve``), for tests that
kill, pause or run several servers over one store."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def tls_verify(verify: str | bool) -> ssl.SSLContext | bool:
    """httpx's ``verify`` for a CA file path (or True / False as given)."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``workbench-server serve`` on a free port; start, kill, pause, restart."""

    def __init__(self, db_url: str, *, workers: int = 1, port: int | None = None,
                 env: dict[str, str] | None = None, args: tuple[str, ...] = (),
                 verify: str | bool = True) -> None:
        self.db_url = db_url
        self.workers = workers
        self.port = port or free_port()
        #: more ``serve`` options (``--ssl-certfile`` makes the base URL https)
        self.args = tuple(args)
        self.verify = verify
        scheme = "https" if "--ssl-certfile" in self.args else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        self.env = {**os.environ, "WORKBENCH_CTI_SECRET": "test-cti-secret", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> ServerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server_stub", "serve", "--db", self.db_url, "--port", str(self.port),
             "--workers", str(self.workers), *self.args],
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"server exited with {self.proc.returncode}: {err[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1, verify=tls_verify(self.verify)).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become healthy")
            time.sleep(0.1)

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the server's whole process group (master and workers)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the server and its workers, and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or kill after a few seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.signal(signal.SIGCONT)
            self.signal(signal.SIGTERM)
            self.proc.wait(8)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            self.kill()
        if self.proc.stderr:
            self.proc.stderr.close()

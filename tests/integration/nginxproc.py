"""Debian's nginx in front of a test server, configured from the shipped production file
``deploy/nginx/workbench.conf`` (rendered with free loopback ports, test certificates and
shorter timeouts)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.integration.serverproc import ROOT, free_port, tls_verify

PRODUCTION_CONF = ROOT / "deploy" / "nginx" / "workbench.conf"


def nginx_binary() -> str | None:
    """Path of the nginx executable, if installed."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def set_directive(conf: str, name: str, value: str) -> str:
    """``conf`` with every ``name ...;`` line set to ``name value;`` (it must be there)."""
    pattern = re.compile(r"^([ \t]*)" + re.escape(name) + r"[ \t][^;{}\n]*;", re.MULTILINE)
    rendered, count = pattern.subn(lambda m: f"{m.group(1)}{name} {value};", conf)
    if not count:
        raise ValueError(f"{name} is not in {PRODUCTION_CONF}")
    return rendered


def render_site(upstream: str, port: int, *, cert: Path | None = None, key: Path | None = None,
                overrides: dict[str, str] | None = None) -> str:
    """The production site config aimed at ``upstream`` and listening on loopback ``port``
    (TLS with ``cert`` / ``key``, plain HTTP without), with ``overrides`` of directives."""
    conf = PRODUCTION_CONF.read_text(encoding="utf-8")
    conf = set_directive(conf, "server", upstream)  # the upstream's one server line
    conf = set_directive(conf, "server_name", "localhost")
    if cert is not None and key is not None:
        conf = set_directive(conf, "listen", f"127.0.0.1:{port} ssl")
        conf = set_directive(conf, "ssl_certificate", str(cert))
        conf = set_directive(conf, "ssl_certificate_key", str(key))
    else:
        conf = set_directive(conf, "listen", f"127.0.0.1:{port}")
        conf = re.sub(r"^\s*ssl_\w+\s[^;]*;\n", "", conf, flags=re.MULTILINE)
    for name, value in (overrides or {}).items():
        conf = set_directive(conf, name, value)
    return conf


class NginxFront:
    """nginx (master + 1 worker) in the foreground, in its own prefix folder."""

    def __init__(self, folder: Path, upstream: str, *, cert: Path | None = None, key: Path | None = None,
                 overrides: dict[str, str] | None = None) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian package nginx; see the Makefile)")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        scheme = "https" if cert is not None else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "site.conf").write_text(render_site(upstream, self.port, cert=cert, key=key,
                                                      overrides=overrides), encoding="utf-8")
        temp = "".join(f"    {kind}_temp_path {folder / kind};\n" for kind in
                       ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp folders
        (folder / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} info;\n"
            "events { worker_connections 2048; }\n"
            "http {\n    access_log off;\n" + temp + f"    include {folder / 'site.conf'};\n}}\n",
            encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, verify: str | bool = True, timeout: float = 20) -> NginxFront:
        conf = str(self.folder / "nginx.conf")
        check = subprocess.run([self.binary, "-t", "-p", str(self.folder), "-c", conf],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed: {check.stderr}")
        self.proc = subprocess.Popen([self.binary, "-p", str(self.folder), "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: {err[-2000:]}")
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=1, verify=tls_verify(verify)).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start proxying")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGQUIT)  # graceful: workers finish, then exit
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self.proc.stderr:
            self.proc.stderr.close()

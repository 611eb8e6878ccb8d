"""A local Kannel chain for tests and the demo: bearerbox, smsbox and the fake SMS centre
``fakesmsc``.

Debian packages ``kannel`` (bearerbox, smsbox) and ``kannel-extras`` (fakesmsc, in Kannel's
test folder). Everything runs on free loopback ports from a generated config in a temporary
folder. Two fake SMS centres: ``FAKE`` receives what we send (its fakesmsc prints every
message, which :meth:`KannelRig.received` reads back) and ``MOIN`` only injects customers'
replies (:meth:`KannelRig.send_mo`); ``allowed-smsc-id`` keeps our messages off it.

``python -m server_stub.sms.kannel_local start --dir D --callback URL`` starts the chain in the
background and prints the ``export`` lines the server needs (``make demo`` does this);
``... stop --dir D`` ends it; ``... received --dir D`` prints what the customers received.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus, unquote_to_bytes

import httpx

FAKESMSC_CANDIDATES = ("/usr/lib/kannel/test/fakesmsc", "/usr/libexec/kannel/test/fakesmsc")
USER, PASSWORD, ADMIN_PASSWORD = "wb", "wb-pass", "wb-admin"


def fakesmsc_path() -> str | None:
    found = shutil.which("fakesmsc")
    if found:
        return found
    return next((p for p in FAKESMSC_CANDIDATES if os.access(p, os.X_OK)), None)


def kannel_missing() -> str | None:
    """None if bearerbox, smsbox and fakesmsc are installed, else why not."""
    missing = [n for n in ("bearerbox", "smsbox") if shutil.which(n) is None]
    if fakesmsc_path() is None:
        missing.append("fakesmsc")
    if missing:
        return (f"Kannel not installed ({', '.join(missing)} missing): apt-get install kannel kannel-extras "
                "(make system-packages)")
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ReceivedSms:
    """One message as the fake SMS centre received it."""

    sender: str
    to: str
    text: str


def _bytes(data: str) -> bytes:
    return unquote_to_bytes(data.replace("+", "%20"))


def parse_fakesmsc_line(line: str) -> ReceivedSms | tuple[str, str, bytes, bytes] | None:
    """``... Got message 3: <10086 13800138000 ucs-2 O%60Y%7D>`` as a message; a part of a
    concatenated message (``udh <udh> data <bytes>``) as (sender, to, udh, data)."""
    mark = "Got message "
    i = line.find(mark)
    if i < 0:
        return None
    body = line[line.find("<", i) + 1: line.rfind(">")]
    parts = body.split(" ", 3)
    if len(parts) < 4:
        return None
    sender, to, kind, data = parts
    if kind == "udh":
        udh, _, rest = data.partition(" ")
        _, _, payload = rest.partition(" ")
        return sender, to, _bytes(udh), _bytes(payload)
    if kind in ("ucs-2", "ucs2"):
        text = _bytes(data).decode("utf-16-be", errors="replace")
    else:
        text = unquote_plus(data)
    return ReceivedSms(sender, to, text)


def _decode_parts(data: bytes) -> str:
    """A reassembled payload: UCS-2 when it looks like it (our sender uses UCS-2 for all
    non-ASCII text), else 8-bit text."""
    if len(data) % 2 == 0 and b"\x00" in data:
        return data.decode("utf-16-be", errors="replace")
    return data.decode("latin-1")


def assemble(lines: list[str]) -> list[ReceivedSms]:
    """Messages from fakesmsc's log lines, concatenated parts joined (by UDH reference)."""
    out: list[ReceivedSms] = []
    pending: dict[tuple[str, str, int], dict[int, bytes]] = {}
    totals: dict[tuple[str, str, int], int] = {}
    for line in lines:
        item = parse_fakesmsc_line(line)
        if item is None:
            continue
        if isinstance(item, ReceivedSms):
            out.append(item)
            continue
        sender, to, udh, payload = item
        # UDH: length, IEI 0 (8-bit reference) length 3, reference, total, sequence
        if len(udh) >= 6 and udh[1] == 0:
            key, total, seq = (sender, to, udh[3]), udh[4], udh[5]
        else:
            out.append(ReceivedSms(sender, to, _decode_parts(payload)))
            continue
        pending.setdefault(key, {})[seq] = payload
        totals[key] = total
        if len(pending[key]) == total:
            parts = pending.pop(key)
            out.append(ReceivedSms(sender, to, _decode_parts(b"".join(parts[i] for i in sorted(parts)))))
    return out


class KannelRig:
    """bearerbox + smsbox + fakesmsc on loopback; ``sms_url`` is what the server is given."""

    def __init__(self, workdir: Path, *, callback_base: str, secret: str, sender_id: str = "10690000",
                 rate: float = 1000.0) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.callback_base = callback_base.rstrip("/")
        self.secret = secret
        self.sender_id = sender_id
        self.ports = {k: _free_port() for k in ("admin", "smsbox", "fake", "moin", "sendsms")}
        self.sms_url = (f"kannel://{USER}:{PASSWORD}@127.0.0.1:{self.ports['sendsms']}"
                        f"?from={sender_id}&rate={rate:g}&cost=0.05")
        self.conf = self.dir / "kannel.conf"
        self.sink_log = self.dir / "fakesmsc.log"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def _config(self) -> str:
        p, d = self.ports, self.dir
        get_url = f"{self.callback_base}/api/v1/sms/inbound?key={self.secret}&from=%p&to=%P&text=%b&coding=%c&charset=%C"
        return f"""
group = core
admin-port = {p['admin']}
admin-password = {ADMIN_PASSWORD}
admin-allow-ip = "127.0.0.1"
smsbox-port = {p['smsbox']}
dlr-storage = internal
log-level = 2
log-file = "{d}/bearerbox.log"
access-log = "{d}/access.log"
sms-incoming-queue-limit = -1

group = smsc
smsc = fake
smsc-id = FAKE
port = {p['fake']}
connect-allow-ip = "127.0.0.1"

group = smsc
smsc = fake
smsc-id = MOIN
allowed-smsc-id = MOIN
port = {p['moin']}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {p['sendsms']}
sendsms-interface = 127.0.0.1
log-file = "{d}/smsbox.log"
log-level = 2
http-request-retry = 5
http-queue-delay = 1

group = sendsms-user
username = {USER}
password = {PASSWORD}
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
"""

    def _spawn(self, name: str, args: list[str], out: Path) -> subprocess.Popen[bytes]:
        handle = out.open("ab")
        proc = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, cwd=self.dir,
                                start_new_session=True)
        handle.close()
        self.procs[name] = proc
        return proc

    def start(self, timeout: float = 30) -> KannelRig:
        self.conf.write_text(self._config())
        self._spawn("bearerbox", ["bearerbox", str(self.conf)], self.dir / "bearerbox.out")
        self._wait_port(self.ports["smsbox"], timeout)
        self._spawn("smsbox", ["smsbox", str(self.conf)], self.dir / "smsbox.out")
        self._spawn("fakesmsc", [str(fakesmsc_path()), "-H", "127.0.0.1", "-r", str(self.ports["fake"]),
                                 "-i", "0.1", "-m", "0", "1 2 text nop"], self.sink_log)
        self._wait_port(self.ports["sendsms"], timeout)
        deadline = time.monotonic() + timeout
        while "FAKE" not in self._online_smscs():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kannel's fake SMSC did not come online: {self.status()[:1000]}")
            time.sleep(0.1)
        return self

    def _wait_port(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.dir}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"port {port} did not open; see {self.dir}") from None
                time.sleep(0.05)

    def status(self) -> str:
        try:
            return httpx.get(f"http://127.0.0.1:{self.ports['admin']}/status.txt",
                             params={"password": ADMIN_PASSWORD}, timeout=2).text
        except httpx.HTTPError as exc:
            return f"status unavailable: {exc}"

    def _online_smscs(self) -> set[str]:
        online = set()
        for line in self.status().splitlines():
            parts = line.split()
            if parts and "online" in line:
                online.add(parts[0].strip("[]:"))
        return {o.split("[")[0] for o in online}

    def received(self) -> list[ReceivedSms]:
        """Every message fakesmsc received so far, in order."""
        if not self.sink_log.exists():
            return []
        return assemble(self.sink_log.read_text(errors="replace").splitlines())

    def wait_received(self, count: int, timeout: float = 30) -> list[ReceivedSms]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.received()
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.1)

    def send_mo(self, sender: str, to: str, text: str, timeout: float = 15) -> None:
        """A customer's SMS to us, injected through the MOIN fake SMS centre."""
        log = self.dir / f"mo-{time.monotonic_ns()}.log"
        kind, data = ("text", text.replace(" ", "+")) if text.isascii() else \
            ("ucs2", "".join(f"%{b:02X}" for b in text.encode("utf-16-be")))
        proc = subprocess.Popen([str(fakesmsc_path()), "-H", "127.0.0.1", "-r", str(self.ports["moin"]),
                                 "-i", "0.1", "-m", "1", f"{sender} {to} {kind} {data}"],
                                stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=self.dir,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while "sent message 1" not in log.read_text(errors="replace"):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"fakesmsc did not send the reply: {log.read_text()[-500:]}")
                time.sleep(0.05)
            time.sleep(0.3)  # let bearerbox take it before the connection goes
        finally:
            _stop(proc)

    def stop(self) -> None:
        for name in ("fakesmsc", "smsbox", "bearerbox"):
            proc = self.procs.get(name)
            if proc is not None:
                _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(5)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)


# ------------------------------------------------------------------ the demo's command line


def _main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import secrets as _secrets
    import sys

    ap = argparse.ArgumentParser(prog="python -m server_stub.sms.kannel_local")
    ap.add_argument("action", choices=("start", "stop", "received"))
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--callback", default="http://127.0.0.1:8765", help="the server's base URL")
    args = ap.parse_args(argv)
    state = args.dir / "rig.json"
    if args.action == "start":
        reason = kannel_missing()
        if reason:
            print(f"echo 'SMS gateway not started: {reason}'")
            return 0
        secret = _secrets.token_urlsafe(16)
        rig = KannelRig(args.dir, callback_base=args.callback, secret=secret, rate=50).start()
        state.write_text(json.dumps({"pids": {k: p.pid for k, p in rig.procs.items()}}))
        print(f"export WORKBENCH_SMS_URL='{rig.sms_url}' WORKBENCH_SMS_SECRET='{secret}' "
              f"WORKBENCH_SMS_CALLBACK='{args.callback}' WORKBENCH_ONLINE_URL='{args.callback}'")
        print(f"echo 'SMS gateway: Kannel on 127.0.0.1:{rig.ports['sendsms']}; what the customers received: "
              f"{sys.executable} -m server_stub.sms.kannel_local received --dir {args.dir}'")
        return 0
    if args.action == "stop":
        if state.exists():
            for pid in json.loads(state.read_text())["pids"].values():
                try:
                    os.killpg(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            state.unlink()
        return 0
    rig = KannelRig.__new__(KannelRig)
    rig.sink_log = args.dir / "fakesmsc.log"
    for m in rig.received():
        sys.stdout.write(f"{m.to}: {m.text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

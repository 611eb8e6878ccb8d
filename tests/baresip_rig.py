"""A real baresip and real sipp calls on loopback, for the softphone tests.

:class:`Baresip` writes its own config dir (``baresip -f DIR``): SIP and ``ctrl_tcp`` on free
127.0.0.1 ports, media bound to 127.0.0.1, DNS pointed at 127.0.0.1, audio through the
``aubridge`` module (no sound device), one account with the chosen answer mode. Every process
started here is killed by the fixture or context manager that started it.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import pytest

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
SIPP = shutil.which("sipp") or "/usr/bin/sipp"
MODULES = Path("/usr/lib/baresip/modules")
NEEDED_MODULES = ("g711.so", "aubridge.so", "menu.so", "ctrl_tcp.so", "account.so")
START_TIMEOUT = 10.0

T = TypeVar("T")


def missing_tools() -> str | None:
    """Why the real-softphone tests cannot run here, or None."""
    if not os.access(BARESIP, os.X_OK):
        return "baresip not installed (Debian package baresip-core)"
    if not os.access(SIPP, os.X_OK):
        return "sipp not installed (Debian package sip-tester)"
    absent = [m for m in NEEDED_MODULES if not (MODULES / m).exists()]
    if absent:
        return f"baresip modules missing in {MODULES}: {', '.join(absent)}"
    return None


requires_baresip = pytest.mark.skipif(missing_tools() is not None, reason=missing_tools() or "")


def _free(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, pair: bool = False) -> int:
    """A loopback port free for TCP and UDP (and ``port + 1`` TCP too with ``pair``).

    SIP needs the pair: baresip also listens for SIP over TLS on the next port.
    """
    for _ in range(200):
        port = random.randint(20000, 59000)
        if _free(port, socket.SOCK_STREAM) and _free(port, socket.SOCK_DGRAM) and (
            not pair or _free(port + 1, socket.SOCK_STREAM)
        ):
            return port
    raise RuntimeError("no free loopback port")


CONFIG = """\
poll_method\t\tepoll
sip_listen\t\t127.0.0.1:{sip_port}
net_interface\t\t127.0.0.1
dns_server\t\t127.0.0.1:53
call_local_timeout\t120
call_max_calls\t\t4
audio_player\t\taubridge,wb
audio_source\t\taubridge,wb
audio_alert\t\taubridge,wb
audio_level\t\tno
rtp_ports\t\t{rtp_lo}-{rtp_hi}
rtcp_mux\t\tno
jitter_buffer_delay\t5-10
rtp_stats\t\tno
module_path\t\t{modules}
module\t\t\tg711.so
module\t\t\taubridge.so
module_tmp\t\taccount.so
module_app\t\tmenu.so
module_app\t\tctrl_tcp.so
ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}
"""


class Baresip:
    """One baresip process with its own config dir; :meth:`start` and :meth:`stop` repeatable."""

    def __init__(self, workdir: Path, *, answermode: str = "manual",
                 domain_port: int | None = None) -> None:
        """``domain_port``: the port of the account's domain (the "PBX") that completes plain
        numbers dialled (``dial 13800138000`` -> ``sip:13800138000@127.0.0.1:<domain_port>``);
        by default baresip's own SIP port."""
        self.dir = workdir / "baresip"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sip_port = free_port(pair=True)
        self.ctrl_port = free_port()
        rtp = free_port()
        self.aor = f"sip:agent@127.0.0.1:{domain_port or self.sip_port}"
        (self.dir / "config").write_text(CONFIG.format(
            sip_port=self.sip_port, ctrl_port=self.ctrl_port, modules=MODULES,
            rtp_lo=rtp, rtp_hi=rtp + 40))
        (self.dir / "accounts").write_text(f"<{self.aor}>;regint=0;answermode={answermode}\n")
        (self.dir / "contacts").write_text("")
        self.log_path = workdir / "baresip.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Baresip:
        """Start baresip and wait until it says it is ready."""
        self.stop()
        ready_before = self.log().count("baresip is ready.")
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([BARESIP, "-f", str(self.dir)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, cwd=self.dir,
                                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = self.log()
            if text.count("baresip is ready.") > ready_before:
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"baresip did not start:\n{text[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Kill baresip (SIGKILL: a softphone that vanishes) and reap it."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_baresip(workdir: Path, *, answermode: str = "manual",
                    domain_port: int | None = None) -> Iterator[Baresip]:
    """A started :class:`Baresip`, always killed at the end."""
    phone = Baresip(workdir, answermode=answermode, domain_port=domain_port)
    try:
        yield phone.start()
    finally:
        phone.stop()


UAC_SCENARIO = """\
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call from a +86 number">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@127.0.0.1>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[caller]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@127.0.0.1>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:[caller]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[caller]@127.0.0.1>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: <sip:[caller]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"""


def _sipp_common(port: int) -> list[str]:
    return ["-i", "127.0.0.1", "-p", str(port), "-mp", str(free_port()), "-m", "1",
            "-nostdin", "-timeout", "20s", "-timeout_error"]


@contextmanager
def sipp_call(workdir: Path, phone: Baresip, caller: str, *, talk_ms: int = 1500
              ) -> Iterator[subprocess.Popen[bytes]]:
    """sipp (UAC) calling the baresip account from ``caller`` (e.g. ``+8613800138000``).

    The call waits for an answer, talks for ``talk_ms`` and hangs up with BYE; sipp exits
    0 when the whole call went through. The process is killed on leaving the block.
    """
    scenario = workdir / "uac_from_caller.xml"
    scenario.write_text(UAC_SCENARIO)
    cmd = [SIPP, "-sf", str(scenario), "-s", "agent", f"127.0.0.1:{phone.sip_port}",
           "-key", "caller", caller, "-d", str(talk_ms), *_sipp_common(free_port())]
    yield from _popen(cmd, workdir)


@contextmanager
def sipp_uas(workdir: Path, port: int | None = None) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """sipp's built-in UAS on ``port`` (default: a free one): answers one call, waits for BYE."""
    port = port or free_port(pair=True)
    cmd = [SIPP, "-sn", "uas", *_sipp_common(port)]
    for proc in _popen(cmd, workdir):
        yield proc, port


def _popen(cmd: list[str], workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class Recorder:
    """Collects callback values from any thread; tests wait for the one they expect."""

    def __init__(self) -> None:
        self.seen: list[object] = []
        self._queue: queue.Queue[object] = queue.Queue()

    def __call__(self, *args: object) -> None:
        self._queue.put(args[0] if len(args) == 1 else args)

    def wait_for(self, match: Callable[[T], bool], timeout: float = 15.0) -> T:
        """The first value (new since the last match) for which ``match`` is true."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; seen: {self.seen!r}")
            try:
                value = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(value)
            if match(value):  # type: ignore[arg-type]
                return value  # type: ignore[return-value]

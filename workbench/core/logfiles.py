"""Log files for the desktop and the server: rotating files in the platform's log folder
(platformdirs; ``WORKBENCH_LOG_DIR`` overrides it) as well as stderr, and crash reports made
from them with personal data scrubbed. No Qt here: the server uses it too."""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import re
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

import platformdirs

FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5

_state: dict[str, Any] = {}


def log_dir(app: str = "agent-workbench") -> Path:
    env = os.environ.get("WORKBENCH_LOG_DIR")
    return Path(env) if env else Path(platformdirs.user_log_dir(app, appauthor=False))


def setup_logging(name: str, *, level: int = logging.INFO, stderr_level: int = logging.INFO,
                  directory: Path | None = None) -> Path | None:
    """Log ``workbench`` / ``server_stub`` records at ``level`` to ``<log dir>/<name>.log``
    (rotating: 5 files of 5 MB) and at ``stderr_level`` to stderr. Returns the file, or None if
    the folder cannot be written (then stderr only, said once on stderr). Idempotent."""
    root = logging.getLogger()
    for handler in _state.pop("handlers", []):
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(FORMAT)
    stream = logging.StreamHandler(sys.stderr)
    stream.setLevel(stderr_level)
    stream.setFormatter(formatter)
    handlers: list[logging.Handler] = [stream]
    target = (directory or log_dir()) / f"{name}.log"
    path: Path | None = target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        file = logging.handlers.RotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                    encoding="utf-8", delay=False)
        file.setLevel(level)
        file.setFormatter(formatter)
        handlers.append(file)
    except OSError as exc:
        print(f"note: cannot write the log file {path}: {exc}; logging to stderr only", file=sys.stderr)
        path = None
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(min(level, stderr_level, logging.WARNING))
    for own in ("workbench", "server_stub"):
        logging.getLogger(own).setLevel(level)
    _state["handlers"] = handlers
    _state["path"] = path
    return path


def current_log_file() -> Path | None:
    return _state.get("path")


def last_lines(count: int = 60, path: Path | None = None) -> list[str]:
    """The last ``count`` lines of the log file (empty if there is none)."""
    path = path or current_log_file()
    if path is None:
        return []
    for handler in _state.get("handlers", []):
        handler.flush()
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n") for line in deque(f, maxlen=count)]
    except OSError:
        return []


# Phone numbers in any spelling (+86 138-0013-8000, 8613800138000), ID card numbers (15 or 18
# characters, the last may be X), any other long digit run (bank cards, member numbers), e-mail
# addresses, and the user's home folder (it names the OS user).
_PHONE = re.compile(r"(?<![\d.])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])|(?<!\d)\d{15}(?!\d)")
_DIGITS = re.compile(r"(?<![\d.])\d{7,}(?![\d.])")
_MAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def scrub(text: str) -> str:
    """Remove personal data from ``text``: numbers that could be a phone, an ID or a card, e-mail
    addresses, the home folder. Line numbers, times and versions stay."""
    home = str(Path.home())
    if len(home) > 1:
        text = text.replace(home, "~")
    text = _ID.sub("[ID]", text)
    text = _PHONE.sub("[phone]", text)
    text = _DIGITS.sub("[number]", text)
    return _MAIL.sub("[e-mail]", text)


def crash_report(traceback_text: str, *, version: str, log_lines: int = 60, extra: str = "") -> str:
    """A report a user can paste into a ticket: version, OS, Python, the traceback and the last
    lines of the log, scrubbed of personal data."""
    lines = [
        f"Agent Workbench {version}",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"os: {platform.platform()}",
        f"python: {platform.python_version()} ({sys.executable and Path(sys.executable).name})",
    ]
    if extra:
        lines.append(extra)
    lines += ["", "traceback:", traceback_text.rstrip(), "", f"last {log_lines} log lines:"]
    lines += last_lines(log_lines)
    return scrub("\n".join(lines)) + "\n"


def uvicorn_log_config(path: Path | None, level: str = "warning") -> dict[str, Any]:
    """uvicorn's logging at ``level`` (its access log only at info), to stderr as by default
    and to the rotating file ``path`` too; the server's own records at info go to the file."""
    lvl = level.upper()
    handlers: dict[str, Any] = {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr",
                   "level": lvl},
    }
    names = ["stderr"]
    if path is not None:
        handlers["file"] = {"class": "logging.handlers.RotatingFileHandler", "formatter": "plain",
                            "filename": str(path), "maxBytes": MAX_BYTES, "backupCount": BACKUPS,
                            "encoding": "utf-8", "level": "INFO"}
        names.append("file")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": handlers,
        "root": {"handlers": names, "level": "WARNING"},
        "loggers": {
            "uvicorn": {"level": lvl},
            "uvicorn.error": {"level": lvl},
            "uvicorn.access": {"level": lvl},
            "server_stub": {"level": "INFO"},
        },
    }


def server_log_config(level: str = "warning") -> dict[str, Any]:
    """The server's logging: ``<log dir>/workbench-server.log`` and stderr (the journal under
    systemd). A folder that cannot be written leaves stderr only, said on stderr."""
    target = log_dir() / "workbench-server.log"
    path: Path | None = target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        print(f"note: cannot write the log file {path}: {exc}; logging to stderr only", file=sys.stderr)
        path = None
    if path is not None:
        print(f"logging to {path}", file=sys.stderr)
    return uvicorn_log_config(path, level)

"""``workbench-server scheduler``: the one scheduler of the server's lifecycle jobs.

Jobs (see :data:`JOBS`): central scoring, task generation, returning idle work to the team
pool, releasing overdue call-backs, grading agents. Each runs at daily times (``--at score=02:00``, in
``--tz``, default Asia/Shanghai) or every N minutes (``--every callbacks=5``).

A slot (job + the moment it was due) is claimed by inserting its row into
``lifecycle_job_runs`` before the job runs; the primary key lets exactly one scheduler win a
slot, so several server processes may each run a scheduler and every job still runs once per
slot. A scheduler that was down at a daily slot catches up when it starts, if the slot is
less than ``--catch-up`` hours old. Each run records its status and a one-line summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_stub.storage.models import JobRun
from workbench.core.entities import utcnow

log = logging.getLogger(__name__)

#: a job: (engine, the moment) -> a one-line summary; raises on failure
Job = Callable[[Engine, dt.datetime], str]


def _score(engine: Engine, now: dt.datetime) -> str:
    from server_stub.lifecycle.scoring import score_central

    report = score_central(engine, now=now)
    return "; ".join(report.lines()[:2])


def _generate(engine: Engine, now: dt.datetime) -> str:
    from server_stub.task_generation import generate_tasks

    report = generate_tasks(engine, now=now)
    return "; ".join(report.lines()[:3])


def _recycle(engine: Engine, now: dt.datetime) -> str:
    from server_stub.lifecycle.pool import recycle

    return recycle(engine, now=now).line()


def _callbacks(engine: Engine, now: dt.datetime) -> str:
    from server_stub.lifecycle.callbacks import release_overdue

    return release_overdue(engine, now=now).line()


def _grades(engine: Engine, now: dt.datetime) -> str:
    from server_stub.lifecycle.grades import grade_agents

    return grade_agents(engine, now=now).line()


#: the jobs by name, in the order they run when due together
JOBS: dict[str, Job] = {
    "score": _score,
    "generate-tasks": _generate,
    "recycle": _recycle,
    "callbacks": _callbacks,
    "grades": _grades,
}
DEFAULT_AT = {"score": ["02:00"], "generate-tasks": ["02:30"], "recycle": ["03:00"], "grades": ["01:30"]}
DEFAULT_EVERY = {"callbacks": 5.0}


@dataclass(frozen=True)
class Schedule:
    """When one job is due: daily ``times`` in ``tz``, or every ``minutes``."""

    job: str
    times: tuple[dt.time, ...] = ()
    minutes: float | None = None
    tz: str = "Asia/Shanghai"

    def latest_slot(self, now: dt.datetime) -> dt.datetime | None:
        """The most recent moment at or before ``now`` when the job was due (UTC)."""
        if self.minutes is not None:
            step = int(self.minutes * 60)
            epoch = int(now.timestamp())
            return dt.datetime.fromtimestamp(epoch - epoch % step, dt.UTC)
        zone = zoneinfo.ZoneInfo(self.tz)
        local = now.astimezone(zone)
        best: dt.datetime | None = None
        for days in (0, 1):
            day = local.date() - dt.timedelta(days=days)
            for t in self.times:
                slot = dt.datetime.combine(day, t, zone).astimezone(dt.UTC)
                if slot <= now and (best is None or slot > best):
                    best = slot
            if best is not None:
                return best
        return best


@dataclass(frozen=True)
class RunResult:
    """What one claimed slot did."""

    job: str
    slot: dt.datetime
    status: str  # ok / failed
    detail: str


class Scheduler:
    """Runs the due jobs of ``schedules`` against ``engine`` (see the module docstring)."""

    def __init__(self, engine: Engine, schedules: Iterable[Schedule],
                 jobs: Mapping[str, Job] | None = None,
                 catch_up: dt.timedelta = dt.timedelta(hours=12)) -> None:
        self.engine = engine
        self.schedules = list(schedules)
        self.jobs = dict(jobs or JOBS)
        self.catch_up = catch_up
        unknown = [s.job for s in self.schedules if s.job not in self.jobs]
        if unknown:
            raise ValueError(f"unknown job(s) {', '.join(unknown)}; known: {', '.join(self.jobs)}")

    def _claim(self, job: str, slot: dt.datetime, now: dt.datetime) -> bool:
        try:
            with Session(self.engine) as s, s.begin():
                if s.get(JobRun, (job, slot)) is not None:
                    return False
                s.add(JobRun(job=job, slot=slot, started_at=now, status="running"))
        except IntegrityError:  # another scheduler claimed it first
            return False
        return True

    def _finish(self, job: str, slot: dt.datetime, status: str, detail: str) -> None:
        with Session(self.engine) as s, s.begin():
            row = s.get(JobRun, (job, slot))
            if row is not None:
                row.status, row.detail, row.finished_at = status, detail[:2000], utcnow()

    def tick(self, now: dt.datetime | None = None) -> list[RunResult]:
        """Run every job whose latest slot is due, not yet claimed and not too old."""
        now = now or utcnow()
        order = list(self.jobs)
        results: list[RunResult] = []
        for sched in sorted(self.schedules, key=lambda s: order.index(s.job)):
            slot = sched.latest_slot(now)
            if slot is None or now - slot > self.catch_up or not self._claim(sched.job, slot, now):
                continue
            try:
                detail = self.jobs[sched.job](self.engine, now)
                status = "ok"
            except Exception as exc:  # a failed job is recorded; the others still run
                log.exception("job %s of %s failed", sched.job, slot.isoformat())
                status, detail = "failed", f"{type(exc).__name__}: {exc}"
            self._finish(sched.job, slot, status, detail)
            results.append(RunResult(sched.job, slot, status, detail))
        return results

    def history(self, limit: int = 20) -> list[JobRun]:
        """The latest recorded runs, newest first."""
        with Session(self.engine) as s:
            return list(s.execute(select(JobRun).order_by(JobRun.started_at.desc()).limit(limit)).scalars())

    def run_forever(self, stop: threading.Event, poll_s: float = 30.0,
                    say: Callable[[str], None] = print) -> None:
        while not stop.is_set():
            for r in self.tick():
                say(f"{r.slot.isoformat()} {r.job}: {r.status} — {r.detail}")
            stop.wait(poll_s)


# ------------------------------------------------------------------ command line


def _time(text: str) -> dt.time:
    try:
        hour, minute = text.split(":")
        return dt.time(int(hour), int(minute))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day HH:MM") from None


def parse_schedules(at: Iterable[str], every: Iterable[str], tz: str) -> list[Schedule]:
    """Schedules from ``--at JOB=HH:MM[,HH:MM]`` and ``--every JOB=MINUTES`` (defaults for
    the jobs named in neither); ValueError with the reason."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
    times: dict[str, list[str]] = {}
    minutes: dict[str, float] = {}
    for item in at:
        job, _, value = item.partition("=")
        times[job.strip()] = [v.strip() for v in value.split(",") if v.strip()]
    for item in every:
        job, _, value = item.partition("=")
        try:
            n = float(value)
        except ValueError:
            raise ValueError(f"--every {item!r}: minutes must be a number") from None
        if not 1 <= n <= 24 * 60:
            raise ValueError(f"--every {item!r}: minutes must be between 1 and 1440")
        minutes[job.strip()] = n
    for job in [*times, *minutes]:
        if job not in JOBS:
            raise ValueError(f"unknown job {job!r}; known: {', '.join(JOBS)}")
        if job in times and job in minutes:
            raise ValueError(f"job {job!r} has both --at and --every")
    out = []
    for job in JOBS:
        if job in times:
            if not times[job]:
                continue  # "--at recycle=" switches a job off
            out.append(Schedule(job, tuple(_time(t) for t in times[job]), tz=tz))
        elif job in minutes:
            out.append(Schedule(job, minutes=minutes[job], tz=tz))
        elif job in DEFAULT_AT:
            out.append(Schedule(job, tuple(_time(t) for t in DEFAULT_AT[job]), tz=tz))
        elif job in DEFAULT_EVERY:
            out.append(Schedule(job, minutes=DEFAULT_EVERY[job], tz=tz))
    return out


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``scheduler``."""
    parser.add_argument("--db", default=None, help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--at", action="append", default=[], metavar="JOB=HH:MM[,HH:MM]",
                        help="daily times of a job (default score=02:00, generate-tasks=02:30, "
                             "recycle=03:00, grades=01:30); an empty list switches the job off")
    parser.add_argument("--every", action="append", default=[], metavar="JOB=MINUTES",
                        help="run a job every MINUTES instead (default callbacks=5)")
    parser.add_argument("--tz", default="Asia/Shanghai", help="time zone of --at (default Asia/Shanghai)")
    parser.add_argument("--catch-up", type=float, default=12.0, metavar="HOURS",
                        help="run a missed daily slot at start-up if it is at most this old (default 12)")
    parser.add_argument("--once", action="store_true", help="run what is due now and exit (for cron)")
    parser.add_argument("--poll", type=float, default=30.0, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url, open_central

    try:
        schedules = parse_schedules(args.at, args.every, args.tz)
        if not 0 <= args.catch_up <= 72:
            raise ValueError("--catch-up must be between 0 and 72 hours")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = open_central(args.db or default_db_url())
    scheduler = Scheduler(engine, schedules, catch_up=dt.timedelta(hours=args.catch_up))
    try:
        for s in schedules:
            when = (f"every {s.minutes:g} min" if s.minutes is not None
                    else "daily at " + ", ".join(t.strftime("%H:%M") for t in s.times) + f" ({s.tz})")
            print(f"{s.job}: {when}", flush=True)
        if args.once:
            results = scheduler.tick()
            for r in results:
                print(f"{r.slot.isoformat()} {r.job}: {r.status} — {r.detail}", flush=True)
            return 1 if any(r.status != "ok" for r in results) else 0
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        scheduler.run_forever(stop, args.poll, say=lambda t: print(t, flush=True))
        return 0
    finally:
        engine.dispose()

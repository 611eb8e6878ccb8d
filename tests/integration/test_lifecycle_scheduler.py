"""The one scheduler of the server's jobs: slots, catch-up, one run per slot, failures."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub.cli import main as cli_main
from server_stub.lifecycle.scheduler import Schedule, Scheduler, parse_schedules
from server_stub.storage.db import open_central
from server_stub.storage.models import JobRun

SH = dt.timezone(dt.timedelta(hours=8))


def _at(hour: int, minute: int = 0, day: int = 4) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SH).astimezone(dt.UTC)


def test_daily_and_every_slots() -> None:
    daily = Schedule("score", (dt.time(2, 0), dt.time(14, 0)))
    assert daily.latest_slot(_at(1, 59)) == _at(14, 0, day=3)
    assert daily.latest_slot(_at(2, 0)) == _at(2, 0)
    assert daily.latest_slot(_at(13, 0)) == _at(2, 0)
    every = Schedule("callbacks", minutes=5)
    assert every.latest_slot(_at(10, 7)) == _at(10, 5)


def test_parse_schedules_defaults_and_errors() -> None:
    got = {s.job: s for s in parse_schedules(["score=01:30,13:30", "recycle="], ["callbacks=2"], "UTC")}
    assert got["score"].times == (dt.time(1, 30), dt.time(13, 30)) and got["score"].tz == "UTC"
    assert "recycle" not in got and got["callbacks"].minutes == 2
    assert got["generate-tasks"].times == (dt.time(2, 30),)
    for at, every, tz, msg in [(["nope=01:00"], [], "UTC", "unknown job"),
                               (["score=25:00"], [], "UTC", "time of day"),
                               ([], ["callbacks=0"], "UTC", "between 1 and 1440"),
                               ([], ["callbacks=x"], "UTC", "number"),
                               (["score=01:00"], ["score=5"], "UTC", "both"),
                               ([], [], "Mars/Olympus", "time zone")]:
        with pytest.raises(ValueError, match=msg):
            parse_schedules(at, every, tz)


@pytest.fixture
def engine(central_url: str) -> Any:
    eng = open_central(central_url)
    yield eng
    eng.dispose()


def _runs(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        return [(r.job, r.status, r.detail) for r in
                s.execute(select(JobRun).order_by(JobRun.slot, JobRun.job)).scalars()]


def test_each_slot_runs_once_in_job_order_and_failures_are_recorded(engine: Engine) -> None:
    calls: list[str] = []

    def ok(name: str) -> Any:
        return lambda _e, _now: calls.append(name) or f"{name} done"

    def broken(_e: Engine, _now: dt.datetime) -> str:
        raise RuntimeError("no model")

    jobs = {"score": ok("score"), "generate-tasks": ok("generate-tasks"), "recycle": broken}
    sched = Scheduler(engine, [Schedule("recycle", (dt.time(2, 0),)), Schedule("score", (dt.time(2, 0),)),
                               Schedule("generate-tasks", (dt.time(2, 0),))], jobs=jobs)
    assert sched.tick(_at(1, 0)) == []  # yesterday's 02:00 is 23 h old: beyond the catch-up
    results = sched.tick(_at(2, 1))
    assert [(r.job, r.status) for r in results] == [("score", "ok"), ("generate-tasks", "ok"),
                                                    ("recycle", "failed")]
    assert sched.tick(_at(9, 0)) == []  # the same slot never runs twice
    assert calls == ["score", "generate-tasks"]
    assert ("recycle", "failed", "RuntimeError: no model") in _runs(engine)
    assert [r.job for r in sched.tick(_at(2, 5, day=5))] == ["score", "generate-tasks", "recycle"]
    with pytest.raises(ValueError, match="unknown job"):
        Scheduler(engine, [Schedule("nope", minutes=5)], jobs=jobs)


def test_two_schedulers_never_run_the_same_slot_twice(engine: Engine) -> None:
    calls: list[int] = []
    lock = threading.Lock()

    def job(_e: Engine, _now: dt.datetime) -> str:
        with lock:
            calls.append(1)
        return "ran"

    scheds = [Scheduler(engine, [Schedule("score", minutes=5)], jobs={"score": job}) for _ in range(4)]
    barrier = threading.Barrier(len(scheds))
    now = _at(10, 6)

    def tick(s: Scheduler) -> None:
        barrier.wait()
        s.tick(now)

    threads = [threading.Thread(target=tick, args=(s,)) for s in scheds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and _runs(engine) == [("score", "ok", "ran")]


def test_scheduler_cli_once_runs_the_real_scoring_job(central_url: str, capsys: Any) -> None:
    # no model published yet: the real scoring job fails with the reason, recorded and shown
    code = cli_main(["scheduler", "--db", central_url, "--at", "score=00:00", "--at", "generate-tasks=",
                     "--at", "recycle=", "--at", "callbacks=", "--tz", "UTC", "--catch-up", "24",
                     "--once"])
    out = capsys.readouterr().out
    assert "score: daily at 00:00 (UTC)" in out
    assert code == 1 and "score: failed" in out and "train" in out
    assert cli_main(["scheduler", "--db", central_url, "--at", "bogus=01:00", "--once"]) == 2


def test_scheduler_runs_the_real_recycling_and_callback_jobs(central_url: str, capsys: Any) -> None:
    code = cli_main(["scheduler", "--db", central_url, "--at", "score=", "--at", "generate-tasks=",
                     "--at", "recycle=00:00", "--every", "callbacks=1", "--tz", "UTC", "--catch-up", "24",
                     "--once"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "recycle: ok — 0 held tasks checked" in out
    assert "callbacks: ok — 0 overdue call-back(s) released" in out

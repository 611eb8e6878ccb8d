"""Rows for integration tests, written straight into a central store and published to its
change log (as the seeding and import commands do), so desktops receive them by pull.

``make_world(url)`` builds the standard cast used by the sync and scope tests::

    teams T01, T02; stores S001 (T01's city), S002
    agent1, agent2 (T01), agent9 (T02), reception1 (S001), reception2 (S002), lead1 (T01),
    admin — all with password ``pw``; ids ``U-<username>``
    customers C-T01-<n> (team T01, store S001), C-T02-<n> (team T02, store S002)
    policies P-168-504, P-228-684; open tasks for each T01 customer and policy
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from server_stub.auth import hash_password
from server_stub.storage.db import open_central, session_factory, unit_of_work
from server_stub.storage.models import Customer, Policy, Store, Task, Team, User
from server_stub.sync import lock_log, publish

PASSWORD = "pw"


@functools.cache
def password_hash(password: str = PASSWORD) -> str:
    """One Argon2 hash per password per test run (hashing is slow on purpose)."""
    return hash_password(password)


@contextmanager
def central_session(url: str) -> Iterator[Session]:
    """A unit of work on the central store at ``url`` (not migrated again)."""
    engine = open_central(url, migrate=False)
    try:
        with unit_of_work(session_factory(engine)) as session:
            lock_log(session)
            yield session
    finally:
        engine.dispose()


def add(session: Session, entity: str, *rows: Any) -> None:
    """Add ``rows`` and publish them to the change log."""
    session.add_all(rows)
    session.flush()
    publish(session, entity, rows)


def team(session: Session, team_id: str, name: str | None = None) -> Team:
    row = Team(id=team_id, name=name or f"Team {team_id}", province="广东")
    add(session, "team", row)
    return row


def store(session: Session, store_id: str, city: str = "广州") -> Store:
    row = Store(id=store_id, name=f"Store {store_id}", province="广东", city=city, address="")
    add(session, "store", row)
    return row


def user(session: Session, username: str, role: str, team_id: str | None = None,
         store_id: str | None = None, password: str = PASSWORD) -> User:
    row = User(id=f"U-{username}", username=username, display_name=username, role=role,
               team_id=team_id, store_id=store_id, skills=[], password_hash=password_hash(password),
               active=True)
    add(session, "user", row)
    return row


def customer(session: Session, customer_id: str, phone: str, team_id: str | None,
             store_id: str | None, **extra: Any) -> Customer:
    values: dict[str, Any] = dict(
        id=customer_id, name=f"客户{customer_id}", phone=phone, team_id=team_id, store_id=store_id,
        plan_fee=96, tenure_months=24, tags=["price_sensitive"], scores={"deal": 0.3},
    )
    values.update(extra)
    row = Customer(**values)
    add(session, "customer", row)
    return row


def policy(session: Session, policy_id: str, name: str | None = None) -> Policy:
    row = Policy(id=policy_id, code=policy_id, name=name or policy_id, rule="true",
                 channels=["outbound", "store"], value=100.0)
    add(session, "policy", row)
    return row


def task(session: Session, task_id: str, cust: Customer, policy_id: str, assignee: str | None = None) -> Task:
    row = Task(id=task_id, customer_id=cust.id, policy_id=policy_id, channel="outbound",
               assignee_id=assignee, team_id=cust.team_id, store_id=cust.store_id, status="open")
    add(session, "task", row)
    return row


@dataclass
class World:
    """Ids and numbers of the standard cast."""

    url: str
    customers: dict[str, list[str]] = field(default_factory=dict)  # team -> customer ids
    phones: dict[str, str] = field(default_factory=dict)  # customer id -> phone
    tasks: dict[str, list[str]] = field(default_factory=dict)  # customer id -> task ids
    policies: tuple[str, ...] = ("P-168-504", "P-228-684")

    def phone_of(self, customer_id: str) -> str:
        return self.phones[customer_id]


USERS: dict[str, tuple[str, str | None, str | None]] = {
    "agent1": ("agent", "T01", None),
    "agent2": ("agent", "T01", None),
    "agent9": ("agent", "T02", None),
    "reception1": ("receptionist", None, "S001"),
    "reception2": ("receptionist", None, "S002"),
    "lead1": ("lead", "T01", None),
    "admin": ("admin", None, None),
}


def make_world(url: str, customers_per_team: int = 5, with_tasks: bool = True) -> World:
    """Write the standard cast into the central store at ``url``."""
    world = World(url=url)
    with central_session(url) as s:
        team(s, "T01")
        team(s, "T02")
        store(s, "S001", "广州")
        store(s, "S002", "深圳")
        for name, (role, team_id, store_id) in USERS.items():
            user(s, name, role, team_id, store_id)
        for pid in world.policies:
            policy(s, pid)
        for n, (team_id, store_id) in enumerate((("T01", "S001"), ("T02", "S002"))):
            ids = []
            for i in range(customers_per_team):
                cid = f"C-{team_id}-{i:04d}"
                phone = f"1{38 + n}{i:08d}"
                customer(s, cid, phone, team_id, store_id)
                ids.append(cid)
                world.phones[cid] = phone
                if with_tasks:
                    rows = [task(s, f"K-{cid}-{pid}", s.get(Customer, cid), pid) for pid in world.policies]
                    world.tasks[cid] = [t.id for t in rows]
            world.customers[team_id] = ids
    return world

"""One customer per person: a number or an ID number belongs to one customer only.

Each customer's normalised mobile numbers (``m:<number>``) and, when known, the keyed hash of
their ID number (``i:<hmac>``; the ID itself is never stored) are rows of ``customer_keys``
whose primary key is the key: two desktops creating a lead for the same number at the same
moment cannot both win (the second insert fails and its push answers with the first customer).

The lead check (:func:`existing_customer`) also looks at the customers' own number columns,
so a customer imported or seeded without keys still counts. ``workbench-server
merge-duplicates`` (:func:`run`) lists the customers that share a number and merges each
group into one member (a platform customer before a desk-made lead): contacts, tasks, acceptances and work orders move, the others'
keys move, the merged-away rows are deleted on every desk through the change log, and every
merge is audited.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from server_stub import audit
from server_stub.changes import Change, append
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Customer,
    CustomerKey,
    ServeGrant,
    Task,
    WorkOrder,
)

#: Weights and check characters of the 18-character resident ID number (GB 11643-1999).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdNumberError(ValueError):
    """Not a valid ID number; the message is safe to show."""


class MergeError(ValueError):
    """A merge the rules refuse (e.g. a customer with itself); safe to show."""


def normalize_id_number(raw: str) -> str:
    """An 18-character ID number in canonical form (upper-case X), check digit verified."""
    text = "".join(ch for ch in str(raw) if not ch.isspace()).upper()
    if len(text) != 18 or not text[:17].isdigit() or text[17] not in "0123456789X":
        raise IdNumberError("an ID number has 17 digits and a check digit (0-9 or X)")
    if check_digit(text[:17]) != text[17]:
        raise IdNumberError("the ID number's check digit does not match (mistyped?)")
    return text


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _secret() -> bytes:
    # The hash never leaves the server; the key keeps a stolen dump from being reversed by
    # trying every birth date and area code.
    return (os.environ.get("WORKBENCH_ID_HASH_KEY") or "workbench-dev-id-key").encode()


def id_key(id_number: str) -> str:
    """The customer key of an ID number (keyed hash of its canonical form)."""
    norm = normalize_id_number(id_number)
    return "i:" + hmac.new(_secret(), norm.encode(), hashlib.sha256).hexdigest()[:64]


def phone_key(number: str) -> str:
    return f"m:{number}"


def keys_of(phones: Iterable[str | None], id_number: str | None = None) -> list[str]:
    keys = [phone_key(n) for n in phones if n]
    if id_number:
        keys.append(id_key(id_number))
    return list(dict.fromkeys(keys))


def existing_customer(session: Session, phones: Sequence[str | None], id_number: str | None = None,
                      exclude: str | None = None) -> Customer | None:
    """The customer who already has one of ``phones`` (normalised) or this ID number."""
    numbers = [n for n in phones if n]
    keys = keys_of(numbers, id_number)
    if keys:
        owner = session.execute(select(CustomerKey.customer_id).where(CustomerKey.key.in_(keys))
                                .order_by(CustomerKey.customer_id).limit(1)).scalar()
        if owner is not None and owner != exclude:
            cust = session.get(Customer, owner)
            if cust is not None:
                return cust
    if numbers:
        stmt = select(Customer).where(or_(Customer.phone.in_(numbers), Customer.phone2.in_(numbers)))
        if exclude is not None:
            stmt = stmt.where(Customer.id != exclude)
        return session.execute(stmt.order_by(Customer.id).limit(1)).scalars().first()
    return None


class DuplicateCustomerError(ValueError):
    """The number or ID number already belongs to ``customer_id``."""

    def __init__(self, message: str, customer_id: str) -> None:
        super().__init__(message)
        self.customer_id = customer_id


def check_new_customer(session: Session, values: dict[str, Any], id_number: Any = None) -> list[str]:
    """Check a new customer's numbers (``values`` already coerced; ``phone`` normalised):
    ``phone2`` is normalised in place, an ID number is reduced to its last 4 characters.
    Returns the keys to claim.

    Raises:
        DuplicateCustomerError: a number or the ID number belongs to a customer already.
        IdNumberError: the ID number is not valid.
        InvalidPhoneError: the second number is not a phone number.
    """
    from workbench.core.phone import normalize_phone

    if values.get("phone2"):
        values["phone2"] = normalize_phone(values["phone2"])
    norm = None
    if id_number is not None and id_number != "":
        if not isinstance(id_number, str):
            raise IdNumberError("id_number: expected text")
        norm = normalize_id_number(id_number)
        values["id_number_masked"] = "*" * 14 + norm[-4:]
        values["id_suffix"] = None
    phones = [values.get("phone"), values.get("phone2")]
    found = existing_customer(session, phones, norm)
    if found is not None:
        raise DuplicateCustomerError(
            f"this number or ID number already belongs to customer {found.id}; open that customer instead",
            found.id)
    return keys_of(phones, norm)


def claim_keys(session: Session, customer_id: str, keys: Iterable[str]) -> None:
    """Give ``keys`` to ``customer_id`` (flushes: a key taken meanwhile raises IntegrityError)."""
    for key in keys:
        session.add(CustomerKey(key=key, customer_id=customer_id))
    session.flush()


def customer_by_id_number(session: Session, raw: str) -> Customer | None:
    """The customer with this ID number: by its key, else by the first 6 and last 6
    characters the server keeps (only if exactly one customer matches)."""
    norm = normalize_id_number(raw)
    owner = session.execute(select(CustomerKey.customer_id).where(CustomerKey.key == id_key(norm))).scalar()
    if owner is not None:
        return session.get(Customer, owner)
    rows = list(session.execute(select(Customer).where(Customer.id_suffix == norm[-6:]).limit(50)).scalars())
    rows = [c for c in rows if (c.id_number_masked or "")[:6] == norm[:6]]
    return rows[0] if len(rows) == 1 else None


# ------------------------------------------------------------------ duplicates


@dataclass(frozen=True)
class DuplicateGroup:
    """Customers sharing a number: ``keep`` (a platform customer before a lead, then the
    lowest id) and the others."""

    number: str
    keep: str
    others: tuple[str, ...]


def find_duplicates(session: Session) -> list[DuplicateGroup]:
    """Groups of customers that share a normalised number (in either number column)."""
    numbers = select(Customer.id.label("cid"), Customer.phone.label("num")).union_all(
        select(Customer.id, Customer.phone2).where(Customer.phone2.is_not(None), Customer.phone2 != "")).subquery()
    shared = select(numbers.c.num).group_by(numbers.c.num).having(func.count(func.distinct(numbers.c.cid)) > 1)
    rows = session.execute(select(numbers.c.num, numbers.c.cid).where(numbers.c.num.in_(shared))
                           .order_by(numbers.c.num, numbers.c.cid)).all()
    by_number: dict[str, list[str]] = {}
    for num, cid in rows:
        ids = by_number.setdefault(num, [])
        if cid not in ids:
            ids.append(cid)
    # customers linked through several numbers end in one group (union-find over the ids)
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for ids in by_number.values():
        for other in ids[1:]:
            a, b = root(ids[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    first_number: dict[str, str] = {}
    for num, ids in by_number.items():
        for cid in ids:
            r = root(cid)
            members = groups.setdefault(r, [])
            if cid not in members:
                members.append(cid)
            first_number.setdefault(r, num)
    # keep a customer of the data platform over a desk-made lead, then the lower id
    leads = set(session.execute(select(Customer.id).where(
        Customer.id.in_([c for m in groups.values() for c in m]), Customer.is_lead.is_(True))).scalars())
    out = []
    for r, members in sorted(groups.items()):
        ordered = sorted(members, key=lambda c: (c in leads, c))
        out.append(DuplicateGroup(first_number[r], ordered[0], tuple(ordered[1:])))
    return out


def _tagged(entity: str, row: Any, cust: Customer) -> Change:
    from server_stub.sync import change_for

    return change_for(entity, row, cust)


def merge(session: Session, keep_id: str, drop_id: str, *, by_user: str) -> dict[str, int]:
    """Merge customer ``drop_id`` into ``keep_id``; returns rows moved per entity.

    Raises:
        MergeError: the same customer twice, or either missing.
    """
    from server_stub.sync import lock_log

    if keep_id == drop_id:
        raise MergeError("a customer cannot be merged with itself")
    keep, drop = session.get(Customer, keep_id), session.get(Customer, drop_id)
    if keep is None or drop is None:
        raise MergeError(f"no customer {drop_id if keep is not None else keep_id}")
    lock_log(session)
    moved: dict[str, int] = {}
    changes: list[Change] = []
    old_team, old_store = drop.team_id, drop.store_id
    moves_book = (old_team, old_store) != (keep.team_id, keep.store_id)
    for entity, model in (("contact_event", ContactEvent), ("task", Task), ("acceptance", Acceptance),
                          ("work_order", WorkOrder)):
        rows = list(session.execute(select(model).where(model.customer_id == drop_id)).scalars())  # type: ignore[attr-defined]
        for row in rows:
            row.customer_id = keep_id
            if entity in ("task", "work_order"):  # the work follows the customer into the kept book
                row.team_id = keep.team_id
            if entity == "task":
                row.store_id = keep.store_id
            changes.append(_tagged(entity, row, keep))
            if moves_book:  # the other book's desks forget the row (it follows the customer)
                store = None if entity == "work_order" and row.store_id == old_store else old_store
                if entity != "work_order" or store is not None or old_team is not None:
                    changes.append(Change(entity, row.id, {"id": row.id, "merged_into": keep_id}, op="delete",
                                          team_id=old_team, store_id=store))
        moved[entity] = len(rows)
    # the kept customer gains the other's second number if it has room, and every key
    if not keep.phone2 and drop.phone != keep.phone:
        keep.phone2 = drop.phone
    for attr in ("member_no", "id_number_masked", "id_suffix"):
        if not getattr(keep, attr) and getattr(drop, attr):
            setattr(keep, attr, getattr(drop, attr))
    if drop.note and drop.note not in (keep.note or ""):
        keep.note = f"{keep.note}\n{drop.note}".strip()[:10_000]
    have = set(session.execute(select(CustomerKey.key).where(CustomerKey.customer_id == keep_id)).scalars())
    session.execute(update(CustomerKey).where(CustomerKey.customer_id == drop_id).values(customer_id=keep_id))
    for key in keys_of([keep.phone, keep.phone2, drop.phone, drop.phone2]):
        if key not in have and session.get(CustomerKey, key) is None:
            session.add(CustomerKey(key=key, customer_id=keep_id))
    session.execute(delete(ServeGrant).where(ServeGrant.customer_id == drop_id))
    session.delete(drop)
    session.flush()
    changes.append(_tagged("customer", keep, keep))
    changes.append(Change("customer", drop_id, {"id": drop_id, "merged_into": keep_id}, op="delete",
                          team_id=old_team, store_id=old_store))
    append(session, changes)
    total = sum(moved.values())
    audit.record(session, "merge", user_id=by_user, customer_id=keep_id, rows=total,
                 detail=f"merged {drop_id} into {keep_id}: " + ", ".join(f"{k} {v}" for k, v in moved.items()))
    return moved


# ------------------------------------------------------------------ CLI


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--dry-run", action="store_true", help="only list the duplicates")


def run(args: argparse.Namespace, out: Any = None) -> int:
    from server_stub.storage.db import open_central, session_factory, unit_of_work

    out = out or sys.stdout
    engine = open_central(args.db)
    try:
        with unit_of_work(session_factory(engine)) as session:
            groups = find_duplicates(session)
            for g in groups:
                print(f"{g.number[:3]}****{g.number[-4:]}  keep {g.keep}  "
                      f"{'would merge' if args.dry_run else 'merge'} {', '.join(g.others)}", file=out)
            if args.dry_run:
                print(f"{len(groups)} groups of duplicates, {sum(len(g.others) for g in groups)} customers "
                      "to merge (dry run: nothing changed)", file=out)
                return 0
            merged = 0
            for g in groups:
                for other in g.others:
                    merge(session, g.keep, other, by_user="cli")
                    merged += 1
        print(f"merged {merged} customers in {len(groups)} groups", file=out)
    finally:
        engine.dispose()
    return 0

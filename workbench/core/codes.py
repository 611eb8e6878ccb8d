"""The domain vocabulary, defined once for the desktop and the server.

Wrap-up codes, intent levels, channels, roles, lifecycle stages, value tiers and the
state machines of tasks, work orders (with the steps each role takes) and acceptances. The server validates pushed data with
these; the desktop builds its forms from them. Display labels live in the UI layer's
translations: here are only stable codes.
"""

from __future__ import annotations

from enum import StrEnum

from workbench.core.errors import UserError


class Role(StrEnum):
    AGENT = "agent"
    RECEPTIONIST = "receptionist"
    LEAD = "lead"
    ADMIN = "admin"


class Channel(StrEnum):
    OUTBOUND = "outbound"
    HOTLINE = "hotline"
    STORE = "store"
    SMS = "sms"
    ONLINE = "online"


class WrapUp(StrEnum):
    """How a contact ended."""

    ACCEPTED = "accepted"            # took the offer
    INTERESTED = "interested"        # wants to think / call back
    REFUSED = "refused"              # said no
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    COMPLAINT = "complaint"
    DO_NOT_CALL = "do_not_call"      # asked never to be called again
    TRANSFERRED = "transferred"      # handed to a store (work order)
    INFO_ONLY = "info_only"          # service question, no offer


#: Wrap-ups that mean the customer was actually reached.
REACHED = frozenset(
    {WrapUp.ACCEPTED, WrapUp.INTERESTED, WrapUp.REFUSED, WrapUp.COMPLAINT,
     WrapUp.DO_NOT_CALL, WrapUp.TRANSFERRED, WrapUp.INFO_ONLY}
)


class Intent(StrEnum):
    """办理意向: how likely the customer is to take the offer, as the agent judged it."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


class Lifecycle(StrEnum):
    ACQUISITION = "acquisition"
    GROWTH = "growth"
    MATURITY = "maturity"
    DECLINE = "decline"
    CHURNED = "churned"


class ValueTier(StrEnum):
    HIGH = "high"
    POTENTIAL = "potential"
    ORDINARY = "ordinary"
    LOW = "low"


class ScriptSection(StrEnum):
    OPENING = "opening"
    PROBING = "probing"
    OFFER = "offer"
    OBJECTION = "objection"
    CLOSING = "closing"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SUPPRESSED = "suppressed"    # the policy was accepted elsewhere
    CANCELLED = "cancelled"


class WorkOrderStatus(StrEnum):
    CREATED = "created"
    ARRIVED = "arrived"          # the customer came to the store
    DONE = "done"
    FAILED = "failed"
    RETURNED = "returned"        # result seen by the agent: closed
    CANCELLED = "cancelled"


class AcceptanceStatus(StrEnum):
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"


class IllegalTransitionError(UserError, ValueError):
    """A state change that the state machine forbids. The message is safe to show."""


WORK_ORDER_TRANSITIONS: dict[WorkOrderStatus, frozenset[WorkOrderStatus]] = {
    WorkOrderStatus.CREATED: frozenset(
        {WorkOrderStatus.ARRIVED, WorkOrderStatus.FAILED, WorkOrderStatus.CANCELLED}
    ),
    WorkOrderStatus.ARRIVED: frozenset({WorkOrderStatus.DONE, WorkOrderStatus.FAILED}),
    WorkOrderStatus.DONE: frozenset({WorkOrderStatus.RETURNED}),
    WorkOrderStatus.FAILED: frozenset({WorkOrderStatus.RETURNED}),
    WorkOrderStatus.RETURNED: frozenset(),
    WorkOrderStatus.CANCELLED: frozenset(),
}

#: Which task statuses a desktop may set, from which (the server sets ``suppressed``).
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.DONE, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset({TaskStatus.OPEN}),
    TaskStatus.SUPPRESSED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}

#: The work-order steps each role takes at its desk: the store records the visit and its
#: result, the agent's side closes a finished order once the result is seen.
WORK_ORDER_STEPS: dict[Role, frozenset[WorkOrderStatus]] = {
    Role.RECEPTIONIST: frozenset(
        {WorkOrderStatus.ARRIVED, WorkOrderStatus.DONE, WorkOrderStatus.FAILED}
    ),
    Role.AGENT: frozenset({WorkOrderStatus.RETURNED}),
    Role.LEAD: frozenset({WorkOrderStatus.RETURNED}),
    Role.ADMIN: frozenset(WorkOrderStatus),
}

ACCEPTANCE_TRANSITIONS: dict[AcceptanceStatus, frozenset[AcceptanceStatus]] = {
    AcceptanceStatus.ACCEPTED: frozenset({AcceptanceStatus.CANCELLED}),
    AcceptanceStatus.CANCELLED: frozenset(),
}


def check_work_order_transition(current: str, new: str, reason: str | None = None) -> None:
    """Raise :class:`IllegalTransitionError` unless ``current -> new`` is allowed.

    A failed work order needs a reason.
    """
    try:
        cur, nxt = WorkOrderStatus(current), WorkOrderStatus(new)
    except ValueError as exc:
        raise IllegalTransitionError(f"unknown work-order status: {exc}") from None
    if nxt not in WORK_ORDER_TRANSITIONS[cur]:
        raise IllegalTransitionError(
            f"a work order that is {cur.value} cannot become {nxt.value}"
        )
    if nxt is WorkOrderStatus.FAILED and not (reason or "").strip():
        raise IllegalTransitionError("a failed work order needs a reason")


def work_order_steps(role: str, current: str) -> list[WorkOrderStatus]:
    """The statuses a user of ``role`` may move a work order in ``current`` to, in the order
    of :class:`WorkOrderStatus` (empty for an unknown role or status)."""
    try:
        cur, mine = WorkOrderStatus(current), WORK_ORDER_STEPS[Role(role)]
    except (ValueError, KeyError):
        return []
    return [s for s in WorkOrderStatus if s in WORK_ORDER_TRANSITIONS[cur] and s in mine]


def check_acceptance_transition(current: str, new: str) -> None:
    """Raise :class:`IllegalTransitionError` unless ``current -> new`` is allowed."""
    try:
        cur, nxt = AcceptanceStatus(current), AcceptanceStatus(new)
    except ValueError as exc:
        raise IllegalTransitionError(f"unknown acceptance status: {exc}") from None
    if nxt not in ACCEPTANCE_TRANSITIONS[cur]:
        raise IllegalTransitionError(f"an acceptance that is {cur.value} cannot become {nxt.value}")

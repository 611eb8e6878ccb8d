from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core.codes import (
    IllegalTransitionError,
    check_acceptance_transition,
    check_work_order_transition,
)
from workbench.core.phone import InvalidPhoneError, is_mobile, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    ["+86 138-0013-8000", "8613800138000", "13800138000", "0086 138 0013 8000", "tel:+8613800138000",
     "sip:+8613800138000@127.0.0.1;transport=udp", " (+86) 138.0013.8000 "],
)
def test_spellings_of_one_mobile_are_the_same_customer(raw: str) -> None:
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["", "abc", "12", "1" * 20, "sip:alice@example.com", "138001380OO"])
def test_garbage_is_refused_with_a_clear_error(raw: str) -> None:
    with pytest.raises(InvalidPhoneError, match="not a phone number"):
        normalize_phone(raw)


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidPhoneError, match="must be text"):
        normalize_phone(13800138000)  # type: ignore[arg-type]


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "86", "0086", "+86 "]))
def test_prefixes_never_change_the_number(number: str, prefix: str) -> None:
    assert normalize_phone(prefix + number) == number
    assert is_mobile(normalize_phone(prefix + number))


def test_masking_keeps_last_four() -> None:
    assert mask_phone("13800138000") == "*******8000"
    assert mask_phone("123") == "123"


def test_work_order_state_machine() -> None:
    check_work_order_transition("created", "arrived")
    check_work_order_transition("arrived", "done")
    check_work_order_transition("done", "returned")
    with pytest.raises(IllegalTransitionError, match="cannot become"):
        check_work_order_transition("created", "done")
    with pytest.raises(IllegalTransitionError, match="cannot become"):
        check_work_order_transition("returned", "arrived")
    with pytest.raises(IllegalTransitionError, match="needs a reason"):
        check_work_order_transition("arrived", "failed", "  ")
    with pytest.raises(IllegalTransitionError, match="unknown"):
        check_work_order_transition("created", "teleported")


def test_acceptance_state_machine() -> None:
    check_acceptance_transition("accepted", "cancelled")
    with pytest.raises(IllegalTransitionError):
        check_acceptance_transition("cancelled", "accepted")


def test_work_order_steps_by_role_follow_the_state_machine() -> None:
    from workbench.core.codes import WORK_ORDER_TRANSITIONS, Role, WorkOrderStatus, work_order_steps

    assert work_order_steps(Role.RECEPTIONIST, "created") == ["arrived", "failed"]
    assert work_order_steps(Role.RECEPTIONIST, "arrived") == ["done", "failed"]
    assert work_order_steps(Role.RECEPTIONIST, "done") == []
    assert work_order_steps(Role.AGENT, "created") == []
    assert work_order_steps(Role.AGENT, "failed") == ["returned"]
    assert work_order_steps(Role.LEAD, "done") == ["returned"]
    assert work_order_steps("nobody", "created") == []
    assert work_order_steps(Role.AGENT, "no-such-status") == []
    for status in WorkOrderStatus:
        for role in Role:
            assert set(work_order_steps(role, status)) <= WORK_ORDER_TRANSITIONS[status]
    assert set(work_order_steps(Role.ADMIN, "created")) == WORK_ORDER_TRANSITIONS[WorkOrderStatus.CREATED]


def test_task_transitions_are_keyed_by_plain_strings_too() -> None:
    from workbench.core.codes import TASK_TRANSITIONS, TaskStatus

    assert "done" in TASK_TRANSITIONS["open"]
    assert "open" in TASK_TRANSITIONS[TaskStatus.DONE]
    assert TASK_TRANSITIONS["suppressed"] == frozenset()
    assert set(TASK_TRANSITIONS) == set(TaskStatus)

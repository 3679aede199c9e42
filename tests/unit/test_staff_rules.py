"""The rules of staff accounts: what each role may do, which passwords pass, how long to wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walaa.domain.staff import (
    IDLE_TIMEOUT,
    MAX_BACKOFF,
    PasswordProblem,
    Permission,
    Role,
    StaffSession,
    backoff,
    can,
    password_problems,
)
from walaa.service.handlers.staff import check_password, common_passwords

COMMON = frozenset({"password", "qwerty", "letmein"})


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, {Permission.VIEW}),
        (Role.SUPPORT, {Permission.VIEW, Permission.SERVE_CUSTOMERS}),
        (Role.MANAGER, {Permission.VIEW, Permission.SERVE_CUSTOMERS, Permission.EDIT_PROGRAM}),
        (Role.OWNER, set(Permission)),
    ],
)
def test_each_role_may_do_exactly_its_own_things(role, allowed):
    assert {p for p in Permission if can(role, p)} == allowed


def test_owners_and_managers_need_two_factor_and_the_others_do_not():
    assert [r for r in Role if r.needs_two_factor] == [Role.OWNER, Role.MANAGER]


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("short1!", [PasswordProblem.TOO_SHORT]),
        ("x" * 129, [PasswordProblem.TOO_LONG]),
        ("password", [PasswordProblem.TOO_SHORT, PasswordProblem.COMMON]),
        ("!!password12345", [PasswordProblem.COMMON]),
        ("Dewy Skincare 2026!", [PasswordProblem.PERSONAL]),
        ("noura.a-is-my-name", [PasswordProblem.PERSONAL]),
        ("tamarind lantern orbit", []),
    ],
)
def test_passwords_are_refused_short_long_common_or_personal(password, problems):
    assert (
        password_problems(password, COMMON, ("Dewy Skincare", "noura.a@shop.example")) == problems
    )


def test_the_shipped_list_of_common_passwords_is_read_and_used():
    assert len(common_passwords()) > 19_000
    assert PasswordProblem.COMMON in check_password("1q2w3e4r5t6y", "Shop", "a@b.example")


def test_failed_sign_ins_wait_twice_as_long_each_time_up_to_a_cap():
    waits = [backoff(n) for n in range(4, 9)]
    assert waits == [timedelta(0), *(timedelta(seconds=s) for s in (1, 2, 4, 8))]
    assert backoff(40) == MAX_BACKOFF


def test_a_session_ends_when_idle_or_too_old():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    fresh = StaffSession("st", "stf", start, start, "t")
    assert not fresh.expired(start + IDLE_TIMEOUT)
    assert fresh.expired(start + IDLE_TIMEOUT + timedelta(seconds=1))
    busy = StaffSession("st", "stf", start, start + timedelta(hours=12), "t")
    assert busy.expired(start + timedelta(hours=12, seconds=1))

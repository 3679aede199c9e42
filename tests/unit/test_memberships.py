"""Paid memberships, as tables of what a merchant and a member would expect.

Every case starts from a plan and a join, applies the transitions a store would send (renew,
cancel) or the worker would run (expire_due, grants_due), and checks the membership that comes
out: its status, its paid span, the refund note and the monthly points due. Times are UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from walaa.domain.errors import Conflict, ValidationFailed
from walaa.domain.memberships import (
    NO_BENEFITS,
    AlreadyLifetime,
    Benefits,
    BillingPeriod,
    Grant,
    Membership,
    MembershipChange,
    MembershipClosed,
    MembershipEvent,
    MembershipStatus,
    PaymentAlreadyRecorded,
    Plan,
    PlanNotOffered,
    add_months,
    benefits,
    cancel,
    expire_due,
    grant_key,
    grants_due,
    is_active,
    join,
    prorated_refund,
    record_grants,
    renew,
)

D = Decimal
Status = MembershipStatus
Event = MembershipEvent


def at(text: str) -> datetime:
    """A UTC moment from '2025-01-31' or '2025-01-31T10:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


YEARLY = Plan(
    id="plus-yearly",
    names={"en": "Plus", "ar": "بلس"},
    fee=D("120.00"),
    currency="SAR",
    period=BillingPeriod.YEARLY,
    free_shipping=True,
    member_rewards=frozenset({"members-mug"}),
    multiplier=D("1.5"),
    granted_tier="dewy",
    monthly_points=500,
)
MONTHLY = replace(YEARLY, id="plus-monthly", fee=D("30.00"), period=BillingPeriod.MONTHLY)
LIFETIME = replace(YEARLY, id="plus-lifetime", fee=D("900.00"), period=BillingPeriod.ONE_OFF)
TRIAL = replace(MONTHLY, id="plus-trial", trial_days=14)
LIFETIME_TRIAL = replace(LIFETIME, id="plus-lifetime-trial", trial_days=14)


def joined(plan: Plan, on: str, *, pay: bool = True) -> Membership:
    change = join(
        plan, "cust-1", membership_id="ms-1", as_of=at(on), payment_ref="pay-0" if pay else None
    )
    return change.membership


def renewed(membership: Membership, plan: Plan, on: str, ref: str = "pay-1") -> Membership:
    return renew(membership, plan, as_of=at(on), payment_ref=ref).membership


def cancelled(membership: Membership, on: str, *, at_period_end: bool) -> Membership:
    return cancel(membership, as_of=at(on), at_period_end=at_period_end).membership


def expired(membership: Membership, on: str) -> Membership:
    return expire_due(membership, as_of=at(on)).membership


# --- plans -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"fee": D("-1")}, "fee"),
        ({"fee": 120.0}, "fee"),
        ({"fee": D("9.999")}, "fee"),
        ({"currency": "riyal"}, "currency"),
        ({"period": "weekly"}, "period"),
        ({"trial_days": -1}, "trial_days"),
        ({"trial_days": 366}, "trial_days"),
        ({"multiplier": D("0.5")}, "multiplier"),
        ({"multiplier": 2}, "multiplier"),
        ({"monthly_points": -100}, "monthly_points"),
        ({"names": {}}, "names"),
        ({"names": {"en": " "}}, "names"),
        ({"names": {"fr": "Plus"}}, "names"),
        ({"granted_tier": ""}, "granted_tier"),
        ({"id": ""}, "id"),
        ({"member_rewards": "members-mug"}, "member_rewards"),
    ],
    ids=[
        "a-free-plan-is-a-tier-not-a-membership",
        "a-float-fee-is-refused",
        "a-fee-finer-than-the-currency-allows",
        "currency-must-be-iso-4217",
        "period-is-one-off-monthly-or-yearly",
        "trial-days-are-not-negative",
        "trial-is-at-most-a-year",
        "a-multiplier-never-lowers-earning",
        "a-multiplier-is-a-decimal",
        "monthly-points-are-not-negative",
        "a-plan-needs-a-name",
        "a-name-is-not-blank",
        "names-are-in-english-or-arabic",
        "a-granted-tier-is-named",
        "a-plan-needs-an-id",
        "member-rewards-are-a-set-of-ids",
    ],
)
def test_a_plan_a_merchant_could_not_mean_is_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        replace(YEARLY, **changes)
    assert refused.value.field == field


def test_a_plan_read_from_settings_may_name_its_period_and_rewards_as_plain_values() -> None:
    plan = replace(YEARLY, period="monthly", member_rewards=["mug", "tote"])  # type: ignore[arg-type]
    assert plan.period is BillingPeriod.MONTHLY
    assert plan.member_rewards == frozenset({"mug", "tote"})


def test_a_three_decimal_currency_accepts_a_fee_in_fils() -> None:
    assert replace(YEARLY, fee=D("9.999"), currency="KWD").price.amount == D("9.999")


# --- joining ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plan,pay,status,event,period,trial_ends,payments",
    [
        (MONTHLY, True, Status.ACTIVE, Event.JOINED, ("01-31", "02-28"), None, 1),
        (YEARLY, True, Status.ACTIVE, Event.JOINED, ("01-31", "2026-01-31"), None, 1),
        (LIFETIME, True, Status.ACTIVE, Event.JOINED, ("01-31", None), None, 1),
        (TRIAL, False, Status.TRIALING, Event.TRIAL_STARTED, ("01-31", "02-14"), "02-14", 0),
        (TRIAL, True, Status.ACTIVE, Event.JOINED, ("02-14", "03-14"), "02-14", 1),
        (
            LIFETIME_TRIAL,
            False,
            Status.TRIALING,
            Event.TRIAL_STARTED,
            ("01-31", "02-14"),
            "02-14",
            0,
        ),
    ],
    ids=[
        "monthly-fee-pays-to-the-same-day-next-month-or-its-last-day",
        "yearly-fee-pays-for-twelve-calendar-months",
        "one-off-fee-buys-a-lifetime-membership",
        "a-trial-needs-no-payment-and-lasts-its-days",
        "paying-at-join-on-a-trial-plan-pays-for-the-month-after-the-trial",
        "a-lifetime-plan-can-start-with-a-trial",
    ],
)
def test_joining_starts_a_trial_or_a_paid_period(
    plan: Plan,
    pay: bool,
    status: Status,
    event: Event,
    period: tuple[str, str | None],
    trial_ends: str | None,
    payments: int,
) -> None:
    change = join(
        plan,
        "cust-1",
        membership_id="ms-1",
        as_of=at("2025-01-31T10:00"),
        payment_ref="pay-0" if pay else None,
    )
    member = change.membership

    def day(text: str | None) -> datetime | None:
        if text is None:
            return None
        return at((text if len(text) > 5 else f"2025-{text}") + "T10:00")

    assert (member.status, change.event) == (status, event)
    assert (member.current_period_start, member.current_period_end) == tuple(map(day, period))
    assert member.trial_ends_at == day(trial_ends)
    assert len(member.payments) == payments
    assert change.payment == (member.payments[0] if payments else None)
    assert member.started_at == at("2025-01-31T10:00")


def test_a_paid_join_records_the_fee_the_store_took() -> None:
    payment = join(
        YEARLY, "cust-1", membership_id="ms-1", as_of=at("2025-03-01"), payment_ref=" ch_123 "
    ).payment
    assert payment is not None
    assert (payment.ref, payment.amount, payment.currency) == ("ch_123", D("120.00"), "SAR")
    assert (payment.covers_from, payment.covers_until) == (at("2025-03-01"), at("2026-03-01"))


@pytest.mark.parametrize(
    "plan,customer,when,payment_ref,error,field",
    [
        (MONTHLY, "cust-1", at("2025-01-01"), None, ValidationFailed, "payment_ref"),
        (MONTHLY, "cust-1", at("2025-01-01"), "   ", ValidationFailed, "payment_ref"),
        (replace(MONTHLY, active=False), "cust-1", at("2025-01-01"), "p", PlanNotOffered, None),
        (MONTHLY, "cust-1", datetime(2025, 1, 1), "p", ValidationFailed, "as_of"),
        (MONTHLY, "", at("2025-01-01"), "p", ValidationFailed, "customer_id"),
    ],
    ids=[
        "without-a-trial-joining-needs-a-payment",
        "a-blank-payment-reference-is-no-payment",
        "a-retired-plan-takes-no-new-members",
        "a-time-without-a-zone-is-refused",
        "a-customer-id-is-required",
    ],
)
def test_joining_is_refused_when(
    plan: Plan,
    customer: str,
    when: datetime,
    payment_ref: str | None,
    error: type[Exception],
    field: str | None,
) -> None:
    with pytest.raises(error) as refused:
        join(plan, customer, membership_id="ms-1", as_of=when, payment_ref=payment_ref)
    if field is not None:
        assert getattr(refused.value, "field", None) == field


# --- renewing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plan,joined_on,expire_on,renew_on,period,event",
    [
        (MONTHLY, "2025-01-01", None, "2025-01-20", ("2025-02-01", "2025-03-01"), Event.RENEWED),
        (MONTHLY, "2025-01-01", None, "2025-02-01", ("2025-02-01", "2025-03-01"), Event.RENEWED),
        (MONTHLY, "2025-01-01", None, "2025-02-10", ("2025-02-10", "2025-03-10"), Event.RESTARTED),
        (
            MONTHLY,
            "2025-01-01",
            "2025-02-02",
            "2025-03-05",
            ("2025-03-05", "2025-04-05"),
            Event.RESTARTED,
        ),
        (YEARLY, "2024-02-29", None, "2025-01-01", ("2025-02-28", "2026-02-28"), Event.RENEWED),
        (TRIAL, "2025-01-01", None, "2025-01-05", ("2025-01-15", "2025-02-15"), Event.RENEWED),
        (TRIAL, "2025-01-01", None, "2025-01-20", ("2025-01-20", "2025-02-20"), Event.RESTARTED),
        (LIFETIME_TRIAL, "2025-01-01", None, "2025-01-05", ("2025-01-15", None), Event.RENEWED),
    ],
    ids=[
        "paying-early-extends-from-the-paid-end-so-nothing-is-lost",
        "paying-on-the-last-day-continues-without-a-gap",
        "paying-late-starts-a-new-period-from-the-payment",
        "renewing-an-expired-membership-starts-a-new-period-from-now",
        "a-yearly-member-since-a-leap-day-renews-on-28-february",
        "paying-during-a-trial-keeps-the-remaining-trial-days",
        "paying-after-a-lapsed-trial-starts-from-the-payment",
        "paying-for-a-one-off-plan-after-its-trial-makes-it-lifetime",
    ],
)
def test_renewal_extends_from_the_paid_end_unless_it_ran_out(
    plan: Plan,
    joined_on: str,
    expire_on: str | None,
    renew_on: str,
    period: tuple[str, str | None],
    event: Event,
) -> None:
    member = joined(plan, joined_on, pay=not plan.trial_days)
    if expire_on is not None:
        member = expired(member, expire_on)
        assert member.status is Status.EXPIRED
    change = renew(member, plan, as_of=at(renew_on), payment_ref="pay-1")
    start, end = period
    assert change.event is event
    assert change.membership.status is Status.ACTIVE
    assert change.membership.current_period_start == at(start)
    assert change.membership.current_period_end == (None if end is None else at(end))
    assert change.payment == change.membership.payments[-1]


@pytest.mark.parametrize(
    "renewals,paid_until",
    [(0, "2025-02-28"), (1, "2025-03-31"), (2, "2025-04-30"), (3, "2025-05-31")],
    ids=[
        "first-month-ends-on-the-last-day-of-february",
        "then-back-on-the-31st-in-march",
        "then-on-the-last-day-of-april",
        "then-the-31st-again-in-may-without-drifting",
    ],
)
def test_a_member_who_joined_on_the_31st_keeps_the_31st(renewals: int, paid_until: str) -> None:
    member = joined(MONTHLY, "2025-01-31")
    for n in range(renewals):
        member = renewed(member, MONTHLY, "2025-02-15", ref=f"pay-{n + 1}")
    assert member.current_period_end == at(paid_until)


def test_renewing_withdraws_a_cancellation_scheduled_for_the_period_end() -> None:
    member = cancelled(joined(MONTHLY, "2025-01-01"), "2025-01-10", at_period_end=True)
    member = renewed(member, MONTHLY, "2025-01-20")
    assert member.status is Status.ACTIVE
    assert (member.cancel_at_period_end, member.cancelled_at) == (False, None)
    assert member.current_period_end == at("2025-03-01")


@pytest.mark.parametrize(
    "member,plan,payment_ref,error",
    [
        (
            cancelled(joined(MONTHLY, "2025-01-01"), "2025-01-10", at_period_end=False),
            MONTHLY,
            "pay-1",
            MembershipClosed,
        ),
        (joined(LIFETIME, "2025-01-01"), LIFETIME, "pay-1", AlreadyLifetime),
        (joined(MONTHLY, "2025-01-01"), MONTHLY, "pay-0", PaymentAlreadyRecorded),
        (joined(MONTHLY, "2025-01-01"), YEARLY, "pay-1", ValidationFailed),
    ],
    ids=[
        "a-cancelled-membership-does-not-renew-the-customer-joins-again",
        "a-lifetime-membership-has-nothing-to-renew",
        "one-payment-never-counts-twice",
        "a-membership-renews-only-on-its-own-plan",
    ],
)
def test_renewal_is_refused_when(
    member: Membership, plan: Plan, payment_ref: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        renew(member, plan, as_of=at("2025-01-20"), payment_ref=payment_ref)


# --- cancelling ------------------------------------------------------------------------------


def test_cancelling_at_period_end_keeps_benefits_until_the_paid_end() -> None:
    change = cancel(joined(MONTHLY, "2025-01-01"), as_of=at("2025-01-10"), at_period_end=True)
    member = change.membership
    assert (change.event, change.refund) == (Event.CANCELLATION_SCHEDULED, None)
    assert member.status is Status.CANCELLING
    assert (member.cancel_at_period_end, member.cancelled_at) == (True, at("2025-01-10"))
    assert member.current_period_end == at("2025-02-01")
    assert is_active(member, as_of=at("2025-01-31T23:59"))
    assert not is_active(member, as_of=at("2025-02-01"))


def test_asking_twice_to_cancel_at_period_end_changes_nothing() -> None:
    member = cancelled(joined(MONTHLY, "2025-01-01"), "2025-01-10", at_period_end=True)
    again = cancel(member, as_of=at("2025-01-12"), at_period_end=True)
    assert (again.event, again.membership, again.changed) == (Event.UNCHANGED, member, False)


def _yearly_kwd() -> Membership:
    return joined(replace(YEARLY, id="kwd", fee=D("10.000"), currency="KWD"), "2025-01-01")


def _monthly_jpy() -> Membership:
    return joined(replace(MONTHLY, id="jpy", fee=D("1000"), currency="JPY"), "2025-01-01")


def _half_a_halala() -> Membership:
    return joined(replace(MONTHLY, id="cheap", fee=D("0.14")), "2025-02-01")


def _renewed_early() -> Membership:
    return renewed(joined(MONTHLY, "2025-01-01"), MONTHLY, "2025-01-20")


@pytest.mark.parametrize(
    "membership,cancel_on,amount,currency,days",
    [
        (lambda: joined(YEARLY, "2025-01-01"), "2025-04-11T12:00", "86.79", "SAR", [(264, 365)]),
        (lambda: joined(YEARLY, "2025-01-01"), "2025-01-01", "120.00", "SAR", [(365, 365)]),
        (lambda: joined(YEARLY, "2025-01-01"), "2025-12-31T12:00", "0.00", "SAR", [(0, 365)]),
        (lambda: joined(MONTHLY, "2025-01-31"), "2025-02-14", "15.00", "SAR", [(14, 28)]),
        (_renewed_early, "2025-01-25", "36.77", "SAR", [(7, 31), (28, 28)]),
        (lambda: joined(TRIAL, "2025-01-01"), "2025-01-05", "30.00", "SAR", [(31, 31)]),
        (_yearly_kwd, "2025-01-02", "9.973", "KWD", [(364, 365)]),
        (_monthly_jpy, "2025-01-11", "677", "JPY", [(21, 31)]),
        (_half_a_halala, "2025-02-28", "0.01", "SAR", [(1, 28)]),
    ],
    ids=[
        "a-day-begun-is-a-day-used-264-of-365-days-back",
        "cancelling-at-once-on-the-first-moment-refunds-everything",
        "cancelling-in-the-last-day-refunds-nothing",
        "half-of-a-28-day-february-period-refunds-half",
        "a-period-paid-early-is-refunded-whole-with-the-unused-days",
        "a-payment-made-during-the-trial-is-refunded-whole",
        "kuwaiti-dinars-round-to-fils",
        "yen-round-to-whole-yen",
        "half-a-minor-unit-rounds-up",
    ],
)
def test_cancelling_at_once_notes_the_unused_share_of_the_fee(
    membership: Callable[[], Membership],
    cancel_on: str,
    amount: str,
    currency: str,
    days: list[tuple[int, int]],
) -> None:
    change = cancel(membership(), as_of=at(cancel_on), at_period_end=False)
    refund = change.refund
    assert refund is not None
    assert (refund.amount, refund.currency) == (D(amount), currency)
    assert str(refund.amount) == amount  # exactly the currency's minor units
    assert [(line.unused_days, line.paid_days) for line in refund.lines] == days
    assert change.event is Event.CANCELLED
    assert change.membership.status is Status.CANCELLED
    assert change.membership.current_period_end == at(cancel_on)
    assert not is_active(change.membership, as_of=at(cancel_on))


@pytest.mark.parametrize(
    "membership",
    [joined(TRIAL, "2025-01-01", pay=False), joined(LIFETIME, "2025-01-01")],
    ids=["a-trial-paid-nothing-so-nothing-is-refunded", "a-lifetime-fee-is-not-pro-rated"],
)
def test_cancelling_at_once_notes_no_refund_when_nothing_is_refundable(
    membership: Membership,
) -> None:
    change = cancel(membership, as_of=at("2025-01-05"), at_period_end=False)
    assert change.refund is None
    assert change.membership.status is Status.CANCELLED
    assert not is_active(change.membership, as_of=at("2025-01-05"))


def test_the_refund_can_be_quoted_before_cancelling() -> None:
    refund = prorated_refund(joined(YEARLY, "2025-01-01"), as_of=at("2025-04-11T12:00"))
    assert refund is not None and refund.amount == D("86.79")


@pytest.mark.parametrize(
    "member,at_period_end,error,field",
    [
        (
            expired(joined(MONTHLY, "2025-01-01"), "2025-03-01"),
            False,
            MembershipClosed,
            None,
        ),
        (
            cancelled(joined(MONTHLY, "2025-01-01"), "2025-01-02", at_period_end=False),
            True,
            MembershipClosed,
            None,
        ),
        (joined(LIFETIME, "2025-01-01"), True, ValidationFailed, "at_period_end"),
    ],
    ids=[
        "an-expired-membership-has-nothing-to-cancel",
        "a-cancelled-membership-is-not-cancelled-twice",
        "a-lifetime-membership-has-no-period-end-to-cancel-at",
    ],
)
def test_cancelling_is_refused_when(
    member: Membership, at_period_end: bool, error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as refused:
        cancel(member, as_of=at("2025-03-10"), at_period_end=at_period_end)
    if field is not None:
        assert getattr(refused.value, "field", None) == field


def test_cancelling_after_the_paid_time_ran_out_ends_it_with_no_refund() -> None:
    change = cancel(joined(MONTHLY, "2025-01-01"), as_of=at("2025-02-10"), at_period_end=True)
    assert (change.event, change.refund) == (Event.CANCELLED, None)
    assert change.membership.current_period_end == at("2025-02-01")


# --- lapsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "member,as_of,status,event",
    [
        (joined(MONTHLY, "2025-01-01"), "2025-01-31T23:59", Status.ACTIVE, Event.UNCHANGED),
        (joined(MONTHLY, "2025-01-01"), "2025-02-01", Status.EXPIRED, Event.EXPIRED),
        (joined(MONTHLY, "2025-01-01"), "2025-03-15", Status.EXPIRED, Event.EXPIRED),
        (joined(TRIAL, "2025-01-01", pay=False), "2025-01-15", Status.EXPIRED, Event.EXPIRED),
        (
            cancelled(joined(MONTHLY, "2025-01-01"), "2025-01-10", at_period_end=True),
            "2025-02-01",
            Status.CANCELLED,
            Event.CANCELLED,
        ),
        (joined(LIFETIME, "2025-01-01"), "2045-01-01", Status.ACTIVE, Event.UNCHANGED),
        (
            expired(joined(MONTHLY, "2025-01-01"), "2025-02-01"),
            "2025-02-02",
            Status.EXPIRED,
            Event.UNCHANGED,
        ),
    ],
    ids=[
        "a-membership-inside-its-paid-time-is-left-alone",
        "a-membership-expires-the-moment-its-paid-time-ends",
        "a-membership-the-worker-reaches-late-expires-all-the-same",
        "an-unpaid-trial-expires-when-the-trial-ends",
        "a-cancellation-at-period-end-takes-effect-at-the-end",
        "a-lifetime-membership-never-expires",
        "expiring-twice-changes-nothing",
    ],
)
def test_a_membership_lapses_when_its_paid_time_runs_out_without_renewal(
    member: Membership, as_of: str, status: Status, event: Event
) -> None:
    change = expire_due(member, as_of=at(as_of))
    assert (change.membership.status, change.event) == (status, event)
    assert change.changed is (event is not Event.UNCHANGED)


# --- benefits --------------------------------------------------------------------------------

FULL = Benefits(
    free_shipping=True,
    multiplier=D("1.5"),
    granted_tier="dewy",
    member_rewards=frozenset({"members-mug"}),
    plan_id="plus-yearly",
)


@pytest.mark.parametrize(
    "member,plan,as_of,expected",
    [
        (joined(YEARLY, "2025-01-01"), YEARLY, "2025-06-01", FULL),
        (joined(YEARLY, "2025-01-01"), YEARLY, "2025-12-31T23:59", FULL),
        (joined(YEARLY, "2025-01-01"), YEARLY, "2026-01-01", NO_BENEFITS),
        (joined(YEARLY, "2025-01-01"), YEARLY, "2024-12-31", NO_BENEFITS),
        (
            joined(replace(YEARLY, trial_days=30), "2025-01-01", pay=False),
            replace(YEARLY, trial_days=30),
            "2025-01-20",
            FULL,
        ),
        (
            cancelled(joined(YEARLY, "2025-01-01"), "2025-03-01", at_period_end=True),
            YEARLY,
            "2025-06-01",
            FULL,
        ),
        (
            cancelled(joined(YEARLY, "2025-01-01"), "2025-03-01", at_period_end=False),
            YEARLY,
            "2025-03-01",
            NO_BENEFITS,
        ),
        (
            joined(LIFETIME, "2025-01-01"),
            LIFETIME,
            "2035-01-01",
            replace(FULL, plan_id="plus-lifetime"),
        ),
        (
            joined(YEARLY, "2025-01-01"),
            replace(YEARLY, active=False),
            "2025-06-01",
            FULL,
        ),
        (None, YEARLY, "2025-06-01", NO_BENEFITS),
        (joined(YEARLY, "2025-01-01"), None, "2025-06-01", NO_BENEFITS),
    ],
    ids=[
        "a-paid-member-has-every-benefit",
        "benefits-last-to-the-final-minute-paid-for",
        "benefits-stop-at-the-paid-end-even-before-the-worker-expires-it",
        "nothing-before-joining",
        "a-trial-member-enjoys-the-benefits",
        "a-member-cancelling-at-period-end-keeps-benefits-until-then",
        "cancelling-at-once-stops-benefits-at-once",
        "a-lifetime-member-keeps-benefits-for-years",
        "retiring-a-plan-keeps-its-existing-members-benefits",
        "no-membership-no-benefits",
        "a-membership-whose-plan-is-gone-gives-nothing",
    ],
)
def test_benefits_apply_only_while_the_membership_is_active(
    member: Membership | None, plan: Plan | None, as_of: str, expected: Benefits
) -> None:
    assert benefits(member, plan, as_of=at(as_of)) == expected
    assert benefits(member, plan, as_of=at(as_of)).active is (expected is not NO_BENEFITS)


# --- monthly points --------------------------------------------------------------------------


def _yearly_from_31_jan() -> Membership:
    return joined(YEARLY, "2025-01-31")


def _monthly_lapsed_then_restarted() -> Membership:
    return renewed(expired(joined(MONTHLY, "2025-01-01"), "2025-02-01"), MONTHLY, "2025-03-10")


def _monthly_renewed_twice_from_31_jan() -> Membership:
    member = renewed(joined(MONTHLY, "2025-01-31"), MONTHLY, "2025-02-10", "pay-1")
    return renewed(member, MONTHLY, "2025-03-10", "pay-2")


def _trial_paid_during_trial() -> Membership:
    return renewed(joined(TRIAL, "2025-01-01", pay=False), TRIAL, "2025-01-05")


@pytest.mark.parametrize(
    "build,plan,as_of,grants_made,due",
    [
        (_yearly_from_31_jan, YEARLY, "2025-01-31", 0, [(0, "2025-01-31")]),
        (
            _yearly_from_31_jan,
            YEARLY,
            "2025-05-01",
            0,
            [(0, "2025-01-31"), (1, "2025-02-28"), (2, "2025-03-31"), (3, "2025-04-30")],
        ),
        (_yearly_from_31_jan, YEARLY, "2025-05-01", 2, [(2, "2025-03-31"), (3, "2025-04-30")]),
        (_yearly_from_31_jan, YEARLY, "2025-05-01", 4, []),
        (
            _yearly_from_31_jan,
            YEARLY,
            "2026-06-01",
            10,
            [(10, "2025-11-30"), (11, "2025-12-31")],
        ),
        (lambda: joined(TRIAL, "2025-01-01", pay=False), TRIAL, "2025-01-14", 0, []),
        (lambda: joined(TRIAL, "2025-01-01", pay=False), TRIAL, "2025-03-01", 0, []),
        (_trial_paid_during_trial, TRIAL, "2025-01-14T23:59", 0, []),
        (_trial_paid_during_trial, TRIAL, "2025-01-15", 0, [(0, "2025-01-15")]),
        (
            lambda: cancelled(_yearly_from_31_jan(), "2025-03-15", at_period_end=False),
            YEARLY,
            "2025-06-01",
            0,
            [(0, "2025-01-31"), (1, "2025-02-28")],
        ),
        (
            lambda: cancelled(_yearly_from_31_jan(), "2025-03-15", at_period_end=True),
            YEARLY,
            "2025-06-01",
            3,
            [(3, "2025-04-30"), (4, "2025-05-31")],
        ),
        (
            _monthly_lapsed_then_restarted,
            MONTHLY,
            "2025-03-10",
            0,
            [(0, "2025-01-01"), (1, "2025-03-10")],
        ),
        (_monthly_lapsed_then_restarted, MONTHLY, "2025-05-01", 1, [(1, "2025-03-10")]),
        (
            _monthly_renewed_twice_from_31_jan,
            MONTHLY,
            "2025-06-01",
            0,
            [(0, "2025-01-31"), (1, "2025-02-28"), (2, "2025-03-31")],
        ),
        (
            lambda: joined(LIFETIME, "2025-01-31"),
            LIFETIME,
            "2027-01-31",
            23,
            [(23, "2026-12-31"), (24, "2027-01-31")],
        ),
    ],
    ids=[
        "the-first-month-is-granted-when-the-paid-membership-begins",
        "missed-months-are-caught-up-and-month-ends-stay-month-ends",
        "months-already-granted-are-not-due-again",
        "nothing-is-due-once-every-begun-month-is-granted",
        "no-months-after-a-yearly-membership-ran-out",
        "a-free-trial-earns-no-monthly-points",
        "a-trial-that-lapsed-unpaid-never-earns",
        "paying-during-the-trial-earns-nothing-before-the-trial-ends",
        "the-first-paid-month-begins-when-the-trial-ends",
        "no-months-after-cancelling-at-once",
        "cancelling-at-period-end-keeps-the-months-paid-for",
        "after-a-lapse-the-new-period-is-the-next-month-in-the-count",
        "the-gap-between-lapse-and-restart-earns-nothing",
        "renewed-months-follow-the-joining-day",
        "a-lifetime-member-earns-every-month-for-life",
    ],
)
def test_monthly_points_are_due_at_the_start_of_each_paid_month(
    build: Callable[[], Membership],
    plan: Plan,
    as_of: str,
    grants_made: int,
    due: list[tuple[int, str]],
) -> None:
    member = replace(build(), grants_made=grants_made)
    grants = grants_due(member, plan, as_of=at(as_of))
    assert [(g.period_index, g.due_at) for g in grants] == [(i, at(d)) for i, d in due]
    assert all(g.points == 500 and g.key == grant_key("ms-1", g.period_index) for g in grants)


class FakeLedger:
    """The idempotent ledger, as far as grants see it: a key posts once, replays post nothing."""

    def __init__(self) -> None:
        self.posted: dict[str, int] = {}

    def post(self, grant: Grant) -> None:
        self.posted.setdefault(grant.key, grant.points)


def run_worker(
    member: Membership, ledger: FakeLedger, as_of: str, *, crash_after: int | None = None
) -> Membership:
    """Post every due grant, then save the count; a crash loses the unsaved count."""
    grants = grants_due(member, YEARLY, as_of=at(as_of))
    for posted, grant in enumerate(grants):
        if posted == crash_after:
            return member  # the transaction that would have saved `grants_made` never ran
        ledger.post(grant)
    return record_grants(member, grants)


@pytest.mark.parametrize(
    "crash_after",
    [None, 0, 1, 3],
    ids=[
        "the-worker-running-twice-grants-each-month-once",
        "a-crash-before-the-first-post-loses-nothing",
        "a-crash-mid-run-neither-loses-nor-repeats-a-month",
        "a-crash-after-posting-all-but-saving-nothing-repeats-nothing",
    ],
)
def test_each_month_is_granted_exactly_once(crash_after: int | None) -> None:
    ledger = FakeLedger()
    member = _yearly_from_31_jan()
    member = run_worker(member, ledger, "2025-04-01", crash_after=crash_after)
    member = run_worker(member, ledger, "2025-04-01")
    member = run_worker(member, ledger, "2025-04-01")
    assert ledger.posted == {
        "membership:ms-1:grant:0": 500,
        "membership:ms-1:grant:1": 500,
        "membership:ms-1:grant:2": 500,
    }
    assert member.grants_made == 3
    assert grants_due(member, YEARLY, as_of=at("2025-04-01")) == []


def test_a_plan_without_monthly_points_grants_nothing() -> None:
    plan = replace(YEARLY, monthly_points=0)
    member = joined(plan, "2025-01-01")
    assert grants_due(member, plan, as_of=at("2025-06-01")) == []


def test_grants_are_recorded_in_order_so_no_month_is_skipped_for_good() -> None:
    member = _yearly_from_31_jan()
    later = grants_due(member, YEARLY, as_of=at("2025-04-01"))[1:]
    with pytest.raises(ValidationFailed) as refused:
        record_grants(member, later)
    assert refused.value.field == "grants"


def test_another_memberships_grant_is_not_recorded_here() -> None:
    member = _yearly_from_31_jan()
    stranger = Grant(0, at("2025-01-31"), 500, grant_key("ms-2", 0))
    with pytest.raises(ValidationFailed):
        record_grants(member, [stranger])


# --- calendar and results --------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,months,expected",
    [
        ("2025-01-31T10:00", 1, "2025-02-28T10:00"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-01-31", 2, "2025-03-31"),
        ("2025-11-30", 3, "2026-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
    ],
    ids=[
        "31-january-plus-a-month-is-the-last-day-of-february",
        "in-a-leap-year-it-is-29-february",
        "two-months-from-31-january-is-31-march",
        "months-cross-the-year-end",
        "a-year-from-a-leap-day-is-28-february",
    ],
)
def test_months_end_on_the_last_day_of_a_shorter_month(
    start: str, months: int, expected: str
) -> None:
    assert add_months(at(start), months) == at(expected)


def test_every_transition_returns_a_change_never_none() -> None:
    member = joined(MONTHLY, "2025-01-01")
    results = [
        join(MONTHLY, "c", membership_id="m", as_of=at("2025-01-01"), payment_ref="p"),
        renew(member, MONTHLY, as_of=at("2025-01-02"), payment_ref="p2"),
        cancel(member, as_of=at("2025-01-02"), at_period_end=True),
        expire_due(member, as_of=at("2025-01-02")),
    ]
    assert all(isinstance(result, MembershipChange) for result in results)


def test_a_state_conflict_is_a_conflict_a_client_can_read() -> None:
    assert issubclass(MembershipClosed, Conflict)
    assert MembershipClosed.code == "membership-closed"

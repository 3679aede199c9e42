"""Paid memberships: plans, and the life of one customer's membership, decided without I/O.

A *plan* is what a merchant sells: a fee, a billing period, an optional free trial and the
benefits a member enjoys (free shipping, member-only rewards, an earning multiplier, a tier held
while the membership lasts, a points grant each month). A *membership* is one customer's
subscription to a plan. Walaa records the payments the store took (by the store's reference);
it never takes a payment itself, and a refund is a note for the store to act on.

Decisions, so nothing else has to make them:

* **One-off fee = lifetime.** `one_off` plans sell a membership for life
  (``current_period_end is None``); a fee for one year is what `yearly` is for. A lifetime fee
  is not pro-rated on cancellation (it bought the membership, not a span of time), so
  cancelling one at once records no refund; the store may still refund by its own policy.
* **Trialing means "nothing paid yet".** A plan with trial days starts members on a trial with
  no payment. A payment during the trial (or at join) covers the period that starts when the
  trial ends, so paying early loses no trial days, and the membership is `active` from then.
* **Renewal extends from the paid end, not from now**, so paying early loses nothing; a
  membership whose paid time has run out starts a new period at the moment of payment, so a
  customer never pays for the gap. Period ends are counted in calendar months from the start
  of the unbroken run of payments, so a member who joined on 31 January renews on 28 February,
  then 31 March (not on the 28th for ever).
* **Active is a matter of time, not of the worker.** `is_active` and `benefits` look only at
  the recorded trial, payments and end, so benefits stop at the paid end even if the worker
  has not yet run `expire_due` to record it.
* **Monthly points are for paid months only.** Each paid run is cut into calendar months from
  its start; month *n* of the membership (numbered across runs, from 0) is due at its start.
  Trials earn no grants (a free trial should not buy points worth money), months after a
  cancellation or expiry are never due, and missed months are caught up. Each grant carries
  the idempotency key ``membership:{id}:grant:{n}``; the ledger refuses to post a key twice,
  and `Membership.grants_made` lets the worker skip what it already posted.
* **Pro-rating counts whole unused days**: a day begun is a day used. The unused share of
  every payment whose paid time has not run out (including one paid early for a future
  period) is added up and rounded once, half up, to the currency's minor units.

All moments must carry a time zone and are kept in UTC; months are UTC calendar months.

Errors: bad input raises `ValidationFailed` naming the field; state that forbids a transition
raises a `Conflict`: `PlanNotOffered`, `MembershipClosed`, `AlreadyLifetime`,
`PaymentAlreadyRecorded`.
"""

from __future__ import annotations

import calendar
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from walaa.domain.customers import LOCALES, check_customer_id
from walaa.domain.errors import Conflict, ValidationFailed
from walaa.domain.money import ONE, Money, fits_minor_units, is_currency_code

DAY = timedelta(days=1)
MAX_TRIAL_DAYS = 365
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_MAX_REF = 200
EARLIEST_YEAR, LATEST_YEAR = 1970, 2199


# --- errors ----------------------------------------------------------------------------------


class PlanNotOffered(Conflict):
    """The plan exists but takes no new members (the merchant retired it)."""

    code = "plan-not-offered"


class MembershipClosed(Conflict):
    """The membership is cancelled or expired, so it cannot be renewed or cancelled again."""

    code = "membership-closed"


class AlreadyLifetime(Conflict):
    """A paid one-off membership lasts for life; there is nothing left to renew."""

    code = "membership-lifetime"


class PaymentAlreadyRecorded(Conflict):
    """The store's payment reference was recorded before; one payment never counts twice."""

    code = "payment-already-recorded"


# --- plans -----------------------------------------------------------------------------------


class BillingPeriod(StrEnum):
    ONE_OFF = "one_off"
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @property
    def months(self) -> int | None:
        """Calendar months one fee pays for; None for a one-off fee, which is for life."""
        return {"one_off": None, "monthly": 1, "yearly": 12}[self.value]


@dataclass(frozen=True, slots=True)
class Plan:
    """A membership the merchant sells. `active` False closes it to new members only."""

    id: str
    names: Mapping[str, str]
    fee: Decimal
    currency: str
    period: BillingPeriod
    trial_days: int = 0
    free_shipping: bool = False
    #: rewards only members of this plan may redeem, by reward id
    member_rewards: frozenset[str] = frozenset()
    #: multiplies points earned while the membership is active
    multiplier: Decimal = ONE
    #: a tier the member holds while the membership lasts
    granted_tier: str | None = None
    #: points granted at the start of each paid month of membership
    monthly_points: int = 0
    active: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "period", _billing_period(self.period))
        if isinstance(self.member_rewards, str) or not isinstance(self.member_rewards, Iterable):
            raise ValidationFailed("member_rewards", "must be a set of reward ids")
        object.__setattr__(self, "member_rewards", frozenset(self.member_rewards))
        check_plan(self)

    @property
    def price(self) -> Money:
        return Money(self.fee, self.currency)


def _billing_period(value: object) -> BillingPeriod:
    if isinstance(value, BillingPeriod):
        return value
    try:
        return BillingPeriod(str(value))
    except ValueError:
        choices = ", ".join(p.value for p in BillingPeriod)
        raise ValidationFailed("period", f"{value!r} is not one of {choices}") from None


def check_plan(plan: Plan) -> None:
    """Refuse a plan a merchant could not mean; the error names the field to fix."""
    if not isinstance(plan.id, str) or not _ID.match(plan.id):
        raise ValidationFailed("id", "use 1-64 letters, digits or . _ : - (letter or digit first)")
    _check_names(plan.names)
    _check_fee(plan.fee, plan.currency)
    _billing_period(plan.period)
    if not _is_int(plan.trial_days) or not 0 <= plan.trial_days <= MAX_TRIAL_DAYS:
        raise ValidationFailed("trial_days", f"must be a whole number from 0 to {MAX_TRIAL_DAYS}")
    for name in ("free_shipping", "active"):
        if not isinstance(getattr(plan, name), bool):
            raise ValidationFailed(name, "must be true or false")
    if any(not isinstance(r, str) or not r.strip() for r in plan.member_rewards):
        raise ValidationFailed("member_rewards", "each reward id must be a non-empty text")
    if not _is_decimal(plan.multiplier) or plan.multiplier < ONE:
        raise ValidationFailed("multiplier", "must be a Decimal of 1 or more (1 earns as usual)")
    if plan.granted_tier is not None and (
        not isinstance(plan.granted_tier, str) or not plan.granted_tier.strip()
    ):
        raise ValidationFailed("granted_tier", "name a tier, or leave it empty for none")
    if not _is_int(plan.monthly_points) or plan.monthly_points < 0:
        raise ValidationFailed("monthly_points", "must be a whole number of points, 0 or more")


def _check_names(names: Mapping[str, str]) -> None:
    if not isinstance(names, Mapping) or not names:
        raise ValidationFailed("names", f"give the plan a name in {' or '.join(LOCALES)}")
    for locale, text in names.items():
        if locale not in LOCALES:
            raise ValidationFailed("names", f"{locale!r} is not one of {', '.join(LOCALES)}")
        if not isinstance(text, str) or not text.strip():
            raise ValidationFailed("names", f"the {locale} name must not be empty")


def _check_fee(fee: Decimal, currency: str) -> None:
    if not isinstance(currency, str) or not is_currency_code(currency):
        raise ValidationFailed("currency", "must be a three-letter ISO 4217 code such as SAR")
    if not _is_decimal(fee):
        raise ValidationFailed("fee", "must be a Decimal amount such as Decimal('99.00')")
    if fee < 0:
        raise ValidationFailed("fee", "must be zero (a free plan) or more")
    if not fits_minor_units(fee, currency):
        raise ValidationFailed("fee", f"has more decimals than {currency} allows")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_decimal(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


# --- memberships -----------------------------------------------------------------------------


class MembershipStatus(StrEnum):
    """The last recorded state. Whether benefits apply *now* is `is_active`'s question."""

    TRIALING = "trialing"
    ACTIVE = "active"
    #: cancelled by the customer, running until the end of what they paid for
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


LIVE = frozenset({MembershipStatus.TRIALING, MembershipStatus.ACTIVE, MembershipStatus.CANCELLING})


@dataclass(frozen=True, slots=True)
class Payment:
    """A fee the store took, and the span it pays for (`covers_until` None: for life)."""

    ref: str
    amount: Decimal
    currency: str
    paid_at: datetime
    covers_from: datetime
    covers_until: datetime | None

    def covers(self, moment: datetime) -> bool:
        return self.covers_from <= moment and (
            self.covers_until is None or moment < self.covers_until
        )


@dataclass(frozen=True, slots=True)
class Membership:
    """One customer's membership of one plan.

    `current_period_start`/`current_period_end` are the latest period recorded: the trial, or
    the span of the latest payment (which starts in the future after an early renewal).
    `current_period_end` is also where the membership stops: a cancellation at once moves it
    to the moment of cancelling; None means for life. `cancelled_at` is when the customer asked
    to cancel. `grants_made` counts the monthly grants already posted (indices below it).
    """

    id: str
    customer_id: str
    plan_id: str
    status: MembershipStatus
    started_at: datetime
    current_period_start: datetime
    current_period_end: datetime | None
    trial_ends_at: datetime | None = None
    cancel_at_period_end: bool = False
    cancelled_at: datetime | None = None
    payments: tuple[Payment, ...] = ()
    grants_made: int = 0


class MembershipEvent(StrEnum):
    TRIAL_STARTED = "trial_started"
    JOINED = "joined"
    RENEWED = "renewed"
    #: paid after the paid time had run out: a new period from the moment of payment
    RESTARTED = "restarted"
    CANCELLATION_SCHEDULED = "cancellation_scheduled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RefundLine:
    """One payment's unused share: `paid * unused_days / paid_days`, before rounding."""

    payment_ref: str
    paid: Decimal
    currency: str
    unused_days: int
    paid_days: int

    @property
    def share(self) -> Decimal:
        return self.paid * self.unused_days / self.paid_days


@dataclass(frozen=True, slots=True)
class ProratedRefund:
    """What the store owes back for time paid and not used; Walaa records, the store pays."""

    amount: Decimal
    currency: str
    lines: tuple[RefundLine, ...]


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """What a transition decided: the membership to store, and what to record with it."""

    membership: Membership
    event: MembershipEvent
    #: the payment this transition recorded, to insert with the membership
    payment: Payment | None = None
    #: for a cancellation at once, the note of what to refund (None: nothing is refundable)
    refund: ProratedRefund | None = None

    @property
    def changed(self) -> bool:
        return self.event is not MembershipEvent.UNCHANGED


def new_membership_id() -> str:
    """Opaque and recognisable in logs: ``ms_`` + 16 hex characters."""
    return "ms_" + secrets.token_hex(8)


def free_payment_ref(membership_id: str) -> str:
    """The reference recorded for joining a free plan, which has no payment of the store's."""
    return f"free:{membership_id}"


def join(
    plan: Plan,
    customer_id: str,
    *,
    membership_id: str,
    as_of: datetime,
    payment_ref: str | None = None,
    started_at: datetime | None = None,
) -> MembershipChange:
    """A customer joins `plan`: on a trial if it has one, otherwise paid from the start.

    The membership starts at `started_at` (by default `as_of`, the moment it is recorded): a
    store importing its members gives the day each joined, never a day after `as_of`, and the
    plan's periods and trial count from it. Monthly grants for months that began before
    `as_of` are not due: they fell before Walaa kept the membership. A payment at join on a
    trial plan pays for the period after the trial. A free plan (fee 0) needs no payment
    reference: joining records a payment of 0 under :func:`free_payment_ref`.
    """
    as_of = _moment(as_of, "as_of")
    start = as_of if started_at is None else _moment(started_at, "started_at")
    if start > as_of:
        raise ValidationFailed(
            "started_at", f"must not be in the future (the store's time is {as_of.isoformat()})"
        )
    check_customer_id(customer_id)
    if not isinstance(membership_id, str) or not _ID.match(membership_id):
        raise ValidationFailed("membership_id", "use 1-64 letters, digits or . _ : -")
    if not plan.active:
        raise PlanNotOffered(f"plan {plan.id!r} takes no new members")
    if payment_ref is None and not plan.trial_days and plan.fee == 0:
        payment_ref = free_payment_ref(membership_id)
    if not plan.trial_days and payment_ref is None:
        raise ValidationFailed(
            "payment_ref", "the plan has no trial, so joining needs the store's payment reference"
        )
    trial_end = start + timedelta(days=plan.trial_days) if plan.trial_days else None
    # Without a trial the membership starts as an empty span ending now, which the payment
    # then extends: joining and renewing share one rule for where a period starts and ends.
    new = Membership(
        id=membership_id,
        customer_id=customer_id,
        plan_id=plan.id,
        status=MembershipStatus.TRIALING,
        started_at=start,
        current_period_start=start,
        current_period_end=trial_end or start,
        trial_ends_at=trial_end,
    )
    if payment_ref is None:
        trial = _past_grants_skipped(new, as_of, since=start)
        return MembershipChange(trial, MembershipEvent.TRIAL_STARTED)
    paid = renew(new, plan, as_of=start, payment_ref=payment_ref)
    skipped = _past_grants_skipped(paid.membership, as_of, since=start)
    return replace(paid, membership=skipped, event=MembershipEvent.JOINED)


def _past_grants_skipped(membership: Membership, as_of: datetime, *, since: datetime) -> Membership:
    """Count the paid months that began before `as_of` as granted, when what is recorded at
    `as_of` happened at `since`, earlier: an import brings no back pay of monthly points."""
    if since >= as_of:
        return membership
    before = sum(1 for _, start in _paid_months(membership, through=as_of) if start < as_of)
    return replace(membership, grants_made=max(membership.grants_made, before))


def renew(
    membership: Membership,
    plan: Plan,
    *,
    as_of: datetime,
    payment_ref: str,
    paid_at: datetime | None = None,
) -> MembershipChange:
    """Record a payment: it extends from the paid end, or starts when paid if that end has
    passed.

    Renewing also ends a trial (the paid period follows it) and withdraws a cancellation
    scheduled for the period end. A retired plan still renews for its existing members.
    `paid_at` (by default `as_of`) records a past payment, to import a member's history: not
    after `as_of`, and not before the membership's start or its latest payment, so history is
    recorded in order. Monthly grants for months that began before `as_of` are not due.
    """
    as_of = _moment(as_of, "as_of")
    _same_plan(membership, plan)
    paid = as_of if paid_at is None else _moment(paid_at, "paid_at")
    if paid > as_of:
        raise ValidationFailed(
            "paid_at", f"must not be in the future (the store's time is {as_of.isoformat()})"
        )
    latest = max([membership.started_at, *(p.paid_at for p in membership.payments)])
    if paid < latest:
        raise ValidationFailed(
            "paid_at", f"must not be before the membership's latest record ({latest.isoformat()})"
        )
    ref = _payment_ref(payment_ref, membership)
    if membership.status is MembershipStatus.CANCELLED:
        raise MembershipClosed(f"membership {membership.id!r} is cancelled; join again")
    end = membership.current_period_end
    if end is None:
        raise AlreadyLifetime(f"membership {membership.id!r} is paid for life")
    lapsed = paid > end
    start = paid if lapsed else end
    until = _period_end(plan.period, _run_anchor(membership.payments, start), start)
    payment = Payment(ref, plan.fee, plan.currency, paid, start, until)
    renewed = replace(
        membership,
        status=MembershipStatus.ACTIVE,
        current_period_start=start,
        current_period_end=until,
        cancel_at_period_end=False,
        cancelled_at=None,
        payments=(*membership.payments, payment),
    )
    event = MembershipEvent.RESTARTED if lapsed else MembershipEvent.RENEWED
    skipped = _past_grants_skipped(renewed, as_of, since=paid)
    return MembershipChange(skipped, event, payment=payment)


def cancel(membership: Membership, *, as_of: datetime, at_period_end: bool) -> MembershipChange:
    """Cancel at the end of the paid period, or at once with a note of what to refund.

    A membership whose paid time has already run out is cancelled at once (nothing is left
    to refund); a lifetime membership has no period end, so it can only be cancelled at once.
    """
    as_of = _moment(as_of, "as_of")
    if membership.status not in LIVE:
        raise MembershipClosed(f"membership {membership.id!r} is already {membership.status}")
    end = membership.current_period_end
    if at_period_end and end is None:
        raise ValidationFailed(
            "at_period_end", "a lifetime membership has no period end; cancel it at once"
        )
    if at_period_end and end is not None and as_of < end:
        if membership.status is MembershipStatus.CANCELLING:
            return MembershipChange(membership, MembershipEvent.UNCHANGED)
        scheduled = replace(
            membership,
            status=MembershipStatus.CANCELLING,
            cancel_at_period_end=True,
            cancelled_at=as_of,
        )
        return MembershipChange(scheduled, MembershipEvent.CANCELLATION_SCHEDULED)
    stop = as_of if end is None else min(end, as_of)
    cancelled = replace(
        membership,
        status=MembershipStatus.CANCELLED,
        current_period_start=min(membership.current_period_start, stop),
        current_period_end=stop,
        cancel_at_period_end=False,
        cancelled_at=as_of,
    )
    refund = prorated_refund(membership, as_of=as_of)
    return MembershipChange(cancelled, MembershipEvent.CANCELLED, refund=refund)


def prorated_refund(membership: Membership, *, as_of: datetime) -> ProratedRefund | None:
    """The unused share of every timed payment if cancelled at `as_of`; None if none is left.

    Whole days only: the day in progress counts as used. Lifetime fees are not pro-rated.
    """
    as_of = _moment(as_of, "as_of")
    lines = tuple(
        RefundLine(
            p.ref,
            p.amount,
            p.currency,
            unused_days=(p.covers_until - max(p.covers_from, as_of)) // DAY,
            paid_days=max((p.covers_until - p.covers_from) // DAY, 1),
        )
        for p in membership.payments
        if p.covers_until is not None and p.covers_until > as_of and p.amount > 0
    )
    if not lines:
        return None
    total = Money.zero(lines[0].currency)
    for line in lines:
        total += Money(line.share, line.currency)
    rounded = total.quantized()
    return ProratedRefund(rounded.amount, rounded.currency, lines)


def expire_due(membership: Membership, *, as_of: datetime) -> MembershipChange:
    """Record the end of a membership whose paid time (or trial) ran out without renewal.

    A membership cancelled at period end becomes `cancelled`; any other becomes `expired`.
    Safe to run any number of times: a membership with nothing due comes back unchanged.
    """
    as_of = _moment(as_of, "as_of")
    end = membership.current_period_end
    if membership.status not in LIVE or end is None or as_of < end:
        return MembershipChange(membership, MembershipEvent.UNCHANGED)
    if membership.status is MembershipStatus.CANCELLING:
        ended = replace(membership, status=MembershipStatus.CANCELLED)
        return MembershipChange(ended, MembershipEvent.CANCELLED)
    expired = replace(membership, status=MembershipStatus.EXPIRED)
    return MembershipChange(expired, MembershipEvent.EXPIRED)


def is_active(membership: Membership, *, as_of: datetime) -> bool:
    """True when `as_of` falls in the trial or in a paid span, before the membership stopped."""
    as_of = _moment(as_of, "as_of")
    end = membership.current_period_end
    if as_of < membership.started_at or (end is not None and as_of >= end):
        return False
    if membership.trial_ends_at is not None and as_of < membership.trial_ends_at:
        return True
    return any(payment.covers(as_of) for payment in membership.payments)


# --- benefits --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Benefits:
    """What a membership gives at checkout and when earning; `NO_BENEFITS` when not active."""

    free_shipping: bool = False
    multiplier: Decimal = ONE
    granted_tier: str | None = None
    member_rewards: frozenset[str] = field(default_factory=frozenset)
    plan_id: str | None = None

    @property
    def active(self) -> bool:
        return self.plan_id is not None


NO_BENEFITS = Benefits()


def benefits(membership: Membership | None, plan: Plan | None, *, as_of: datetime) -> Benefits:
    """The plan's benefits while the membership is active at `as_of`, otherwise none."""
    if membership is None or plan is None:
        return NO_BENEFITS
    _same_plan(membership, plan)
    if not is_active(membership, as_of=as_of):
        return NO_BENEFITS
    return Benefits(
        free_shipping=plan.free_shipping,
        multiplier=plan.multiplier,
        granted_tier=plan.granted_tier,
        member_rewards=plan.member_rewards,
        plan_id=plan.id,
    )


# --- monthly points --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grant:
    """Points due for month `period_index` of paid membership; post them with `key`."""

    period_index: int
    due_at: datetime
    points: int
    key: str


def grant_key(membership_id: str, period_index: int) -> str:
    """The idempotency key of one month's grant: the same month always has the same key."""
    return f"membership:{membership_id}:grant:{period_index}"


def grants_due(membership: Membership, plan: Plan, *, as_of: datetime) -> list[Grant]:
    """Monthly grants due by `as_of` and not yet recorded in `grants_made`, oldest first.

    Missed months are caught up; trial months and months after the membership stopped are
    never due. The key makes posting a grant twice harmless even if `grants_made` is stale.
    """
    as_of = _moment(as_of, "as_of")
    _same_plan(membership, plan)
    if plan.monthly_points <= 0:
        return []
    return [
        Grant(index, start, plan.monthly_points, grant_key(membership.id, index))
        for index, start in _paid_months(membership, through=as_of)
        if index >= membership.grants_made
    ]


def record_grants(membership: Membership, grants: Iterable[Grant]) -> Membership:
    """The membership with `grants` counted as posted, so the next run skips them.

    Grants must be recorded in order: a gap would skip a month for good, so it is refused.
    """
    made = membership.grants_made
    for grant in grants:
        if grant.key != grant_key(membership.id, grant.period_index):
            raise ValidationFailed("grants", f"{grant.key!r} is not a grant of this membership")
        if grant.period_index > made:
            raise ValidationFailed(
                "grants", f"record grant {made} before grant {grant.period_index}"
            )
        made = max(made, grant.period_index + 1)
    return replace(membership, grants_made=made)


def _paid_months(membership: Membership, *, through: datetime) -> Iterator[tuple[int, datetime]]:
    """(index, start) of each paid month that began by `through`, numbered across runs."""
    stop = membership.current_period_end
    index = 0
    for anchor, run_end in _runs(membership.payments):
        months = 0
        while True:
            start = add_months(anchor, months)
            if run_end is not None and start >= run_end:
                break
            if start > through or (stop is not None and start >= stop):
                return
            yield index, start
            index += 1
            months += 1


def _runs(payments: Iterable[Payment]) -> list[tuple[datetime, datetime | None]]:
    """Unbroken spans of paid time: (start, end), one per gap-free chain of payments."""
    runs: list[tuple[datetime, datetime | None]] = []
    for payment in payments:
        if runs and runs[-1][1] == payment.covers_from:
            runs[-1] = (runs[-1][0], payment.covers_until)
        else:
            runs.append((payment.covers_from, payment.covers_until))
    return runs


# --- calendar --------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus calendar months, on the last day of a shorter month (31 Jan -> 28 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _months_between(anchor: datetime, moment: datetime) -> int:
    return (moment.year - anchor.year) * 12 + moment.month - anchor.month


def _run_anchor(payments: tuple[Payment, ...], start: datetime) -> datetime:
    """Where the unbroken run that `start` continues began (`start` itself for a new run)."""
    anchor = start
    for payment in reversed(payments):
        if payment.covers_until != anchor:
            break
        anchor = payment.covers_from
    return anchor


def _period_end(period: BillingPeriod, anchor: datetime, start: datetime) -> datetime | None:
    # Counted from the run's first day rather than from `start`, so a member who joined on the
    # 31st keeps the 31st wherever the month has one, instead of drifting to the 28th.
    if period.months is None:
        return None
    return add_months(anchor, _months_between(anchor, start) + period.months)


# --- checks ----------------------------------------------------------------------------------


def _moment(value: datetime, field_name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(field_name, "needs a time zone (give it in UTC)")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationFailed(field_name, f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value.astimezone(UTC)


def _same_plan(membership: Membership, plan: Plan) -> None:
    if membership.plan_id != plan.id:
        raise ValidationFailed(
            "plan",
            f"membership {membership.id!r} is of plan {membership.plan_id!r}, not {plan.id!r}",
        )


def _payment_ref(payment_ref: str | None, membership: Membership) -> str:
    ref = payment_ref.strip() if isinstance(payment_ref, str) else ""
    if not ref or len(ref) > _MAX_REF:
        raise ValidationFailed("payment_ref", f"give the store's payment reference (1-{_MAX_REF})")
    if any(p.ref == ref for p in membership.payments):
        raise PaymentAlreadyRecorded(f"payment {ref!r} is already recorded for this membership")
    return ref

"""Giving to causes: the store's causes, what orders give, what refunds take back, customers
giving points, and the report a merchant pays causes from.

Gifts are money the store owes a cause, kept on a ledger of their own (`gifts`) in the store's
currency's minor units; they never touch the points ledger, except when a customer gives points,
which is an ordinary explained spend there and a gift here, in one transaction.

The order path calls :func:`give_for_order` and the refund path :func:`take_back_for_refund`
inside their own transactions, after the customer is locked, so the monthly cap is exact
however many of one customer's orders arrive at once. A program without `giving:` costs the
order path nothing: the hook returns before it touches the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from walaa.domain.customers import check_customer_id
from walaa.domain.earning import Order
from walaa.domain.errors import IdempotencyConflict, NotFound, ValidationFailed
from walaa.domain.giving import (
    Cause,
    amount_text,
    explain_gift,
    explain_points_gift,
    explain_take_back,
    gift_on,
    gift_to_take_back,
)
from walaa.domain.money import minor_units
from walaa.domain.program import Program
from walaa.service.commands import Spend
from walaa.service.handlers import ledger
from walaa.service.handlers.context import in_force
from walaa.service.ports import Clock, GiftRecord, GivingRepository, UnitOfWork


@dataclass(frozen=True, slots=True)
class Gave:
    """What an order (or a customer) gave one cause, in minor units of `currency`."""

    cause_id: str
    amount: int
    currency: str

    @property
    def text(self) -> str:
        return amount_text(self.amount, self.currency)


# --- causes ----------------------------------------------------------------------------------


def save_cause(uow: UnitOfWork, clock: Clock, store_id: str, cause: Cause) -> Cause:
    """Add or change a cause; marking it the default takes that from the cause that had it."""
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        if cause.default and not cause.active:
            raise ValidationFailed("default", "an inactive cause cannot be the default")
        repo = uow.giving(store_id)
        previous = repo.get_cause(cause.id)
        if previous is not None:
            _program_keeps_a_cause(in_force(uow, store_id), previous, cause)
        repo.save_cause(cause, clock.now())
        uow.commit()
    return cause


def _program_keeps_a_cause(program: Program | None, previous: Cause, cause: Cause) -> None:
    """The program's orders must keep somewhere to give: its fixed cause stays active, and
    the store's default, which a program without a fixed cause gives to, stays a default
    until another cause takes that place."""
    policy = program.giving if program else None
    if policy is None:
        return
    if policy.cause == cause.id and not cause.active:
        raise ValidationFailed("active", "the program gives to this cause; change it first")
    if policy.cause is None and previous.default and not cause.default:
        raise ValidationFailed(
            "default", "the program gives to the default cause; make another cause the default"
        )


def list_causes(uow: UnitOfWork, store_id: str) -> list[Cause]:
    with uow:
        return uow.giving(store_id).list_causes()


def get_cause(uow: UnitOfWork, store_id: str, cause_id: str) -> Cause:
    with uow:
        found = uow.giving(store_id).get_cause(cause_id)
    if found is None:
        raise NotFound(f"cause {cause_id!r} does not exist in this store")
    return found


def _active_cause(repo: GivingRepository, cause_id: str, field: str) -> Cause:
    found = repo.get_cause(cause_id)
    if found is None:
        raise NotFound(f"cause {cause_id!r} does not exist in this store")
    if not found.active:
        raise ValidationFailed(field, f"the cause {cause_id!r} is not active")
    return found


def choose_cause(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str, cause_id: str
) -> Cause:
    """The cause this customer's orders give to, where the program lets customers choose."""
    check_customer_id(customer_id)
    with uow:
        repo = uow.giving(store_id)
        cause = _active_cause(repo, cause_id, "cause_id")
        repo.choose(customer_id, cause.id, clock.now())
        uow.commit()
    return cause


def chosen_cause(uow: UnitOfWork, store_id: str, customer_id: str) -> Cause | None:
    """The cause the customer chose, or None."""
    with uow:
        repo = uow.giving(store_id)
        chosen = repo.choice(customer_id)
        return repo.get_cause(chosen) if chosen else None


# --- orders and refunds ----------------------------------------------------------------------


def _cause_for(repo: GivingRepository, program: Program, customer_id: str) -> Cause | None:
    policy = program.giving
    assert policy is not None
    if policy.customer_chooses:
        chosen = repo.choice(customer_id)
        found = repo.get_cause(chosen) if chosen else None
        if found is not None and found.active:
            return found
    if policy.cause is not None:
        found = repo.get_cause(policy.cause)
        return found if found is not None and found.active else None
    return repo.default_cause()


def month_of(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The store's calendar month around `moment`, as UTC bounds [start, end)."""
    local = moment.astimezone(zone)
    start = datetime(local.year, local.month, 1, tzinfo=zone)
    following = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(UTC), following.astimezone(UTC)


def give_for_order(
    uow: UnitOfWork,
    program: Program | None,
    store_id: str,
    customer_id: str,
    order: Order,
    now: datetime,
    spend_of: Callable[[Program, Order], Decimal],
) -> tuple[Gave, ...]:
    """What a paid order gives under the program's giving rules, written to the giving ledger;
    `spend_of` says what the order counts as spend (the order path's own measure, the one
    tiers count).

    Without `giving:` in the program this returns at once, without a statement.
    """
    policy = program.giving if program is not None else None
    if program is None or policy is None:
        return ()
    spend = spend_of(program, order)
    repo = uow.giving(store_id)
    cause = _cause_for(repo, program, customer_id)
    if cause is None:
        return ()
    given = 0
    if policy.per_month is not None:
        given = repo.given_between(customer_id, *month_of(order.placed_at, program.tz))
    decision = gift_on(policy, spend, given_this_month=given)
    if decision.amount <= 0:
        return ()
    details = {
        "spend": str(spend),
        "uncapped": decision.uncapped,
        "capped_by": decision.capped_by.value if decision.capped_by else None,
        "program_version": program.version,
        "explanations": explain_gift(policy, cause, decision, spend),
    }
    record = GiftRecord(
        key=f"order:{order.order_id}",
        cause_id=cause.id,
        kind="order",
        customer_id=customer_id,
        amount=decision.amount,
        currency=policy.currency,
        at=order.placed_at,
        order_id=order.order_id,
        order_at=order.placed_at,
        details=details,
    )
    repo.add_gift(record, now)
    return (Gave(cause.id, decision.amount, policy.currency),)


def gave_on_order(
    uow: UnitOfWork, program: Program | None, store_id: str, order_id: str
) -> tuple[Gave, ...]:
    """What an order gave when it was paid, for a replay to answer as the first call did."""
    if program is None or program.giving is None:
        return ()
    lines = uow.giving(store_id).gifts_of_order(order_id)
    return tuple(Gave(g.cause_id, g.amount, g.currency) for g in lines if g.kind == "order")


def take_back_for_refund(
    uow: UnitOfWork,
    now: datetime,
    store_id: str,
    order_id: str,
    refund_id: str,
    refunded: Decimal,
    value: Decimal,
) -> tuple[Gave, ...]:
    """Take back the order's gift in proportion to what has been refunded of its value.

    Counted from every refund so far, so several partial refunds take back what one would;
    a cancellation or a whole-order refund (`refunded` infinite) takes back all that is left.
    """
    repo = uow.giving(store_id)
    lines = repo.gifts_of_order(order_id)
    gifts = [line for line in lines if line.kind == "order"]
    if not gifts:
        return ()
    gift = gifts[0]
    taken = -sum(line.amount for line in lines if line.kind == "refund")
    amount = gift_to_take_back(gift.amount, refunded=refunded, value=value, taken_back_so_far=taken)
    if amount <= 0:
        return ()
    cause = repo.get_cause(gift.cause_id)
    assert cause is not None  # a gift's cause is a foreign key
    explanations = explain_take_back(
        cause,
        amount,
        gift.currency,
        order_id=order_id,
        refund_id=refund_id,
        cancelled=refund_id.endswith(":cancel"),
    )
    record = GiftRecord(
        key=f"refund:{refund_id}",
        cause_id=gift.cause_id,
        kind="refund",
        customer_id=gift.customer_id,
        amount=-amount,
        currency=gift.currency,
        at=now,
        order_id=order_id,
        order_at=gift.order_at,
        details={"refund_id": refund_id, "explanations": explanations},
    )
    repo.add_gift(record, now)
    return (Gave(gift.cause_id, -amount, gift.currency),)


# --- customers giving points -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointsGift:
    gift_id: str
    customer_id: str
    cause_id: str
    points: int
    amount: int
    currency: str
    transaction_id: int | None
    replayed: bool
    explanations: dict[str, str]


def give_points(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    gift_id: str,
    cause_id: str,
    points: int,
) -> PointsGift:
    """A customer gives points to a cause: they leave the points ledger as an explained spend
    and the cause is owed what they are worth at the program's point value, in one transaction.
    The store's `gift_id` makes it idempotent."""
    check_customer_id(customer_id)
    if points <= 0:
        raise ValidationFailed("points", "must be more than 0")
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        if program is None:
            raise NotFound("this store has no program yet")
        repo = uow.giving(store_id)
        key = f"points:{gift_id}"
        found = repo.get_gift(key)
        if found is not None:
            return _points_replay(found, gift_id, customer_id, cause_id, points)
        cause = _active_cause(repo, cause_id, "cause_id")
        worth = program.point_value.value_of(points)
        amount = int(worth.quantized().amount.scaleb(minor_units(worth.currency)))
        if amount <= 0:
            raise ValidationFailed(
                "points", f"{points} points are worth less than the smallest {program.currency}"
            )
        spend = Spend(
            store_id,
            customer_id,
            f"cause:{gift_id}",
            points,
            reason=f"cause:{cause.id}",
            reference=gift_id,
            refers_to=(("cause", cause.id), ("gift", str(worth))),
        )
        receipt = ledger.spend_in(uow.ledger(store_id), spend, now)
        explanations = explain_points_gift(cause, amount, program.currency, points)
        record = GiftRecord(
            key=key,
            cause_id=cause.id,
            kind="points",
            customer_id=customer_id,
            amount=amount,
            currency=program.currency,
            at=now,
            points=points,
            transaction_id=receipt.transaction_id,
            details={"gift_id": gift_id, "explanations": explanations},
        )
        repo.add_gift(record, now)
        uow.commit()
    return _points_gift(record, gift_id, replayed=False)


def _points_replay(
    found: GiftRecord, gift_id: str, customer_id: str, cause_id: str, points: int
) -> PointsGift:
    if (found.customer_id, found.cause_id, found.points) != (customer_id, cause_id, points):
        raise IdempotencyConflict(f"gift {gift_id!r} was already recorded with other content")
    return _points_gift(found, gift_id, replayed=True)


def _points_gift(record: GiftRecord, gift_id: str, *, replayed: bool) -> PointsGift:
    """The answer to a gift of points, the same from the line first written and every replay."""
    return PointsGift(
        gift_id,
        record.customer_id,
        record.cause_id,
        record.points or 0,
        record.amount,
        record.currency,
        record.transaction_id,
        replayed,
        dict((record.details or {}).get("explanations", {})),
    )


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CauseTotals:
    """One cause's gifts over a period, in minor units: from orders, taken back by refunds
    (negative), from customers' points; `total` is what the store owes it for the period."""

    cause: Cause
    orders: int
    taken_back: int
    points: int
    count: int

    @property
    def total(self) -> int:
        return self.orders + self.taken_back + self.points


@dataclass(frozen=True, slots=True)
class GivingReport:
    start: date
    end: date
    currency: str
    causes: tuple[CauseTotals, ...]

    @property
    def total(self) -> int:
        return sum(c.total for c in self.causes)


def report(
    uow: UnitOfWork, store_id: str, start: date, end: date, cause_id: str | None = None
) -> GivingReport:
    """What the store owes each cause for the days `start` to `end` (both included, in the
    store's time zone): the sum of the giving ledger's lines dated in them."""
    for name, day in (("from", start), ("to", end)):
        if not date(1900, 1, 1) <= day < date(9999, 1, 1):
            raise ValidationFailed(name, "must be a day between 1900 and 9998")
    if end < start:
        raise ValidationFailed("to", "must be on or after from")
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id!r} does not exist")
        repo = uow.giving(store_id)
        causes = {c.id: c for c in repo.list_causes()}
        if cause_id is not None and cause_id not in causes:
            raise NotFound(f"cause {cause_id!r} does not exist in this store")
        lower = datetime.combine(start, time(), store.zone).astimezone(UTC)
        upper = datetime.combine(end + timedelta(days=1), time(), store.zone).astimezone(UTC)
        totals = repo.totals(lower, upper, cause_id)
    wanted = [cause_id] if cause_id is not None else sorted(causes)
    rows = []
    for cid in wanted:
        mine = {t.kind: t for t in totals if t.cause_id == cid}
        rows.append(
            CauseTotals(
                causes[cid],
                orders=mine["order"].amount if "order" in mine else 0,
                taken_back=mine["refund"].amount if "refund" in mine else 0,
                points=mine["points"].amount if "points" in mine else 0,
                count=sum(t.count for t in mine.values()),
            )
        )
    return GivingReport(start, end, store.currency, tuple(rows))


def report_rows(found: GivingReport, locale: str = "en") -> list[tuple[str, ...]]:
    """The report as text rows (cause, orders, taken back, points, total, lines) for a
    terminal table, amounts as the currency writes them."""
    cur = found.currency
    return [
        (
            c.cause.name(locale),
            amount_text(c.orders, cur),
            amount_text(c.taken_back, cur),
            amount_text(c.points, cur),
            amount_text(c.total, cur),
            str(c.count),
        )
        for c in found.causes
    ]

"""Orders, refunds, cancellations and customer actions: what they earn, and taking it back.

Each handler is one database transaction that locks the customer first, so the usage history
that limits read cannot change underneath an evaluation, and is idempotent by the store's own
id (order id, refund id, event id): the same id with the same content is a replay, with other
content an `IdempotencyConflict`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from walaa.domain.customers import check_customer_id
from walaa.domain.earning import (
    CustomerEvent,
    Evaluation,
    Order,
    OrderBasis,
    OrderLine,
    PlacedLine,
    Refund,
    RefundedLine,
    check_refundable,
    counts_as_spend,
    evaluate_event,
    evaluate_order,
    preview_cart,
    take_back,
    usage_needed,
)
from walaa.domain.errors import (
    AccountClosed,
    Conflict,
    IdempotencyConflict,
    NotFound,
    ValidationFailed,
    WalaaError,
)
from walaa.domain.program import Channel, LineKind, Program
from walaa.domain.spending_choices import TakeBack
from walaa.domain.tiers import QualifyingEvent
from walaa.service.commands import (
    CancelOrder,
    Earn,
    RecordEvent,
    RecordOrder,
    RecordRefund,
    Reverse,
)
from walaa.service.handlers import achievements, games, giving, ledger, referrals, tiers
from walaa.service.handlers.context import customer_context, in_force
from walaa.service.handlers.giving import Gave
from walaa.service.handlers.milestones import notice_joined, notice_milestone
from walaa.service.handlers.money_back import give_back_points_paid
from walaa.service.ports import (
    Balances,
    Clock,
    EarningRepository,
    EventRecord,
    LedgerRepository,
    OrderRecord,
    RefundRecord,
    UnitOfWork,
    WriteConflict,
)
from walaa.service.referral_ports import ReferralRecord

LOCALES = ("en", "ar")
_Result = TypeVar("_Result")


@dataclass(frozen=True, slots=True)
class OrderResult:
    order_id: str
    customer_id: str
    status: str
    points: int
    program_version: int | None
    transaction_id: int | None
    replayed: bool
    #: what the order gave to causes under the program's giving rules
    gave: tuple[Gave, ...] = ()
    #: the referral this order was attributed to or qualified, if any (program `referrals:`)
    referral: ReferralRecord | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: str
    order_id: str
    points_taken: int
    transaction_id: int | None
    replayed: bool
    #: points that had paid for the order and came back with this refund
    points_returned: int = 0
    #: points the refund did not take back because the customer had spent them
    points_forgiven: int = 0


@dataclass(frozen=True, slots=True)
class EventResult:
    event_id: str
    customer_id: str
    points: int
    program_version: int | None
    transaction_id: int | None
    replayed: bool


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def explained(evaluation: Evaluation) -> dict[str, Any]:
    """What a ledger line needs to explain itself later, in every language, without the rules."""
    return {
        "program_version": evaluation.program_version,
        "awards": [
            {"rule_id": a.rule_id, "points": a.points, "capped": a.capped}
            for a in evaluation.awards
        ],
        "explanations": {loc: list(evaluation.explain(loc)) for loc in LOCALES},
    }


LINE_KINDS = frozenset(kind.value for kind in LineKind)

#: How far ahead of Walaa's clock a store's timestamp may be: clocks drift, calendars don't.
FUTURE_TOLERANCE = timedelta(days=1)


def _not_in_future(moment: datetime, now: datetime, field: str) -> None:
    """An order or action dated ahead would count toward periods that have not begun."""
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationFailed(field, "is more than a day ahead of now")


def _validity(program: Program, happened: datetime, now: datetime) -> tuple[datetime | None, ...]:
    """When points from something that happened become spendable, and when they expire.

    Both count from when it happened, never from when Walaa heard of it: an order imported a
    year late matures and expires as it would have (perhaps already, see ``earn_in``).
    """
    matures = happened + timedelta(days=program.return_window_days)
    available_at = matures if matures > now else None
    return available_at, program.expiry.expires_at(matures)


# --- orders ----------------------------------------------------------------------------------


def _order_request(command: RecordOrder) -> dict[str, Any]:
    data = asdict(command)
    data.pop("status")
    # An order without promo codes keeps the fingerprint it had before orders carried them,
    # so resending an order recorded earlier is still a replay, not a conflict.
    if command.codes:
        data["codes"] = sorted(command.codes)
    else:
        data.pop("codes")
    for added in ("referral_code", "signals"):  # the same holds for referrals' fields
        if data[added] is None:
            data.pop(added)
    return data


def _open_account(balances: Balances | None, customer_id: str) -> None:
    """A closed account records no new orders or actions, even those that would earn nothing:
    the store hears it is closed rather than seeing a silent 0."""
    if balances is not None and balances.closed:
        raise AccountClosed(customer_id)


def record_order(uow: UnitOfWork, clock: Clock, command: RecordOrder) -> OrderResult:
    """Record an order; when it is paid, award its points (pending for the return window)."""
    check_customer_id(command.customer_id)
    if command.status not in ("placed", "paid"):
        raise ValidationFailed("status", "must be placed or paid")
    order = Order(
        command.order_id,
        command.placed_at,
        command.currency,
        command.lines,
        command.channel,
        command.codes,
    )
    request = _order_request(command)
    digest = fingerprint(request)
    now = clock.now()
    _not_in_future(command.placed_at, now, "placed_at")
    return _assuming_new(
        lambda new: _record_order(uow, command, order, request, digest, now, assume_new=new)
    )


def _assuming_new(attempt: Callable[[bool], _Result]) -> _Result:
    """Try as if the order or action were new, without looking it up; if the database says
    it was recorded before (`WriteConflict`: a replay, or placed and now paid), or the attempt
    was refused, try again looking first -- a replay answers as one even where a new order
    would be refused (a closed account), and a refusal is confirmed."""
    try:
        return attempt(True)
    except (WriteConflict, WalaaError):
        return attempt(False)


def _record_order(
    uow: UnitOfWork,
    command: RecordOrder,
    order: Order,
    request: dict[str, Any],
    digest: str,
    now: datetime,
    *,
    assume_new: bool,
) -> OrderResult:
    """`record_order` in one unit of work. Most orders are new, so the first attempt
    (``assume_new``) does not look the order up: the order's row and its earn break unique
    keys if it was recorded before (`WriteConflict`), and the caller tries again, looking."""
    with uow:
        repo, earning = uow.ledger(command.store_id), uow.earning(command.store_id)
        balances = repo.lock_customer(command.customer_id, create=True, reserve=assume_new)
        program = in_force(uow, command.store_id, _stamp(balances))
        found = None if assume_new else earning.get_order(command.order_id)
        if found is not None:
            if found.customer_id != command.customer_id or found.request_hash != digest:
                raise IdempotencyConflict(
                    f"order {command.order_id!r} was already recorded with other content"
                )
            if found.status == "cancelled" and command.status == "paid":
                raise Conflict(f"order {command.order_id!r} was cancelled")
            if found.status != "placed" or command.status == "placed":
                gave = giving.gave_on_order(uow, program, command.store_id, command.order_id)
                referral = referrals.of_order(uow, program, command.store_id, command.order_id)
                return replace(_order_result(found, replayed=True), gave=gave, referral=referral)
        else:
            _open_account(balances, command.customer_id)
            _check_currency(uow, command, program)
            notice_joined(
                uow, program, command.store_id, command.customer_id, _created(balances), now
            )

        def save_order(**values: Any) -> None:
            """A new order's row is written once, with what paying it decided (nothing refers
            to it before); an order recorded as placed earlier is updated."""
            if found is not None:
                earning.update_order(command.order_id, **values)
                return
            placed = OrderRecord(
                command.order_id, command.customer_id, "placed", command.placed_at, digest,
                None, None, 0, None,
            )  # fmt: skip
            earning.add_order(
                replace(placed, **values),
                json.loads(json.dumps(request, default=str)),
                channel=command.channel.value,
                currency=command.currency,
                now=now,
            )

        result = OrderResult(command.order_id, command.customer_id, "placed", 0, None, None, False)
        if command.status == "paid":
            result = _award_order(
                uow, repo, earning, program, command, order, now, balances, save_order, assume_new
            )
        else:
            save_order()
        uow.commit()
    return result


def _check_currency(uow: UnitOfWork, command: RecordOrder, program: Program | None) -> None:
    if program is not None:
        expected = program.currency
    else:
        store = uow.stores.get(command.store_id)
        if store is None:
            raise NotFound(f"store {command.store_id!r} does not exist")
        expected = store.currency
    if command.currency != expected:
        raise ValidationFailed("currency", f"this store keeps its books in {expected}")


def _award_order(
    uow: UnitOfWork,
    repo: LedgerRepository,
    earning: EarningRepository,
    program: Program | None,
    command: RecordOrder,
    order: Order,
    now: datetime,
    locked: Balances | None,
    save_order: Callable[..., None],
    fresh: bool,
) -> OrderResult:
    """Award a paid order. ``locked`` is what the customer's lock read at the start of this
    unit of work; nothing has written the customer's balances since, so the earn reuses it
    instead of reading them again. ``fresh``: the order is taken to be new, so its earn's
    key is not looked up either."""
    points, version, txn_id, basis = 0, None, None, None
    # A new order reads its tier window first, so counting it toward tiers can wait with the
    # order's other writes (and the rules' tier then costs no statement of its own).
    before = (
        tiers.measure_before(uow, program, command.store_id, command.customer_id, command.placed_at)
        if fresh
        else None
    )
    if program is not None:
        usage = earning.usage(command.customer_id, usage_needed(program, order))
        customer = customer_context(
            uow, command.store_id, command.customer_id, now, program, locked
        )
        evaluation = evaluate_order(program, order, customer=customer, usage=usage)
        version, basis = program.version, evaluation.basis
        available_at, expires_at = _validity(program, command.placed_at, now)
        if evaluation.total > 0:
            earn = Earn(
                command.store_id,
                command.customer_id,
                f"order:{command.order_id}:earn",
                evaluation.total,
                available_at=available_at,
                expires_at=expires_at,
                reason="order",
                reference=command.order_id,
                details=explained(evaluation),
                refers_to=(("order", command.order_id),),
            )
            receipt = ledger.earn_in(
                repo, earn, now, active_at=command.placed_at, locked=locked, fresh=fresh
            )
            txn_id, points = receipt.transaction_id, evaluation.total
            notice_milestone(
                uow, program, command.store_id, command.customer_id, _moved(receipt), now
            )
        earning.add_uses(
            command.customer_id,
            evaluation.uses(),
            is_action=False,
            source=f"order:{command.order_id}",
            program_version=program.version,
            used_at=command.placed_at,
        )
    if program is not None:
        spend = qualifying_spend(program, order)
        tiers.count_activity(
            uow,
            program,
            command.store_id,
            command.customer_id,
            QualifyingEvent.order(command.placed_at, spend=spend, points=points),
            f"order:{command.order_id}",
            before,
        )
        if program.games:  # the order path does no games work for a store without games
            games.unlock_after_order(
                uow, program, command.store_id, command.customer_id, command.order_id, spend, now
            )
        if program.achievements:
            available_at, expires_at = _validity(program, command.placed_at, now)
            moment = achievements.Moment(
                f"order:{command.order_id}", command.placed_at, available_at, expires_at
            )
            achievements.count_order(
                uow, program, command.store_id, command.customer_id, moment, spend, now
            )
    gave = giving.give_for_order(
        uow, program, command.store_id, command.customer_id, order, now, qualifying_spend
    )
    referral = None
    if program is not None and program.referrals is not None:  # nothing for other stores
        friend_order = referrals.FriendOrder(
            command.order_id, command.placed_at, qualifying_spend(program, order)
        )
        referral = referrals.after_paid_order(
            uow,
            program,
            command.store_id,
            command.customer_id,
            friend_order,
            command.referral_code,
            command.signals,
            now,
        )
    save_order(
        status="paid",
        program_version=version,
        basis=basis.to_record() if basis else None,
        points=points,
        earn_transaction_id=txn_id,
    )
    return OrderResult(
        command.order_id,
        command.customer_id,
        "paid",
        points,
        version,
        txn_id,
        False,
        gave,
        referral,
    )


def qualifying_spend(program: Program, order: Order) -> Decimal:
    """What an order counts toward spend tiers: what was paid for the kinds that earn."""
    counted = (line.paid for line in order.lines if counts_as_spend(program, line.kind, line.paid))
    return max(Decimal(0), sum(counted, Decimal(0)))


def _order_result(found: OrderRecord, *, replayed: bool) -> OrderResult:
    return OrderResult(
        found.id,
        found.customer_id,
        found.status,
        found.points,
        found.program_version,
        found.earn_transaction_id,
        replayed,
    )


def _stamp(balances: Balances | None) -> int | None:
    """The settings stamp the customer's lock read, if it found the customer."""
    return balances.settings_stamp if balances is not None else None


def _created(balances: Balances | None) -> bool:
    return balances is not None and balances.created


def _moved(receipt: ledger.Receipt) -> tuple[int, int]:
    return receipt.balance_before, receipt.balance_after


# --- refunds and cancellations ----------------------------------------------------------------


def _as_refund(record: RefundRecord) -> Refund:
    r = record.request
    lines = tuple(
        RefundedLine(x["line_id"], int(x.get("quantity", 0)), _dec(x.get("amount", "0")))
        for x in r.get("lines", ())
    )
    return Refund(record.id, lines, _dec(r.get("amount", "0")), bool(r.get("whole_order")))


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def record_refund(uow: UnitOfWork, clock: Clock, command: RecordRefund) -> RefundResult:
    """Take back points in proportion to the refunded value of eligible items."""
    request = json.loads(json.dumps(asdict(command), default=str))
    request.pop("store_id")
    refund = Refund(command.refund_id, command.lines, command.amount, command.whole_order)
    with uow:
        result = _refund_in(uow, clock.now(), command.store_id, command.order_id, refund, request)
        uow.commit()
    return result


def _refund_in(
    uow: UnitOfWork,
    now: datetime,
    store_id: str,
    order_id: str,
    refund: Refund,
    request: dict[str, Any],
) -> RefundResult:
    repo, earning = uow.ledger(store_id), uow.earning(store_id)
    placed_order = earning.placed_order(order_id)
    if placed_order is None:
        raise NotFound(f"order {order_id!r} does not exist in this store")
    found, placed = placed_order
    balances = repo.lock_customer(found.customer_id, create=False)
    digest = fingerprint(request)
    existing, earlier, ties = earning.refunds_and_ties(refund.refund_id, order_id)
    if existing is not None:
        if existing.request_hash != digest or existing.order_id != order_id:
            raise IdempotencyConflict(
                f"refund {refund.refund_id!r} was recorded with other content"
            )
        return RefundResult(
            existing.id,
            order_id,
            existing.points,
            existing.transaction_id,
            True,
            existing.points_returned,
            existing.points_forgiven,
        )
    if not request.get("cancel"):
        lines = [
            PlacedLine(x["line_id"], _dec(x["paid"]), int(x.get("quantity", 1)))
            for x in placed.get("lines", ())
        ]
        check_refundable(order_id, lines, [_as_refund(r) for r in earlier], refund)
    refunded = _refunded_money(placed, [*(r.request for r in earlier), request])
    value = sum((_dec(x["paid"]) for x in placed.get("lines", ())), Decimal(0))

    def give_back() -> int:
        return give_back_points_paid(
            uow, now, store_id, order_id, refund.refund_id, refunded, value, ties
        )

    program = in_force(uow, store_id, _stamp(balances))
    capped = program is not None and program.take_back is TakeBack.CAP_AT_BALANCE
    # Capped at the balance, points that paid for the order come back first: they are the
    # customer's again, so what they cover is taken back rather than forgiven.
    returned = give_back() if capped else 0
    # Nothing wrote the customer's balances since the lock read them unless points came back.
    locked = balances if returned == 0 else None
    points, forgiven, txn_id = _take_back(
        uow, now, store_id, found, refund, capped, earlier, locked
    )
    if not capped:
        returned = give_back()
    record = RefundRecord(
        refund.refund_id,
        order_id,
        len(earlier) + 1,
        request,
        digest,
        points,
        txn_id,
        returned,
        forgiven,
    )
    if ties.gifts:
        giving.take_back_for_refund(uow, now, store_id, order_id, refund.refund_id, refunded, value)
    # Stored with the refund, so a replay answers what this first call answered.
    earning.add_refund(record, now)
    _count_refund(uow, program, store_id, found, placed, earlier, record, refunded, now)
    if program is not None and program.games:  # no games work for a store without games
        _void_games(uow, program, store_id, now, found, placed, refund.refund_id, refunded)
    if program is not None and program.referrals is not None and found.status == "paid":
        left = _spend_left(program, placed, refunded)
        referrals.after_refund(uow, program, store_id, order_id, refund.refund_id, left, now)
    return RefundResult(refund.refund_id, order_id, points, txn_id, False, returned, forgiven)


def _take_back(
    uow: UnitOfWork,
    now: datetime,
    store_id: str,
    found: OrderRecord,
    refund: Refund,
    capped: bool,
    earlier: list[RefundRecord],
    locked: Balances | None = None,
) -> tuple[int, int, int | None]:
    """Take back what the refunded items earned: (points taken, points forgiven, entry).

    ``capped`` (``refunds: {take_back: cap_at_balance}``) takes back only what the customer
    still has, the order's own points and the spendable balance, and forgives the rest; by
    default a refund takes everything and the balance may go below zero, a debt. ``locked``:
    the refund's lock of the customer, when nothing wrote their balances since.
    """
    if found.basis is None:
        return 0, 0, None
    basis = OrderBasis.from_record(found.basis)
    due = take_back(basis, refund, earlier=[_as_refund(r) for r in earlier]).points
    earned = found.earn_transaction_id
    if due <= 0 or earned is None:
        return due, 0, None
    repo = uow.ledger(store_id)
    points = min(due, ledger.within_reach_in(repo, found.customer_id, earned)) if capped else due
    refers_to = [("refund", refund.refund_id), ("order", found.id)]
    if due > points:
        refers_to.append(("forgiven", str(due - points)))
    if points == 0:
        return 0, due, None
    reverse = Reverse(
        store_id,
        found.customer_id,
        f"refund:{refund.refund_id}",
        earned,
        points=points,
        reason="refund",
        refers_to=tuple(refers_to),
    )
    receipt = ledger.reverse_in(repo, reverse, now, locked=locked)
    return points, due - points, receipt.transaction_id


def _count_refund(
    uow: UnitOfWork,
    program: Program | None,
    store_id: str,
    found: OrderRecord,
    placed: dict[str, Any],
    earlier: list[RefundRecord],
    record: RefundRecord,
    refunded: Decimal,
    now: datetime,
) -> None:
    """A refund lowers what the order counted toward tiers and achievements (at the order's
    own moment, so it leaves the same window); the tier itself moves down only at the next
    review, and a badge already earned stays earned."""
    if program is None or found.status != "paid":
        return
    if program.tiers is None and not program.achievements:
        return
    spend, whole_order = _refund_share(program, placed, earlier, refunded)
    if program.tiers is not None:
        event = QualifyingEvent.refund(
            found.placed_at,
            spend=spend,
            points=record.points + record.points_forgiven,
            whole_order=whole_order,
        )
        tiers.count_activity(
            uow, program, store_id, found.customer_id, event, f"refund:{record.id}"
        )
    if program.achievements:
        achievements.take_back_for_refund(
            uow, program, store_id, found.customer_id, found.placed_at, spend, whole_order, now
        )


def _refund_share(
    program: Program, placed: dict[str, Any], earlier: list[RefundRecord], refunded: Decimal
) -> tuple[Decimal, bool]:
    """The counted spend this refund takes back (what all refunds so far took, less what the
    earlier ones did), and whether the order is now refunded whole."""
    total = _counted_spend(program, placed)
    before = min(_refunded_money(placed, [r.request for r in earlier]), total)
    return min(refunded, total) - before, refunded >= total


def _counted_spend(program: Program, placed: dict[str, Any]) -> Decimal:
    """What a recorded order counts as spend (its request's lines of the kinds that earn)."""
    return sum(
        (
            _dec(line["paid"])
            for line in placed.get("lines", ())
            if line.get("kind") in LINE_KINDS
            and counts_as_spend(program, LineKind(line["kind"]), _dec(line["paid"]))
        ),
        Decimal(0),
    )


def _void_games(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    now: datetime,
    found: OrderRecord,
    placed: dict[str, Any],
    refund_id: str,
    refunded: Decimal,
) -> None:
    """A refund that takes the order below a game's minimum voids the play it unlocked."""
    if found.status != "paid":
        return
    remaining = _spend_left(program, placed, refunded)
    games.void_after_refund(uow, program, store_id, found.id, refund_id, remaining, now)


def _spend_left(program: Program, placed: dict[str, Any], refunded: Decimal) -> Decimal:
    """What a recorded order still counts as spend after `refunded` of it came back."""
    spend = _counted_spend(program, placed)
    return max(Decimal(0), spend - refunded) if refunded.is_finite() else Decimal(0)


def _refunded_money(order: dict[str, Any], requests: list[dict[str, Any]]) -> Decimal:
    """Money refunded on an order so far: line amounts, units at their paid price, amounts.

    A whole-order refund or cancellation counts as everything.
    """
    lines = {line["line_id"]: line for line in order.get("lines", ())}
    total = Decimal(0)
    for request in requests:
        if request.get("whole_order"):
            return Decimal("Infinity")
        total += _dec(request.get("amount", "0"))
        for item in request.get("lines", ()):
            line = lines.get(item["line_id"])
            amount = _dec(item.get("amount", "0"))
            if not amount and line is not None and int(item.get("quantity", 0)):
                amount = _dec(line["paid"]) * int(item["quantity"]) / int(line["quantity"])
            total += amount
    return total


def cancel_order(uow: UnitOfWork, clock: Clock, command: CancelOrder) -> RefundResult:
    """Cancel: every point the order still holds goes back; a second cancel is a replay."""
    refund = Refund.everything(f"{command.order_id}:cancel")
    request = {"order_id": command.order_id, "whole_order": True, "cancel": True}
    with uow:
        result = _refund_in(uow, clock.now(), command.store_id, command.order_id, refund, request)
        uow.earning(command.store_id).update_order(command.order_id, status="cancelled")
        uow.commit()
    return result


# --- customer actions -------------------------------------------------------------------------


def record_event(uow: UnitOfWork, clock: Clock, command: RecordEvent) -> EventResult:
    """Award what a customer action earns under the program's rules and limits."""
    check_customer_id(command.customer_id)
    event = CustomerEvent(
        command.event_id,
        command.type,
        command.occurred_at,
        dict(command.properties),
        command.channel,
    )
    request = json.loads(json.dumps(asdict(command), default=str))
    digest = fingerprint(request)
    now = clock.now()
    _not_in_future(command.occurred_at, now, "occurred_at")
    return _assuming_new(
        lambda new: _record_event(uow, command, event, request, digest, now, assume_new=new)
    )


def _record_event(
    uow: UnitOfWork,
    command: RecordEvent,
    event: CustomerEvent,
    request: dict[str, Any],
    digest: str,
    now: datetime,
    *,
    assume_new: bool,
) -> EventResult:
    """`record_event` in one unit of work; ``assume_new`` as for `_record_order`."""
    with uow:
        repo, earning = uow.ledger(command.store_id), uow.earning(command.store_id)
        balances = repo.lock_customer(command.customer_id, create=True, reserve=assume_new)
        found = None if assume_new else earning.get_event(command.event_id)
        if found is None:
            _open_account(balances, command.customer_id)
        else:
            if found.request_hash != digest:
                raise IdempotencyConflict(
                    f"event {command.event_id!r} was already recorded with other content"
                )
            return EventResult(
                found.id,
                found.customer_id,
                found.points,
                found.program_version,
                found.transaction_id,
                True,
            )
        program = in_force(uow, command.store_id, _stamp(balances))
        notice_joined(uow, program, command.store_id, command.customer_id, _created(balances), now)
        points, txn_id, version = 0, None, None
        if program is not None:
            version = program.version
            usage = earning.usage(command.customer_id, usage_needed(program, event))
            customer = customer_context(
                uow, command.store_id, command.customer_id, now, program, balances
            )
            evaluation = evaluate_event(program, event, customer=customer, usage=usage)
            if evaluation.total > 0:
                earn = Earn(
                    command.store_id,
                    command.customer_id,
                    f"event:{command.event_id}",
                    evaluation.total,
                    expires_at=program.expiry.expires_at(command.occurred_at),
                    reason=command.type,
                    reference=command.event_id,
                    details=explained(evaluation),
                    refers_to=(("event", command.event_id),),
                )
                # nothing wrote the customer's balances since the lock above read them
                receipt = ledger.earn_in(
                    repo,
                    earn,
                    now,
                    active_at=command.occurred_at,
                    locked=balances,
                    fresh=assume_new,
                )
                txn_id, points = receipt.transaction_id, evaluation.total
                notice_milestone(
                    uow, program, command.store_id, command.customer_id, _moved(receipt), now
                )
            if program.games:
                games.unlock_after_event(
                    uow,
                    program,
                    command.store_id,
                    command.customer_id,
                    command.event_id,
                    command.type,
                    now,
                )
            if program.achievements:
                _count_event(uow, program, command, now)
            earning.add_uses(
                command.customer_id,
                evaluation.uses(),
                is_action=True,
                source=f"event:{command.event_id}",
                program_version=program.version,
                used_at=command.occurred_at,
            )
        record = EventRecord(
            command.event_id, command.customer_id, command.type, digest, points, txn_id, version
        )
        earning.add_event(record, command.occurred_at, request, now)
        uow.commit()
    return EventResult(command.event_id, command.customer_id, points, version, txn_id, False)


def _count_event(uow: UnitOfWork, program: Program, command: RecordEvent, now: datetime) -> None:
    """An action's progress toward achievements; their points expire as the action's own."""
    expires_at = program.expiry.expires_at(command.occurred_at)
    moment = achievements.Moment(f"event:{command.event_id}", command.occurred_at, None, expires_at)
    achievements.count_event(
        uow,
        program,
        command.store_id,
        command.customer_id,
        moment,
        command.type,
        dict(command.properties),
        now,
    )


# --- preview ----------------------------------------------------------------------------------


def preview(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    lines: tuple[OrderLine, ...],
    *,
    customer_id: str | None = None,
    channel: Channel | None = None,
    codes: frozenset[str] = frozenset(),
) -> tuple[Program, Evaluation]:
    """What a cart would earn now, for this customer if given; writes nothing."""
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        if program is None:
            raise NotFound("this store has no program yet")
        customer, usage = None, None
        if customer_id is not None:
            customer = customer_context(uow, store_id, customer_id, now, program)
            probe = Order("preview", now, program.currency, lines)
            usage = uow.earning(store_id).usage(customer_id, usage_needed(program, probe))
    kwargs: dict[str, Any] = {"as_of": now, "customer": customer, "codes": codes}
    if usage is not None:
        kwargs["usage"] = usage
    if channel is not None:
        kwargs["channel"] = channel
    return program, preview_cart(program, lines, **kwargs)


__all__ = [
    "EventResult",
    "OrderResult",
    "RefundResult",
    "cancel_order",
    "preview",
    "record_event",
    "record_order",
    "record_refund",
]

"""The ledger's rules, one small table each, on the pure domain core (no database).

Every case builds a customer's :class:`Book` from lots, asks `walaa.domain.ledger` for an
entry and applies it, then reads what is left in each lot and in each balance.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walaa.domain.errors import InsufficientPoints, ReversalExceedsOriginal, ValidationFailed
from walaa.domain.ledger import (
    NEW_LOT,
    Account,
    Allocation,
    Book,
    Entry,
    Kind,
    Lot,
    LotMove,
    Original,
    apply,
    capture,
    credit,
    expire,
    hold,
    mature,
    release,
    reverse,
    spend,
    within_reach,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PAST, FUTURE = NOW - DAY, NOW + DAY


def lot(
    lot_id: int,
    amount: int,
    remaining: int | None = None,
    *,
    pending: bool = False,
    expires: datetime | None = None,
    available_at: datetime | None = None,
    expired: int = 0,
) -> Lot:
    left = amount if remaining is None else remaining
    return Lot(lot_id, amount, left, pending, expires, available_at, expired)


def book(*lots: Lot, available: int | None = None, held: int = 0) -> Book:
    """A book whose balances agree with its lots, unless a (negative) balance is given."""
    spendable = sum(x.remaining for x in lots if not x.pending)
    waiting = sum(x.remaining for x in lots if x.pending)
    return Book(spendable if available is None else available, waiting, held, lots)


def left(b: Book) -> dict[int, int]:
    return {x.id: x.remaining for x in b.lots}


def earn(b: Book, points: int, **kw: datetime) -> Entry:
    return credit(b, points, kind=Kind.EARN, source=Account.ISSUED, as_of=NOW, **kw)


def earned(lot_id: int, amount: int, so_far: int = 0) -> Original:
    return Original(Kind.EARN, amount, so_far, Account.ISSUED, lot_id=lot_id)


def spent(amount: int, allocations: tuple[Allocation, ...], so_far: int = 0) -> Original:
    return Original(
        Kind.SPEND, amount, so_far, Account.REDEEMED, allocations=allocations, is_credit=False
    )


# -- spending: oldest lots first, never below zero, never from pending lots -------------------


@pytest.mark.parametrize(
    "lots, points, after",
    [
        pytest.param([lot(1, 100), lot(2, 100)], 30, {1: 70, 2: 100}, id="oldest-lot-first"),
        pytest.param([lot(1, 100), lot(2, 100)], 150, {1: 0, 2: 50}, id="then-the-next-oldest"),
        pytest.param(
            [lot(1, 100, 0), lot(2, 100, 40), lot(3, 100)],
            60,
            {1: 0, 2: 0, 3: 80},
            id="skips-lots-already-spent",
        ),
        pytest.param(
            [lot(1, 100, pending=True, available_at=FUTURE), lot(2, 50)],
            50,
            {1: 100, 2: 0},
            id="skips-pending-lots",
        ),
        pytest.param(
            [lot(1, 100), lot(2, 100, expires=FUTURE)],
            50,
            {1: 50, 2: 100},
            id="by-age-not-by-expiry-date",
        ),
    ],
)
def test_spending_takes_the_oldest_spendable_lots_first(lots, points, after):
    b = book(*lots)
    entry = spend(b, points)
    assert left(apply(b, entry)) == after
    assert entry.change(Account.AVAILABLE) == -points
    assert entry.change(Account.REDEEMED) == points


@pytest.mark.parametrize("debit", [spend, hold], ids=["spend", "hold"])
@pytest.mark.parametrize(
    "lots, points",
    [
        pytest.param([lot(1, 100, pending=True, available_at=FUTURE)], 1, id="a-pending-lot"),
        pytest.param([lot(1, 40), lot(2, 60, pending=True, available_at=FUTURE)], 41, id="mixed"),
        pytest.param([lot(1, 100)], 101, id="one-point-too-many"),
        pytest.param([], 1, id="an-empty-book"),
    ],
)
def test_a_debit_never_takes_more_than_is_spendable(debit, lots, points):
    with pytest.raises(InsufficientPoints):
        debit(book(*lots), points)


def test_a_customer_in_debt_cannot_spend():
    with pytest.raises(InsufficientPoints):
        spend(book(available=-20), 1)


# -- expiry: what is left in expired lots, nothing else ---------------------------------------


@pytest.mark.parametrize(
    "lots, expired, after",
    [
        pytest.param([lot(1, 100, 30, expires=PAST)], 30, {1: 0}, id="what-is-left"),
        pytest.param([lot(1, 100, expires=NOW)], 100, {1: 0}, id="on-its-date-exactly"),
        pytest.param([lot(1, 100, 0, expires=PAST)], 0, {1: 0}, id="never-spent-points"),
        pytest.param(
            [lot(1, 100, 30, expires=PAST), lot(2, 100, expires=FUTURE), lot(3, 50)],
            30,
            {1: 0, 2: 100, 3: 50},
            id="never-newer-lots",
        ),
        pytest.param(
            [lot(1, 100, 20), lot(2, 100, 70, expires=PAST)],
            70,
            {1: 20, 2: 0},
            id="never-older-lots-without-a-date",
        ),
    ],
)
def test_expiry_takes_only_what_is_left_in_expired_lots(lots, expired, after):
    b = book(*lots)
    entry = expire(b, NOW)
    if not expired:
        assert entry is None
        return
    assert entry is not None
    assert entry.change(Account.EXPIRED) == expired
    assert entry.change(Account.AVAILABLE) == -expired
    assert left(apply(b, entry)) == after


def test_a_pending_lot_past_its_date_expires_from_pending():
    b = book(lot(1, 100, pending=True, available_at=PAST - DAY, expires=PAST))
    entry = expire(b, NOW)
    assert entry is not None
    assert entry.change(Account.PENDING) == -100
    assert entry.change(Account.AVAILABLE) == 0


# -- maturing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "available_at, matures",
    [
        pytest.param(PAST, True, id="after-its-date"),
        pytest.param(NOW, True, id="on-its-date"),
        pytest.param(FUTURE, False, id="not-before-its-date"),
    ],
)
def test_a_pending_lot_becomes_spendable_on_its_date(available_at, matures):
    b = book(lot(1, 100, pending=True, available_at=available_at))
    entry = mature(b, NOW)
    if not matures:
        assert entry is None
        return
    assert entry is not None
    after = apply(b, entry)
    assert (after.available, after.pending) == (100, 0)
    assert spend(after, 100).lot_moves == (LotMove(1, -100),)


# -- reversal: debts, and never more than the original -----------------------------------------


def test_reversing_a_spent_earn_records_a_debt_that_the_next_earn_repays():
    b = book(lot(1, 100, 0))  # earned 100, spent them all
    in_debt = apply(b, reverse(b, earned(1, 100), 100))
    assert (in_debt.available, in_debt.debt) == (-100, 100)

    entry = earn(in_debt, 150)
    assert entry.lot_moves == (LotMove(NEW_LOT, -100),)  # the new lot keeps 50
    assert apply(in_debt, entry).available == 50


@pytest.mark.parametrize(
    "lots, points, available, after",
    [
        pytest.param([lot(1, 100)], 100, 0, {1: 0}, id="unspent-from-its-own-lot"),
        pytest.param([lot(1, 100, 40)], 100, -60, {1: 0}, id="the-spent-part-is-a-debt"),
        pytest.param([lot(1, 100, 40)], 30, 10, {1: 10}, id="a-part-from-its-own-lot"),
        pytest.param(
            [lot(1, 100, 0), lot(2, 30), lot(3, 50)],
            100,
            -20,
            {1: 0, 2: 0, 3: 0},
            id="other-lots-before-a-debt",
        ),
        pytest.param(
            [lot(1, 100, 0, expires=PAST, expired=100)],
            100,
            0,
            {1: 0},
            id="an-expired-part-is-not-charged-again",
        ),
    ],
)
def test_reversing_an_earn_takes_back_what_it_can_and_records_the_rest_as_debt(
    lots, points, available, after
):
    b = book(*lots)
    entry = reverse(b, earned(1, 100), points)
    result = apply(b, entry)
    assert result.available == available
    assert left(result) == after
    assert entry.change(Account.REVERSED) == points


def test_matured_points_repay_a_debt_before_they_become_spendable():
    b = book(lot(1, 80, pending=True, available_at=PAST), available=-50)
    entry = mature(b, NOW)
    assert entry is not None
    after = apply(b, entry)
    assert (after.available, after.pending, left(after)) == (30, 0, {1: 30})


@pytest.mark.parametrize(
    "original",
    [
        pytest.param(earned(1, 100, so_far=70), id="an-earn"),
        pytest.param(spent(100, (Allocation(1, 30),), so_far=70), id="a-spend"),
    ],
)
@pytest.mark.parametrize(
    "points, allowed",
    [
        pytest.param(30, True, id="exactly-what-is-left"),
        pytest.param(31, False, id="one-point-more"),
        pytest.param(1000, False, id="far-more"),
    ],
)
def test_partial_reversals_never_exceed_the_original(original, points, allowed):
    b = book(lot(1, 100, 70))
    if allowed:
        assert reverse(b, original, points).amount == points
    else:
        with pytest.raises(ReversalExceedsOriginal):
            reverse(b, original, points)


def test_a_series_of_partial_reversals_stops_at_the_original_amount():
    b = book(lot(1, 100))
    so_far = 0
    for part in (40, 35, 25):
        b = apply(b, reverse(b, earned(1, 100, so_far), part))
        so_far += part
    assert (b.available, left(b)) == (0, {1: 0})
    with pytest.raises(ReversalExceedsOriginal):
        reverse(b, earned(1, 100, so_far), 1)


@pytest.mark.parametrize("points", [0, -5], ids=["zero", "negative"])
def test_a_reversal_of_no_points_is_refused(points):
    with pytest.raises(ValidationFailed):
        reverse(book(lot(1, 100)), earned(1, 100), points)


@pytest.mark.parametrize("kind", [Kind.HOLD, Kind.RELEASE, Kind.EXPIRE, Kind.REVERSAL])
def test_only_earns_adjustments_spends_and_captures_can_be_reversed(kind):
    original = Original(kind, 100, 0, Account.HELD, lot_id=1)
    with pytest.raises(ValidationFailed):
        reverse(book(lot(1, 100)), original, 10)


# -- giving points back: to the lots they came from ------------------------------------------


def test_release_returns_points_to_the_lots_they_came_from():
    b = book(lot(1, 50), lot(2, 100), lot(3, 100))
    held = apply(b, hold(b, 120))
    assert (held.available, held.held, left(held)) == (130, 120, {1: 0, 2: 30, 3: 100})

    released = apply(held, release(held, 120, (Allocation(1, 50), Allocation(2, 70))))
    assert left(released) == left(b)
    assert (released.available, released.held) == (250, 0)


def test_capture_binds_held_points_without_touching_lots():
    b = book(lot(1, 100))
    held = apply(b, hold(b, 60))
    entry = capture(60)
    captured = apply(held, entry)
    assert entry.lot_moves == ()
    assert (captured.available, captured.held, left(captured)) == (40, 0, {1: 40})
    assert entry.change(Account.REDEEMED) == 60


@pytest.mark.parametrize(
    "lots, available, points, after",
    [
        pytest.param(
            [lot(1, 50, 0), lot(2, 100, 30)], 30, 60, {1: 0, 2: 90}, id="newest-lot-first"
        ),
        pytest.param(
            [lot(1, 50, 0), lot(2, 100, 30)], 30, 90, {1: 20, 2: 100}, id="then-older-lots"
        ),
        pytest.param(
            [lot(1, 50, 0, expires=PAST), lot(2, 100, 30)],
            30,
            120,
            {1: 50, 2: 100},
            id="even-to-a-lot-past-its-date",
        ),
        pytest.param(
            [lot(1, 50, 0), lot(2, 100, 0)], -30, 120, {1: 20, 2: 70}, id="repaying-a-debt-first"
        ),
    ],
)
def test_a_reversed_spend_gives_points_back_to_the_lots_it_took_them_from(
    lots, available, points, after
):
    b = book(*lots, available=available)
    original = spent(120, (Allocation(1, 50), Allocation(2, 70)))
    result = apply(b, reverse(b, original, points))
    assert left(result) == after
    assert result.available == available + points


# -- what a reversal can take back without a debt (refunds capped at the balance) -------------


@pytest.mark.parametrize(
    "lots, reach",
    [
        pytest.param((lot(1, 100, 20),), 20, id="the-rest-of-its-own-lot"),
        pytest.param((lot(1, 100, 20, pending=True),), 20, id="its-own-pending-points"),
        pytest.param((lot(1, 100, 0, expired=30),), 30, id="its-own-expired-part"),
        pytest.param((lot(1, 100, 0), lot(2, 50), lot(3, 40, pending=True)), 50, id="others"),
        pytest.param((lot(1, 100), lot(2, 50)), 100, id="never-more-than-outstanding"),
    ],
)
def test_a_reversal_reaches_its_own_lot_and_the_spendable_balance_without_a_debt(lots, reach):
    b = book(*lots)
    assert within_reach(b, earned(1, 100)) == reach
    after = apply(b, reverse(b, earned(1, 100), reach))
    assert after.available >= 0


def test_a_reversed_spend_is_all_in_reach_since_it_gives_points_back():
    assert within_reach(book(lot(1, 100, 0)), spent(60, (Allocation(1, 60),), so_far=10)) == 50

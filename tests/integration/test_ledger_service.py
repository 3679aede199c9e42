"""The ledger through its handlers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.builders import audit, balances, give, key, take, transaction_count
from walaa.domain.errors import (
    HoldAlreadyResolved,
    IdempotencyConflict,
    InsufficientPoints,
    NotFound,
    ReversalExceedsOriginal,
    ValidationFailed,
)
from walaa.service.commands import (
    Adjust,
    CaptureHold,
    Earn,
    PlaceHold,
    ReleaseHold,
    Reverse,
    Spend,
)
from walaa.service.handlers import ledger as h
from walaa.service.handlers.stores import create_store


def test_a_replayed_earn_returns_the_first_receipt_and_writes_nothing(app, clock, store):
    command = Earn(store.id, "amal", "order:1001:earn", 120)
    first = h.earn(app.uow(), clock, command)
    before = transaction_count(app, store.id)
    again = h.earn(app.uow(), clock, command)
    assert again.replayed and not first.replayed
    assert again.transaction_id == first.transaction_id
    assert transaction_count(app, store.id) == before
    assert balances(app, store.id, "amal").available == 120


def test_a_reused_key_with_another_request_is_refused(app, clock, store):
    h.earn(app.uow(), clock, Earn(store.id, "amal", "order:1001:earn", 120))
    with pytest.raises(IdempotencyConflict):
        h.earn(app.uow(), clock, Earn(store.id, "amal", "order:1001:earn", 999))
    assert balances(app, store.id, "amal").available == 120


def test_keys_are_unique_per_store_not_across_stores(app, clock, store):
    other = create_store(app.uow(), clock, "Bouncy Shoes", "GBP", "Europe/London")
    h.earn(app.uow(), clock, Earn(store.id, "amal", "order:1", 10))
    receipt = h.earn(app.uow(), clock, Earn(other.id, "amal", "order:1", 40))
    assert not receipt.replayed
    assert balances(app, other.id, "amal").available == 40
    assert balances(app, store.id, "amal").available == 10


def test_spending_more_than_available_is_refused_and_writes_nothing(app, clock, store):
    give(app, clock, store.id, "amal", 50)
    before = transaction_count(app, store.id)
    with pytest.raises(InsufficientPoints):
        take(app, clock, store.id, "amal", 51)
    assert transaction_count(app, store.id) == before


def test_spending_from_an_unknown_customer_is_not_found(app, clock, store):
    with pytest.raises(NotFound):
        take(app, clock, store.id, "nobody", 1)


def test_earning_in_an_unknown_store_is_not_found(app, clock):
    with pytest.raises(NotFound):
        h.earn(app.uow(), clock, Earn("st_missing", "amal", "k", 5))


def test_pending_points_cannot_be_spent_until_they_mature(app, clock, store):
    give(app, clock, store.id, "amal", 80, available_at=clock.now() + timedelta(days=14))
    assert balances(app, store.id, "amal").pending == 80
    with pytest.raises(InsufficientPoints):
        take(app, clock, store.id, "amal", 1)
    clock.current += timedelta(days=14)
    h.run_due(app.uow(), store.id, clock.now())
    assert balances(app, store.id, "amal").available == 80
    take(app, clock, store.id, "amal", 80)
    assert audit(app, store.id).ok


def test_expiry_takes_only_what_is_left_in_expired_lots(app, clock, store):
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + timedelta(days=30))
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + timedelta(days=90))
    take(app, clock, store.id, "amal", 70)  # from the oldest lot
    clock.current += timedelta(days=31)
    h.run_due(app.uow(), store.id, clock.now())
    assert balances(app, store.id, "amal").available == 100
    report = audit(app, store.id)
    assert report.ok and report.totals["expired"] == 30


def test_a_hold_captures_once_and_cannot_then_be_released(app, clock, store):
    give(app, clock, store.id, "amal", 300)
    hold = h.place_hold(app.uow(), clock, PlaceHold(store.id, "amal", key(), 200))
    assert balances(app, store.id, "amal").held == 200
    assert hold.hold_id is not None
    h.capture_hold(app.uow(), clock, CaptureHold(store.id, "amal", key(), hold.hold_id))
    with pytest.raises(HoldAlreadyResolved):
        h.release_hold(app.uow(), clock, ReleaseHold(store.id, "amal", key(), hold.hold_id))
    b = balances(app, store.id, "amal")
    assert (b.available, b.held) == (100, 0)
    assert audit(app, store.id).totals["redeemed"] == 200


def test_a_hold_past_its_timeout_releases_itself(app, clock, store):
    give(app, clock, store.id, "amal", 300)
    h.place_hold(
        app.uow(), clock, PlaceHold(store.id, "amal", key(), 250, ttl=timedelta(minutes=10))
    )
    clock.current += timedelta(minutes=9)
    assert h.release_expired_holds(app.uow(), clock, store.id) == 0
    clock.current += timedelta(minutes=2)
    assert h.release_expired_holds(app.uow(), clock, store.id) == 1
    assert h.release_expired_holds(app.uow(), clock, store.id) == 0
    b = balances(app, store.id, "amal")
    assert (b.available, b.held) == (300, 0)
    assert audit(app, store.id).ok


def test_a_hold_of_another_customer_is_not_found(app, clock, store):
    give(app, clock, store.id, "amal", 300)
    give(app, clock, store.id, "badr", 300)
    hold = h.place_hold(app.uow(), clock, PlaceHold(store.id, "amal", key(), 100))
    assert hold.hold_id is not None
    with pytest.raises(NotFound):
        h.capture_hold(app.uow(), clock, CaptureHold(store.id, "badr", key(), hold.hold_id))


def test_reversing_spent_points_records_a_debt_the_next_earning_repays(app, clock, store):
    order = give(app, clock, store.id, "amal", 100)
    take(app, clock, store.id, "amal", 90)
    h.reverse(app.uow(), clock, Reverse(store.id, "amal", key(), order.transaction_id))
    assert balances(app, store.id, "amal").available == -90
    assert audit(app, store.id).ok
    give(app, clock, store.id, "amal", 150)
    assert balances(app, store.id, "amal").available == 60
    take(app, clock, store.id, "amal", 60)
    assert audit(app, store.id).ok


def test_partial_reversals_never_exceed_the_original(app, clock, store):
    order = give(app, clock, store.id, "amal", 100)
    rev = lambda n: Reverse(store.id, "amal", key(), order.transaction_id, points=n)  # noqa: E731
    h.reverse(app.uow(), clock, rev(40))
    h.reverse(app.uow(), clock, rev(60))
    with pytest.raises(ReversalExceedsOriginal):
        h.reverse(app.uow(), clock, rev(1))
    assert balances(app, store.id, "amal").available == 0
    assert audit(app, store.id).totals["reversed"] == 100


def test_reversing_a_spend_gives_points_back_to_their_lots(app, clock, store):
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + timedelta(days=10))
    spent = take(app, clock, store.id, "amal", 100)
    h.reverse(app.uow(), clock, Reverse(store.id, "amal", key(), spent.transaction_id))
    assert balances(app, store.id, "amal").available == 100
    clock.current += timedelta(days=11)
    h.run_due(app.uow(), store.id, clock.now())  # given back with their original expiry
    assert balances(app, store.id, "amal").available == 0
    assert audit(app, store.id).ok


def test_an_adjustment_needs_a_reason_and_cannot_overdraw(app, clock, store):
    with pytest.raises(ValidationFailed):
        h.adjust(app.uow(), clock, Adjust(store.id, "amal", key(), 50, reason="  "))
    h.adjust(app.uow(), clock, Adjust(store.id, "amal", key(), 50, reason="goodwill"))
    with pytest.raises(InsufficientPoints):
        h.adjust(app.uow(), clock, Adjust(store.id, "amal", key(), -51, reason="correction"))
    h.adjust(app.uow(), clock, Adjust(store.id, "amal", key(), -50, reason="correction"))
    assert audit(app, store.id).totals["adjustments"] == 0


@pytest.mark.parametrize("points", [0, -5, 1.5, True])
def test_points_must_be_a_positive_whole_number(app, clock, store, points):
    with pytest.raises(ValidationFailed):
        h.earn(app.uow(), clock, Earn(store.id, "amal", key(), points))
    with pytest.raises((ValidationFailed, NotFound)):
        h.spend(app.uow(), clock, Spend(store.id, "amal", key(), points))

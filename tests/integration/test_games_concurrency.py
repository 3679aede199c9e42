"""Plays under concurrent requests, and replays by key, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import yaml

from tests.builders import audit
from tests.integration.test_concurrency import run_together
from walaa.domain.earning import OrderLine
from walaa.domain.errors import IdempotencyConflict
from walaa.domain.games import NoPlayAvailable
from walaa.service.commands import RecordOrder
from walaa.service.handlers.earning import record_order
from walaa.service.handlers.game_fairness import rotate_seed, verify_game
from walaa.service.handlers.games import PlayResult, play
from walaa.service.handlers.program import apply_program

PLACED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NAME = {"en": "Prize", "ar": "جائزة"}
PROGRAM = {
    "points_name": {"en": "Flex", "ar": "فلكس"},
    "currency": "USD",
    "timezone": "Asia/Riyadh",
    "earn_rate": {"points": 1, "per": 1},
    "point_value": {"points": 100, "worth": 1},
    "games": [
        {
            "id": "wheel",
            "kind": "wheel",
            "name": {"en": "Spin the wheel", "ar": "عجلة الحظ"},
            "unlock": {"order_min_amount": 50},
            "prizes": [
                {"id": "ten", "name": NAME, "points": 10, "weight": 1, "stock": 3},
                {"id": "none", "name": NAME, "weight": 1},
            ],
        }
    ],
}


def orders(app, clock, store, customers: list[str]) -> None:
    apply_program(app.uow(), clock, store.id, yaml.safe_dump(PROGRAM, allow_unicode=True))
    for n, customer in enumerate(customers):
        line = OrderLine("l1", Decimal("60.00"))
        command = RecordOrder(store.id, customer, f"o-{n}", PLACED, "USD", (line,))
        record_order(app.uow(), clock, command)


def test_ten_concurrent_plays_of_one_unlock_play_it_once(app, clock, store):
    orders(app, clock, store, ["amal"])
    results = run_together(
        10, lambda i: play(app.uow(), clock, store.id, "amal", "wheel", key=f"k{i}")
    )
    played = [x for x in results if isinstance(x, PlayResult)]
    refused = [x for x in results if isinstance(x, NoPlayAvailable)]
    assert len(played) == 1 and len(refused) == 9, results
    winner = next(i for i, x in enumerate(results) if isinstance(x, PlayResult))
    again = play(app.uow(), clock, store.id, "amal", "wheel", key=f"k{winner}")
    assert again.replayed and again.play.id == played[0].play.id


def test_a_key_replays_the_first_play_without_using_another_unlock(app, clock, store):
    orders(app, clock, store, ["amal", "amal", "badr"])
    first = play(app.uow(), clock, store.id, "amal", "wheel", key="same")
    again = play(app.uow(), clock, store.id, "amal", "wheel", key="same")
    assert again.replayed and again.play.id == first.play.id and again.plays_left == 1
    other = play(app.uow(), clock, store.id, "amal", "wheel", key="other")
    assert other.play.nonce == first.play.nonce + 1 and not other.replayed
    with pytest.raises(IdempotencyConflict):
        play(app.uow(), clock, store.id, "badr", "wheel", key="same")


def test_concurrent_plays_of_many_customers_keep_nonces_unique_and_stock_exact(app, clock, store):
    customers = [f"c{i}" for i in range(16)]
    orders(app, clock, store, customers)
    results = run_together(
        16, lambda i: play(app.uow(), clock, store.id, customers[i], "wheel", key=f"k{i}")
    )
    plays = [x.play for x in results if isinstance(x, PlayResult)]
    assert len(plays) == 16, results
    assert sorted(p.nonce for p in plays) == list(range(1, 17))
    assert sum(p.outcome == "won" for p in plays) <= 3  # the prize's stock
    rotate_seed(app.uow(), clock, store.id, "wheel")
    report = verify_game(app.uow(), store.id, "wheel")
    assert report.ok and report.checked == 16
    assert audit(app, store.id).ok

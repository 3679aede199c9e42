"""Concurrent requests against one balance: never overspent, never paid twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.builders import audit, balances, give, key
from walaa.domain.errors import HoldAlreadyResolved, InsufficientPoints
from walaa.service.commands import CaptureHold, Earn, PlaceHold, ReleaseHold, Spend
from walaa.service.handlers import ledger as h

THREADS = 60


def run_together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Start n threads at the same instant; collect each one's result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_spends_never_overdraw_one_balance(app, clock, store):
    give(app, clock, store.id, "amal", 300)
    results = run_together(
        THREADS, lambda i: h.spend(app.uow(), clock, Spend(store.id, "amal", f"spend-{i}", 10))
    )
    spent = [r for r in results if isinstance(r, h.Receipt)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert len(spent) + len(refused) == THREADS, [r for r in results if isinstance(r, Exception)]
    assert sum(r.amount for r in spent) == 300
    assert balances(app, store.id, "amal").available == 0
    assert audit(app, store.id).ok


def test_concurrent_retries_of_one_request_pay_once(app, clock, store):
    command = Earn(store.id, "amal", "order:77:earn", 500)
    results = run_together(THREADS, lambda _i: h.earn(app.uow(), clock, command))
    receipts = [r for r in results if isinstance(r, h.Receipt)]
    assert len(receipts) == THREADS, [r for r in results if isinstance(r, Exception)]
    assert len({r.transaction_id for r in receipts}) == 1
    assert sum(not r.replayed for r in receipts) == 1
    assert balances(app, store.id, "amal").available == 500
    assert audit(app, store.id).ok


def test_a_hold_raced_by_captures_and_releases_resolves_once(app, clock, store):
    give(app, clock, store.id, "amal", 100)
    hold = h.place_hold(app.uow(), clock, PlaceHold(store.id, "amal", key(), 100))
    assert hold.hold_id is not None
    hold_id = hold.hold_id

    def settle(i: int) -> Any:
        if i % 2:
            return h.capture_hold(app.uow(), clock, CaptureHold(store.id, "amal", f"c{i}", hold_id))
        return h.release_hold(app.uow(), clock, ReleaseHold(store.id, "amal", f"r{i}", hold_id))

    results = run_together(20, settle)
    assert sum(isinstance(r, h.Receipt) for r in results) == 1
    assert sum(isinstance(r, HoldAlreadyResolved) for r in results) == 19
    assert balances(app, store.id, "amal").held == 0
    assert audit(app, store.id).ok

"""Test clocks under concurrent moves: forward only, whoever commits first."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.test_concurrency import run_together
from walaa.domain.errors import ValidationFailed
from walaa.service.handlers.stores import advance_test_clock, clock_for, create_store


def test_racing_advances_leave_the_clock_at_the_latest_time(app, clock):
    store = create_store(app.uow(), clock, "Sandbox Skincare", "USD", "UTC", "test")
    targets = [clock.now() + timedelta(days=30 * (i + 1)) for i in range(8)]
    results = run_together(
        len(targets), lambda i: advance_test_clock(app.uow(), clock, store.id, targets[i])
    )
    # each move either happened or was refused for coming too late: never an error of ours
    assert all(not isinstance(r, Exception) or isinstance(r, ValidationFailed) for r in results)
    assert any(not isinstance(r, Exception) for r in results)
    assert clock_for(app.uow(), clock, store.id).now() == max(targets)

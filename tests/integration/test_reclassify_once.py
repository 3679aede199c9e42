"""A credit's expired points are reclassified once, however many reversals follow."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import audit, balances
from walaa.service.commands import Adjust, Earn, Reverse, Spend
from walaa.service.handlers import ledger as h


def test_expired_points_move_to_reversed_only_once(app, clock, store):
    s = store.id
    earn = h.earn(
        app.uow(), clock, Earn(s, "amal", "e1", 2, expires_at=clock.now() + timedelta(hours=1))
    )
    h.adjust(app.uow(), clock, Adjust(s, "amal", "a1", 1, "goodwill"))
    h.spend(app.uow(), clock, Spend(s, "amal", "s1", 1))  # takes 1 from e1's lot
    clock.current += timedelta(days=1)
    h.expire_points(app.uow(), s, "amal", clock.now())  # expires the 1 left in e1
    h.reverse(app.uow(), clock, Reverse(s, "amal", "r1", earn.transaction_id, 1))
    h.reverse(app.uow(), clock, Reverse(s, "amal", "r2", earn.transaction_id, 1))
    report = audit(app, s)
    assert report.ok
    assert report.totals["expired"] == 0
    assert balances(app, s, "amal").available == 0

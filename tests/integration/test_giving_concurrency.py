"""Orders of one customer arriving at once share the monthly giving cap exactly."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.test_concurrency import run_together
from walaa.demo import PROGRAM
from walaa.domain.earning import OrderLine
from walaa.domain.giving import Cause
from walaa.service.commands import RecordOrder
from walaa.service.handlers import earning, giving
from walaa.service.handlers.program import apply_program

GIVING = "\ngiving: {rate: {give: 5, per: 100}, caps: {per_month: 30}}\n"
ORDERS = 12


def test_concurrent_orders_never_give_past_the_monthly_cap(app, clock, store):
    cause = Cause("trees", {"en": "Plant trees", "ar": "ازرع الأشجار"}, default=True)
    giving.save_cause(app.uow(), clock, store.id, cause)
    apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8") + GIVING)
    line = OrderLine("l1", Decimal("200.00"), 1, categories=frozenset({"mask"}))

    def place(i: int) -> earning.OrderResult:
        command = RecordOrder(store.id, "amal", f"o-{i}", clock.now(), "USD", (line,))
        return earning.record_order(app.uow(), clock, command)

    results = run_together(ORDERS, place)
    answered = [r for r in results if isinstance(r, earning.OrderResult)]
    assert len(answered) == ORDERS, [r for r in results if isinstance(r, Exception)]
    # each order would give 10.00; the month's 30.00 is shared out exactly once
    amounts = sorted(g.amount for r in answered for g in r.gave)
    assert amounts == [1000, 1000, 1000]
    start, end = clock.now().date(), clock.now().date()
    assert giving.report(app.uow(), store.id, start, end).total == 3000

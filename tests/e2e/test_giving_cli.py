"""`walaa giving report`, run as a merchant's operator runs it to pay causes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.e2e.test_cli import walaa
from walaa.bootstrap import FixedClock, build
from walaa.demo import PROGRAM
from walaa.domain.earning import OrderLine
from walaa.domain.giving import Cause
from walaa.service.commands import CancelOrder, RecordOrder
from walaa.service.handlers import earning, giving
from walaa.service.handlers.program import apply_program

GIVING = "\ngiving: {rate: {give: 5, per: 100}, granularity: pro_rata}\n"


def test_the_report_prints_what_each_cause_is_owed(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    store_id = walaa("stores", "create", "Dewy", "--timezone", "Asia/Riyadh", url=url)[1].strip()
    app = build(url)
    clock = FixedClock(datetime(2026, 3, 10, 9, tzinfo=UTC))
    cause = Cause("trees", {"en": "Plant trees", "ar": "ازرع الأشجار"}, default=True)
    giving.save_cause(app.uow(), clock, store_id, cause)
    apply_program(app.uow(), clock, store_id, PROGRAM.read_text(encoding="utf-8") + GIVING)
    for order_id, paid in (("o-1", "300.00"), ("o-2", "41.00")):
        line = OrderLine("l1", Decimal(paid), 1, categories=frozenset({"mask"}))
        command = RecordOrder(store_id, "amal", order_id, clock.now(), "USD", (line,))
        earning.record_order(app.uow(), clock, command)
    earning.cancel_order(app.uow(), clock, CancelOrder(store_id, "o-2"))
    app.engine.dispose()
    args = ("giving", "report", "--store", store_id, "--from", "2026-03-01", "--to", "2026-03-31")
    code, out = walaa(*args, url=url)
    assert code == 0, out
    # 15.00 from the first order; the second gave 2.05 and its cancellation took it back
    assert "Plant trees" in out and "17.05" in out and "-2.05" in out
    assert "total owed 2026-03-01 to 2026-03-31: 15.00 USD" in out
    code, out = walaa(*args[:-4], "--from", "2026-04-01", "--to", "2026-04-30", url=url)
    assert code == 0 and "0.00 USD" in out
    code, out = walaa(*args, "--cause", "nowhere", url=url)
    assert code == 2 and "does not exist" in out

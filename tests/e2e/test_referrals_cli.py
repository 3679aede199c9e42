"""`walaa referrals`: the review queue with why each referral is held, a decision from the
command line, and the report of advocates and the friends' revenue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.e2e.test_cli import walaa
from walaa.bootstrap import App, FixedClock, build
from walaa.demo import PROGRAM
from walaa.domain.customers import Profile
from walaa.domain.earning import OrderLine
from walaa.service.commands import RecordOrder, ReferralSignals
from walaa.service.handlers import earning
from walaa.service.handlers import referrals as rf
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.program import apply_program

REFERRALS = """
referrals:
  name: {en: Refer a friend, ar: أحِل صديقاً}
  advocate: {points: 500}
  friend: {points: 200}
"""


def amals_shop(tmp_path: Path) -> tuple[str, str, App, FixedClock, str]:
    """A store made with the command line, its referral program, and Amal's code."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    store_id = walaa("stores", "create", "Dewy", "--timezone", "Asia/Riyadh", url=url)[1].strip()
    app = build(url)
    clock = FixedClock(datetime(2026, 3, 10, 9, tzinfo=UTC))
    apply_program(app.uow(), clock, store_id, PROGRAM.read_text(encoding="utf-8") + REFERRALS)
    upsert_customer(app.uow(), clock, store_id, "amal", Profile(name="Amal Hassan"))
    code = rf.referral_of(app.uow(), clock, store_id, "amal").code
    return url, store_id, app, clock, code


def test_the_queue_a_decision_and_the_report(tmp_path: Path):
    url, store_id, app, clock, code = amals_shop(tmp_path)
    held = rf.refer(app.uow(), clock, store_id, "amal-2", code, ReferralSignals(name="Amal Hasan"))
    rf.refer(app.uow(), clock, store_id, "noor", code, ReferralSignals())
    line = OrderLine("l1", Decimal("80.00"), 1, categories=frozenset({"mask"}))
    for friend in ("noor", "amal-2"):
        command = RecordOrder(store_id, friend, f"o-{friend}", clock.now(), "USD", (line,))
        earning.record_order(app.uow(), clock, command)
    app.engine.dispose()

    code_, out = walaa("referrals", "queue", "--store", store_id, url=url)
    assert code_ == 0, out
    assert held.referral.id in out and "similarity" in out and "1 held referral" in out
    code_, out = walaa("referrals", "queue", "--store", store_id, "--locale", "ar", url=url)
    assert "تشابه" in out
    args = ("--store", store_id, "--approve", "--staff", "layla", "--reason", "sisters")
    code_, out = walaa("referrals", "decide", held.referral.id, *args, url=url)
    assert code_ == 0 and f"{held.referral.id}: approved" in out
    code_, out = walaa("referrals", "queue", "--store", store_id, url=url)
    assert "0 held referrals" in out
    code_, out = walaa("referrals", "report", "--store", store_id, url=url)
    assert code_ == 0, out
    assert "amal" in out and "referral revenue: 160.00 USD from 2 friends' orders" in out
    code_, out = walaa("referrals", "decide", "rf_0000", *args, url=url)
    assert code_ == 2 and "does not exist" in out


def test_the_queue_lists_held_referrals_oldest_first(tmp_path: Path):
    url, store_id, app, clock, code = amals_shop(tmp_path)
    made = []
    for n in range(6):  # ids are random: six in the order made are almost never sorted by id
        signals = ReferralSignals(name="Amal Hasan")
        made.append(rf.refer(app.uow(), clock, store_id, f"amal-{n}", code, signals).referral.id)
        clock.current += timedelta(minutes=1)
    app.engine.dispose()
    code_, out = walaa("referrals", "queue", "--store", store_id, url=url)
    assert code_ == 0, out
    assert sorted(made, key=out.index) == made and "6 held referrals" in out

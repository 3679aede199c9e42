"""Referrals under racing requests, on PostgreSQL with real threads: one friend order reported
many times at once, and many advocates claiming one friend at once, reward exactly one
advocate exactly once, and the friend once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.builders import audit
from tests.integration.test_concurrency import run_together
from walaa.adapters.db import tables as t
from walaa.bootstrap import App
from walaa.demo import PROGRAM
from walaa.domain.customers import Profile
from walaa.domain.earning import OrderLine
from walaa.service.commands import RecordOrder, ReferralSignals
from walaa.service.handlers import earning
from walaa.service.handlers import referrals as rf
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.program import apply_program

THREADS = 16
REFERRALS = """
referrals:
  name: {en: Refer a friend, ar: أحِل صديقاً}
  advocate: {points: 500}
  friend: {points: 200}
  fraud: {velocity: null}
"""


@pytest.fixture
def app(app: App):
    if app.engine.dialect.name != "postgresql":
        pytest.skip("races need PostgreSQL's row locks; SQLite runs one writer at a time")
    return app


def referral_rewards(app: App, store_id: str, side: str) -> list[str]:
    """The customers paid a referral's reward on `side` (advocate or friend), one per entry."""
    x = t.ledger_transactions
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(x.c.customer_id).where(
                x.c.store_id == store_id, x.c.idempotency_key.like(f"referral:%:{side}")
            )
        ).all()
    return [row.customer_id for row in rows]


def live_referrals(app: App, store_id: str) -> int:
    r = t.referrals
    with app.engine.connect() as conn:
        found = conn.execute(
            select(func.count()).where(r.c.store_id == store_id, r.c.status != "rejected")
        ).scalar()
    return int(found or 0)


def advocate(app: App, clock, store_id: str, customer_id: str) -> str:
    upsert_customer(app.uow(), clock, store_id, customer_id, Profile())
    return rf.referral_of(app.uow(), clock, store_id, customer_id).code


def test_one_friend_order_reported_at_once_rewards_once(app, clock, store):
    apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8") + REFERRALS)
    code = advocate(app, clock, store.id, "amal")
    line = OrderLine("l1", Decimal("80.00"), 1, categories=frozenset({"mask"}))
    command = RecordOrder(store.id, "noor", "o-1", clock.now(), "USD", (line,), referral_code=code)

    results = run_together(THREADS, lambda _: earning.record_order(app.uow(), clock, command))
    answered = [r for r in results if isinstance(r, earning.OrderResult)]
    assert len(answered) == THREADS, [r for r in results if isinstance(r, Exception)]
    assert sum(not r.replayed for r in answered) == 1
    assert referral_rewards(app, store.id, "advocate") == ["amal"]
    assert referral_rewards(app, store.id, "friend") == ["noor"]
    assert live_referrals(app, store.id) == 1
    assert audit(app, store.id).ok


def test_advocates_claiming_one_friend_at_once_reward_exactly_one(app, clock, store):
    apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8") + REFERRALS)
    codes = [advocate(app, clock, store.id, f"adv-{i}") for i in range(THREADS)]

    def claim(i: int) -> rf.Referred:
        return rf.refer(app.uow(), clock, store.id, "noor", codes[i], ReferralSignals())

    results = run_together(THREADS, claim)
    made = [r for r in results if isinstance(r, rf.Referred)]
    assert len(made) == THREADS, [r for r in results if isinstance(r, Exception)]
    accepted = [r.referral for r in made if r.referral.status == "signed_up"]
    assert len(accepted) == 1
    assert all(r.referral.status == "rejected" for r in made if r.referral.id != accepted[0].id)
    line = OrderLine("l1", Decimal("80.00"), 1, categories=frozenset({"mask"}))
    orders = [
        RecordOrder(store.id, "noor", f"o-{i}", clock.now(), "USD", (line,), referral_code=code)
        for i, code in enumerate(codes)
    ]
    run_together(THREADS, lambda i: earning.record_order(app.uow(), clock, orders[i]))
    assert referral_rewards(app, store.id, "advocate") == [accepted[0].advocate_id]
    assert referral_rewards(app, store.id, "friend") == ["noor"]
    assert live_referrals(app, store.id) == 1
    assert audit(app, store.id).ok

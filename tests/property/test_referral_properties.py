"""Referrals under any interleaving of sign-ups, orders, refunds, cancellations, reviews and
the worker's passes, on SQLite and PostgreSQL. After every step:

* no advocate keeps a reward for a friend whose qualifying order was refunded within the
  return window below what qualifies (the referral's advocate earn is reversed in full);
* each friend rewards at most one advocate, at most once, and is welcomed at most once;
* the books balance (`walaa audit`'s checks).

The reference here is what the store did, kept by the machine: each order's placed time,
its paid amount and every refund with its moment. It never reads the referral handlers'
decisions to decide what should have happened.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import App, FixedClock
from walaa.demo import PROGRAM
from walaa.domain.customers import Profile
from walaa.domain.earning import OrderLine
from walaa.domain.errors import WalaaError
from walaa.service.commands import CancelOrder, RecordOrder, RecordRefund, ReferralSignals
from walaa.service.handlers import earning
from walaa.service.handlers import referrals as rf
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.jobs import Worker, run_pass
from walaa.service.handlers.program import apply_program
from walaa.service.handlers.stores import create_store

START = datetime(2026, 3, 1, 9, tzinfo=UTC)
WINDOW = timedelta(days=14)  # the demo program's return window
MINIMUM = Decimal(50)
REFERRALS = """
referrals:
  name: {en: Refer a friend, ar: أحِل صديقاً}
  advocate: {points: 500}
  friend: {points: 200}
  qualifying_order: {min_amount: 50}
  fraud: {velocity: null}
  review: {after_days: 5, then: approve}
"""
ADVOCATES = ("amal", "omar")
# amal-h looks like amal (held by the similarity rule); the others are plain friends
FRIENDS = ("noor", "rana", "sami", "amal-h")
NAMES = {"amal": "Amal Hassan", "omar": "Omar Saleh", "amal-h": "Amal Hasan"}


@dataclass
class Placed:
    friend: str
    at: datetime
    paid: Decimal
    refunds: list[tuple[datetime, Decimal]] = field(default_factory=list)
    cancelled: bool = False

    def left_within_window(self) -> Decimal:
        """What the order still counted as spend when its return window closed (or now)."""
        inside = [amount for at, amount in self.refunds if at < self.at + WINDOW]
        return max(Decimal(0), self.paid - sum(inside, Decimal(0)))


def referral_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    class ReferralMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.app = App(engine)
            self.clock = FixedClock(START)
            self.app.clock = self.clock
            self.store_id = create_store(self.app.uow(), self.clock, "Prop", "USD", "UTC").id
            source = PROGRAM.read_text(encoding="utf-8") + REFERRALS
            apply_program(self.app.uow(), self.clock, self.store_id, source)
            self.codes = {}
            for advocate in ADVOCATES:
                profile = Profile(name=NAMES[advocate])
                upsert_customer(self.app.uow(), self.clock, self.store_id, advocate, profile)
                found = rf.referral_of(self.app.uow(), self.clock, self.store_id, advocate)
                self.codes[advocate] = found.code
            self.orders: dict[str, Placed] = {}
            self.seq = 0

        def next_id(self, prefix: str) -> str:
            self.seq += 1
            return f"{prefix}-{self.seq}"

        @rule(friend=st.sampled_from(FRIENDS), advocate=st.sampled_from(ADVOCATES))
        def sign_up(self, friend: str, advocate: str) -> None:
            signals = ReferralSignals(name=NAMES.get(friend))
            with contextlib.suppress(WalaaError):  # the same friend and code, other signals: 409
                rf.refer(
                    self.app.uow(), self.clock, self.store_id, friend, self.codes[advocate], signals
                )

        @rule(
            friend=st.sampled_from(FRIENDS),
            paid=st.sampled_from([Decimal("30.00"), Decimal("60.00"), Decimal("120.00")]),
            advocate=st.none() | st.sampled_from(ADVOCATES),
        )
        def order(self, friend: str, paid: Decimal, advocate: str | None) -> None:
            order_id = self.next_id("o")
            line = OrderLine("l1", paid, 1, categories=frozenset({"moisturiser"}))
            code = self.codes[advocate] if advocate else None
            command = RecordOrder(
                self.store_id,
                friend,
                order_id,
                self.clock.now(),
                "USD",
                (line,),
                referral_code=code,
            )
            earning.record_order(self.app.uow(), self.clock, command)
            self.orders[order_id] = Placed(friend, self.clock.now(), paid)

        @rule(data=st.data(), share=st.sampled_from(["part", "rest"]))
        def refund(self, data: st.DataObject, share: str) -> None:
            open_orders = sorted(o for o, p in self.orders.items() if not p.cancelled)
            if not open_orders:
                return
            order_id = data.draw(st.sampled_from(open_orders))
            placed = self.orders[order_id]
            left = placed.paid - sum((a for _, a in placed.refunds), Decimal(0))
            if left <= 0:
                return
            amount = left if share == "rest" else min(left, Decimal("20.00"))
            command = RecordRefund(self.store_id, order_id, self.next_id("r"), amount=amount)
            earning.record_refund(self.app.uow(), self.clock, command)
            placed.refunds.append((self.clock.now(), amount))

        @rule(data=st.data())
        def cancel(self, data: st.DataObject) -> None:
            open_orders = sorted(o for o, p in self.orders.items() if not p.cancelled)
            if not open_orders:
                return
            order_id = data.draw(st.sampled_from(open_orders))
            placed = self.orders[order_id]
            earning.cancel_order(self.app.uow(), self.clock, CancelOrder(self.store_id, order_id))
            placed.refunds.append((self.clock.now(), placed.paid))
            placed.cancelled = True

        @rule(approve=st.booleans())
        def review(self, approve: bool) -> None:
            held = rf.list_referrals(self.app.uow(), self.store_id, "held")
            if not held:
                return
            rf.review(
                self.app.uow(),
                self.clock,
                self.store_id,
                held[0].id,
                approve=approve,
                staff="layla",
                reason="checked",
            )

        @rule(days=st.sampled_from([1, 6, 15]))
        def time_passes(self, days: int) -> None:
            self.clock.current += timedelta(days=days)
            worker = Worker(self.app.uow, self.app.jobs, self.app.idempotency)
            report = run_pass(worker, self.clock.now(), stores=[self.store_id])
            assert report.ok, {n: j.failures for n, j in report.jobs.items()}

        # -- what must hold -------------------------------------------------------------------

        def referral_entries(self) -> tuple[list[Any], dict[int, int]]:
            x = t.ledger_transactions
            with engine.connect() as conn:
                earns = conn.execute(
                    select(x.c.id, x.c.idempotency_key, x.c.customer_id, x.c.amount).where(
                        x.c.store_id == self.store_id, x.c.idempotency_key.like("referral:%")
                    )
                ).all()
                reversed_by = conn.execute(
                    select(x.c.reverses_id, x.c.amount).where(
                        x.c.store_id == self.store_id, x.c.reverses_id.is_not(None)
                    )
                ).all()
            taken: Counter[int] = Counter()
            for target, amount in reversed_by:
                taken[target] += amount
            return list(earns), dict(taken)

        @invariant()
        def no_advocate_keeps_a_reward_for_a_returned_order(self) -> None:
            earns, taken = self.referral_entries()
            r = t.referrals
            with engine.connect() as conn:
                rows = conn.execute(
                    select(r.c.id, r.c.friend_id, r.c.order_id, r.c.advocate_transaction_id).where(
                        r.c.store_id == self.store_id
                    )
                ).all()
            amounts = {e.id: e.amount for e in earns}
            for row in rows:
                if row.advocate_transaction_id is None or row.order_id is None:
                    continue
                placed = self.orders[row.order_id]
                kept = amounts[row.advocate_transaction_id] - taken.get(
                    row.advocate_transaction_id, 0
                )
                if placed.left_within_window() < MINIMUM:
                    assert kept == 0, (row, placed)
                else:
                    assert kept == 500, (row, placed)

        @invariant()
        def each_friend_rewards_one_advocate_once(self) -> None:
            earns, _ = self.referral_entries()
            r = t.referrals
            with engine.connect() as conn:
                friend_of = dict(
                    conn.execute(
                        select(r.c.id, r.c.friend_id).where(r.c.store_id == self.store_id)
                    ).all()
                )
            advocates: Counter[str] = Counter()
            welcomed: Counter[str] = Counter()
            for entry in earns:
                _, referral_id, side = entry.idempotency_key.split(":")[:3]
                if side == "advocate":
                    advocates[friend_of[referral_id]] += 1
                elif side == "friend":
                    welcomed[entry.customer_id] += 1
            assert all(n == 1 for n in advocates.values()), advocates
            assert all(n == 1 for n in welcomed.values()), welcomed

        @invariant()
        def books_balance(self) -> None:
            with engine.connect() as conn:
                report = audit_store(conn, self.store_id)
            assert report.ok, [check for check in report.checks if not check.ok]

    return ReferralMachine


def test_referrals_hold_under_any_interleaving(engine: Engine) -> None:
    default = 25 if engine.dialect.name == "postgresql" else 40
    run_state_machine_as_test(
        referral_machine(engine),
        settings=settings(
            max_examples=int(os.environ.get("WALAA_REFERRAL_EXAMPLES", default)),
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

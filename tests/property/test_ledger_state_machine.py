"""The ledger against a simple reference model, driven by a hypothesis state machine.

Random sequences of earn (some pending, some expiring), adjust, spend, hold, capture,
release, reverse (in full and in part), mature, expire, hold timeouts, clock moves and
replayed requests run through the real handlers on a real database (SQLite, and PostgreSQL
when WALAA_TEST_POSTGRES_URL is set). After every step the books must balance
(`audit_store`) and every customer's balances and every account's total must equal what the
model says. Requests the rules refuse must be refused by both, and write nothing.

The model below is an independent oracle: it is written from the rules in the docstring of
`walaa.domain.ledger` and the Foundation issue, and never calls the ledger's own functions.

    * a credit is a lot; it is pending until ``available_at``, then spendable; a credit that
      arrives spendable repays a debt first;
    * spending (and holding) takes the oldest spendable lots first and never goes below zero;
    * expiry takes what is left in lots past their date, and nothing else;
    * maturing makes pending lots spendable, repaying a debt first;
    * giving points back (a release, the reversal of a debit) puts them back into the lots
      they were taken from, newest first, at most what was taken from each; a debt is repaid
      from the oldest of those lots first;
    * reversing a credit takes what is left of its lot, then the part of it that expired
      (reclassified, not charged twice), then other spendable lots, and the rest is a debt;
      the reversal posts to ``reversed``; reversing a debit gives its own account back;
    * a transaction is reversed at most once in total; a hold resolves at most once;
    * lots past their date stay spendable until an expiry run takes them, and a hold past its
      timeout can be captured until the release job runs;
    * a request sent again with its key is answered with the first receipt; a maturing or
      expiry run is keyed by customer and moment, so a second run at the same moment is
      such a repeat and writes nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text

from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import App, FixedClock
from walaa.domain.errors import (
    HoldAlreadyResolved,
    IdempotencyConflict,
    InsufficientPoints,
    NotFound,
    ReversalExceedsOriginal,
    ValidationFailed,
    WalaaError,
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
from walaa.service.handlers.ledger import Receipt
from walaa.service.handlers.stores import create_store

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CUSTOMERS = ("amal", "badr", "carim")
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

# --------------------------------------------------------------------------------------------
# The reference model
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Lot:
    amount: int
    remaining: int
    pending: bool
    available_at: datetime | None
    expires_at: datetime | None
    #: expired from this lot and not yet reclassified by a reversal of its credit
    expired: int = 0


@dataclass
class Customer:
    exists: bool = False
    available: int = 0
    pending: int = 0
    held: int = 0
    lots: list[Lot] = field(default_factory=list)  # oldest first

    @property
    def debt(self) -> int:
        return max(0, -self.available)


@dataclass(eq=False)
class Credit:
    """An earn or a positive adjustment, as its reversal sees it."""

    customer: str
    amount: int
    lot: Lot
    reversed: int = 0


@dataclass(eq=False)
class Debit:
    """A spend, a capture or a negative adjustment: what it took from which lot."""

    customer: str
    amount: int
    account: str
    taken: dict[Lot, int]  # points taken from each lot and not yet put back, oldest lot first
    reversed: int = 0


@dataclass(eq=False)
class Hold:
    customer: str
    amount: int
    taken: dict[Lot, int]
    expires_at: datetime
    status: str = "open"


class Model:
    def __init__(self) -> None:
        self.customers = {name: Customer() for name in CUSTOMERS}
        self.store: Counter[str] = Counter()  # issued, redeemed, expired, reversed, adjustments
        #: by the system's transaction id; None for kinds that cannot be reversed
        self.transactions: dict[int, Credit | Debit | None] = {}
        self.holds: dict[int, Hold] = {}
        #: (customer, job, moment) of every maturing or expiry run that wrote something
        self.runs: set[tuple[str, str, datetime]] = set()

    # -- reading ------------------------------------------------------------------------------

    def existing(self, name: str) -> Customer:
        customer = self.customers[name]
        if not customer.exists:
            raise NotFound(name)
        return customer

    def balances(self) -> dict[str, tuple[int, int, int]]:
        return {
            name: (c.available, c.pending, c.held) for name, c in self.customers.items() if c.exists
        }

    def account_totals(self) -> Counter[str]:
        totals = Counter(self.store)
        for c in self.customers.values():
            totals["available"] += c.available
            totals["pending"] += c.pending
            totals["held"] += c.held
        return totals

    # -- lots ---------------------------------------------------------------------------------

    @staticmethod
    def take_oldest(customer: Customer, points: int) -> dict[Lot, int]:
        """Take up to ``points`` from the oldest spendable lots."""
        taken: dict[Lot, int] = {}
        for lot in customer.lots:
            want = points - sum(taken.values())
            if want and not lot.pending and lot.remaining:
                taken[lot] = min(want, lot.remaining)
                lot.remaining -= taken[lot]
        return taken

    @staticmethod
    def give_back(customer: Customer, taken: dict[Lot, int], points: int) -> None:
        """Put points back into the lots they came from, newest first; repay a debt first."""
        back: list[list[Any]] = []
        left = points
        for lot in reversed(list(taken)):
            n = min(taken[lot], left)
            if n:
                back.insert(0, [lot, n])
                left -= n
        assert left == 0, "the model gives back more than was taken"
        repay = min(customer.debt, points)
        for item in back:  # the debt is repaid from the oldest of those lots first
            cut = min(repay, item[1])
            item[1] -= cut
            repay -= cut
        for lot, n in back:  # what repaid the debt never reached its lot: still taken from it
            lot.remaining += n
            taken[lot] -= n
        customer.available += points

    # -- commands -----------------------------------------------------------------------------

    def credit(
        self,
        name: str,
        points: int,
        source: str,
        now: datetime,
        available_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> Credit:
        if expires_at is not None and expires_at <= now:
            raise ValidationFailed("expires_at", "in the past")
        if expires_at is not None and available_at is not None and expires_at <= available_at:
            raise ValidationFailed("expires_at", "before available_at")
        customer = self.customers[name]
        customer.exists = True
        pending = available_at is not None and available_at > now
        lot = Lot(points, points, pending, available_at, expires_at)
        if pending:
            customer.pending += points
        else:
            lot.remaining -= min(points, customer.debt)
            customer.available += points
        customer.lots.append(lot)
        self.store[source] -= points
        return Credit(name, points, lot)

    def debit(self, name: str, points: int) -> dict[Lot, int]:
        customer = self.existing(name)
        if points > customer.available:
            raise InsufficientPoints(points, max(customer.available, 0))
        customer.available -= points
        return self.take_oldest(customer, points)

    def spend(self, name: str, points: int, account: str = "redeemed") -> Debit:
        taken = self.debit(name, points)
        self.store[account] += points
        return Debit(name, points, account, taken)

    def hold(self, name: str, points: int, expires_at: datetime) -> Hold:
        taken = self.debit(name, points)
        self.customers[name].held += points
        return Hold(name, points, taken, expires_at)

    def resolve(self, hold_id: int, *, capture: bool) -> Debit | None:
        found = self.holds[hold_id]
        if found.status != "open":
            raise HoldAlreadyResolved(found.status)
        customer = self.customers[found.customer]
        customer.held -= found.amount
        if capture:
            found.status = "captured"
            self.store["redeemed"] += found.amount
            return Debit(found.customer, found.amount, "redeemed", found.taken)
        found.status = "released"
        self.give_back(customer, found.taken, found.amount)
        return None

    def reverse(self, transaction_id: int, points: int | None) -> None:
        target = self.transactions[transaction_id]
        if target is None:
            raise ValidationFailed("transaction_id", "cannot be reversed")
        outstanding = target.amount - target.reversed
        points = outstanding if points is None else points
        if outstanding == 0 or points > outstanding:
            raise ReversalExceedsOriginal(f"only {outstanding} left")
        customer = self.customers[target.customer]
        target.reversed += points
        if isinstance(target, Debit):
            self.store[target.account] -= points
            self.give_back(customer, target.taken, points)
            return
        self.store["reversed"] += points
        lot = target.lot
        from_lot = min(lot.remaining, points)
        lot.remaining -= from_lot
        if lot.pending:
            customer.pending -= from_lot
        else:
            customer.available -= from_lot
        left = points - from_lot
        from_expired = min(lot.expired, left)  # reclassified: not charged twice
        lot.expired -= from_expired
        self.store["expired"] -= from_expired
        left -= from_expired
        self.take_oldest(customer, left)  # what the lots cannot cover becomes a debt
        customer.available -= left

    def run(self, name: str, job: str, now: datetime) -> int | None:
        """A maturing or expiry run: the points it moves, or None when it repeats a run that
        already wrote at this very moment (the same request: it writes nothing again)."""
        customer = self.existing(name)
        if (name, job, now) in self.runs:
            return None
        total = self.mature(customer, now) if job == "mature" else self.expire(customer, now)
        if total:
            self.runs.add((name, job, now))
        return total

    def mature(self, customer: Customer, now: datetime) -> int:
        ripe = [
            lot
            for lot in customer.lots
            if lot.pending and lot.remaining and lot.available_at and lot.available_at <= now
        ]
        total = sum(lot.remaining for lot in ripe)
        repay = min(customer.debt, total)
        for lot in ripe:
            lot.pending = False
            cut = min(repay, lot.remaining)
            lot.remaining -= cut
            repay -= cut
        customer.pending -= total
        customer.available += total
        return total

    def expire(self, customer: Customer, now: datetime) -> int:
        total = 0
        for lot in customer.lots:
            if lot.remaining and lot.expires_at is not None and lot.expires_at <= now:
                if lot.pending:
                    customer.pending -= lot.remaining
                else:
                    customer.available -= lot.remaining
                lot.expired += lot.remaining
                total += lot.remaining
                lot.remaining = 0
        self.store["expired"] += total
        return total


# --------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """A request that succeeded: enough to replay it and to check the replay's receipt."""

    handler: Any
    command: Any
    receipt: Receipt


_SNAPSHOT = text(
    """SELECT
      (SELECT COUNT(*) FROM customers WHERE store_id = :s),
      (SELECT COUNT(*) FROM ledger_transactions WHERE store_id = :s),
      (SELECT COUNT(*) FROM postings WHERE store_id = :s),
      (SELECT COUNT(*) FROM lots WHERE store_id = :s),
      (SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE store_id = :s),
      (SELECT COUNT(*) FROM lots WHERE store_id = :s AND pending),
      (SELECT COUNT(*) FROM lot_movements WHERE store_id = :s),
      (SELECT COUNT(*) FROM holds WHERE store_id = :s),
      (SELECT COUNT(*) FROM holds WHERE store_id = :s AND status = 'open')"""
)

_BALANCES = text("SELECT id, available, pending, held FROM customers WHERE store_id = :s")

customer_names = st.sampled_from(CUSTOMERS)
amounts = st.integers(1, 100)
#: how much a debit or a reversal asks for, measured against what there is
shares = st.sampled_from(["few", "half", "all", "over"])
few = st.integers(1, 30)
#: how long until an earn matures; negative: a date already passed (spendable at once)
waits = st.sampled_from([None, None, HOUR, DAY, 3 * DAY, -DAY])
#: how long a lot lives after it matures; negative or zero ones are refused
lives = st.sampled_from([None, HOUR, DAY, 2 * DAY, 10 * DAY, -HOUR])
#: welcome points: the oldest lots, and they expire
welcome_lives = st.sampled_from([HOUR, DAY, 10 * DAY])
steps = st.sampled_from([MINUTE, 20 * MINUTE, HOUR, DAY, 4 * DAY, 15 * DAY])
ttls = st.sampled_from([5 * MINUTE, 15 * MINUTE, DAY])


def ledger_machine(engine: Engine) -> type[RuleBasedStateMachine]:
    """A machine class bound to one database; every example works in a fresh store."""

    class LedgerMachine(RuleBasedStateMachine):
        transactions = Bundle("transactions")  # every request that succeeded
        credits = Bundle("credits")  # earns and positive adjustments
        debits = Bundle("debits")  # spends, captures and negative adjustments
        holds = Bundle("holds")

        def __init__(self) -> None:
            super().__init__()
            self.app = App(engine)
            self.clock = FixedClock(START)
            self.store_id = create_store(self.app.uow(), self.clock, "Prop", "USD", "UTC").id
            self.model = Model()
            self.keys = 0
            self.credited: list[Done] = []  # every earn and positive adjustment

        # -- plumbing -------------------------------------------------------------------------

        def key(self) -> str:
            self.keys += 1
            return f"k{self.keys}"

        def snapshot(self) -> tuple[int, ...]:
            with engine.connect() as conn:
                row = conn.execute(_SNAPSHOT, {"s": self.store_id}).one()
            return tuple(int(n) for n in row)

        def refused(self, expected: WalaaError, handler: Any, command: Any) -> Any:
            """The model refused: the system must refuse alike and write nothing."""
            before = self.snapshot()
            with pytest.raises(WalaaError) as raised:
                handler(self.app.uow(), self.clock, command)
            assert type(raised.value) is type(expected), (raised.value, expected)
            assert self.snapshot() == before, "a refused request wrote something"
            return multiple()

        def post(self, model_step: Any, handler: Any, command: Any) -> Any:
            """Ask the model, then the system; record what a reversal or replay needs."""
            try:
                record = model_step()
            except WalaaError as expected:
                return self.refused(expected, handler, command)
            receipt = handler(self.app.uow(), self.clock, command)
            assert not receipt.replayed
            self.model.transactions[receipt.transaction_id] = (
                record if isinstance(record, Credit | Debit) else None
            )
            if isinstance(record, Hold):
                assert receipt.hold_id is not None
                self.model.holds[receipt.hold_id] = record
            done = Done(handler, command, receipt)
            if isinstance(record, Credit):
                self.credited.append(done)
            return done

        def measure(self, have: int, share: str, few: int) -> int:
            """An amount against what there is: a few points, half, all, or one too many."""
            have = max(have, 0)
            return {
                "few": min(few, max(have, 1)),
                "half": max(1, have // 2),
                "all": max(1, have),
                "over": have + 1,
            }[share]

        def available(self, name: str) -> int:
            return self.model.customers[name].available

        # -- credits --------------------------------------------------------------------------

        @initialize(
            targets=(transactions, credits),
            points=st.tuples(amounts, amounts),
            life=welcome_lives,
        )
        def open_two_accounts(self, points: tuple[int, int], life: timedelta | None):
            # the third customer starts without an account: their first debit is NotFound
            return multiple(
                *(self.earn(n, p, None, life) for n, p in zip(CUSTOMERS[:2], points, strict=True))
            )

        @rule(
            targets=(transactions, credits),
            name=customer_names,
            points=amounts,
            wait=waits,
            life=lives,
        )
        def earn(self, name: str, points: int, wait: timedelta | None, life: timedelta | None):
            now = self.clock.now()
            available_at = None if wait is None else now + wait
            expires_at = None if life is None else (available_at or now) + life
            command = Earn(self.store_id, name, self.key(), points, available_at, expires_at)
            return self.post(
                lambda: self.model.credit(name, points, "issued", now, available_at, expires_at),
                h.earn,
                command,
            )

        @rule(
            targets=(transactions, credits),
            batch=st.lists(st.tuples(customer_names, amounts, waits, lives), max_size=4),
        )
        def earn_many(self, batch: list[tuple[str, int, timedelta | None, timedelta | None]]):
            """A batch of earns, some of one customer: each as its own earn, all or none."""
            now = self.clock.now()
            commands, steps = [], []
            for name, points, wait, life in batch:
                available_at = None if wait is None else now + wait
                expires_at = None if life is None else (available_at or now) + life
                commands.append(
                    Earn(self.store_id, name, self.key(), points, available_at, expires_at)
                )
                steps.append((name, points, "issued", now, available_at, expires_at))
            try:  # on a copy first: a refused batch must leave the model as it was
                probe = copy.deepcopy(self.model)
                for step in steps:
                    probe.credit(*step)
            except WalaaError as expected:
                return self.refused(expected, h.earn_many, commands)
            receipts = h.earn_many(self.app.uow(), self.clock, commands)
            done = []
            for step, command, receipt in zip(steps, commands, receipts, strict=True):
                assert not receipt.replayed
                record = self.model.credit(*step)
                self.model.transactions[receipt.transaction_id] = record
                done.append(Done(h.earn, command, receipt))  # replayed one by one
                self.credited.append(done[-1])
            return multiple(*done)

        @rule(targets=(transactions, credits), name=customer_names, points=amounts, life=lives)
        def adjust_up(self, name: str, points: int, life: timedelta | None):
            now = self.clock.now()
            expires_at = None if life is None else now + life
            command = Adjust(self.store_id, name, self.key(), points, "goodwill", expires_at)
            return self.post(
                lambda: self.model.credit(name, points, "adjustments", now, None, expires_at),
                h.adjust,
                command,
            )

        # -- debits and holds -----------------------------------------------------------------

        @rule(targets=(transactions, debits), name=customer_names, share=shares, few=few)
        def adjust_down(self, name: str, share: str, few: int):
            points = self.measure(self.available(name), share, few)
            command = Adjust(self.store_id, name, self.key(), -points, "correction")
            return self.post(
                lambda: self.model.spend(name, points, "adjustments"), h.adjust, command
            )

        @rule(targets=(transactions, debits), name=customer_names, share=shares, few=few)
        def spend(self, name: str, share: str, few: int):
            points = self.measure(self.available(name), share, few)
            command = Spend(self.store_id, name, self.key(), points)
            return self.post(lambda: self.model.spend(name, points), h.spend, command)

        @rule(targets=(transactions, holds), name=customer_names, share=shares, few=few, ttl=ttls)
        def place_hold(self, name: str, share: str, few: int, ttl: timedelta):
            points = self.measure(self.available(name), share, few)
            expires_at = self.clock.now() + ttl
            command = PlaceHold(self.store_id, name, self.key(), points, ttl)
            return self.post(
                lambda: self.model.hold(name, points, expires_at), h.place_hold, command
            )

        @rule(targets=(transactions, debits), placed=holds)
        def capture_hold(self, placed: Done):
            name, hold_id = placed.command.customer_id, placed.receipt.hold_id
            command = CaptureHold(self.store_id, name, self.key(), hold_id)
            return self.post(
                lambda: self.model.resolve(hold_id, capture=True), h.capture_hold, command
            )

        @rule(target=transactions, placed=holds)
        def release_hold(self, placed: Done):
            name, hold_id = placed.command.customer_id, placed.receipt.hold_id
            command = ReleaseHold(self.store_id, name, self.key(), hold_id)
            return self.post(
                lambda: self.model.resolve(hold_id, capture=False), h.release_hold, command
            )

        # -- reversals ------------------------------------------------------------------------

        @rule(
            target=transactions, original=credits | debits, share=shares | st.just("full"), few=few
        )
        def reverse(self, original: Done, share: str, few: int):
            target = self.model.transactions[original.receipt.transaction_id]
            assert target is not None
            points = None
            if share != "full":
                points = self.measure(target.amount - target.reversed, share, few)
            return self.reverse_request(original, points)

        @rule(original=credits, share=shares, few=few)
        def reverse_in_two_parts(self, original: Done, share: str, few: int):
            # a second part must not take back again what the first one took, from the lot,
            # from the part of it that expired, or from other lots
            self.reverse(original, share, few)
            self.reverse(original, "full", few)

        def expired_credits(self) -> list[Done]:
            """Credits, not yet fully reversed, whose lot has (partly) expired."""
            found = []
            for done in self.credited:
                credit = self.model.transactions[done.receipt.transaction_id]
                assert isinstance(credit, Credit)
                if credit.lot.expired and credit.reversed < credit.amount:
                    found.append(done)
            return found

        @precondition(lambda self: self.expired_credits())
        @rule(data=st.data(), share=st.sampled_from(["few", "half"]), few=few)
        def refund_after_expiry(self, data: st.DataObject, share: str, few: int):
            """An order refunded in two parts after its points expired: the expired part is
            reclassified once, and what had been spent from the lot becomes a debt."""
            self.reverse_in_two_parts(
                data.draw(st.sampled_from(self.expired_credits())), share, few
            )

        @rule(target=transactions, original=transactions)
        def reverse_anything(self, original: Done):
            # holds, releases and reversals themselves cannot be reversed
            return self.reverse_request(original, None)

        def reverse_request(self, original: Done, points: int | None) -> Any:
            name, txn_id = original.command.customer_id, original.receipt.transaction_id
            command = Reverse(self.store_id, name, self.key(), txn_id, points)
            return self.post(lambda: self.model.reverse(txn_id, points), h.reverse, command)

        # -- time -----------------------------------------------------------------------------

        @rule(step=steps)
        def advance_clock(self, step: timedelta):
            self.clock.current += step

        @rule(name=customer_names, job=st.sampled_from(["mature", "expire"]))
        def run_for_one_customer(self, name: str, job: str):
            handler = h.mature_points if job == "mature" else h.expire_points
            now = self.clock.now()
            try:
                total = self.model.run(name, job, now)
            except WalaaError as expected:
                before = self.snapshot()
                with pytest.raises(type(expected)):
                    handler(self.app.uow(), self.store_id, name, now)
                assert self.snapshot() == before
                return
            before = self.snapshot()
            receipt = handler(self.app.uow(), self.store_id, name, now)
            if total is None:  # a repeat of this moment's run: its receipt again, nothing written
                assert receipt is not None and receipt.replayed
                assert self.snapshot() == before
            elif total:
                assert receipt is not None and not receipt.replayed
                assert receipt.amount == total
            else:
                assert receipt is None

        @rule(wait=st.sampled_from([None, DAY]))
        def worker_round(self, wait: timedelta | None):
            """What the worker runs: holds past their timeout, then every customer's due lots."""
            if wait:
                self.advance_clock(wait)
            now = self.clock.now()
            due = [
                hold_id
                for hold_id, found in sorted(self.model.holds.items())
                if found.status == "open" and found.expires_at <= now
            ]
            for hold_id in due:
                self.model.resolve(hold_id, capture=False)
            assert h.release_expired_holds(self.app.uow(), self.clock, self.store_id) == len(due)

            matured = expired = 0
            for name, customer in self.model.customers.items():
                if customer.exists:
                    matured += bool(self.model.run(name, "mature", now))
                    expired += bool(self.model.run(name, "expire", now))
            counts = h.run_due(self.app.uow(), self.store_id, now)
            # a customer already run at this very moment may count again, with its first receipt
            assert counts[0] >= matured and counts[1] >= expired

        # -- replays --------------------------------------------------------------------------

        @rule(done=transactions, same=st.booleans(), name=customer_names, points=few)
        def send_again(self, done: Done, same: bool, name: str, points: int):
            """The same key again: with the same request, a replay; with another, a conflict."""
            if same:
                before = self.snapshot()
                again = done.handler(self.app.uow(), self.clock, done.command)
                # A replay answers the first write, except that it created nobody and moved no
                # balance this time (so a milestone is not told again).
                assert again.balance_before == again.balance_after
                first = dataclasses.replace(done.receipt, replayed=True, created=False)
                assert again == dataclasses.replace(
                    first, balance_before=again.balance_before, balance_after=again.balance_after
                )
                assert self.snapshot() == before, "a replay wrote something"
                return
            # reason="reused" makes the request differ from every first request
            key = done.command.idempotency_key
            if points % 2:  # an earn may create the customer's row: it must be rolled back
                self.refused(
                    IdempotencyConflict("reused"),
                    h.earn,
                    Earn(self.store_id, name, key, points, reason="reused"),
                )
            else:
                self.refused(
                    IdempotencyConflict("reused"),
                    h.spend,
                    Spend(self.store_id, name, key, points, reason="reused"),
                )

        # -- the books ------------------------------------------------------------------------

        @invariant()
        def books_balance_and_match_the_model(self):
            with engine.connect() as conn:
                report = audit_store(conn, self.store_id)
                rows = conn.execute(_BALANCES, {"s": self.store_id}).all()
            assert report.ok, [check for check in report.checks if not check.ok]
            assert {r.id: (r.available, r.pending, r.held) for r in rows} == self.model.balances()
            expected = self.model.account_totals()
            accounts = set(report.totals) | set(expected)
            assert {a: report.totals.get(a, 0) for a in accounts} == {
                a: expected[a] for a in accounts
            }

    return LedgerMachine


# This machine found that a credit's expired part was reclassified by every later reversal
# of it (fixed in SqlLedgerRepository._expired_from; see test_reclassify_once.py).
def test_the_ledger_matches_its_reference_model(engine: Engine) -> None:
    # WALAA_LEDGER_EXAMPLES=1000 explores further; the default keeps the suite quick
    default = 60 if engine.dialect.name == "postgresql" else 100
    run_state_machine_as_test(
        ledger_machine(engine),
        settings=settings(
            max_examples=int(os.environ.get("WALAA_LEDGER_EXAMPLES", default)),
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )

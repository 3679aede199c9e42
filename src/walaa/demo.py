"""`walaa demo`: a store with a year of believable activity, built through the service layer.

Everything here goes through the same handlers the API uses, with a clock that walks through
the year, so the demo is also a long end-to-end run of the ledger: it finishes with an audit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from walaa.adapters.db.audit import StoreAudit, audit_store
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App, FixedClock, build
from walaa.domain.errors import InsufficientPoints, NotFound
from walaa.domain.stores import Store
from walaa.service.commands import Adjust, CaptureHold, Earn, PlaceHold, Reverse, Spend
from walaa.service.handlers import ledger as h
from walaa.service.handlers.stores import create_store

START = datetime(2025, 11, 1, 8, 0, tzinfo=UTC)
DAYS = 365
RETURN_WINDOW = timedelta(days=14)
POINTS_LIFETIME = timedelta(days=180)
REWARD_COST = 500


@dataclass
class DemoResult:
    path: Path
    store: Store
    audit: StoreAudit
    counts: dict[str, int] = field(default_factory=dict)
    balances: list[tuple[str, int, int, int]] = field(default_factory=list)


@dataclass
class _Shop:
    app: App
    clock: FixedClock
    store: Store
    rng: random.Random
    counts: dict[str, int] = field(default_factory=dict)
    earns: dict[str, list[int]] = field(default_factory=dict)
    seq: int = 0

    def key(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}:{self.seq}"

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def build_demo(path: Path, *, customers: int = 40, seed: int = 7) -> DemoResult:
    """Build the demo store in a fresh SQLite file at ``path``."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = build(f"sqlite:///{path}")
    upgrade(app.engine)
    clock = FixedClock(START)
    store = create_store(app.uow(), clock, "Dewy Skincare", "USD", "Asia/Riyadh")
    shop = _Shop(app, clock, store, random.Random(seed))
    people = [f"customer-{n:03d}" for n in range(1, customers + 1)]
    for day in range(DAYS):
        clock.current = START + timedelta(days=day)
        for person in people:
            _a_day_of(shop, person)
        if day % 7 == 6:
            _housekeeping(shop)
    clock.current = START + timedelta(days=DAYS)
    _housekeeping(shop)
    with app.engine.connect() as conn:
        report = audit_store(conn, store.id)
        rows = conn.exec_driver_sql(
            "SELECT id, available, pending, held FROM customers WHERE store_id = ? "
            "ORDER BY available DESC, id LIMIT 8",
            (store.id,),
        ).all()
    app.engine.dispose()
    return DemoResult(path, store, report, shop.counts, [tuple(r) for r in rows])


def _a_day_of(shop: _Shop, person: str) -> None:
    """What one customer might do on one day: mostly nothing, like real customers."""
    roll = shop.rng.random()
    if roll < 0.03:
        _order(shop, person)
    elif roll < 0.04:
        _redeem(shop, person)
    elif roll < 0.047:
        _checkout_with_points(shop, person)
    elif roll < 0.049:
        _refund(shop, person)
    elif roll < 0.0495:
        h.adjust(
            shop.app.uow(),
            shop.clock,
            Adjust(shop.store.id, person, shop.key("goodwill"), 200, "late delivery apology"),
        )
        shop.count("goodwill adjustments")


def _order(shop: _Shop, person: str) -> None:
    now = shop.clock.now()
    spent = shop.rng.randint(15, 240)
    receipt = h.earn(
        shop.app.uow(),
        shop.clock,
        Earn(
            shop.store.id,
            person,
            shop.key("order"),
            spent,  # 1 point per 1 USD
            available_at=now + RETURN_WINDOW,
            expires_at=now + RETURN_WINDOW + POINTS_LIFETIME,
            reason="order",
            reference=f"order-{shop.seq}",
        ),
    )
    shop.earns.setdefault(person, []).append(receipt.transaction_id)
    shop.count("orders")


def _redeem(shop: _Shop, person: str) -> None:
    try:
        h.spend(
            shop.app.uow(),
            shop.clock,
            Spend(shop.store.id, person, shop.key("reward"), REWARD_COST, reason="10 USD off"),
        )
        shop.count("rewards redeemed")
    except (InsufficientPoints, NotFound):
        pass  # not enough points yet, or nothing earned so far


def _checkout_with_points(shop: _Shop, person: str) -> None:
    """Points as money: hold at checkout; most orders complete, some are abandoned."""
    try:
        receipt = h.place_hold(
            shop.app.uow(),
            shop.clock,
            PlaceHold(shop.store.id, person, shop.key("checkout"), 100),
        )
    except (InsufficientPoints, NotFound):
        return
    if shop.rng.random() < 0.8:
        assert receipt.hold_id is not None
        h.capture_hold(
            shop.app.uow(),
            shop.clock,
            CaptureHold(shop.store.id, person, shop.key("capture"), receipt.hold_id),
        )
        shop.count("checkouts paid with points")
    else:
        shop.count("checkouts abandoned (hold timed out)")


def _refund(shop: _Shop, person: str) -> None:
    earns = shop.earns.get(person)
    if not earns:
        return
    txn = shop.rng.choice(earns)
    earns.remove(txn)
    h.reverse(
        shop.app.uow(),
        shop.clock,
        Reverse(shop.store.id, person, shop.key("refund"), txn, reason="order refunded"),
    )
    shop.count("refunds")


def _housekeeping(shop: _Shop) -> None:
    """What the worker will do on a schedule: ripen, expire, time out holds."""
    h.release_expired_holds(shop.app.uow(), shop.clock, shop.store.id)
    h.run_due(shop.app.uow(), shop.store.id, shop.clock.now())


def print_summary(console: Console, result: DemoResult) -> None:
    store = result.store
    console.print(
        f"[bold]{store.name}[/bold] ({store.id}, {store.currency}, {store.timezone}) "
        f"built in {result.path}"
    )
    activity = Table("activity over the year", "count", title_justify="left")
    for what, n in sorted(result.counts.items()):
        activity.add_row(what, f"{n:,}")
    console.print(activity)
    books = Table("account", "points", title="the books (they sum to zero)", title_justify="left")
    for account, amount in result.audit.totals.items():
        books.add_row(account, f"{amount:,}")
    books.add_row("[bold]total[/bold]", f"[bold]{sum(result.audit.totals.values()):,}[/bold]")
    console.print(books)
    people = Table("customer", "available", "pending", "on hold", title="top balances")
    for customer_id, available, pending, held in result.balances:
        people.add_row(customer_id, f"{available:,}", f"{pending:,}", f"{held:,}")
    console.print(people)
    verdict = (
        "[green]audit: books balance[/green]" if result.audit.ok else "[red]audit FAILED[/red]"
    )
    console.print(verdict)

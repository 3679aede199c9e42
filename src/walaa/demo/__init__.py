"""`walaa demo`: a store with a year of believable activity, built through the service layer.

Everything here goes through the same handlers the API uses, with a clock that walks through
the year, so the demo is also a long end-to-end run of the engine: it finishes with an audit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from rich.table import Table

from walaa.adapters.db.audit import StoreAudit, audit_store
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App, FixedClock, build
from walaa.demo.referrals import REFERRALS, leave_for_review, run_story
from walaa.domain.customers import Profile
from walaa.domain.earning import OrderLine, RefundedLine
from walaa.domain.errors import InsufficientPoints, NotFound, WalaaError
from walaa.domain.games import NoPlayAvailable
from walaa.domain.giving import Cause, amount_text
from walaa.domain.memberships import BillingPeriod, Plan
from walaa.domain.program import Channel
from walaa.domain.rewards import NotRedeemable, Reward, RewardKind
from walaa.domain.stores import Store
from walaa.service.commands import (
    Adjust,
    CancelOrder,
    RecordEvent,
    RecordOrder,
    RecordRefund,
)
from walaa.service.handlers import (
    achievements,
    checkout,
    closing,
    earning,
    game_fairness,
    games,
    giving,
    ledger,
    memberships,
    rewards,
)
from walaa.service.handlers.customers import customer_ledger, explanation_text, upsert_customer
from walaa.service.handlers.jobs import Worker, run_pass
from walaa.service.handlers.orders_batch import record_orders
from walaa.service.handlers.program import apply_program, get_program
from walaa.service.handlers.stores import create_store

PROGRAM = Path(__file__).with_name("program.yaml")
#: The wheel, saved as the program's second version once the catalog it names exists.
GAMES = Path(__file__).with_name("games.yaml")
#: The badges, saved with the wheel (one grants a reward of the catalog).
ACHIEVEMENTS = Path(__file__).with_name("achievements.yaml")
WHEEL = "spin-the-wheel"
START = datetime(2025, 11, 1, 8, 0, tzinfo=UTC)
DAYS = 365
#: The first customer stops coming after this day: the program's inactivity expiry (120 days,
#: warned 30 and 7 days ahead) takes their points before the year is out.
LAPSES_AFTER = 150
#: the day the referral story runs (its advocate's reward matures two weeks later)
REFERRAL_DAY = 120
#: A paid membership: a yearly fee for free shipping, 1.5x points and 100 points a month.
PLAN = Plan(
    id="dewy-plus",
    names={"en": "Dewy Plus", "ar": "ديوي بلس"},
    fee=Decimal("99.00"),
    currency="USD",
    period=BillingPeriod.YEARLY,
    trial_days=14,
    free_shipping=True,
    multiplier=Decimal("1.5"),
    monthly_points=100,
)

#: Where the demo store gives: 5 USD for every full 100 USD of products (at most 20 an order),
#: to the Saudi Green Initiative unless the customer chose animal welfare.
CAUSES = (
    Cause(
        "green-initiative",
        {"en": "Saudi Green Initiative", "ar": "مبادرة السعودية الخضراء"},
        {"en": "Planting trees across the Kingdom", "ar": "زراعة الأشجار في أنحاء المملكة"},
        link="https://www.greeninitiatives.gov.sa/",
        default=True,
    ),
    Cause(
        "animal-welfare",
        {"en": "Animal welfare", "ar": "رعاية الحيوان"},
        {"en": "Shelters and vets for strays", "ar": "ملاجئ ورعاية بيطرية للحيوانات الضالة"},
    ),
)
GIVING = """
giving:
  rate: {give: 5, per: 100}
  granularity: whole_blocks
  caps: {per_order: 20}
  customer_chooses: true
"""

#: The demo catalog: a reward of each kind customers meet most.
REWARDS = (
    Reward("five-off", RewardKind.FIXED_DISCOUNT, 500, {"en": "5 USD off", "ar": "خصم 5 دولار"},
           value=Decimal("5"), per_order=1),  # one 5 USD off per order
    Reward("free-shipping", RewardKind.FREE_SHIPPING, 300,
           {"en": "Free shipping", "ar": "شحن مجاني"}),
    Reward("fifteen-percent", RewardKind.PERCENT_DISCOUNT, 900,
           {"en": "15% off (up to 20 USD)", "ar": "خصم 15٪ (حتى 20 دولار)"},
           percent=Decimal("15"), cap=Decimal("20")),
    Reward("tote-bag", RewardKind.FREE_PRODUCT, 1200, {"en": "Dewy tote bag", "ar": "حقيبة ديوي"},
           sku="TOTE-1", stock=10, per_customer=1),
    Reward("plant-a-tree", RewardKind.DONATION, 400,
           {"en": "Plant a tree (2 USD)", "ar": "ازرع شجرة (2 دولار)"},
           value=Decimal("2"), cause="Saudi Green Initiative"),
)  # fmt: skip

#: (product id, name, price in USD, category)
CATALOG = (
    ("p-cleanser", "Gentle cleanser", "18.00", "cleanser"),
    ("p-toner", "Rose toner", "22.50", "toner"),
    ("p-serum-c", "Vitamin C serum", "48.00", "serum"),
    ("p-serum-h", "Hyaluronic serum", "39.90", "serum"),
    ("p-cream", "Night cream", "56.00", "moisturiser"),
    ("p-spf", "Daily SPF 50", "29.00", "sunscreen"),
    ("p-mask", "Clay mask", "24.00", "mask"),
)
NAMES = (
    "Amal", "Badr", "Dana", "Faisal", "Huda", "Karim", "Layla", "Majid", "Nora", "Omar",
    "Rana", "Sami", "Tala", "Yousef", "Zain", "Aisha", "Hadi", "Lina", "Nasser", "Salma",
)  # fmt: skip


@dataclass
class DemoResult:
    path: Path
    store: Store
    audit: StoreAudit
    counts: dict[str, int] = field(default_factory=dict)
    balances: list[tuple[str, int, int, int]] = field(default_factory=list)
    histories: dict[str, list[tuple[str, str, int, int, str]]] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    #: the year's giving report: one row of text per cause, and the total owed
    giving: list[tuple[str, ...]] = field(default_factory=list)
    given: str = ""
    #: the wheel's odds as shoppers read them, and whether every spin was verified
    games: list[str] = field(default_factory=list)
    #: each badge: its names, what it grants, customers who earned it, times earned
    badges: list[tuple[str, str, int, int]] = field(default_factory=list)
    #: the customers with most badges: id, badges earned, where they stand on the next one
    badge_holders: list[tuple[str, str, str]] = field(default_factory=list)
    #: the referral story: each friend, their referral's status, and what happened
    referrals: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Shop:
    app: App
    clock: FixedClock
    store: Store
    rng: random.Random
    counts: dict[str, int] = field(default_factory=dict)
    orders: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    joined: set[str] = field(default_factory=set)
    seq: int = 0

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.seq:05d}"

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def build_demo(path: Path, *, customers: int = 40, seed: int = 7) -> DemoResult:
    """Build the demo store in a fresh SQLite file at ``path``."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = build(f"sqlite:///{path}")
    upgrade(app.engine)
    clock = FixedClock(START)
    app.clock = clock
    seeds = random.Random(seed * 7919)  # the wheel's server seeds: same demo seed, same spins
    app.game_seeds = lambda: f"{seeds.getrandbits(256):064x}"
    store = create_store(app.uow(), clock, "Dewy Skincare", "USD", "Asia/Riyadh")
    for cause in CAUSES:
        giving.save_cause(app.uow(), clock, store.id, cause)
    apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8") + GIVING)
    for reward in REWARDS:
        rewards.save_reward(app.uow(), clock, store.id, reward)
    memberships.save_plan(app.uow(), clock, store.id, PLAN)
    # Version 2 keeps version 1's giving and adds the wheel, the badges and referrals.
    texts = (p.read_text(encoding="utf-8") for p in (PROGRAM, GAMES, ACHIEVEMENTS, REFERRALS))
    with_wheel = "\n".join(texts) + GIVING
    apply_program(app.uow(), clock, store.id, with_wheel)
    shop = _Shop(app, clock, store, random.Random(seed))
    referred: list[tuple[str, str, str]] = []
    people = [f"customer-{n:03d}" for n in range(1, customers + 1)]
    for day in range(DAYS):
        clock.current = START + timedelta(days=day, hours=shop.rng.randint(0, 10))
        for person in people:
            if person != people[0] or day < LAPSES_AFTER:
                _a_day_of(shop, person)
        if day == REFERRAL_DAY:
            referred = run_story(app, clock, store.id)
        if day % 7 == 6:
            _housekeeping(shop)
    clock.current = START + timedelta(days=DAYS)
    _till_upload(shop, people[1:-2])
    _housekeeping(shop)
    _leave(shop, people[-2], people[-1])
    wheel = _reveal_and_verify(shop)
    badges, holders = _badges(shop)
    result = _result(shop, path)
    result.games.extend(wheel)
    result.badges, result.badge_holders = badges, holders
    result.referrals = [*referred, leave_for_review(app, clock, store.id)]
    return result


def _spin(shop: _Shop, person: str) -> None:
    """Most customers whose order unlocked a spin take it."""
    if shop.rng.random() < 0.2:
        return
    try:
        played = games.play(
            shop.app.uow(),
            shop.clock,
            shop.store.id,
            person,
            WHEEL,
            client_seed=f"{shop.rng.getrandbits(64):016x}",
            key=shop.next_id("spin"),
        )
    except NoPlayAvailable:
        return
    outcome = played.play.outcome
    shop.count(f"wheel spins: {played.prize.id if outcome == 'won' else outcome}")


def _reveal_and_verify(shop: _Shop) -> list[str]:
    """Rotate the wheel's seed, as a store would at the end of a season, and check every spin."""
    uow, store_id = shop.app.uow, shop.store.id
    view = game_fairness.describe_game(uow(), shop.clock, store_id, WHEEL)
    odds = ", ".join(f"{o.prize.name.get('en')} {float(o.now):.0%}" for o in view.odds)
    game_fairness.rotate_seed(uow(), shop.clock, store_id, WHEEL)
    report = game_fairness.verify_game(uow(), store_id, WHEEL)
    verdict = "all match" if report.ok else f"{len(report.mismatches)} MISMATCH"
    return [
        f"{view.game.name.get('en')}: {odds}; chance of winning {float(view.win_chance):.0%}",
        f"seed {view.seed.seed_no} revealed, {report.checked} spins recomputed: {verdict}",
    ]


def _badges(shop: _Shop) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, str, str]]]:
    """Each badge and how many customers earned it; the three customers with most badges,
    what they earned and where they stand on the badge they are closest to, in both languages."""
    uow, store_id = shop.app.uow, shop.store.id
    with shop.app.engine.connect() as conn:
        earned = conn.exec_driver_sql(
            "SELECT achievement_id, COUNT(DISTINCT customer_id), COUNT(*) FROM achievement_grants"
            " WHERE store_id = ? GROUP BY achievement_id",
            (store_id,),
        ).all()
        holders = conn.exec_driver_sql(
            "SELECT customer_id, COUNT(*) AS n FROM achievement_grants WHERE store_id = ?"
            " GROUP BY customer_id ORDER BY n DESC, customer_id LIMIT 3",
            (store_id,),
        ).all()
    program = get_program(uow(), store_id).program
    counted = {row[0]: (int(row[1]), int(row[2])) for row in earned}
    badges = []
    for a in program.achievements:
        grants = f"{a.points} points" if a.points else "a reward code" if a.reward_id else "badge"
        people, times = counted.get(a.id, (0, 0))
        badges.append((f"{a.name.get('en')} / {a.name.get('ar')}", grants, people, times))
    rows = []
    for customer_id, _n in holders:
        views, _currency = achievements.customer_achievements(
            uow(), shop.clock, store_id, customer_id
        )
        got = ", ".join(
            v.achievement.name.get("en") + (f" x{v.standing.times}" if v.standing.times > 1 else "")
            for v in views
            if v.standing.times
        )
        open_ones = [v for v in views if not v.standing.done]
        closest = max(open_ones, key=lambda v: v.standing.current / v.standing.target, default=None)
        next_text = (
            f"{closest.achievement.name.get('en')}: {closest.text['en']} / {closest.text['ar']}"
            if closest
            else "every badge earned"
        )
        rows.append((customer_id, got, next_text))
    return badges, rows


def _result(shop: _Shop, path: Path) -> DemoResult:
    app, store = shop.app, shop.store
    with app.engine.connect() as conn:
        report = audit_store(conn, store.id)
        rows = conn.exec_driver_sql(
            "SELECT id, available, pending, held FROM customers WHERE store_id = ? "
            "ORDER BY available DESC, id LIMIT 6",
            (store.id,),
        ).all()
        by_tier = conn.exec_driver_sql(
            "SELECT level_id, COUNT(*) FROM customer_tiers WHERE store_id = ? GROUP BY level_id",
            (store.id,),
        ).all()
        changes = conn.exec_driver_sql(
            "SELECT change, COUNT(*) FROM tier_events WHERE store_id = ? GROUP BY change",
            (store.id,),
        ).all()
        notices = conn.exec_driver_sql(
            "SELECT kind, COUNT(*) FROM notices WHERE store_id = ? GROUP BY kind", (store.id,)
        ).all()
        lapsed = conn.exec_driver_sql(
            "SELECT COUNT(DISTINCT customer_id) FROM ledger_transactions"
            " WHERE store_id = ? AND reference = ?",
            (store.id, "inactivity"),
        ).scalar_one()
    shop.counts.update({f"tier changes: {change}": int(n) for change, n in changes})
    shop.counts.update({f"notices: {kind}": int(n) for kind, n in notices})
    shop.counts["customers who lost their points to inactivity"] = int(lapsed)
    histories = {}
    for customer_id, *_ in rows[:2]:
        page = customer_ledger(app.uow(), store.id, customer_id, cursor=None, limit=6)
        histories[customer_id] = [
            (
                f"{line.occurred_at:%Y-%m-%d}",
                line.kind.value,
                line.available_change,
                line.pending_change,
                " / ".join(explanation_text(line, "en")),
            )
            for line in page.lines
        ]
    year = giving.report(app.uow(), store.id, START.date(), (START + timedelta(DAYS)).date())
    app.engine.dispose()
    return DemoResult(
        path,
        store,
        report,
        shop.counts,
        [(r[0], r[1], r[2], r[3]) for r in rows],
        histories,
        {level: int(n) for level, n in by_tier},
        giving.report_rows(year),
        f"{amount_text(year.total, year.currency)} {year.currency}",
    )


def _a_day_of(shop: _Shop, person: str) -> None:
    """What one customer might do on one day: mostly nothing, like real customers."""
    if person not in shop.joined:
        if shop.rng.random() < 0.02:
            _join(shop, person)
        return
    roll = shop.rng.random()
    actions = (
        (0.03, _order),
        (0.038, _review),
        (0.046, _redeem),
        (0.052, _checkout_with_points),
        (0.055, _refund),
        (0.0555, _goodwill),
        (0.057, _give_points),
    )
    for threshold, action in actions:
        if roll < threshold:
            action(shop, person)
            return


def _join(shop: _Shop, person: str) -> None:
    name = NAMES[int(person[-3:]) % len(NAMES)]
    profile = Profile(
        email=f"{person}@example.com", name=name, locale=shop.rng.choice(["en", "ar"])
    )
    upsert_customer(shop.app.uow(), shop.clock, shop.store.id, person, profile)
    _event(shop, person, "signup")
    if shop.rng.random() < 0.5:
        _event(shop, person, "newsletter")
    shop.joined.add(person)
    shop.count("customers joined")
    if shop.rng.random() < 0.3:
        giving.choose_cause(shop.app.uow(), shop.clock, shop.store.id, person, "animal-welfare")
        shop.count("customers who chose animal welfare")
    if shop.rng.random() < 0.25:
        memberships.join(
            shop.app.uow(), shop.clock, shop.store.id, person, PLAN.id, shop.next_id("pay")
        )
        shop.count("Dewy Plus members (yearly, 1.5x points, 100 a month)")


def _event(shop: _Shop, person: str, kind: str, **properties: str | int) -> int:
    result = earning.record_event(
        shop.app.uow(),
        shop.clock,
        RecordEvent(
            shop.store.id,
            person,
            shop.next_id("ev"),
            kind,
            shop.clock.now(),
            tuple(properties.items()),
        ),
    )
    return result.points


def _order(shop: _Shop, person: str, paid: Decimal | None = None) -> str:
    """An order of one to four products; ``paid`` fixes its total (what cash paid)."""
    picks = shop.rng.sample(CATALOG, 1 if paid is not None else shop.rng.randint(1, 4))
    lines = tuple(
        OrderLine(
            f"l{n}",
            paid if paid is not None else Decimal(price) * qty,
            qty,
            product_id=product_id,
            categories=frozenset({category}),
        )
        for n, ((product_id, _name, price, category), qty) in enumerate(
            (pick, 1 if paid is not None else shop.rng.choice((1, 1, 1, 2))) for pick in picks
        )
    )
    channel = shop.rng.choice((Channel.ONLINE, Channel.ONLINE, Channel.IN_STORE, Channel.APP))
    order_id = shop.next_id("order")
    earning.record_order(
        shop.app.uow(),
        shop.clock,
        RecordOrder(
            shop.store.id, person, order_id, shop.clock.now(), "USD", lines, channel=channel
        ),
    )
    shop.orders.setdefault(person, []).append((order_id, len(lines)))
    shop.count(f"orders ({channel.value})")
    _spin(shop, person)
    return order_id


def _till_upload(shop: _Shop, people: list[str]) -> None:
    """The shop's till sends the day's in-store sales at once (POST /v1/orders/batch does the
    same): one database transaction for all, each order earning as it would alone; sent twice
    (an upload retried), every order answers its first result and nothing is written again."""
    commands = []
    for person in shop.rng.sample(people, min(12, len(people))):
        product_id, _name, price, category = shop.rng.choice(CATALOG)
        line = OrderLine(
            "l1", Decimal(price), 1, product_id=product_id, categories=frozenset({category})
        )
        order_id = shop.next_id("till")
        commands.append(
            RecordOrder(
                shop.store.id,
                person,
                order_id,
                shop.clock.now(),
                "USD",
                (line,),
                channel=Channel.IN_STORE,
            )
        )
        shop.orders.setdefault(person, []).append((order_id, 1))
    for result in record_orders(shop.app.batch_uow(), shop.clock, commands):
        shop.count(
            "in-store orders sent by the till in one batch"
            if not isinstance(result, WalaaError)
            else "till orders refused"
        )
    again = record_orders(shop.app.batch_uow(), shop.clock, commands)
    replayed = sum(1 for r in again if not isinstance(r, WalaaError) and r.replayed)
    shop.counts["till batch resent: orders answered as replays"] = replayed


def _give_points(shop: _Shop, person: str) -> None:
    """Give 500 points (5 USD) to the customer's cause, when they have them."""
    if ledger_balance(shop, person) < 500:
        return
    cause = giving.chosen_cause(shop.app.uow(), shop.store.id, person)
    cause_id = cause.id if cause else CAUSES[0].id
    giving.give_points(
        shop.app.uow(), shop.clock, shop.store.id, person, shop.next_id("gift"), cause_id, 500
    )
    shop.count("gifts of 500 points to a cause")


def _review(shop: _Shop, person: str) -> None:
    product_id = shop.rng.choice(CATALOG)[0]
    if _event(shop, person, "review", product_id=product_id, rating=shop.rng.randint(3, 5)):
        shop.count("reviews rewarded")
    else:
        shop.count("reviews not rewarded (a limit applied)")
    if shop.rng.random() < 0.4:  # Tarte's selfie: some reviews come with a photo
        _event(shop, person, "photo", product_id=product_id)
        shop.count("selfies shared")


def _redeem(shop: _Shop, person: str) -> None:
    """Spend points on a catalog reward; most codes are used at checkout, some expire."""
    balance = ledger_balance(shop, person)
    affordable = [reward.id for reward in REWARDS if reward.cost <= balance]
    if not affordable:
        return
    reward_id = shop.rng.choice(affordable)
    try:
        redeemed = rewards.redeem(
            shop.app.uow(), shop.clock, shop.store.id, person, reward_id, shop.next_id("redeem")
        )
    except (InsufficientPoints, NotFound, NotRedeemable):
        return  # not enough points yet, or the reward is gone
    shop.count(f"rewards redeemed: {reward_id}")
    if shop.rng.random() < 0.85:
        rewards.use_code(
            shop.app.uow(), shop.clock, shop.store.id, redeemed.redemption.code, shop.next_id("o")
        )
        shop.count("reward codes used at checkout")


def ledger_balance(shop: _Shop, person: str) -> int:
    with shop.app.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT available FROM customers WHERE store_id = ? AND id = ?",
            (shop.store.id, person),
        ).scalar()
    return int(found or 0)


def _checkout_with_points(shop: _Shop, person: str) -> None:
    """Points as money: quote, hold while the order is placed, capture (or abandon)."""
    subtotal = Decimal(shop.rng.randint(30, 150))
    _program, q = checkout.get_quote(shop.app.uow(), shop.store.id, person, subtotal)
    if not q.usable:
        return
    held = checkout.hold_points(
        shop.app.uow(),
        shop.clock,
        shop.store.id,
        person,
        q.max_points,
        subtotal,
        shop.next_id("checkout"),
        timedelta(minutes=30),
    )
    if shop.rng.random() < 0.15:
        shop.count("checkouts abandoned (hold timed out)")
        return
    order_id = _order(shop, person, subtotal - held.worth)
    checkout.capture(
        shop.app.uow(), shop.clock, shop.store.id, held.hold_id, order_id, subtotal - held.worth
    )
    shop.count("orders paid partly with points")


def _refund(shop: _Shop, person: str) -> None:
    placed = shop.orders.get(person)
    if not placed:
        return
    order_id, lines = placed.pop(shop.rng.randrange(len(placed)))
    if lines > 1 and shop.rng.random() < 0.6:
        refund = RecordRefund(
            shop.store.id,
            order_id,
            shop.next_id("refund"),
            lines=(RefundedLine("l0", quantity=1),),
        )
        earning.record_refund(shop.app.uow(), shop.clock, refund)
        shop.count("partial refunds")
    else:
        earning.cancel_order(shop.app.uow(), shop.clock, CancelOrder(shop.store.id, order_id))
        shop.count("orders cancelled")


def _goodwill(shop: _Shop, person: str) -> None:
    ledger.adjust(
        shop.app.uow(),
        shop.clock,
        Adjust(shop.store.id, person, shop.next_id("goodwill"), 150, "late delivery apology"),
    )
    shop.count("goodwill adjustments")


def _leave(shop: _Shop, leaver: str, forgotten: str) -> None:
    """At the year's end one customer leaves the programme and one asks to be forgotten."""
    for person, end in ((leaver, "close"), (forgotten, "erase")):
        if person not in shop.joined:
            continue
        if end == "close":
            closing.close_account(
                shop.app.uow(), shop.clock, shop.store.id, person, "left the programme"
            )
            shop.count("accounts closed")
        else:
            closing.erase_customer(shop.app.uow(), shop.clock, shop.store.id, person)
            shop.count("customers erased")


def _housekeeping(shop: _Shop) -> None:
    """A pass of `walaa worker` at the demo's moment: holds time out, pending points ripen,
    old points expire (with a warning first), unused codes give points back, memberships
    lapse or grant their monthly points, tier reviews run."""
    worker = Worker(shop.app.uow, shop.app.jobs, shop.app.idempotency)
    report = run_pass(worker, shop.clock.now(), stores=[shop.store.id])
    if not report.ok:
        raise RuntimeError(f"the worker failed: {report.jobs}")


def print_summary(console: Console, result: DemoResult) -> None:
    store = result.store
    console.print(
        f"[bold]{store.name}[/bold] ({store.id}, {store.currency}, {store.timezone}) "
        f"built in {result.path}"
    )
    activity = Table("activity over the year", "count")
    for what, n in sorted(result.counts.items()):
        activity.add_row(what, f"{n:,}")
    console.print(activity)
    books = Table("account", "points", title="the books (they sum to zero)")
    for account, amount in result.audit.totals.items():
        books.add_row(account, f"{amount:,}")
    books.add_row("[bold]total[/bold]", f"[bold]{sum(result.audit.totals.values()):,}[/bold]")
    console.print(books)
    levels = Table("tier", "customers", title="customers by tier")
    for level in ("bouncy", "dewy", "ultimate"):
        levels.add_row(level, str(result.tiers.get(level, 0)))
    console.print(levels)
    people = Table("customer", "balance", "pending", "on hold", title="top balances")
    for customer_id, available, pending, held in result.balances:
        people.add_row(customer_id, f"{available:,}", f"{pending:,}", f"{held:,}")
    console.print(people)
    for customer_id, lines in result.histories.items():
        history = Table(
            "date", "what", "spendable", "pending", "why", title=f"{customer_id}: latest entries"
        )
        for day, kind, available, pending, why in lines:
            history.add_row(day, kind, f"{available:+,}", f"{pending:+,}", why)
        console.print(history)
    given = Table(
        "cause", "orders", "taken back", "points", "total", "lines", title="given to causes"
    )
    for row in result.giving:
        given.add_row(*row)
    console.print(given)
    console.print(f"owed to causes for the year: {result.given}")
    for line in result.games:
        console.print(line)
    badges = Table(
        "badge", "grants", "customers", "times", title="badges earned by the demo customers"
    )
    for name, grants, earners, times in result.badges:
        badges.add_row(name, grants, f"{earners:,}", f"{times:,}")
    console.print(badges)
    holders = Table("customer", "badges", "closest next", title="most badges")
    for row in result.badge_holders:
        holders.add_row(*row)
    console.print(holders)
    referred = Table(
        "friend", "status", "what happened", title="referrals of amal-hassan"
    )  # as decided on the day
    for row in result.referrals:
        referred.add_row(*row)
    console.print(referred)
    verdict = (
        "[green]audit: books balance[/green]" if result.audit.ok else "[red]audit FAILED[/red]"
    )
    console.print(verdict)

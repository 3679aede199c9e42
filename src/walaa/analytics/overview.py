"""The overview's figures: members, points issued / redeemed / expired, redemption rate,
outstanding points and what they are worth, and how members and non-members buy, per channel
and per month.

Definitions (docs/dashboard.md repeats them for merchants):

* a *member* is a customer of the store whose data is not erased; *active* if they earned or
  spent points in the period;
* points *issued* are credits from the store's ``issued`` account (staff adjustments come from
  ``adjustments`` and are not counted), *redeemed* what reached its
  ``redeemed`` account, *expired* its ``expired`` account, all by when the transaction
  happened; the *redemption rate* is redeemed / issued over the period;
* *outstanding* points are what customers hold now: spendable (a debt counts as 0), pending
  and held; their *value* is the program's point value applied to them (the liability);
* among orders (paid, not cancelled), a *member's order* is one placed by a customer who had
  a paid membership (any plan) by then; the others are non-members'. The *repeat purchase
  rate* is the share of buyers of the period who bought twice or more, and the *average order
  value* the mean of what the order's lines paid.

Order values live in the order's JSON, and months are cut in the store's time zone, so both
are summed here in Python over the rows of the window rather than in dialect-specific SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, case, func, select

from walaa.adapters.db import tables as t
from walaa.domain.money import Money
from walaa.domain.program import Channel, Program
from walaa.domain.stores import Store

CHANNELS = tuple(Channel)
MONTHS = 12
POINT_ACCOUNTS = ("issued", "redeemed", "expired")


@dataclass(frozen=True)
class Buying:
    """How one group of buyers bought over the period."""

    orders: int = 0
    buyers: int = 0
    repeat_buyers: int = 0
    value: Decimal = Decimal(0)

    @property
    def repeat_rate(self) -> Decimal | None:
        return Decimal(self.repeat_buyers) / self.buyers if self.buyers else None

    @property
    def average_order(self) -> Decimal | None:
        return (self.value / self.orders).quantize(Decimal("0.01")) if self.orders else None


@dataclass(frozen=True)
class Month:
    start: datetime  # the first instant of the month in the store's time zone
    issued: int = 0
    redeemed: int = 0
    expired: int = 0
    member_orders: int = 0
    other_orders: int = 0


@dataclass(frozen=True)
class Overview:
    start: datetime
    end: datetime
    members: int
    active_members: int
    issued: int
    redeemed: int
    expired: int
    outstanding: int
    liability: Money | None
    #: "members" / "non_members" -> channel (or "all") -> Buying
    buying: dict[str, dict[str, Buying]] = field(default_factory=dict)
    months: list[Month] = field(default_factory=list)

    @property
    def redemption_rate(self) -> Decimal | None:
        return Decimal(self.redeemed) / self.issued if self.issued else None


def month_starts(end: datetime, timezone: str, count: int = MONTHS) -> list[datetime]:
    """The first instants of the ``count`` months up to ``end``'s, oldest first."""
    local = end.astimezone(ZoneInfo(timezone))
    year, month = local.year, local.month
    starts = []
    for _ in range(count):
        starts.append(datetime(year, month, 1, tzinfo=ZoneInfo(timezone)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def overview_for(
    conn: Connection, store: Store, end: datetime, days: int = 30, *, program: Program | None
) -> Overview:
    """The overview's figures over ``days`` to ``end``; ``program`` is the one in force (from
    the process's cache, `walaa.service.handlers.in_force`), which prices the liability."""
    start = end - timedelta(days=days)
    months = month_starts(end, store.timezone)
    since = min(start, months[0])
    points = _points(conn, store.id, since, end)
    orders = _orders(conn, store.id, since, end)
    joined = _membership_starts(conn, store.id)
    members, active = _members(conn, store.id, start)
    outstanding = _outstanding(conn, store.id)
    return Overview(
        start=start,
        end=end,
        members=members,
        active_members=active,
        issued=sum(n for account, at, n in points if account == "issued" and at >= start),
        redeemed=sum(n for account, at, n in points if account == "redeemed" and at >= start),
        expired=sum(n for account, at, n in points if account == "expired" and at >= start),
        outstanding=outstanding,
        liability=program.point_value.value_of(outstanding) if program else None,
        buying=_buying([o for o in orders if o[2] >= start], joined),
        months=_months(months, end, points, orders, joined),
    )


def _points(
    conn: Connection, store_id: str, since: datetime, end: datetime
) -> list[tuple[str, datetime, int]]:
    """The store accounts' movements in the window, as points in that account's direction."""
    p, x = t.postings, t.ledger_transactions
    query = (
        select(p.c.account, x.c.occurred_at, p.c.amount)
        .join(x, and_(x.c.id == p.c.transaction_id, x.c.store_id == p.c.store_id))
        .where(
            p.c.store_id == store_id,
            p.c.customer_id.is_(None),
            p.c.account.in_(POINT_ACCOUNTS),
            x.c.occurred_at >= since,
            x.c.occurred_at <= end,
        )
    )
    # issued is a negative account (points leave it); redeemed and expired fill up
    return [
        (row.account, row.occurred_at, -row.amount if row.account == "issued" else row.amount)
        for row in conn.execute(query)
    ]


def _orders(
    conn: Connection, store_id: str, since: datetime, end: datetime
) -> list[tuple[str, str, datetime, Decimal]]:
    o = t.orders
    query = select(o.c.customer_id, o.c.channel, o.c.placed_at, o.c.request).where(
        o.c.store_id == store_id,
        o.c.status == "paid",
        o.c.placed_at >= since,
        o.c.placed_at <= end,
    )
    return [
        (row.customer_id, row.channel, row.placed_at, order_value(row.request))
        for row in conn.execute(query)
    ]


def order_value(request: dict[str, object]) -> Decimal:
    lines = request.get("lines") or []
    assert isinstance(lines, list)
    return sum((Decimal(str(line["paid"])) for line in lines), Decimal(0))


def _membership_starts(conn: Connection, store_id: str) -> dict[str, datetime]:
    m = t.memberships
    query = (
        select(m.c.customer_id, func.min(m.c.started_at).label("first"))
        .where(m.c.store_id == store_id)
        .group_by(m.c.customer_id)
    )
    return {row.customer_id: row.first for row in conn.execute(query)}


def _members(conn: Connection, store_id: str, start: datetime) -> tuple[int, int]:
    c = t.customers
    active = func.sum(case((c.c.last_activity_at >= start, 1), else_=0))
    query = select(func.count(), active).where(c.c.store_id == store_id, c.c.erased_at.is_(None))
    members, active_count = conn.execute(query).one()
    return int(members), int(active_count or 0)


def _outstanding(conn: Connection, store_id: str) -> int:
    c = t.customers
    spendable = case((c.c.available > 0, c.c.available), else_=0)
    query = select(func.coalesce(func.sum(spendable + c.c.pending + c.c.held), 0)).where(
        c.c.store_id == store_id
    )
    return int(conn.execute(query).scalar_one())


def _is_member(customer: str, at: datetime, joined: dict[str, datetime]) -> bool:
    first = joined.get(customer)
    return first is not None and first <= at


def _buying(
    orders: Iterable[tuple[str, str, datetime, Decimal]], joined: dict[str, datetime]
) -> dict[str, dict[str, Buying]]:
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    values: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for customer, channel, at, value in orders:
        group = "members" if _is_member(customer, at, joined) else "non_members"
        for where in (channel, "all"):
            counts[group, where][customer] += 1
            values[group, where] += value
    return {
        group: {
            where: Buying(
                orders=sum(counts[group, where].values()),
                buyers=len(counts[group, where]),
                repeat_buyers=sum(1 for n in counts[group, where].values() if n >= 2),
                value=values[group, where],
            )
            for where in ("all", *CHANNELS)
        }
        for group in ("members", "non_members")
    }


def _months(
    starts: list[datetime],
    end: datetime,
    points: list[tuple[str, datetime, int]],
    orders: list[tuple[str, str, datetime, Decimal]],
    joined: dict[str, datetime],
) -> list[Month]:
    bounds = [*starts[1:], end + timedelta(microseconds=1)]
    months = []
    for start, stop in zip(starts, bounds, strict=True):
        moved: dict[str, int] = defaultdict(int)
        for account, at, n in points:
            if start <= at < stop:
                moved[account] += n
        inside = [o for o in orders if start <= o[2] < stop]
        mine = sum(1 for o in inside if _is_member(o[0], o[2], joined))
        months.append(
            Month(
                start,
                moved["issued"],
                moved["redeemed"],
                moved["expired"],
                mine,
                len(inside) - mine,
            )
        )
    return months

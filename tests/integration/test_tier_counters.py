"""Tier counters give exactly what summing the history gives, in few statements.

A tier measure is read from running totals per customer per UTC month plus the history rows of
the window's two partial edge months. Whatever the events (orders, refunds dated at their
order's time, actions; amounts with 0 to 4 decimals; moments on and around month boundaries)
and whatever the window (rolling N months to the microsecond, a calendar year in the store's
time zone, a review's two windows), the counters' answer equals the history's sum, to its last
printed decimal, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update

from tests.api.test_statement_budget import counting
from tests.conftest import NO_POSTGRES, POSTGRES_URL, fresh_schema, postgres_engine
from tests.integration.test_tier_review_batch import ROLLING, with_tiers
from walaa.adapters.db import tables as tb
from walaa.adapters.db.audit import audit_store
from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App
from walaa.domain import tiers as t
from walaa.domain.explanations import LocalizedText
from walaa.domain.program import CalendarYear, RollingMonths, TierLevel, TierMeasure, TierPolicy
from walaa.domain.tier_buckets import bucket_of, largest, spend_scale, split
from walaa.domain.tiers import QualifyingEvent, QualifyingWindow
from walaa.service.handlers.program import current_program
from walaa.service.handlers.tiers import count_activity, current_tier

START, END = datetime(2023, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
MONTHS = [datetime(2023 + i // 12, i % 12 + 1, 1, tzinfo=UTC) for i in range(36)]
ZONES = ["UTC", "Asia/Riyadh", "America/St_Johns", "Pacific/Kiritimati", "Asia/Kathmandu"]
NEAR = [timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1), timedelta(hours=3)]


def moments() -> st.SearchStrategy[datetime]:
    """Anywhere in three years, or on (or a microsecond around) the first of a month."""
    anywhere = st.datetimes(START.replace(tzinfo=None), END.replace(tzinfo=None)).map(
        lambda moment: moment.replace(tzinfo=UTC)
    )
    near = st.sampled_from(NEAR)
    edge = st.builds(lambda month, step: month + step, st.sampled_from(MONTHS), near)
    return st.one_of(anywhere, edge)


# amounts with 0 to 4 decimals (what a sum prints with depends on the most of them)
spends = st.builds(
    lambda units, step: Decimal(units * step) / 10_000,
    st.integers(-20_000, 20_000),
    st.sampled_from([10_000, 1_000, 100, 10, 1]),
)
amounts = st.builds(
    QualifyingEvent,
    moments(),
    spends,
    st.integers(-500, 500),
    st.integers(-1, 1),
)


@st.composite
def events(draw: st.DrawFn) -> list[QualifyingEvent]:
    """Orders, actions and odd amounts anywhere, and refunds of some of the orders: each dated
    at its order's moment (as the service dates them), taking back part or all of it."""
    orders = draw(st.lists(amounts, max_size=20))
    refunds = []
    for order in draw(st.lists(st.sampled_from(orders), max_size=6)) if orders else ():
        whole = draw(st.booleans())
        share = Decimal(1) if whole else Decimal(draw(st.integers(1, 99))) / 100
        spend = (abs(order.spend) * share).quantize(Decimal("0.0001"))
        points = int(abs(order.points) * share)
        refunds.append(
            QualifyingEvent.refund(order.at, spend=spend, points=points, whole_order=whole)
        )
    return orders + refunds


LEVELS = (
    TierLevel(id="member", name=LocalizedText.of("Member"), threshold=Decimal(0)),
    TierLevel(id="gold", name=LocalizedText.of("Gold"), threshold=Decimal(100)),
)
policies = st.builds(
    lambda measure, window: TierPolicy(measure=measure, window=window, levels=LEVELS),
    st.sampled_from(list(TierMeasure)),
    st.one_of(st.builds(RollingMonths, st.integers(1, 24)), st.just(CalendarYear())),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=events(), policy=policies, as_of=moments(), zone=st.sampled_from(ZONES))
def test_counters_measure_exactly_what_summing_the_history_gives(
    app, store, history, policy, as_of, zone
):
    customer = f"c-{uuid.uuid4().hex[:12]}"  # each example its own customer, rolled back
    with app.uow() as uow:
        repo = uow.tiers(store.id)
        for n, happened in enumerate(history):
            assert repo.add_history(customer, happened, f"e:{customer}:{n}")
        recorded = repo.history(customer, None)
        now = t.window_at(policy, as_of=as_of, timezone=zone)
        windows = [now, *t.review_windows(policy, as_of=as_of, timezone=zone)]
        _, sums = repo.measures(customer, policy.measure.value, windows)
        summed = [_sum(recorded, policy.measure, window) for window in windows]
        assert [str(found) for found in sums] == [str(expected) for expected in summed]
        expected = t.review_measure(recorded, policy, as_of=as_of, timezone=zone)
        assert str(largest(sums[1:])) == str(expected)
        counted = t.measure_in_window(recorded, policy, as_of=as_of, timezone=zone)
        assert str(largest(sums[:1])) == str(counted)
        batch = repo.window_sums(policy.measure.value, [(customer, now.starts, now.ends)])
        assert str(batch.get(customer, Decimal(0))) == str(summed[0])
        assert _counters(uow, store.id, customer) == _regrouped(recorded)


def _sum(history: list[QualifyingEvent], measure: TierMeasure, window: QualifyingWindow) -> Decimal:
    """The history's sum over the window, as the domain adds it (before clamping at zero)."""
    return sum((e.value(measure) for e in history if window.holds(e.at)), Decimal(0))


Totals = tuple[int, int, int, int]


def _counters(uow: Any, store_id: str, customer_id: str) -> dict[date, Totals]:
    c = tb.tier_counters
    rows = uow.conn.execute(
        select(c).where(c.c.store_id == store_id, c.c.customer_id == customer_id)
    )
    return {r.bucket: (int(r.spend_e4), int(r.points), int(r.orders), r.spend_scale) for r in rows}


def _regrouped(history: list[QualifyingEvent]) -> dict[date, Totals]:
    """The counters as they should be: each month's history rows added up."""
    months: dict[date, Totals] = {}
    for e in history:
        spend, points, orders, scale = months.get(bucket_of(e.at), (0, 0, 0, 0))
        e4 = int(e.spend * 10_000)
        add = (spend + e4, points + e.points, orders + e.orders, max(scale, spend_scale(e4)))
        months[bucket_of(e.at)] = add
    return months


@pytest.mark.parametrize(
    ("starts", "ends", "whole"),
    [
        # a rolling year from mid-March: April to February whole, two partial edges
        ("2024-03-15T10:00:00", "2025-03-15T10:00:00.000001", ("2024-04-01", "2025-03-01")),
        # a calendar year in Riyadh starts at 21:00 UTC on 31 December
        ("2024-12-31T21:00:00", "2025-06-01T00:00:00", ("2025-01-01", "2025-06-01")),
        # within one month: no whole month at all, the history covers it
        ("2025-02-03T00:00:00", "2025-02-20T00:00:00", ("2025-03-01", "2025-02-01")),
    ],
)
def test_a_window_is_its_whole_months_and_its_edges(starts, ends, whole):
    window = QualifyingWindow(_utc(starts), _utc(ends))
    piece = split(window)
    assert (piece.whole_from.isoformat(), piece.whole_to.isoformat()) == whole
    covered = [*piece.edges]
    if piece.has_whole:
        covered.append((_utc(whole[0]), _utc(whole[1])))
    covered.sort()
    assert covered[0][0] == window.starts and covered[-1][1] == window.ends
    assert all(a[1] == b[0] for a, b in pairwise(covered))


def _utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


# -- the order path's statements -------------------------------------------------------------


def _program(app: App, clock: Any, store_id: str) -> Any:
    with_tiers(app, clock, store_id, ROLLING)  # bouncy, dewy from 100, ultimate from 300
    with app.uow() as uow:
        return current_program(uow.earning(store_id))


def test_counting_an_order_is_one_write_and_one_read_on_postgresql(app, clock, store, engine):
    """The rules read the customer's tier first (`current_tier`); counting the order then
    sends the history row with its counter (one statement on PostgreSQL, two on SQLite) and
    one read of the window's measure: the status is not read again. A replay writes nothing
    more and reads nothing."""
    program = _program(app, clock, store.id)
    order = QualifyingEvent.order(clock.now(), spend=Decimal("40"), points=40)
    writes = 1 if engine.dialect.name == "postgresql" else 2
    with app.uow() as uow:
        uow.ledger(store.id).lock_customer("amal", create=True)
        assert current_tier(uow, store.id, "amal") is None
        with counting(engine) as sent:
            decision = count_activity(uow, program, store.id, "amal", order, "order:o-1")
        assert decision is not None and decision.to_level == "bouncy"
        assert len(sent) == writes + 1 + 1  # + 1: a new customer's first status is written
        assert sum("customer_tiers" in s for s in sent[:-1]) == 0
        with counting(engine) as sent:
            again = count_activity(uow, program, store.id, "amal", order, "order:o-2")
        assert again is not None and again.to_level == "bouncy" and not again.needs_saving
        assert len(sent) == writes + 1
        assert not any(s.lstrip().startswith("SELECT customer_tiers") for s in sent)
        with counting(engine) as sent:
            assert count_activity(uow, program, store.id, "amal", order, "order:o-2") is None
        assert len(sent) == 1  # the history insert found the key: nothing is counted
        uow.commit()
    with app.uow() as uow:  # without the rules' read, the status comes with the measure
        with counting(engine) as sent:
            up = QualifyingEvent.order(clock.now(), spend=Decimal("10.5"), points=10)
            quiet = count_activity(uow, program, store.id, "amal", up, "order:o-3")
        assert quiet is not None and not quiet.needs_saving
        assert len(sent) == writes + 1
        _, sums = uow.tiers(store.id).measures("amal", "spend", [_year(clock.now())])
        assert [str(found) for found in sums] == ["90.5"]


def _year(now: datetime) -> QualifyingWindow:
    return QualifyingWindow(now - timedelta(days=365), now + timedelta(microseconds=1))


def test_a_status_saved_in_the_unit_of_work_is_the_one_read_back(app, clock, store):
    program = _program(app, clock, store.id)
    big = QualifyingEvent.order(clock.now(), spend=Decimal("150"), points=150)
    with app.uow() as uow:
        uow.ledger(store.id).lock_customer("amal", create=True)
        assert current_tier(uow, store.id, "amal") is None
        decision = count_activity(uow, program, store.id, "amal", big, "order:o-1")
        assert decision is not None and decision.to_level == "dewy"
        assert current_tier(uow, store.id, "amal") == "dewy"  # from memory, as saved
    with app.uow() as uow:  # rolled back: a new unit of work reads the database again
        assert current_tier(uow, store.id, "amal") is None


# -- the migration fills the counters from the history ----------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def at_0025(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database migrated up to the revision before the counters."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        upgrade(engine, "0025")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_schema("walaa_counters") as schema:
        engine = postgres_engine(schema)
        upgrade(engine, "0025")
        yield engine
        engine.dispose()


def test_the_migration_fills_the_counters_from_the_history(at_0025):
    rows = [
        ("s1", "amal", "2025-01-31 23:59:59.999999+00", 1_205_000, 120, 1, "o-1"),
        ("s1", "amal", "2025-01-01 00:00:00+00", 10_000, 1, 1, "o-2"),
        ("s1", "amal", "2025-01-15 12:00:00+00", -602_500, -60, 0, "r-1"),
        ("s1", "amal", "2025-02-01 00:00:00+00", 5_000, 0, 1, "o-3"),
        ("s1", "huda", "2025-01-10 00:00:00+00", 20_000, 2, 1, "o-4"),
        ("s2", "amal", "2025-01-10 00:00:00+00", 30_000, 3, 1, "o-5"),
    ]
    h = tb.tier_history
    with at_0025.begin() as conn:
        for store_id, customer, at, spend, points, orders, key in rows:
            conn.execute(
                h.insert().values(
                    store_id=store_id,
                    customer_id=customer,
                    at=datetime.fromisoformat(at),
                    spend_e4=spend,
                    points=points,
                    orders=orders,
                    source_key=key,
                )
            )
    upgrade(at_0025)
    c = tb.tier_counters
    with at_0025.connect() as conn:
        found = {
            (r.store_id, r.customer_id, r.bucket): (r.spend_e4, r.points, r.orders, r.spend_scale)
            for r in conn.execute(select(c))
        }
        assert conn.execute(text("SELECT count(*) FROM tier_history")).scalar_one() == 6
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    assert found == {
        ("s1", "amal", jan): (612_500, 61, 2, 2),  # 120.5 + 1 - 60.25: two decimals at most
        ("s1", "amal", feb): (5_000, 0, 1, 1),
        ("s1", "huda", jan): (20_000, 2, 1, 0),
        ("s2", "amal", jan): (30_000, 3, 1, 0),
    }


def test_the_audit_finds_a_counter_that_no_longer_adds_up(app, clock, store, engine):
    program = _program(app, clock, store.id)
    with app.uow() as uow:
        uow.ledger(store.id).lock_customer("amal", create=True)
        order = QualifyingEvent.order(clock.now(), spend=Decimal("40"), points=40)
        count_activity(uow, program, store.id, "amal", order, "order:o-1")
        uow.commit()
    with engine.connect() as conn:
        assert audit_store(conn, store.id).ok
    c = tb.tier_counters
    with engine.begin() as conn:
        conn.execute(update(c).where(c.c.store_id == store.id).values(points=c.c.points + 1))
    with engine.connect() as conn:
        report = audit_store(conn, store.id)
    [broken] = [check for check in report.checks if not check.ok]
    assert broken.name == "tier counters add up"
    assert broken.breaches == [("amal", "counters less history: spend_e4 0, points 1, orders 0")]

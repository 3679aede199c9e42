#!/usr/bin/env python
"""Rule evaluation speed: a 20-rule program against a 1-rule program on the same cart, one run.

    python bench/rule_evaluation.py [--iterations 3000] [--repeats 7]

Both programs evaluate the same 10-line cart, placed online on a Saturday by a gold customer
with some history, through `evaluate_order` exactly as the service layer calls it (the refund
basis and every explanation included). The 20-rule program is shaped like the ones merchants
run: spend, category and tag bonuses, per-unit and per-product rules, a weekend multiplier and
a tier multiplier in a best-of group, a date-window promotion, thresholds, channel rules and
per-customer limits. The 1-rule program only earns on spend.

Evaluation is pure and single-threaded, so orders/second here is per core. The machine may be
shared and noisy: the two programs run back to back in each repeat, in alternating order, and
each side's best repeat counts; the ratio says how cost grows with the number of rules.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from walaa.domain.earning import (
    Customer,
    Evaluation,
    Order,
    OrderLine,
    RuleUsage,
    UsageSnapshot,
    evaluate_order,
)
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Money
from walaa.domain.program import (
    Channel,
    Condition,
    EarnRate,
    Effect,
    FixedPoints,
    ForTags,
    ForTiers,
    InWindow,
    ItemFilter,
    MinAmount,
    MinQuantity,
    Multiply,
    OnChannels,
    OnWeekdays,
    PerAmount,
    PerCustomer,
    Period,
    PerOrder,
    PerUnit,
    PointValue,
    Program,
    Rule,
    Weekday,
)

D = Decimal
SATURDAY = datetime(2025, 5, 10, 14, tzinfo=UTC)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=3000, help="orders per timed repeat")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per program")
    return parser.parse_args(argv)


def usd(amount: str) -> Money:
    return Money(D(amount), "USD")


def rule(rule_id: str, effect: Effect, *conditions: Condition, **options: Any) -> Rule:
    return Rule(
        id=rule_id,
        name=LocalizedText.of({"en": rule_id.replace("-", " ").capitalize(), "ar": rule_id}),
        effect=effect,
        conditions=conditions,
        **options,
    )


def categories(*names: str) -> ItemFilter:
    return ItemFilter(categories=frozenset(names))


WEEKEND = OnWeekdays(frozenset({Weekday.FRIDAY, Weekday.SATURDAY}))
SPEND = rule("spend", PerAmount())

TWENTY_RULES = (
    SPEND,
    rule("perfume-bonus", PerAmount(EarnRate(2, usd("1"))), items=categories("perfume")),
    rule("skincare-bonus", PerAmount(EarnRate(1, usd("2"))), items=categories("skincare")),
    rule("sale-excluded", PerAmount(EarnRate(1, usd("5"))), exclude_items=categories("sale")),
    rule("gift-tag", PerUnit(15), items=ItemFilter(tags=frozenset({"gift"}))),
    rule("sku-candle", PerUnit(25), items=ItemFilter(skus=frozenset({"CANDLE-1", "CANDLE-2"}))),
    rule("hero-product", FixedPoints(200), items=ItemFilter(product_ids=frozenset({"p-3"}))),
    rule(
        "weekend-double",
        Multiply(D(2), ("spend",)),
        WEEKEND,
        OnChannels(frozenset({Channel.ONLINE})),
        group="boost",
    ),
    rule(
        "gold-boost", Multiply(D("1.5"), ("spend",)), ForTiers(frozenset({"gold"})), group="boost"
    ),
    rule("students", FixedPoints(150), ForTags(frozenset({"students"}))),
    rule("may-sale", FixedPoints(300), InWindow(datetime(2025, 5, 1), datetime(2025, 6, 1))),
    rule(
        "weekend-1000",
        FixedPoints(1000),
        WEEKEND,
        MinAmount(D("250.00")),
        limits=(PerCustomer(Period.WEEK, times=1),),
    ),
    rule("basket-of-8", FixedPoints(120), MinQuantity(8)),
    rule("app-order", FixedPoints(100), OnChannels(frozenset({Channel.APP}))),
    rule("in-store", FixedPoints(50), OnChannels(frozenset({Channel.IN_STORE}))),
    rule(
        "capped-double",
        PerAmount(EarnRate(2, usd("1"))),
        items=categories("makeup"),
        limits=(PerOrder(100),),
    ),
    rule(
        "monthly-bonus",
        FixedPoints(250),
        MinAmount(D("100.00")),
        limits=(PerCustomer(Period.MONTH, times=2, points=400),),
    ),
    rule("hair-units", PerUnit(5), items=categories("hair")),
    rule("big-spender", FixedPoints(500), MinAmount(D("400.00")), group="tiered"),
    rule("bigger-spender", FixedPoints(900), MinAmount(D("800.00")), group="tiered"),
)

CART = (
    OrderLine("l1", D("120.00"), 1, product_id="p-1", categories=frozenset({"perfume"})),
    OrderLine("l2", D("45.50"), 2, product_id="p-2", categories=frozenset({"skincare"})),
    OrderLine("l3", D("89.00"), 1, product_id="p-3", sku="HERO", tags=frozenset({"gift"})),
    OrderLine("l4", D("19.99"), 1, sku="CANDLE-1", categories=frozenset({"home"})),
    OrderLine("l5", D("30.00"), 3, categories=frozenset({"hair"})),
    OrderLine("l6", D("25.00"), 1, categories=frozenset({"makeup", "sale"})),
    OrderLine("l7", D("64.90"), 1, categories=frozenset({"makeup"})),
    OrderLine("l8", D("12.00"), 2, tags=frozenset({"gift"}), categories=frozenset({"bath"})),
    OrderLine("l9", D("99.00"), 1, categories=frozenset({"perfume", "sale"})),
    OrderLine("l10", D("15.00"), 1, sku="CANDLE-2", categories=frozenset({"home"})),
)
CUSTOMER = Customer("c-1", tier="gold", tags=frozenset({"vip"}))
USAGE = UsageSnapshot({("monthly-bonus", Period.MONTH): RuleUsage(1, 250)})


def program(rules: tuple[Rule, ...]) -> Program:
    return Program(
        version=1,
        currency="USD",
        points_name=LocalizedText.of({"en": "Flex", "ar": "فلكس"}),
        timezone="Asia/Riyadh",
        earn_rate=EarnRate(1, usd("1")),
        point_value=PointValue(500, usd("5")),
        rules=rules,
    )


def evaluator(the_program: Program) -> Callable[[], Evaluation]:
    order = Order("o-1", SATURDAY, "USD", CART, Channel.ONLINE)

    def evaluate() -> Evaluation:
        return evaluate_order(the_program, order, customer=CUSTOMER, usage=USAGE)

    return evaluate


def seconds_for(evaluate: Callable[[], Evaluation], iterations: int) -> float:
    started = time.perf_counter()
    for _ in range(iterations):
        evaluate()
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    sides = {
        "20 rules": evaluator(program(TWENTY_RULES)),
        "1 rule": evaluator(program((SPEND,))),
    }
    for name, evaluate in sides.items():
        result = evaluate()
        print(f"{name}: {result.total} points from {len(result.awards)} awards per order")
        seconds_for(evaluate, args.iterations // 10)  # warm caches and the zone lookup
    best = dict.fromkeys(sides, float("inf"))
    for repeat in range(args.repeats):
        order = list(sides) if repeat % 2 == 0 else list(reversed(sides))
        for name in order:
            best[name] = min(best[name], seconds_for(sides[name], args.iterations))
    rates = {name: args.iterations / seconds for name, seconds in best.items()}
    print(f"\nPython {platform.python_version()} on {platform.machine()}, one core")
    print(f"{args.iterations} orders x {args.repeats} repeats, best repeat each, 10-line cart")
    for name, rate in rates.items():
        print(f"  {name:>8}: {rate:>10,.0f} orders/s per core  ({1e6 / rate:7.1f} us/order)")
    ratio = rates["1 rule"] / rates["20 rules"]
    print(f"  ratio: a 20-rule program costs {ratio:.1f}x a 1-rule program per order")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

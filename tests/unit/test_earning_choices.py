"""The choices a merchant makes about how rules earn, each against today's default.

Every row is a program, an order and what it must earn; refunds of the same orders must take
back exactly the points the lines earned, and every award must read right in English and
Arabic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from walaa.domain.earning import (
    Evaluation,
    Order,
    OrderBasis,
    OrderLine,
    Refund,
    RefundedLine,
    evaluate_order,
    explain,
    take_back,
)
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Money
from walaa.domain.program import (
    EarnRate,
    ItemFilter,
    MinQuantity,
    Multiply,
    PerAmount,
    PerUnit,
    PointValue,
    Program,
    Rule,
)

D = Decimal
WEDNESDAY = datetime(2025, 5, 7, 9, tzinfo=UTC)
ELECTRONICS = ItemFilter(categories=frozenset({"electronics"}))
SHOES = ItemFilter(categories=frozenset({"shoes"}))


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def rule(rule_id: str, effect: Any, name: dict[str, str] | None = None, **options: Any) -> Rule:
    text = name or {"en": rule_id.replace("-", " ").capitalize()}
    return Rule(id=rule_id, name=LocalizedText.of(text), effect=effect, **options)


SPEND = rule("spend", PerAmount(), {"en": "Points on spend", "ar": "نقاط على المشتريات"})
ELECTRONICS_DOUBLE = rule(
    "electronics-x2",
    Multiply(D(2)),
    {"en": "Electronics x2", "ar": "الإلكترونيات مضاعفة"},
    items=ELECTRONICS,
)


def program(*rules: Rule, **settings: Any) -> Program:
    values: dict[str, Any] = {
        "version": 3,
        "currency": "USD",
        "points_name": LocalizedText.of({"en": "Flex", "ar": "فلكس"}),
        "timezone": "Asia/Riyadh",
        "earn_rate": EarnRate(1, usd("1")),
        "point_value": PointValue(500, usd("5")),
        "rules": rules,
    }
    return Program(**{**values, **settings})


def item(line_id: str, paid: str, quantity: int = 1, *categories: str, **options: Any) -> OrderLine:
    return OrderLine(line_id, D(paid), quantity, categories=frozenset(categories), **options)


SHOE = item("shoe", "100.00", 2, "shoes")
TV = item("tv", "200.00", 1, "electronics")


def earn(prog: Program, *lines: OrderLine, **options: Any) -> Evaluation:
    return evaluate_order(prog, Order("o-1", WEDNESDAY, "USD", lines, **options))


def by_rule(evaluation: Evaluation) -> dict[str, int]:
    return {award.rule_id: award.points for award in evaluation.awards}


def refunded(basis: OrderBasis | None, line_id: str, quantity: int) -> int:
    assert basis is not None
    restored = OrderBasis.from_record(basis.to_record())  # as stored, then read back
    return take_back(restored, Refund("r-1", (RefundedLine(line_id, quantity),))).points


# --- 3. a multiplier with an item filter multiplies those items only -------------------------


def test_a_multiplier_with_items_multiplies_only_those_items_points() -> None:
    evaluation = earn(program(SPEND, ELECTRONICS_DOUBLE), SHOE, TV)
    # 100 for the shoes as usual, 2 x 200 for the television: not 2 x 300
    assert by_rule(evaluation) == {"spend": 500}
    assert explain(evaluation.awards[0]) == (
        "Points on spend: 500 Flex for 300.00 USD on 3 items at 1 per 1 USD,"
        " doubled by Electronics x2 on 1 of these items"
    )
    assert explain(evaluation.awards[0], "ar").endswith(
        "مضاعفة بفضل الإلكترونيات مضاعفة على 1 من هذه المنتجات"
    )


def test_a_multiplier_without_items_still_multiplies_the_whole_award() -> None:
    everything = rule("double", Multiply(D(2)))
    evaluation = earn(program(SPEND, everything), SHOE, TV)
    assert by_rule(evaluation) == {"spend": 600}
    assert explain(evaluation.awards[0]).endswith("doubled by Double")


def test_per_unit_awards_multiply_only_the_units_of_the_filtered_items() -> None:
    per_unit = rule("per-unit", PerUnit(10))
    triple = rule("tv-x3", Multiply(D(3), ("per-unit",)), items=ELECTRONICS)
    evaluation = earn(program(per_unit, triple), SHOE, TV)
    assert by_rule(evaluation) == {"per-unit": 2 * 10 + 3 * 10}
    assert explain(evaluation.awards[0]).endswith("tripled by Tv x3 on 1 of these items")


def test_a_refund_takes_back_what_each_line_earned_under_a_filtered_multiplier() -> None:
    basis = earn(program(SPEND, ELECTRONICS_DOUBLE), SHOE, TV).basis
    assert refunded(basis, "tv", 1) == 400
    assert refunded(basis, "shoe", 1) == 50
    assert refunded(basis, "shoe", 2) == 100


def test_a_refund_below_a_filtered_multipliers_minimum_undoes_only_its_part() -> None:
    double = rule("two-tvs-x2", Multiply(D(2)), items=ELECTRONICS, conditions=(MinQuantity(2),))
    tvs = item("tv", "400.00", 2, "electronics")
    evaluation = earn(program(SPEND, double), SHOE, tvs)
    assert by_rule(evaluation) == {"spend": 100 + 800}
    # one television back: 400 of its 800 go, and the other loses its doubling (200 more)
    assert refunded(evaluation.basis, "tv", 1) == 600

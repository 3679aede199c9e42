"""The choices a merchant makes about how rules earn, each against today's default.

Every row is a program, an order and what it must earn; refunds of the same orders must take
back exactly the points the lines earned, and every award must read right in English and
Arabic.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from walaa.domain.earning import (
    Customer,
    Evaluation,
    Order,
    OrderBasis,
    OrderLine,
    Refund,
    RefundedLine,
    counts_as_spend,
    evaluate_order,
    explain,
    preview_cart,
    take_back,
)
from walaa.domain.earning_choices import (
    DiscountSpread,
    EarnGranularity,
    OrderMinimum,
    RewardsInBase,
    WithCodes,
)
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Money
from walaa.domain.perks import tier_rule, with_perks
from walaa.domain.program import (
    EarnRate,
    FixedPoints,
    ItemFilter,
    LineKind,
    MinQuantity,
    Multiply,
    PerAmount,
    PerUnit,
    PointValue,
    Program,
    ProgramError,
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


# --- 13. a rule with `stop` ends the evaluation of the rules after it -------------------------

TV_DEAL = rule(
    "tv-deal",
    PerAmount(EarnRate(5, usd("1"))),
    {"en": "TV deal", "ar": "عرض التلفاز"},
    items=ELECTRONICS,
    stop=True,
)


def test_a_rule_with_stop_that_applies_ends_the_rules_after_it() -> None:
    evaluation = earn(program(TV_DEAL, SPEND), SHOE, TV)
    assert by_rule(evaluation) == {"tv-deal": 1000}
    assert explain(evaluation.awards[0]).endswith(", the rules after it were not applied")
    assert explain(evaluation.awards[0], "ar").endswith("ولم تُطبَّق القواعد التي تليها")
    (stopped,) = evaluation.not_met
    assert stopped.rule_id == "spend"
    assert explain(stopped) == "Points on spend: not applied, TV deal stops the rules after it"
    assert explain(stopped, "ar").endswith("لم تُطبَّق، عرض التلفاز يوقف القواعد التي تليها")


def test_rules_before_a_stop_still_apply_and_without_stop_every_rule_does() -> None:
    assert by_rule(earn(program(SPEND, TV_DEAL), SHOE, TV)) == {"spend": 300, "tv-deal": 1000}
    no_stop = rule("tv-deal", PerAmount(EarnRate(5, usd("1"))), items=ELECTRONICS)
    assert by_rule(earn(program(no_stop, SPEND), SHOE, TV)) == {"tv-deal": 1000, "spend": 300}


def test_a_stop_rule_that_does_not_apply_stops_nothing() -> None:
    evaluation = earn(program(TV_DEAL, SPEND), SHOE)
    assert by_rule(evaluation) == {"spend": 100}
    assert explain(evaluation.awards[0]) == (
        "Points on spend: 100 Flex for 100.00 USD on 2 items at 1 per 1 USD"
    )


def test_a_stop_does_not_take_away_a_tiers_multiplier() -> None:
    gold = tier_rule("gold", {"en": "Gold"}, D(2), None)
    spend_and_stop = rule("spend", PerAmount(), {"en": "Points on spend"}, stop=True)
    tiered = with_perks(program(spend_and_stop, TV_DEAL), (gold,))
    order = Order("o-1", WEDNESDAY, "USD", (SHOE, TV))
    evaluation = evaluate_order(tiered, order, customer=Customer("c-1", tier="gold"))
    assert by_rule(evaluation) == {"spend": 600}
    assert [no.rule_id for no in evaluation.not_met] == ["tv-deal"]


def test_a_refund_of_an_order_a_stop_ended_takes_back_only_what_it_earned() -> None:
    basis = earn(program(TV_DEAL, SPEND), SHOE, TV).basis
    assert refunded(basis, "tv", 1) == 1000
    assert refunded(basis, "shoe", 2) == 0


# --- 14. an order-wide minimum beside a rule's item conditions -------------------------------

SERUM = item("serum", "100.00", 2, "serum")
SERUMS = ItemFilter(categories=frozenset({"serum"}))
SERUM_DUO = rule(
    "serum-duo",
    FixedPoints(100),
    {"en": "Serum duo", "ar": "ثنائي السيروم"},
    items=SERUMS,
    conditions=(MinQuantity(2), OrderMinimum(amount=D(250))),
)


def test_an_order_minimum_is_tested_on_the_whole_order_beside_the_rules_items() -> None:
    evaluation = earn(program(SERUM_DUO), SERUM, item("cream", "200.00", 1, "cream"))
    assert by_rule(evaluation) == {"serum-duo": 100}
    assert explain(evaluation.awards[0]) == (
        "Serum duo: 100 Flex for buying at least 2 items, for an order of at least 250.00 USD"
    )
    assert explain(evaluation.awards[0], "ar").endswith("لطلب لا يقل عن 250.00 USD")


def test_an_order_below_its_minimum_says_how_much_more_to_spend() -> None:
    evaluation = earn(program(SERUM_DUO), SERUM, item("cream", "100.00", 1, "cream"))
    assert by_rule(evaluation) == {}
    (unmet,) = evaluation.not_met
    assert explain(unmet) == "Serum duo: spend 50.00 USD more on this order to earn it"
    assert "هذا الطلب" in explain(unmet, "ar")
    few = rule("three-items", PerAmount(), conditions=(OrderMinimum(quantity=4),))
    (unmet,) = earn(program(few), SERUM).not_met
    assert explain(unmet) == "Three items: add 2 more items to this order to earn it"


def test_a_refund_below_the_order_minimum_takes_the_bonus_back_entirely() -> None:
    basis = earn(program(SERUM_DUO), SERUM, item("cream", "200.00", 1, "cream")).basis
    assert refunded(basis, "cream", 1) == 100  # 100 left of an order that needed 250
    assert refunded(basis, "serum", 1) == 100  # one serum is below the rule's own minimum


def test_a_refund_below_a_multipliers_order_minimum_undoes_the_multiplier() -> None:
    big_order_double = rule("big-x2", Multiply(D(2)), conditions=(OrderMinimum(amount=D(250)),))
    evaluation = earn(program(SPEND, big_order_double), SHOE, TV)
    assert by_rule(evaluation) == {"spend": 600}
    # the shoes back: 200 of 300 remain, below 250, so the television's 200 are no longer doubled
    assert refunded(evaluation.basis, "shoe", 2) == 400


def test_bases_stored_before_these_choices_still_refund() -> None:
    """A basis stored by an earlier Walaa lacks the new keys: its multipliers multiplied the
    whole award, and it had no order minimums and no blocks."""
    basis = earn(program(SPEND, rule("double", Multiply(D(2)))), SHOE, TV).basis
    assert basis is not None
    record = basis.to_record()
    for award in record["awards"]:
        del award["order_min_amount"], award["order_min_quantity"], award["block"]
        for multiplier in award["multipliers"]:
            del multiplier["multiplies"], multiplier["order_min_amount"]
            del multiplier["order_min_quantity"]
    old = OrderBasis.from_record(record)
    assert old.awards[0].multipliers[0].multiplies is None
    assert take_back(old, Refund("r-1", (RefundedLine("tv", 1),))).points == 400


# --- 10. earn granularity: pro rata or per whole block -----------------------------------------

TWO_PER_TEN = rule("spend", PerAmount(EarnRate(2, usd("10"))), {"en": "Points on spend"})
BLOCKS = {"earn_granularity": EarnGranularity.WHOLE_BLOCKS}


def test_pro_rata_earns_on_every_cent_by_default() -> None:
    assert by_rule(earn(program(TWO_PER_TEN), item("a", "25.00"))) == {"spend": 5}


def test_whole_blocks_earn_only_per_full_block_spent() -> None:
    evaluation = earn(program(TWO_PER_TEN, **BLOCKS), item("a", "25.00"), item("b", "14.99"))
    assert by_rule(evaluation) == {"spend": 6}  # 39.99 holds three full 10s
    assert explain(evaluation.awards[0]) == (
        "Points on spend: 6 Flex for 39.99 USD on 2 items at 2 per 10 USD,"
        " earned on 3 full blocks of 10 USD"
    )
    assert explain(evaluation.awards[0], "ar").endswith("محسوبة على 3 من وحدات 10 USD الكاملة")
    assert by_rule(earn(program(TWO_PER_TEN, **BLOCKS), item("a", "9.99"))) == {}


def test_whole_blocks_are_counted_before_multipliers() -> None:
    double = rule("double", Multiply(D(2)))
    assert by_rule(earn(program(TWO_PER_TEN, double, **BLOCKS), item("a", "25.00"))) == {"spend": 8}


def test_a_refund_keeps_the_points_of_the_full_blocks_left() -> None:
    lines = (item("a", "25.00"), item("b", "4.00"))
    basis = earn(program(TWO_PER_TEN, **BLOCKS), *lines).basis
    assert basis is not None and basis.earned == 4  # 29 holds two full 10s
    assert refunded(basis, "b", 1) == 0  # 25 still holds two
    assert refunded(basis, "a", 1) == 4  # 4 holds none
    pro_rata = earn(program(TWO_PER_TEN), *lines).basis
    assert refunded(pro_rata, "b", 1) == 1  # 5 earned on 29, 4 kept on 25


# --- 19. promo codes on orders, and rules that need one ---------------------------------------

SUMMER = rule(
    "summer-code",
    FixedPoints(200),
    {"en": "Summer code", "ar": "رمز الصيف"},
    conditions=(WithCodes(frozenset({"SUMMER25"})),),
)


def test_a_rule_that_needs_a_code_earns_when_the_order_carries_it_in_any_case() -> None:
    evaluation = earn(program(SPEND, SUMMER), SHOE, codes=frozenset({" summer25 "}))
    assert by_rule(evaluation) == {"spend": 100, "summer-code": 200}
    assert (
        explain(evaluation.awards[1])
        == "Summer code: 200 Flex on this order, with the code SUMMER25"
    )
    assert explain(evaluation.awards[1], "ar").endswith("بالرمز SUMMER25")


def test_without_the_code_the_rule_says_which_code_it_needs() -> None:
    for codes in (frozenset(), frozenset({"WINTER"})):
        evaluation = earn(program(SPEND, SUMMER), SHOE, codes=codes)
        assert by_rule(evaluation) == {"spend": 100}
        (unmet,) = evaluation.not_met
        assert explain(unmet) == "Summer code: needs the code SUMMER25"
        assert explain(unmet, "ar") == "رمز الصيف: يلزم إدخال الرمز SUMMER25"


def test_a_preview_with_the_code_promises_what_the_order_will_give() -> None:
    shown = preview_cart(program(SUMMER), (SHOE,), as_of=WEDNESDAY, codes=frozenset({"SUMMER25"}))
    assert shown.total == 200


def test_only_order_rules_need_codes() -> None:
    signup = rule(
        "signup", FixedPoints(5), on="signup", conditions=(WithCodes(frozenset({"HELLO"})),)
    )
    with pytest.raises(ProgramError) as refused:
        program(signup)
    assert [p.where for p in refused.value.problems] == ["rules[0].when.codes"]


def test_a_code_bonus_stays_while_an_item_remains_and_goes_with_the_last() -> None:
    basis = earn(program(SUMMER), SHOE, TV, codes=frozenset({"SUMMER25"})).basis
    assert refunded(basis, "shoe", 2) == 0
    assert basis is not None
    everything = take_back(basis, Refund.everything("r-all"))
    assert everything.points == 200


# --- 11. the program's own rewards in the earning base -----------------------------------------

CREAM = item("cream", "100.00", 1, "cream")
POINTS_OFF = item("points", "-20.00", kind=LineKind.REWARD)  # points paid 20 of the order
FREE_GIFT = item("gift", "15.00", kind=LineKind.REWARD)  # a product a reward gave
INCLUDED = {"rewards_in_base": RewardsInBase.INCLUDED}


def test_by_default_points_never_earn_on_what_points_paid_for() -> None:
    evaluation = earn(program(SPEND), CREAM, POINTS_OFF, FREE_GIFT)
    assert by_rule(evaluation) == {"spend": 80}
    assert explain(evaluation.awards[0]) == (
        "Points on spend: 80 Flex for 80.00 USD on 1 item at 1 per 1 USD"
    )


def test_included_rewards_earn_on_the_amount_before_the_points_discount() -> None:
    evaluation = earn(program(SPEND, **INCLUDED), CREAM, POINTS_OFF, FREE_GIFT)
    assert by_rule(evaluation) == {"spend": 115}
    assert explain(evaluation.awards[0]) == (
        "Points on spend: 115 Flex for 115.00 USD on 2 items at 1 per 1 USD,"
        " including 35.00 USD paid with rewards"
    )
    assert explain(evaluation.awards[0], "ar").endswith("منها 35.00 USD دُفعت بالمكافآت")


def test_a_refund_takes_back_what_the_lines_earned_with_or_without_rewards() -> None:
    included = earn(program(SPEND, **INCLUDED), CREAM, POINTS_OFF, FREE_GIFT).basis
    assert refunded(included, "cream", 1) == 100
    assert refunded(included, "gift", 1) == 15
    excluded = earn(program(SPEND), CREAM, POINTS_OFF, FREE_GIFT).basis
    assert refunded(excluded, "cream", 1) == 80


def test_what_counts_as_spend_follows_what_earns() -> None:
    excluded, included = program(SPEND), program(SPEND, **INCLUDED)
    lines = (CREAM, POINTS_OFF, FREE_GIFT)

    def spent(prog: Program) -> Decimal:
        return sum((x.paid for x in lines if counts_as_spend(prog, x.kind, x.paid)), D(0))

    assert (spent(excluded), spent(included)) == (D("80.00"), D("115.00"))


# --- 12. which lines an order-level discount comes off -----------------------------------------

SERUM_BONUS = rule(
    "serum-bonus", PerAmount(), {"en": "Serum bonus", "ar": "مكافأة السيروم"}, items=SERUMS
)
ONE_SERUM = item("serum", "50.00", 1, "serum")
ONE_CREAM = item("cream", "50.00", 1, "cream")
TEN_OFF = item("ten-off", "-10.00", kind=LineKind.DISCOUNT)
TEN_OFF_CREAMS = item("ten-off", "-10.00", 1, "cream", kind=LineKind.DISCOUNT)


def spread(how: DiscountSpread) -> dict[str, Any]:
    return {"discount_spread": how}


def test_by_default_an_order_discount_comes_off_every_earning_line() -> None:
    for discount in (TEN_OFF, TEN_OFF_CREAMS):
        evaluation = earn(program(SPEND, SERUM_BONUS), ONE_SERUM, ONE_CREAM, discount)
        assert by_rule(evaluation) == {"spend": 90, "serum-bonus": 45}


def test_a_discount_naming_a_category_comes_off_those_lines_only() -> None:
    prog = program(SPEND, SERUM_BONUS, **spread(DiscountSpread.NAMED_LINES))
    evaluation = earn(prog, ONE_SERUM, ONE_CREAM, TEN_OFF_CREAMS)
    assert by_rule(evaluation) == {"spend": 90, "serum-bonus": 50}
    assert by_rule(earn(prog, ONE_SERUM, ONE_CREAM, TEN_OFF)) == {"spend": 90, "serum-bonus": 45}
    assert refunded(evaluation.basis, "cream", 1) == 40  # the cream earned on 40


def test_counted_lines_bear_the_whole_discount_in_each_rules_eyes() -> None:
    prog = program(SPEND, SERUM_BONUS, **spread(DiscountSpread.COUNTED_LINES))
    evaluation = earn(prog, ONE_SERUM, ONE_CREAM, TEN_OFF)
    assert by_rule(evaluation) == {"spend": 90, "serum-bonus": 40}
    assert explain(evaluation.awards[1]) == (
        "Serum bonus: 40 Flex for 40.00 USD on 1 item at 1 per 1 USD,"
        " after the order's 10.00 USD discount, taken off these items"
    )
    assert explain(evaluation.awards[1], "ar").endswith("بعد خصم الطلب 10.00 USD من هذه المنتجات")
    assert refunded(evaluation.basis, "serum", 1) == 45 + 40

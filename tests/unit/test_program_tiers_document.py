"""The `tiers` section of the program settings document: a sound one loads into a `TierPolicy`,
and a bad one is refused with every problem at once, each at its path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from walaa.domain.program import (
    CalendarYear,
    EveryMonths,
    MultiplierCombination,
    RollingMonths,
    TierDowngrade,
    TierMeasure,
    YearlyOn,
)
from walaa.program_document import ProgramDocumentError, load_program

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = (DOCS / "examples" / "program.yaml").read_text(encoding="utf-8")

HEADER = """
points_name: Points
currency: USD
timezone: Asia/Riyadh
earn_rate: {points: 1, per: 1}
point_value: {points: 100, worth: 1}
"""

LEVELS = """
  levels:
    - {id: member, name: Member, threshold: 0}
    - {id: silver, name: Silver, threshold: 1500}
    - {id: gold, name: Gold, threshold: 5000}
"""


def document(tiers: str, rules: str = "") -> str:
    return HEADER + "tiers:\n" + tiers.strip("\n") + "\n" + rules


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ProgramDocumentError) as refused:
        load_program(text)
    return [(problem.where, problem.reason) for problem in refused.value.problems]


def test_the_published_example_has_three_tiers_earned_by_spend() -> None:
    policy = load_program(EXAMPLE).tiers

    assert policy is not None
    assert (policy.measure, policy.window, policy.review) == (
        TierMeasure.SPEND,
        RollingMonths(12),
        EveryMonths(12),
    )
    assert (policy.downgrade, policy.grace_days, policy.multiplier_combines) == (
        TierDowngrade.ONE_STEP,
        30,
        MultiplierCombination.MULTIPLY,
    )
    assert [(level.id, level.threshold) for level in policy.levels] == [
        ("member", Decimal(0)),
        ("silver", Decimal(1500)),
        ("gold", Decimal(5000)),
    ]
    silver, gold = policy.level("silver"), policy.level("gold")
    assert silver.multiplier == Decimal("1.25") and isinstance(silver.multiplier, Decimal)
    assert silver.name.get("ar") == "فضي"
    assert (gold.free_shipping, gold.early_access) == (True, True)
    assert [perk.id for perk in gold.perks] == ["birthday-gift", "private-events"]
    assert gold.perks[1].name.get("ar") == "دعوات لفعاليات خاصة"


def test_left_out_settings_take_their_defaults() -> None:
    policy = load_program(
        document("  measure: spend\n  window: {rolling_months: 6}\n" + LEVELS)
    ).tiers

    assert policy is not None
    assert (policy.downgrade, policy.grace_days, policy.review, policy.multiplier_combines) == (
        TierDowngrade.ONE_STEP,
        0,
        EveryMonths(12),
        MultiplierCombination.MULTIPLY,
    )
    assert [(level.multiplier, level.free_shipping, level.perks) for level in policy.levels] == [
        (Decimal(1), False, ())
    ] * 3


def test_a_calendar_year_of_orders_reviewed_on_one_date_loads() -> None:
    tiers = """
  measure: orders
  window: {calendar_year: true}
  downgrade: to_qualifying
  review: {every_year_on: "01-15"}
  multiplier_combines: best
  levels:
    - {id: new, name: {en: New, ar: جديد}, threshold: 0}
    - {id: regular, name: Regular, threshold: 5, multiplier: 1.5}
"""
    policy = load_program(document(tiers)).tiers

    assert policy is not None
    assert (policy.measure, policy.window, policy.review, policy.downgrade) == (
        TierMeasure.ORDERS,
        CalendarYear(),
        YearlyOn(1, 15),
        TierDowngrade.TO_QUALIFYING,
    )
    assert policy.multiplier_combines is MultiplierCombination.BEST


def test_a_program_without_tiers_has_none_and_rules_may_still_name_tiers() -> None:
    rules = (
        "rules:\n  - {id: vip, name: VIP, when: {tiers: [vip]}, effect: {type: fixed, points: 5}}\n"
    )

    assert load_program(HEADER + rules).tiers is None


def test_json_loads_tiers_like_yaml() -> None:
    data = {
        "points_name": "Points",
        "currency": "USD",
        "timezone": "UTC",
        "earn_rate": {"points": 1, "per": 1},
        "point_value": {"points": 100, "worth": 1},
        "tiers": {
            "measure": "spend",
            "window": {"rolling_months": 12},
            "levels": [
                {"id": "member", "name": "Member", "threshold": 0},
                {"id": "silver", "name": "Silver", "threshold": 1500.5},
            ],
        },
    }

    policy = load_program(json.dumps(data)).tiers

    assert policy is not None and policy.level("silver").threshold == Decimal("1500.5")


BAD = """
  measure: spend
  window: {rolling_months: 12, calendar_year: true}
  downgrade: sideways
  grace_days: -1
  review: {every_year_on: "02-30"}
  multiplier_combines: both
  levels:
    - {id: member, name: Member, threshold: 10}
    - {id: silver, name: Silver, threshold: 1500.005, multiplier: 0}
    - id: silver
      name: Silver again
      threshold: 1000
      perks: [{id: gift, name: Gift}, {id: gift, name: Another gift}]
    - {id: gold, name: Gold, threshold: -5, multipler: 2}
    - {id: Gold!, name: Gold, threshold: 5000, free_shipping: maybe}
"""

BAD_RULES = """
rules:
  - {id: spend, name: Spend, effect: {type: per_amount}}
  - id: vip
    name: VIP
    when: {tiers: [platinum, gold]}
    effect: {type: multiply, factor: 2}
"""


def test_a_bad_tiers_section_reports_every_error_at_once_with_its_path() -> None:
    assert problems_of(document(BAD, BAD_RULES)) == [
        ("tiers.window", "give either rolling_months or calendar_year: true"),
        ("tiers.downgrade", "must be one of one_step or to_qualifying"),
        ("tiers.grace_days", "must be at least 0"),
        ("tiers.review.every_year_on", 'use month-day such as "01-01" or "03-15"'),
        ("tiers.multiplier_combines", "must be one of multiply or best"),
        ("tiers.levels[0].threshold", "the first tier starts at 0, so every customer has a tier"),
        ("tiers.levels[1].multiplier", "must be more than 0"),
        ("tiers.levels[1].threshold", "USD amounts have 2 decimal places"),
        ("tiers.levels[2].id", "'silver' is already used by tiers.levels[1]"),
        (
            "tiers.levels[2].threshold",
            "must be more than the threshold of tiers.levels[1] (1500.005)",
        ),
        ("tiers.levels[2].perks[1].id", "'gift' is already a perk of this tier (perks[0])"),
        ("tiers.levels[3].threshold", "must be at least 0"),
        ("tiers.levels[3].multipler", "unknown field; did you mean 'multiplier'?"),
        (
            "tiers.levels[4].id",
            "use lower-case letters, digits, - and _ (up to 64), starting with a letter or digit",
        ),
        ("tiers.levels[4].free_shipping", "must be true or false"),
        ("rules[1].when.tiers", "no tier has the id 'platinum'"),
    ]


ONE_MISTAKE = [
    pytest.param(
        "  window: {rolling_months: 12}\n" + LEVELS,
        ("tiers.measure", "required"),
        id="the-measure-is-required",
    ),
    pytest.param(
        "  measure: balance\n  window: {rolling_months: 12}\n" + LEVELS,
        ("tiers.measure", "must be one of spend, points or orders"),
        id="the-balance-is-no-measure",
    ),
    pytest.param(
        "  measure: spend\n" + LEVELS,
        ("tiers.window", "required"),
        id="the-window-is-required",
    ),
    pytest.param(
        "  measure: spend\n  window: {calendar_year: false}\n" + LEVELS,
        ("tiers.window", "calendar_year can only be true; use rolling_months otherwise"),
        id="calendar-year-false-means-nothing",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 0}\n" + LEVELS,
        ("tiers.window.rolling_months", "must be more than 0"),
        id="a-window-of-no-months",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  review: {}\n" + LEVELS,
        ("tiers.review", "give either every_months or every_year_on"),
        id="a-review-without-a-schedule",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  review: {every_year_on: 13-01}\n"
        + LEVELS,
        ("tiers.review.every_year_on", 'use month-day such as "01-01" or "03-15"'),
        id="a-review-in-the-thirteenth-month",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  levels: []\n",
        ("tiers.levels", "must not be empty"),
        id="at-least-one-tier",
    ),
    pytest.param(
        "  measure: points\n  window: {rolling_months: 12}\n  levels:\n"
        "    - {id: member, name: Member, threshold: 0}\n"
        "    - {id: silver, name: Silver, threshold: 1500.5}\n",
        ("tiers.levels[1].threshold", "points are counted in whole numbers"),
        id="points-thresholds-are-whole-numbers",
    ),
    pytest.param(
        "  measure: orders\n  window: {rolling_months: 12}\n  levels:\n"
        "    - {id: member, name: Member, threshold: 0}\n"
        "    - {id: regular, name: Regular, threshold: 2.5}\n",
        ("tiers.levels[1].threshold", "orders are counted in whole numbers"),
        id="orders-thresholds-are-whole-numbers",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  levels:\n"
        "    - {id: member, name: Member, threshold: 0}\n"
        "    - {id: silver, name: Silver, threshold: 1500}\n"
        "    - {id: gold, name: Gold, threshold: 1500}\n",
        ("tiers.levels[2].threshold", "must be more than the threshold of tiers.levels[1] (1500)"),
        id="thresholds-rise-strictly",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  levels:\n"
        "    - {id: member, threshold: 0}\n",
        ("tiers.levels[0].name", "required"),
        id="every-tier-has-a-name",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  grace_days: 1.5\n" + LEVELS,
        ("tiers.grace_days", "must be a whole number"),
        id="grace-is-whole-days",
    ),
    pytest.param(
        "  measure: spend\n  window: {rolling_months: 12}\n  grace_day: 30\n" + LEVELS,
        ("tiers.grace_day", "unknown field; did you mean 'grace_days'?"),
        id="a-misspelt-setting-gets-a-suggestion",
    ),
]


@pytest.mark.parametrize("tiers,problem", ONE_MISTAKE)
def test_each_tier_mistake_is_reported_at_its_path(tiers: str, problem: tuple[str, str]) -> None:
    assert problems_of(document(tiers)) == [problem]


def test_a_mistake_in_one_tier_does_not_hide_problems_between_the_others() -> None:
    tiers = """
  measure: spend
  window: {rolling_months: 12}
  levels:
    - {id: member, name: Member, threshold: 0}
    - {id: silver, name: Silver, threshold: 1500, perks: [{name: no id}]}
    - {id: silver, name: Silver again, threshold: 900}
"""
    assert problems_of(document(tiers)) == [
        ("tiers.levels[1].perks[0].id", "required"),
        ("tiers.levels[2].id", "'silver' is already used by tiers.levels[1]"),
        ("tiers.levels[2].threshold", "must be more than the threshold of tiers.levels[1] (1500)"),
    ]


def test_tier_problems_come_after_the_settings_and_before_the_rules() -> None:
    text = document(BAD, BAD_RULES).replace("timezone: Asia/Riyadh", "timezone: Mars/Olympus")

    wheres = [where for where, _ in problems_of(text)]

    assert wheres[0] == "timezone"
    assert wheres[-1] == "rules[1].when.tiers"
    assert all(where.startswith("tiers") for where in wheres[1:-1])


def test_the_published_schema_describes_the_tiers_section() -> None:
    schema = json.loads((DOCS / "program.schema.json").read_text(encoding="utf-8"))

    tiers = schema["$defs"]["TiersDoc"]
    assert set(tiers["required"]) == {"measure", "window", "levels"}
    assert set(tiers["properties"]) == {
        "measure",
        "window",
        "downgrade",
        "grace_days",
        "review",
        "multiplier_combines",
        "levels",
    }
    assert schema["$defs"]["TierLevelDoc"]["additionalProperties"] is False

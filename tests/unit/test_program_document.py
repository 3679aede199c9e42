"""The program settings document: the published example loads, and a bad one is refused with
every problem at once, each at its path, in words a merchant can act on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from walaa.domain.earning import CustomerEvent, Order, OrderLine, evaluate_event, evaluate_order
from walaa.domain.money import Money, Rounding
from walaa.domain.program import ExpiryPolicy, InWindow, Multiply, PerCustomer, Period
from walaa.program_document import ProgramDocumentError, load_program, program_json_schema

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = (DOCS / "examples" / "program.yaml").read_text(encoding="utf-8")


def problems_of(document: str) -> list[tuple[str, str]]:
    with pytest.raises(ProgramDocumentError) as refused:
        load_program(document)
    return [(problem.where, problem.reason) for problem in refused.value.problems]


def test_the_published_example_loads_into_a_program() -> None:
    program = load_program(EXAMPLE, version=4)

    assert (program.version, program.currency, program.timezone) == (4, "SAR", "Asia/Riyadh")
    assert program.points_name.get("ar") == "فلكس"
    assert program.rounding is Rounding.DOWN
    assert program.expiry.after_months == 12
    assert [rule.id for rule in program.rules] == [
        "spend",
        "perfume-bonus",
        "app-order",
        "weekend-double",
        "gold-boost",
        "national-day-1000",
        "signup",
        "newsletter",
        "review",
        "birthday",
    ]
    assert [rule.on for rule in program.rules[-4:]] == [
        "signup",
        "newsletter",
        "review",
        "birthday",
    ]


def test_the_example_earns_what_its_comments_promise() -> None:
    program = load_program(EXAMPLE)
    saturday_evening = datetime(2025, 5, 10, 17, tzinfo=UTC)
    lines = (
        OrderLine("oud", Decimal("250.00"), categories=frozenset({"perfume"})),
        OrderLine("soap", Decimal("49.90")),
    )

    evaluation = evaluate_order(program, Order("o-1", saturday_evening, "SAR", lines))

    assert {award.rule_id: award.points for award in evaluation.awards} == {
        "spend": 599,
        "perfume-bonus": 500,
    }


def test_an_end_date_includes_its_whole_day() -> None:
    window = load_program(EXAMPLE).rule("national-day-1000").conditions[0]

    assert window == InWindow(datetime(2025, 9, 19), datetime(2025, 9, 24))


def test_yaml_words_like_on_stay_words() -> None:
    review = load_program(EXAMPLE).rule("review")
    event = CustomerEvent(
        "e", "review", datetime(2025, 5, 7, tzinfo=UTC), {"product_id": "p", "rating": 5}
    )

    assert review.on == "review"
    assert evaluate_event(load_program(EXAMPLE), event).total == 50


def test_numbers_are_read_as_exact_decimals() -> None:
    program = load_program(EXAMPLE)

    effect = program.rule("gold-boost").effect
    assert isinstance(effect, Multiply) and effect.factor == Decimal("1.5")
    assert isinstance(effect.factor, Decimal)


def test_json_and_a_parsed_mapping_load_like_yaml() -> None:
    document = {
        "points_name": "Points",
        "currency": "USD",
        "timezone": "America/New_York",
        "earn_rate": {"points": 1, "per": "20"},
        "point_value": {"points": 100, "worth": "1.00"},
        "rules": [
            {"id": "spend", "name": "Spend", "effect": {"type": "per_amount"}},
            {
                "id": "signup",
                "name": "Welcome",
                "on": "signup",
                "effect": {"type": "fixed", "points": 100},
                "limits": [{"type": "per_customer", "period": "lifetime", "times": 1}],
            },
        ],
    }

    from_json = load_program(json.dumps(document))
    from_mapping = load_program(document)

    assert from_json == from_mapping
    assert from_json.rule("signup").limits == (PerCustomer(Period.LIFETIME, times=1),)


BAD = """
currency: USD
timezone: Mars/Olympus
points_name: {en: Flex}
earn_rate: {points: 0, per: 1}
point_value: {points: 500, worth: 5.001}
rounding: sideways
rules:
  - id: spend
    name: Spend
    effect: {type: per_amount}
  - id: spend
    name: Again
    effect: {type: multiply, factor: -2}
  - id: typo
    name: Typo
    effect: {type: multipler, factor: 2}
  - id: wrong-kind
    name: Wrong kind
    on: review
    effect: {type: per_amount}
    limits: [{type: per_order, points: 5}, {type: per_customer, period: week}]
    multiplier: 3
  - id: weekday
    name: Weekday
    when: {weekdays: [funday]}
    effect: {type: fixed, points: 5}
  - id: window
    name: Window
    when: {min_amount: 10.005, starts: 2025-02-01, ends: 2025-01-01}
    effect: {type: fixed, points: 5}
    group: g
  - id: mixed
    name: Mixed
    on: review
    effect: {type: fixed, points: 5}
    group: g
  - id: dangling
    name: Dangling
    effect: {type: multiply, factor: 2, rules: [nowhere]}
"""


def test_a_bad_document_reports_every_error_at_once_with_its_path() -> None:
    assert problems_of(BAD) == [
        ("timezone", "unknown time zone 'Mars/Olympus'; use a name such as Asia/Riyadh"),
        ("earn_rate.points", "must be more than 0"),
        ("rounding", "must be one of down, half_up, up or half_even"),
        ("point_value.worth", "USD amounts have 2 decimal places"),
        ("rules[1].effect.factor", "must be more than 0"),
        ("rules[1].id", "'spend' is already used by rules[0]"),
        (
            "rules[2].effect",
            "unknown type 'multipler'; use one of per_amount, per_unit, fixed, multiply",
        ),
        ("rules[3].multiplier", "unknown field"),
        ("rules[3].effect", "an action rule gives fixed points"),
        ("rules[3].limits[0]", "a per-order limit applies to order rules"),
        ("rules[3].limits[1]", "give times, points or both"),
        (
            "rules[4].when.weekdays[0]",
            "must be one of monday, tuesday, wednesday, thursday, friday, saturday or sunday",
        ),
        ("rules[5].when.ends", "must be after starts"),
        ("rules[5].when.min_amount", "USD amounts have 2 decimal places"),
        (
            "rules[6].group",
            "group 'g' mixes rules that cannot be compared with 'window'"
            " (a group holds either multipliers or point rules, with one trigger)",
        ),
        ("rules[7].effect.rules[0]", "no rule has the id 'nowhere'"),
    ]


def test_missing_settings_are_each_reported_as_required() -> None:
    assert problems_of("rules: []") == [
        ("points_name", "required"),
        ("currency", "required"),
        ("timezone", "required"),
        ("earn_rate", "required"),
        ("point_value", "required"),
    ]


def test_a_misspelt_field_gets_a_suggestion() -> None:
    document = EXAMPLE.replace("return_window_days:", "return_windows_days:")

    assert problems_of(document) == [
        ("return_windows_days", "unknown field; did you mean 'return_window_days'?")
    ]


def test_a_key_written_twice_is_an_error_not_a_silent_override() -> None:
    (where, reason), *_ = problems_of(EXAMPLE + "\ncurrency: USD\n")

    assert where == "(document)"
    assert "the key 'currency' appears twice" in reason


def test_text_that_is_not_yaml_says_where_it_broke() -> None:
    assert problems_of("currency: [USD\n") == [
        ("(document)", "not valid YAML: line 2: expected ',' or ']', but got '<stream end>'")
    ]


def test_the_published_schema_is_the_one_the_loader_enforces() -> None:
    published = json.loads((DOCS / "program.schema.json").read_text(encoding="utf-8"))

    assert published == program_json_schema()
    assert published["additionalProperties"] is False
    assert set(published["required"]) == {
        "points_name",
        "currency",
        "timezone",
        "earn_rate",
        "point_value",
    }


def test_points_expire_on_the_same_day_or_the_last_day_of_a_shorter_month() -> None:
    expiry = load_program(EXAMPLE).expiry

    assert expiry.expires_at(datetime(2025, 3, 15, 9, tzinfo=UTC)) == datetime(
        2026, 3, 15, 9, tzinfo=UTC
    )
    assert ExpiryPolicy(1).expires_at(datetime(2025, 1, 31, tzinfo=UTC)) == datetime(
        2025, 2, 28, tzinfo=UTC
    )
    assert ExpiryPolicy().expires_at(datetime(2025, 1, 31, tzinfo=UTC)) is None


def test_spending_value_follows_the_point_value() -> None:
    value = load_program(EXAMPLE).point_value

    assert value.value_of(2300) == Money(Decimal("23.00"), "SAR")

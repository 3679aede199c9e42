"""The dashboard's program form: the document shown as fields and read back, each problem
beside its field, and the live preview of a sample cart under the draft."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from walaa.domain.errors import ValidationFailed
from walaa.program_document import load_program, read_document
from walaa.program_document.form import (
    blank_level,
    blank_rule,
    check_form,
    document_yaml,
    form_values,
    row_count,
)
from walaa.service.handlers.program_preview import preview_draft, sample_cart

DEMO = read_document((Path(__file__).parents[2] / "src/walaa/demo/program.yaml").read_text())
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SUNDAY = date(2026, 3, 1)
FRIDAY = date(2026, 3, 6)


def edited(**changes: str) -> dict[str, list[str]]:
    values = form_values(DEMO)
    for name, value in changes.items():
        values[name.replace("__", ".")] = [value]
    return values


def rule_row(values, rule_id: str) -> int:
    return next(
        i for i in range(row_count(values, "rules")) if values[f"rules[{i}].id"] == [rule_id]
    )


def test_the_form_shows_the_document_and_gives_it_back_unchanged():
    values = form_values(DEMO)
    assert values["points_name.ar"] == ["قطرات الندى"]
    assert values["point_value.worth"] == ["5"]
    assert values["rules[2].when.weekdays"] == ["friday", "saturday"]
    assert values["rules[1].items.categories"] == ["serum"]
    assert values["tiers.levels[1].multiplier"] == ["1.25"]
    assert values["tiers.levels[2].perks[0].name.ar"] == ["تخفيضات خاصة"]
    result = check_form(values, DEMO)
    assert result.ok and result.errors == {} and result.document == DEMO
    # a browser sends a group of boxes in the page's order (Saturday first): not a change
    values["rules[2].when.weekdays"] = ["saturday", "friday"]
    assert check_form(values, DEMO).document == DEMO


def test_what_the_form_does_not_show_is_carried_over_from_the_saved_document():
    base = {
        **DEMO,
        "giving": None,
        "checkout": {"min_points": 100, "max_order_share": Decimal("0.5"), "step": 100},
    }
    del base["giving"]
    base["rules"] = [
        *DEMO["rules"][:-1],
        {
            **DEMO["rules"][-1],
            "when": {"properties": [{"name": "rating", "op": "at_least", "value": 4}]},
        },
    ]
    values = form_values(base)
    values["earn_rate.points"] = ["2"]
    result = check_form(values, base)
    assert result.ok, result.errors
    assert result.document["checkout"] == base["checkout"]
    assert result.document["milestones"] == DEMO["milestones"]
    assert result.document["rules"][-1]["when"]["properties"][0]["name"] == "rating"
    assert result.document["earn_rate"] == {"points": 2, "per": 1}


def test_a_problem_is_shown_beside_its_field_in_the_documents_words():
    result = check_form(
        edited(
            earn_rate__points="lots",
            point_value__worth="-5",
            **{"rules[2].effect.factor": "0", "tiers.levels[1].name.en": ""},
        ),
        DEMO,
    )
    assert not result.ok
    assert result.errors["earn_rate.points"] == ["must be a whole number"]
    assert result.errors["point_value.worth"] == ["must be more than 0"]
    assert result.errors["rules[2].effect.factor"] == ["must be more than 0"]
    assert result.elsewhere == []


def test_a_problem_lands_on_the_form_row_even_when_rows_before_it_were_removed():
    values = form_values(DEMO)
    values["rules[0].remove"] = ["on"]
    big = rule_row(values, "big-basket")
    values[f"rules[{big}].when.min_amount"] = ["150.001"]
    result = check_form(values, DEMO)
    weekend = rule_row(values, "weekend-double")
    # form rows 2 and 3 are the document's rules 1 and 2 once row 0 is gone
    assert result.errors == {
        f"rules[{weekend}].effect.rules": ["no rule has the id 'spend'"],
        f"rules[{big}].when.min_amount": ["USD amounts have 2 decimal places"],
    }


def test_a_missing_name_in_both_languages_is_shown_on_the_english_name():
    values = form_values(DEMO)
    values["rules[1].name.en"] = [""]
    values["rules[1].name.ar"] = [""]
    result = check_form(values, DEMO)
    assert result.errors == {"rules[1].name.en": ["must not be empty"]}


def test_a_new_rule_starts_from_a_way_of_earning_and_arabic_digits_are_numbers():
    values = blank_rule(form_values(DEMO), "threshold")
    i = row_count(values, "rules") - 1
    values[f"rules[{i}].id"] = ["big-spender"]
    values[f"rules[{i}].name.en"] = ["Spend 300, get 400"]
    values[f"rules[{i}].name.ar"] = ["أنفق ٣٠٠ واحصل على ٤٠٠"]
    values[f"rules[{i}].when.min_amount"] = ["٣٠٠"]
    values[f"rules[{i}].effect.points"] = ["٤٠٠"]
    result = check_form(values, DEMO)
    assert result.ok, result.errors
    assert result.document["rules"][-1] == {
        "id": "big-spender",
        "name": {"en": "Spend 300, get 400", "ar": "أنفق ٣٠٠ واحصل على ٤٠٠"},
        "when": {"min_amount": Decimal(300)},
        "effect": {"type": "fixed", "points": 400},
    }


def test_an_unused_limit_slot_and_an_empty_new_rule_write_nothing():
    values = blank_rule(form_values(DEMO), "spend")
    i = row_count(values, "rules") - 1
    values[f"rules[{i}].effect.type"] = ["per_amount"]
    assert check_form(values, DEMO).document == DEMO


def test_limits_are_rows_and_take_only_the_fields_of_their_kind():
    values = form_values(DEMO)
    big = rule_row(values, "big-basket")
    j = row_count(values, f"rules[{big}].limits") - 1  # the blank slot
    values[f"rules[{big}].limits[{j}].type"] = ["per_order"]
    values[f"rules[{big}].limits[{j}].points"] = ["300"]
    values[f"rules[{big}].limits[{j}].period"] = ["week"]
    result = check_form(values, DEMO)
    assert result.ok, result.errors
    assert result.document["rules"][big]["limits"] == [
        {"type": "per_customer", "period": "month", "times": 1},
        {"type": "per_order", "points": 300},
    ]
    review = rule_row(values, "review")
    values[f"rules[{review}].limits[0].type"] = [""]
    result = check_form(values, DEMO)
    assert result.document["rules"][review]["limits"] == [
        {"type": "per_customer", "period": "week", "times": 2}
    ]


def test_tiers_can_be_switched_off_and_a_tier_with_a_perk_added():
    off = form_values(DEMO)
    off["tiers.enabled"] = []
    assert "tiers" not in check_form(off, DEMO).document
    values = blank_level(form_values(DEMO))
    j = row_count(values, "tiers.levels") - 1
    values.update(
        {
            f"tiers.levels[{j}].id": ["glow"],
            f"tiers.levels[{j}].name.en": ["Glow"],
            f"tiers.levels[{j}].name.ar": ["توهج"],
            f"tiers.levels[{j}].threshold": ["2500"],
            f"tiers.levels[{j}].free_shipping": ["on"],
            f"tiers.levels[{j}].perks[0].id": ["gift"],
            f"tiers.levels[{j}].perks[0].name.en": ["A gift"],
            f"tiers.levels[{j}].perks[0].name.ar": ["هدية"],
        }
    )
    result = check_form(values, DEMO)
    assert result.ok, result.errors
    assert result.document["tiers"]["levels"][-1] == {
        "id": "glow",
        "name": {"en": "Glow", "ar": "توهج"},
        "threshold": Decimal(2500),
        "free_shipping": True,
        "perks": [{"id": "gift", "name": {"en": "A gift", "ar": "هدية"}}],
    }
    lower = dict(values, **{f"tiers.levels[{j}].threshold": ["100"]})
    assert list(check_form(lower, DEMO).errors) == [f"tiers.levels[{j}].threshold"]


def test_the_yaml_export_loads_back_into_the_same_document():
    values = edited(earn_rate__per="2.5", **{"rules[2].when.starts": "2026-03-01"})
    document = check_form(values, DEMO).document
    text = document_yaml(document)
    assert read_document(text) == document
    assert load_program(text).earn_rate.per.amount == Decimal("2.5")


def test_the_preview_shows_what_a_sample_cart_earns_under_the_draft():
    cart = sample_cart({"preview.amount": "37", "preview.day": str(SUNDAY)}, SUNDAY)
    draft = check_form(form_values(DEMO), DEMO).program
    assert draft is not None
    shown = preview_draft(draft, cart, "en", NOW)
    assert (shown.points, shown.points_name) == (37, "Dew Drops")
    richer = check_form(edited(earn_rate__points="3"), DEMO).program
    assert richer is not None and preview_draft(richer, cart, "en", NOW).points == 111
    friday = sample_cart({"preview.amount": "37", "preview.day": str(FRIDAY)}, SUNDAY)
    assert preview_draft(draft, friday, "ar", NOW).points == 74  # double points on Fridays
    assert all(sentence for sentence in preview_draft(draft, friday, "ar", NOW).explanation)


def test_a_sample_cart_that_is_not_one_names_its_field():
    with pytest.raises(ValidationFailed) as bad:
        sample_cart({"preview.amount": "a lot"}, SUNDAY)
    assert bad.value.field == "preview.amount"
    with pytest.raises(ValidationFailed) as bad:
        sample_cart({"preview.day": "Friday"}, SUNDAY)
    assert bad.value.field == "preview.day"

"""The earning choices in the settings document: each is read into the program, and a wrong
value is refused at its path with a reason, as `walaa program validate` shows it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from walaa.domain.earning_choices import (
    DiscountSpread,
    EarnGranularity,
    OrderMinimum,
    RewardsInBase,
    WithCodes,
)
from walaa.entrypoints.cli import app
from walaa.program_document import ProgramDocumentError, load_program

HEADER = """
points_name: Flex
currency: USD
timezone: Asia/Riyadh
earn_rate: {points: 1, per: 1}
point_value: {points: 500, worth: 5}
"""


def document(rules: str = "", settings: str = "") -> str:
    return HEADER + settings + ("rules:\n" + rules if rules else "")


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ProgramDocumentError) as refused:
        load_program(text)
    return [(problem.where, problem.reason) for problem in refused.value.problems]


def validate(tmp_path: Path, text: str) -> tuple[int, str]:
    """`walaa program validate FILE`, as a merchant runs it."""
    path = tmp_path / "program.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["program", "validate", str(path)], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def assert_explained(tmp_path: Path, bad: str, expected: list[tuple[str, str]]) -> None:
    """The loader finds exactly these problems, and `walaa program validate` prints each."""
    assert problems_of(bad) == expected
    code, out = validate(tmp_path, bad)
    assert code == 1
    assert all(f"{where}: {reason}" in out for where, reason in expected)


def rule(extra: str) -> str:
    return f"  - id: tv-deal\n    name: TV deal\n    effect: {{type: fixed, points: 50}}\n{extra}"


# --- 13. stop ---------------------------------------------------------------------------------


def test_stop_is_read_and_off_unless_asked_for() -> None:
    program = load_program(document(rule("    stop: true\n") + rule("").replace("tv-", "tv2-")))
    assert [r.stop for r in program.rules] == [True, False]


def test_a_stop_that_is_not_true_or_false_is_explained(tmp_path: Path) -> None:
    bad = document(rule("    stop: sometimes\n"))
    assert problems_of(bad) == [("rules[0].stop", "must be true or false")]
    code, out = validate(tmp_path, bad)
    assert code == 1 and "rules[0].stop: must be true or false" in out


def test_the_schema_documents_stop() -> None:
    schema = yaml.safe_load((Path(__file__).parents[2] / "docs/program.schema.json").read_text())
    assert schema["$defs"]["RuleDoc"]["properties"]["stop"]["type"] == "boolean"


# --- 14. order minimums -----------------------------------------------------------------------


def test_order_minimums_are_read_beside_the_rules_own() -> None:
    when = "    when: {min_quantity: 2, order_min_amount: 250, order_min_quantity: 3}\n"
    (read,) = load_program(document(rule(when))).rules
    assert read.min_quantity == 2
    assert read.order_minimum == OrderMinimum(Decimal(250), 3)


def test_wrong_order_minimums_are_explained(tmp_path: Path) -> None:
    bad = document(
        rule("    when: {order_min_amount: -5, order_min_quantity: 1.5}\n")
        + rule("    when: {order_min_amount: 2.505}\n").replace("tv-", "tv2-")
        + "  - {id: hi, name: Hi, 'on': signup, effect: {type: fixed, points: 5},"
        " when: {order_min_quantity: 2}}\n"
    )
    expected = [
        ("rules[0].when.order_min_amount", "must be more than 0"),
        ("rules[0].when.order_min_quantity", "must be a whole number"),
        ("rules[1].when.order_min_amount", "USD amounts have 2 decimal places"),
        ("rules[2].when.order_min_quantity", "only order rules have orders"),
    ]
    assert_explained(tmp_path, bad, expected)


# --- 10. earn granularity ---------------------------------------------------------------------


def test_earn_granularity_is_pro_rata_unless_whole_blocks_are_asked_for() -> None:
    assert load_program(document()).earn_granularity is EarnGranularity.PRO_RATA
    chosen = load_program(document(settings="earn_granularity: whole_blocks\n"))
    assert chosen.earn_granularity is EarnGranularity.WHOLE_BLOCKS


def test_an_unknown_earn_granularity_is_explained(tmp_path: Path) -> None:
    bad = document(settings="earn_granularity: blocks\n")
    expected = ("earn_granularity", "must be one of pro_rata or whole_blocks")
    assert problems_of(bad) == [expected]
    code, out = validate(tmp_path, bad)
    assert code == 1 and "earn_granularity: must be one of pro_rata or whole_blocks" in out


# --- 19. promo codes --------------------------------------------------------------------------


def test_codes_are_read_into_the_rule() -> None:
    (read,) = load_program(document(rule("    when: {codes: [SUMMER25, Summer]}\n"))).rules
    assert read.conditions == (WithCodes(frozenset({"SUMMER25", "Summer"})),)


def test_wrong_codes_are_explained(tmp_path: Path) -> None:
    bad = document(
        rule("    when: {codes: SUMMER25}\n")
        + rule("    when: {codes: []}\n").replace("tv-", "tv2-")
        + "  - {id: hi, name: Hi, 'on': signup, effect: {type: fixed, points: 5},"
        " when: {codes: [HELLO]}}\n"
    )
    expected = [
        ("rules[0].when.codes", "must be a list"),
        ("rules[1].when.codes", "must not be empty"),
        ("rules[2].when.codes", "only orders carry promo codes"),
    ]
    assert_explained(tmp_path, bad, expected)


# --- 11. rewards in the earning base ------------------------------------------------------------


def test_rewards_stay_out_of_the_earning_base_unless_included() -> None:
    assert load_program(document()).rewards_in_base is RewardsInBase.EXCLUDED
    chosen = load_program(document(settings="rewards_in_base: included\n"))
    assert chosen.rewards_in_base is RewardsInBase.INCLUDED


def test_an_unknown_rewards_in_base_is_explained(tmp_path: Path) -> None:
    expected = [("rewards_in_base", "must be one of excluded or included")]
    assert_explained(tmp_path, document(settings="rewards_in_base: true\n"), expected)


# --- 12. discount spread ----------------------------------------------------------------------


def test_discounts_come_off_all_lines_unless_the_program_says_otherwise() -> None:
    assert load_program(document()).discount_spread is DiscountSpread.ALL_LINES
    for value in ("named_lines", "counted_lines"):
        chosen = load_program(document(settings=f"discount_spread: {value}\n"))
        assert chosen.discount_spread is DiscountSpread(value)


def test_an_unknown_discount_spread_is_explained(tmp_path: Path) -> None:
    expected = [
        ("discount_spread", "must be one of all_lines, named_lines or counted_lines"),
    ]
    assert_explained(tmp_path, document(settings="discount_spread: some_lines\n"), expected)

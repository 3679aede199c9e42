"""The spending choices in the settings document: each is read into the program, and a wrong
value is refused at its path with a reason, as `walaa program validate` shows it."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.unit.test_program_document_choices import assert_explained, document
from walaa.domain.spending_choices import PointsRounding, TakeBack
from walaa.program_document import load_program

SCHEMA = Path(__file__).parents[2] / "docs/program.schema.json"


# --- 16. points for an amount, rounded up -------------------------------------------------------


def test_checkout_rounds_points_down_unless_up_is_asked_for() -> None:
    assert load_program(document()).checkout.round_points is PointsRounding.DOWN
    chosen = load_program(document(settings="checkout: {round_points: up, step: 10}\n"))
    assert chosen.checkout.round_points is PointsRounding.UP
    assert chosen.checkout.step == 10


def test_an_unknown_round_points_is_explained(tmp_path: Path) -> None:
    expected = [("checkout.round_points", "must be one of down or up")]
    assert_explained(tmp_path, document(settings="checkout: {round_points: nearest}\n"), expected)


def test_rounding_up_counts_whole_steps_that_reach_the_amount() -> None:
    from decimal import Decimal

    assert PointsRounding.UP.whole(Decimal("31.5")) == 32
    assert PointsRounding.DOWN.whole(Decimal("31.5")) == 31
    assert PointsRounding.UP.whole(Decimal("301"), 100) == 400
    assert PointsRounding.DOWN.whole(Decimal("399"), 100) == 300


# --- 9. refund take-back ------------------------------------------------------------------------


def test_refunds_record_a_debt_unless_capped_at_the_balance() -> None:
    assert load_program(document()).take_back is TakeBack.DEBT
    chosen = load_program(document(settings="refunds: {take_back: cap_at_balance}\n"))
    assert chosen.take_back is TakeBack.CAP_AT_BALANCE


def test_an_unknown_take_back_is_explained(tmp_path: Path) -> None:
    bad = document(settings="refunds: {take_back: forgive, forget: 3}\n")
    expected = [
        ("refunds.take_back", "must be one of debt or cap_at_balance"),
        ("refunds.forget", "unknown field"),
    ]
    assert_explained(tmp_path, bad, expected)


def test_the_schema_documents_the_spending_choices() -> None:
    schema = yaml.safe_load(SCHEMA.read_text())
    defs = schema["$defs"]
    assert defs["CheckoutDoc"]["properties"]["round_points"]["enum"] == ["down", "up"]
    assert defs["RefundsDoc"]["properties"]["take_back"]["enum"] == ["debt", "cap_at_balance"]

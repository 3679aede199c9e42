"""Entry explanations are built from facts and rendered per language, for any kind."""

from __future__ import annotations

from datetime import UTC, datetime

from walaa.domain.entry_explanations import EntryFacts, LotChange, explain_entry
from walaa.domain.explanations import CATALOGS, render_one

EARNED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_a_kind_without_words_of_its_own_still_reads_as_a_sentence():
    (line,) = explain_entry(EntryFacts("transfer", 40, -40))
    assert render_one(line, "en") == "40 points: transfer"
    assert render_one(line, "ar") == "40 نقطة: transfer"


def test_a_credit_that_repays_a_debt_says_so_instead_of_listing_a_lot():
    facts = EntryFacts("earn", 100, 100, {"order": "o-9"}, "order", (LotChange(7, EARNED, -30),), 7)
    lines = [render_one(item) for item in explain_entry(facts)]
    assert lines == ["100 points earned on order o-9", "30 of them repaid a debt"]


def test_every_entry_text_has_its_arabic_twin():
    english = {k for k in CATALOGS["en"] if k.startswith("entry.")}
    assert english and english <= set(CATALOGS["ar"])


def test_a_lot_is_named_by_its_number_while_points_keep_their_thousands():
    facts = EntryFacts("spend", 1500, -1500, {"hold": "h-1"}, "", (LotChange(2715, EARNED, -1500),))
    lines = [render_one(item) for item in explain_entry(facts)]
    assert "1,500 from lot 2715, earned 2026-01-05" in lines
    arabic = [render_one(item, "ar") for item in explain_entry(facts)]
    assert any("الدفعة 2715 " in line for line in arabic)

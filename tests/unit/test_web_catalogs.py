"""Every word the pages use exists in Arabic, with the same placeholders as in English."""

from __future__ import annotations

import re

from walaa.entrypoints.web.i18n import Formatter
from walaa.entrypoints.web.messages import catalog, used_msgids

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_msgid_the_pages_use_has_an_arabic_translation():
    arabic = catalog("ar")
    untranslated = sorted(m for m in used_msgids() if not (arabic.get(m) and arabic.get(m).string))
    assert untranslated == []


def test_translations_keep_the_placeholders_of_the_english_text():
    wrong = [
        m.id
        for m in catalog("ar")
        if m.id and set(PLACEHOLDER.findall(m.id)) != set(PLACEHOLDER.findall(m.string or m.id))
    ]
    assert wrong == []


def test_the_pages_use_words_the_catalog_test_can_find():
    # the finder reads templates and N_() markers: a screen without them would pass unseen
    assert {"Overview", "Sign in", "Too many failed attempts. Try again in {seconds} seconds."} <= (
        used_msgids()
    )


def test_arabic_formats_money_and_fills_placeholders_after_translating():
    f = Formatter("ar", "SAR", "Asia/Riyadh")
    assert f.gettext("From {start} to {end}", start="أ", end="ب") == "من أ إلى ب"
    assert "ر.س" in f.money("12.5")
    assert f.direction == "rtl" and Formatter("en").direction == "ltr"

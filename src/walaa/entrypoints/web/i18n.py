"""The dashboard's and storefront's words, in English and Arabic, and how numbers read in each.

Catalogs are gettext ``.po`` files in ``locales/<lang>/LC_MESSAGES/messages.po``, compiled in
memory when first used (Babel's ``read_po`` then ``write_mo``), so a fresh clone needs no build
step and a translator edits one text file. Money, numbers and dates go through Babel in the
store's currency and time zone, never through str().
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
LANGUAGES = ("en", "ar")
DEFAULT_LANGUAGE = "en"
RTL = frozenset({"ar"})


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; English falls back to the msgid itself."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for {language!r}; languages are {LANGUAGES}")
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def pick_language(*candidates: str | None) -> str:
    """The first candidate Walaa speaks ("ar-SA" counts as "ar"), else English."""
    for candidate in candidates:
        if candidate:
            short = candidate.strip().lower().replace("_", "-").split("-")[0]
            if short in LANGUAGES:
                return short
    return DEFAULT_LANGUAGE


def from_accept_language(header: str) -> str | None:
    """The browser's preferred language among ours, by q-value (RFC 9110 12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-q, index, tag))
    for _q, _i, tag in sorted(ranked):
        short = tag.strip().lower().split("-")[0]
        if short in LANGUAGES:
            return short
    return None


@dataclass(frozen=True)
class Formatter:
    """Everything a page needs to speak one language in one store's currency and time zone."""

    language: str
    currency: str = "USD"
    timezone: str = "UTC"

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL else "ltr"

    def gettext(self, message: str, **values: object) -> str:
        text = translations(self.language).gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = translations(self.language).ngettext(singular, plural, n)
        return text.format(n=self.number(n), **values)

    def money(self, amount: Decimal | int | str, currency: str | None = None) -> str:
        return numbers.format_currency(
            Decimal(amount), currency or self.currency, locale=self.language
        )

    def number(self, value: int | Decimal) -> str:
        return numbers.format_decimal(value, locale=self.language)

    def percent(self, ratio: Decimal | float | None) -> str:
        if ratio is None:
            return "—"
        return numbers.format_percent(ratio, format="#,##0.0%", locale=self.language)

    def date(self, moment: datetime, form: str = "medium") -> str:
        return dates.format_date(moment.astimezone(ZoneInfo(self.timezone)), form, self.language)

    def date_time(self, moment: datetime, form: str = "medium") -> str:
        return dates.format_datetime(
            moment, form, tzinfo=ZoneInfo(self.timezone), locale=self.language
        )

    def month(self, moment: datetime) -> str:
        """A chart's month label: "Mar" / "مارس"."""
        return dates.format_date(moment, "LLL", locale=self.language)

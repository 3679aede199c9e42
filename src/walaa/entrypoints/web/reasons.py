"""Why something was refused, in the staff member's language.

The domain and the program document word their problems in English, for the API and the
command line ("must be more than 0", "USD amounts have 2 decimal places"). The dashboard
shows them beside their field in English or Arabic: each known wording is a pattern here
with a msgid whose `{names}` are the pattern's groups, so the catalogs translate it once for
every value. A wording with no pattern is shown as it is (the Arabic screens' test of
untranslated words names it, so a new one is noticed).
"""

from __future__ import annotations

import re

from walaa.entrypoints.web.i18n import Formatter
from walaa.entrypoints.web.nav import N_

_NUMBER = r"-?[0-9][0-9.,]*"
_ID_RULE = N_("use lower-case letters, digits, - and _ (up to 64), starting with a letter or digit")
_ID = r"[^']+"

#: (wording, msgid). The first full match wins.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(f"^{pattern}$"), msgid)
    for pattern, msgid in (
        (r"required", N_("required")),
        (r"must be a whole number", N_("must be a whole number")),
        (r"must be a number", N_("must be a number")),
        (r"must be a finite number", N_("must be a number")),
        (r"must be text", N_("must be text")),
        (r"must be true or false", N_("must be true or false")),
        (r"must not be empty", N_("must not be empty")),
        (r"must not be zero", N_("must not be zero")),
        (rf"must be more than (?P<n>{_NUMBER})", N_("must be more than {n}")),
        (rf"must be at least (?P<n>{_NUMBER})", N_("must be at least {n}")),
        (rf"must be at most (?P<n>{_NUMBER})", N_("must be at most {n}")),
        (r"cannot be negative", N_("cannot be negative")),
        (r"must be a number of 0 or more", N_("must be 0 or more")),
        (r"must be one of (?P<choices>.+)", N_("must be one of {choices}")),
        (r"must be after starts", N_("must be after the start")),
        (r"unknown field.*", N_("unknown field")),
        (r"use lower-case letters, digits, - and _ \(up to 64\), starting with a .*", _ID_RULE),
        (rf"'(?P<id>{_ID})' is already used by rules\[\d+\]", N_("'{id}' is used by another rule")),
        (rf"no rule has the id '(?P<id>{_ID})'", N_("no rule has the id '{id}'")),
        (rf"no tier has the id '(?P<id>{_ID})'", N_("no tier has the id '{id}'")),
        (
            r"(?P<currency>[A-Z]{3}) amounts have (?P<n>\d+) decimal places",
            N_("{currency} amounts have {n} decimal places"),
        ),
        (
            r"give both points and per, or neither to use earn_rate",
            N_("give both points and amount, or neither to use the earn rate"),
        ),
        (r"a per-order limit applies to order rules", N_("a per-order limit is for order rules")),
        (
            r"once_per applies to event rules, which have properties",
            N_("once per property is for action rules"),
        ),
        (r"give times, points or both", N_("give times, points or both")),
        (r"an action rule gives fixed points", N_("an action gives a fixed number of points")),
        (r"only order rules count items", N_("only order rules count products or categories")),
        (r"only order rules have items", N_("only order rules count products or categories")),
        (
            r"list at least one product, SKU, category or tag",
            N_("list at least one product, SKU, category or tag"),
        ),
        (
            r"the first tier starts at 0, so every customer has a tier",
            N_("the first tier starts at 0, so every customer has a tier"),
        ),
        (
            rf"must be more than the threshold of (?P<n>{_NUMBER})",
            N_("must be more than the tier before it ({n})"),
        ),
        (r"list at least one tier", N_("list at least one tier")),
        (rf"'(?P<id>{_ID})' is already used by .*", N_("'{id}' is already used")),
        (r"use YYYY-MM-DD or YYYY-MM-DDTHH:MM", N_("use a date such as 2026-03-01")),
        (
            r"give either rolling_months or calendar_year: true",
            N_("give months or the calendar year"),
        ),
        (
            rf"(?P<requested>\d+) points requested but only (?P<spendable>{_NUMBER}) can be spent",
            N_("{requested} points asked for, but only {spendable} can be spent"),
        ),
        (r"this store's program has no tiers", N_("the program has no tiers")),
        (r"a \w+ reward needs a value above zero", N_("this kind of reward needs a value above 0")),
        (
            r"a percentage discount needs a percent from 0 to 100",
            N_("a percentage off needs a percent from 0 to 100"),
        ),
        (r"a free product reward needs the product's SKU", N_("a free product needs its SKU")),
        (r"must be more than zero points", N_("must be more than 0 points")),
        (rf"'(?P<id>{_ID})' is not one of the program's tiers", N_("'{id}' is not a tier")),
        (r"the code has expired", N_("the code has expired")),
        (r"the code has been used", N_("the code has been used")),
        (r"the code is cancelled", N_("the code was cancelled")),
        (r"the code is used", N_("the code has been used")),
        (r"the code is expired", N_("the code has expired")),
        (rf"redemption '{_ID}' is already cancelled", N_("the code was cancelled")),
        (rf"redemption '{_ID}' is already used", N_("the code has been used")),
        (rf"redemption '{_ID}' is already expired", N_("the code has expired")),
        (r"the customer has no redemption .*", N_("the customer has no such redemption")),
        (r"customer .* has no points in this store", N_("the customer has no points yet")),
        (
            rf"referral '{_ID}' is \w+: only a held referral is reviewed",
            N_("this referral was already decided"),
        ),
        (rf"referral '{_ID}' does not exist in this store", N_("no such referral in this store")),
        (
            r"this store's program has no referrals: section",
            N_("the program has no referrals section"),
        ),
        (
            r"the customer's account is closed.*",
            N_("the account is closed: it takes no new points"),
        ),
    )
)


def translated(f: Formatter, reason: str) -> str:
    """``reason`` in ``f``'s language when its wording is known, else as it is."""
    text = reason.split(": ", 1)[1] if re.match(r"^[a-z_.]+: ", reason) else reason
    for pattern, msgid in PATTERNS:
        found = pattern.match(text)
        if found:
            return f.gettext(msgid, **found.groupdict())
    return text

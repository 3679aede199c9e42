"""The fields of the dashboard's program form: what each is called, what it holds, and where
it lives in the settings document.

A field's name IS its path in the document (`rules[2].effect.points`, `tiers.levels[0].name.ar`),
so a problem `load_program` reports at a path lands beside the field of that path with no table
to keep in step. `{i}`, `{j}` and `{k}` stand for the row of a rule, limit, tier or perk.
Labels are English message ids, marked with `N_` so the translation catalogs collect them; the
dashboard shows them in the staff member's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


def N_(message: str) -> str:
    """Mark a message for the translation catalogs (gettext tools look for `N_`) without
    translating it here."""
    return message


class Kind(StrEnum):
    TEXT = "text"
    #: a whole number (Arabic-Indic digits accepted)
    INT = "int"
    #: a decimal amount or factor, read exactly (never through a float)
    DECIMAL = "decimal"
    CHOICE = "choice"
    #: one checkbox: on or off
    CHECK = "check"
    #: several checkboxes: a list of chosen values
    CHECKS = "checks"
    #: texts separated by commas: a list
    LIST = "list"
    #: whole numbers separated by commas
    INT_LIST = "int_list"
    #: a local date (YYYY-MM-DD) or date and time
    DATE = "date"
    #: not shown: which row of the saved document a row came from
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    kind: Kind
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    #: the document's default: a value left at it writes nothing new
    default: bool | str | None = None
    hint: str = ""

    def at(self, **rows: int) -> str:
        """The field's name for one row: `rules[{i}].id` at i=2 is `rules[2].id`."""
        return self.name.format(**rows)


def _field(name: str, kind: Kind, label: str, **extra: object) -> FormField:
    return FormField(name, kind, label, **extra)  # type: ignore[arg-type]


ROUNDING = (
    ("down", N_("Down (never more than earned)")),
    ("half_up", N_("To the nearest, halves up")),
    ("up", N_("Up")),
    ("half_even", N_("To the nearest, halves to even")),
)
WHEN = (
    ("order", N_("A paid order")),
    ("signup", N_("Signing up")),
    ("newsletter", N_("Joining the newsletter")),
    ("review", N_("Writing a review")),
    ("birthday", N_("Their birthday")),
)
EFFECTS = (
    ("per_amount", N_("Points per amount spent")),
    ("per_unit", N_("Points per unit bought")),
    ("fixed", N_("A fixed number of points")),
    ("multiply", N_("Multiply other rules' points")),
)
CHANNELS = (("online", N_("Online")), ("app", N_("App")), ("in_store", N_("In store")))
WEEKDAYS = (
    ("saturday", N_("Saturday")),
    ("sunday", N_("Sunday")),
    ("monday", N_("Monday")),
    ("tuesday", N_("Tuesday")),
    ("wednesday", N_("Wednesday")),
    ("thursday", N_("Thursday")),
    ("friday", N_("Friday")),
)
LIMITS = (
    ("per_customer", N_("Per customer, per period")),
    ("per_order", N_("Points per order")),
    ("once_per", N_("Once per value of a property")),
)
PERIODS = (
    ("day", N_("Day")),
    ("week", N_("Week")),
    ("month", N_("Month")),
    ("year", N_("Year")),
    ("lifetime", N_("Lifetime")),
)
MEASURES = (
    ("spend", N_("Spend")),
    ("points", N_("Points earned")),
    ("orders", N_("Orders")),
)
DOWNGRADES = (
    ("one_step", N_("Down one tier at most")),
    ("to_qualifying", N_("Straight to the tier they qualify for")),
)

GENERAL = (
    _field("points_name.en", Kind.TEXT, N_("Points name in English")),
    _field("points_name.ar", Kind.TEXT, N_("Points name in Arabic")),
    _field("earn_rate.points", Kind.INT, N_("Points earned")),
    _field("earn_rate.per", Kind.DECIMAL, N_("Per amount spent")),
    _field("point_value.points", Kind.INT, N_("Points")),
    _field("point_value.worth", Kind.DECIMAL, N_("Are worth")),
    _field("rounding", Kind.CHOICE, N_("Rounding of points"), choices=ROUNDING, default="down"),
    _field(
        "return_window_days",
        Kind.INT,
        N_("Return window (days)"),
        hint=N_("Order points wait this long before they can be spent"),
    ),
    _field("action_daily_cap", Kind.INT, N_("Most points from actions per day")),
)

EXPIRY = (
    _field("expiry.after_months", Kind.INT, N_("Points expire after (months)")),
    _field("expiry.after_days", Kind.INT, N_("Points expire after (days)")),
    _field("expiry.inactive_days", Kind.INT, N_("All points expire after inactive days")),
    _field("expiry.warn_days_before", Kind.INT_LIST, N_("Warn this many days before")),
)

RULE = (
    _field("rules[{i}].origin", Kind.HIDDEN, ""),
    _field("rules[{i}].id", Kind.TEXT, N_("Rule id")),
    _field("rules[{i}].name.en", Kind.TEXT, N_("Name in English")),
    _field("rules[{i}].name.ar", Kind.TEXT, N_("Name in Arabic")),
    _field("rules[{i}].on", Kind.CHOICE, N_("Earned for"), choices=WHEN, default="order"),
    _field("rules[{i}].effect.type", Kind.CHOICE, N_("Gives"), choices=EFFECTS),
    _field("rules[{i}].effect.points", Kind.INT, N_("Points")),
    _field("rules[{i}].effect.per", Kind.DECIMAL, N_("Per amount")),
    _field("rules[{i}].effect.factor", Kind.DECIMAL, N_("Multiplied by")),
    _field("rules[{i}].effect.rules", Kind.LIST, N_("Rules multiplied (ids)")),
    _field("rules[{i}].when.channels", Kind.CHECKS, N_("Channels"), choices=CHANNELS),
    _field("rules[{i}].when.weekdays", Kind.CHECKS, N_("Bonus days"), choices=WEEKDAYS),
    _field("rules[{i}].when.starts", Kind.DATE, N_("From")),
    _field("rules[{i}].when.ends", Kind.DATE, N_("Until")),
    _field("rules[{i}].when.min_amount", Kind.DECIMAL, N_("Spend at least")),
    _field("rules[{i}].when.min_quantity", Kind.INT, N_("Buy at least (units)")),
    _field("rules[{i}].when.tiers", Kind.LIST, N_("Only for tiers (ids)")),
    _field("rules[{i}].items.products", Kind.LIST, N_("Products (ids)")),
    _field("rules[{i}].items.categories", Kind.LIST, N_("Categories")),
    _field("rules[{i}].items.skus", Kind.LIST, N_("SKUs")),
    _field("rules[{i}].enabled", Kind.CHECK, N_("On"), default=True),
    _field("rules[{i}].remove", Kind.CHECK, N_("Remove this rule"), default=False),
)

LIMIT = (
    _field("rules[{i}].limits[{j}].type", Kind.CHOICE, N_("Limit"), choices=LIMITS),
    _field("rules[{i}].limits[{j}].period", Kind.CHOICE, N_("Period"), choices=PERIODS),
    _field("rules[{i}].limits[{j}].times", Kind.INT, N_("Times")),
    _field("rules[{i}].limits[{j}].points", Kind.INT, N_("Points at most")),
    _field("rules[{i}].limits[{j}].property", Kind.TEXT, N_("Property")),
)

TIERS = (
    _field("tiers.enabled", Kind.CHECK, N_("Tiers are on"), default=False),
    _field("tiers.measure", Kind.CHOICE, N_("Tiers are earned by"), choices=MEASURES),
    _field("tiers.window.rolling_months", Kind.INT, N_("Over the last (months)")),
    _field("tiers.window.calendar_year", Kind.CHECK, N_("Over the calendar year"), default=False),
    _field(
        "tiers.downgrade",
        Kind.CHOICE,
        N_("At a review, customers move"),
        choices=DOWNGRADES,
        default="one_step",
    ),
    _field("tiers.grace_days", Kind.INT, N_("Grace days to requalify")),
    _field("tiers.review.every_months", Kind.INT, N_("Review every (months)")),
)

LEVEL = (
    _field("tiers.levels[{j}].origin", Kind.HIDDEN, ""),
    _field("tiers.levels[{j}].id", Kind.TEXT, N_("Tier id")),
    _field("tiers.levels[{j}].name.en", Kind.TEXT, N_("Name in English")),
    _field("tiers.levels[{j}].name.ar", Kind.TEXT, N_("Name in Arabic")),
    _field("tiers.levels[{j}].threshold", Kind.DECIMAL, N_("Reached at")),
    _field("tiers.levels[{j}].multiplier", Kind.DECIMAL, N_("Points multiplier")),
    _field("tiers.levels[{j}].free_shipping", Kind.CHECK, N_("Free shipping"), default=False),
    _field("tiers.levels[{j}].early_access", Kind.CHECK, N_("Early access"), default=False),
    _field("tiers.levels[{j}].remove", Kind.CHECK, N_("Remove this tier"), default=False),
)

PERK = (
    _field("tiers.levels[{j}].perks[{k}].id", Kind.TEXT, N_("Perk id")),
    _field("tiers.levels[{j}].perks[{k}].name.en", Kind.TEXT, N_("Perk in English")),
    _field("tiers.levels[{j}].perks[{k}].name.ar", Kind.TEXT, N_("Perk in Arabic")),
)

#: Starting points for a new rule, by the way of earning a merchant picks ("Add: bonus days").
TEMPLATES: dict[str, tuple[str, dict[str, object]]] = {
    "spend": (N_("Points on spend"), {"effect": {"type": "per_amount"}}),
    "products": (
        N_("Products or categories"),
        {"effect": {"type": "per_amount", "points": 1, "per": 1}, "items": {"categories": []}},
    ),
    "bonus_days": (
        N_("Bonus days"),
        {"when": {"weekdays": ["friday"]}, "effect": {"type": "multiply", "factor": 2}},
    ),
    "threshold": (
        N_("Spend threshold"),
        {"when": {"min_amount": 100}, "effect": {"type": "fixed", "points": 100}},
    ),
    "action": (
        N_("An action (sign-up, newsletter, review)"),
        {
            "on": "signup",
            "effect": {"type": "fixed", "points": 50},
            "limits": [{"type": "per_customer", "period": "lifetime", "times": 1}],
        },
    ),
}

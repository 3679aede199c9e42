"""The tiers section of the settings document, and its conversion to a `TierPolicy`."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from walaa.domain.explanations import LocalizedText
from walaa.domain.program import (
    CalendarYear,
    EveryMonths,
    MultiplierCombination,
    Perk,
    RollingMonths,
    TierDowngrade,
    TierLevel,
    TierMeasure,
    TierPolicy,
    TierReview,
    TierWindow,
    YearlyOn,
    is_day_of_year,
)
from walaa.program_document.fields import (
    Amount,
    DocModel,
    LocalizedField,
    RuleId,
)

# --- tiers -----------------------------------------------------------------------------------


class PerkDoc(DocModel):
    """A named perk of a tier: {id: birthday-gift, name: {en: Birthday gift, ar: هدية ميلاد}}."""

    id: RuleId
    name: LocalizedField


class TierLevelDoc(DocModel):
    """One tier. `threshold` is in the measure's unit: an amount of the currency for spend,
    a whole number for points and orders. The first tier's threshold is 0."""

    id: RuleId
    name: LocalizedField
    threshold: Annotated[Decimal, Field(ge=0, allow_inf_nan=False)] = Field(
        description="The measure over the window that reaches this tier"
    )
    multiplier: Amount = Field(
        default=Decimal(1), description="Multiplies the points members earn on spend"
    )
    free_shipping: bool = Field(default=False, description="A flag the store reads")
    early_access: bool = Field(default=False, description="A flag the store reads")
    perks: list[PerkDoc] = Field(default=[], description="Other named perks, shown to customers")


class TierWindowDoc(DocModel):
    """What counts toward a tier: the last `rolling_months` months, or `calendar_year: true`
    (the calendar year in the store's time zone)."""

    rolling_months: Annotated[int, Field(gt=0, le=120, strict=True)] | None = None
    calendar_year: bool | None = None

    @model_validator(mode="after")
    def _one_window(self) -> TierWindowDoc:
        if self.calendar_year is False:
            raise ValueError("calendar_year can only be true; use rolling_months otherwise")
        if (self.rolling_months is None) == (self.calendar_year is None):
            raise ValueError("give either rolling_months or calendar_year: true")
        return self


class TierReviewDoc(DocModel):
    """When customers may move down: `every_months` after reaching their tier, or every year
    on one local date for everyone (`every_year_on: "01-01"`, month-day)."""

    every_months: Annotated[int, Field(gt=0, le=120, strict=True)] | None = None
    every_year_on: str | None = None

    @field_validator("every_year_on")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is not None and _month_and_day(value) is None:
            raise ValueError('use month-day such as "01-01" or "03-15"')
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> TierReviewDoc:
        if (self.every_months is None) == (self.every_year_on is None):
            raise ValueError("give either every_months or every_year_on")
        return self


def _month_and_day(text: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{2})-(\d{2})", text)
    if match is None:
        return None
    month, day = int(match[1]), int(match[2])
    return (month, day) if is_day_of_year(month, day) else None


class TiersDoc(DocModel):
    """Tiers, lowest first: the measure that earns them, over which window, and how customers
    move down at reviews (they move up at once)."""

    measure: Literal["spend", "points", "orders"] = Field(
        description="Eligible spend, points earned (never the balance) or number of orders"
    )
    window: TierWindowDoc = Field(description="{rolling_months: 12} or {calendar_year: true}")
    downgrade: Literal["one_step", "to_qualifying"] = Field(
        default="one_step",
        description="At a review: down one tier at most, or straight to the qualifying tier",
    )
    grace_days: Annotated[int, Field(ge=0, le=3650, strict=True)] = Field(
        default=0, description="Days a customer found short at a review has to requalify"
    )
    review: TierReviewDoc = Field(
        default=TierReviewDoc(every_months=12),
        description="{every_months: 12} after reaching a tier, or {every_year_on: '01-01'}",
    )
    multiplier_combines: Literal["multiply", "best"] = Field(
        default="multiply",
        description="A tier multiplier on top of the rules' multipliers, or the best of them",
    )
    levels: Annotated[list[TierLevelDoc], Field(min_length=1)] = Field(
        description="The tiers, lowest first; the first one's threshold is 0"
    )


def _perk(doc: PerkDoc) -> Perk:
    return Perk(doc.id, LocalizedText.of(doc.name))


def tier_level_from_doc(doc: TierLevelDoc) -> TierLevel:
    return TierLevel(
        id=doc.id,
        name=LocalizedText.of(doc.name),
        threshold=doc.threshold,
        multiplier=doc.multiplier,
        free_shipping=doc.free_shipping,
        early_access=doc.early_access,
        perks=tuple(_perk(perk) for perk in doc.perks),
    )


def tiers_from_doc(doc: TiersDoc | None) -> TierPolicy | None:
    if doc is None:
        return None
    window: TierWindow = (
        RollingMonths(doc.window.rolling_months)
        if doc.window.rolling_months is not None
        else CalendarYear()
    )
    day = _month_and_day(doc.review.every_year_on or "")
    review: TierReview = (
        YearlyOn(*day) if day is not None else EveryMonths(doc.review.every_months or 12)
    )
    return TierPolicy(
        measure=TierMeasure(doc.measure),
        window=window,
        levels=tuple(tier_level_from_doc(level) for level in doc.levels),
        downgrade=TierDowngrade(doc.downgrade),
        grace_days=doc.grace_days,
        review=review,
        multiplier_combines=MultiplierCombination(doc.multiplier_combines),
    )

"""The `giving:` section of the settings document, and its conversion to a `GivingPolicy`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from walaa.domain.giving import GivingGranularity, GivingPolicy
from walaa.domain.money import fits_minor_units, minor_units
from walaa.domain.program import Problem
from walaa.program_document.fields import Amount, DocModel, RuleId


class GivingRateDoc(DocModel):
    """Money given per amount spent: {give: 5, per: 100} is 5 for every 100 of eligible spend."""

    give: Amount = Field(description="What the store gives to the cause per `per` spent")
    per: Amount = Field(description="The amount of eligible spend that gives `give`")


class GivingCapsDoc(DocModel):
    """The most one order gives, and the most one customer's orders give in a calendar month
    (the store's time zone). Leave one out for no cap."""

    per_order: Amount | None = None
    per_month: Amount | None = None


class GivingDoc(DocModel):
    """Orders give money to a cause: a rate, per full block or pro rata, with caps."""

    rate: GivingRateDoc = Field(description="{give: 5, per: 100}: 5 for every 100 spent")
    granularity: Literal["whole_blocks", "pro_rata"] = Field(
        default="whole_blocks",
        description="Per full `per` spent (whole_blocks, the default) or on every cent (pro_rata)",
    )
    caps: GivingCapsDoc = Field(default=GivingCapsDoc(), description="Per order and per month")
    cause: RuleId | None = Field(
        default=None, description="The cause every gift goes to; the store's default without it"
    )
    customer_chooses: bool = Field(
        default=False,
        description="A customer who chose a cause gives to it; the others to `cause` or the "
        "store's default",
    )


def giving_from_doc(doc: GivingDoc | None, currency: str) -> GivingPolicy | None:
    if doc is None:
        return None
    return GivingPolicy(
        give=doc.rate.give,
        per=doc.rate.per,
        currency=currency,
        granularity=GivingGranularity(doc.granularity),
        per_order=doc.caps.per_order,
        per_month=doc.caps.per_month,
        cause=doc.cause,
        customer_chooses=doc.customer_chooses,
    )


_AMOUNTS = (("rate", "give"), ("rate", "per"), ("caps", "per_order"), ("caps", "per_month"))


def giving_problems(raw: Any, currency: str | None) -> list[Problem]:
    """Amounts with more decimals than the currency has (5.001 USD), reported even while other
    settings have errors."""
    if not isinstance(raw, Mapping) or currency is None:
        return []
    problems = []
    for section, name in _AMOUNTS:
        part = raw.get(section)
        value = part.get(name) if isinstance(part, Mapping) else None
        amount = _decimal_or_none(value)
        if amount is not None and amount.is_finite() and not fits_minor_units(amount, currency):
            reason = f"{currency} amounts have {minor_units(currency)} decimal places"
            problems.append(Problem(("giving", section, name), reason))
    return problems


def _decimal_or_none(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None

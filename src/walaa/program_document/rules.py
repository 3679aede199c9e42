"""The rules of the settings document: conditions, items, effects and limits, and each rule
turned into the domain's `Rule`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    WithJsonSchema,
    model_validator,
)

from walaa.domain.earning_choices import OrderMinimum, WithCodes
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Money
from walaa.domain.program import (
    ORDER,
    Channel,
    Condition,
    EarnRate,
    Effect,
    FixedPoints,
    ForTags,
    ForTiers,
    InWindow,
    ItemFilter,
    Limit,
    MinAmount,
    MinQuantity,
    Multiply,
    OncePer,
    OnChannels,
    OnWeekdays,
    PerAmount,
    PerCustomer,
    Period,
    PerOrder,
    PerUnit,
    PropertyOp,
    PropertyTest,
    Rule,
    Weekday,
)
from walaa.program_document.fields import (
    Amount,
    Count,
    DocModel,
    LocalizedField,
    LocalMoment,
    Name,
    Names,
    RuleId,
)

# --- rules -----------------------------------------------------------------------------------


class PropertyDoc(DocModel):
    """A test of an event property: `{name: rating, op: at_least, value: 4}`."""

    name: Name
    op: Literal["equals", "not_equals", "one_of", "at_least", "at_most", "exists"]
    value: Annotated[
        Any,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": ["string", "number", "boolean"]},
                    {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                ]
            }
        ),
    ] = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> PropertyDoc:
        scalar = (str, int, Decimal, bool)
        if self.op == "exists":
            if self.value is not None:
                raise ValueError("`exists` takes no value")
        elif self.op == "one_of":
            if not isinstance(self.value, list) or not self.value:
                raise ValueError("`one_of` takes a list of values")
            if not all(isinstance(item, scalar) for item in self.value):
                raise ValueError("`one_of` lists texts, numbers or true/false")
        elif self.op in ("at_least", "at_most"):
            if isinstance(self.value, bool) or not isinstance(self.value, int | Decimal):
                raise ValueError(f"`{self.op}` takes a number")
        elif not isinstance(self.value, scalar):
            raise ValueError(f"`{self.op}` takes a text, a number or true/false")
        return self


class WhenDoc(DocModel):
    """Conditions; all must hold. Times are read in the program's time zone."""

    channels: Annotated[list[Literal["online", "in_store", "app"]], Field(min_length=1)] | None = (
        None
    )
    starts: LocalMoment | None = None
    ends: LocalMoment | None = None
    weekdays: (
        Annotated[
            list[
                Literal[
                    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
                ]
            ],
            Field(min_length=1),
        ]
        | None
    ) = None
    tiers: Names | None = None
    customer_tags: Names | None = None
    min_amount: Amount | None = None
    min_quantity: Count | None = None
    order_min_amount: Amount | None = Field(
        default=None, description="The whole order's eligible items were paid at least this much"
    )
    order_min_quantity: Count | None = Field(
        default=None, description="The whole order has at least this many eligible units"
    )
    codes: Names | None = Field(
        default=None, description="The order carries one of these promo codes (any case)"
    )
    properties: list[PropertyDoc] = []


class ItemsDoc(DocModel):
    """Items matching any of these products, SKUs, categories or tags."""

    products: list[Name] = []
    skus: list[Name] = []
    categories: list[Name] = []
    tags: list[Name] = []


class PerAmountDoc(DocModel):
    """Points per amount paid; without `points`/`per` the program's `earn_rate` applies."""

    type: Literal["per_amount"]
    points: Count | None = None
    per: Amount | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> PerAmountDoc:
        if (self.points is None) != (self.per is None):
            raise ValueError("give both points and per, or neither to use earn_rate")
        return self


class PerUnitDoc(DocModel):
    """Points for every unit counted."""

    type: Literal["per_unit"]
    points: Count


class FixedDoc(DocModel):
    """Points once: per order, or per event for an action rule."""

    type: Literal["fixed"]
    points: Count


class MultiplyDoc(DocModel):
    """Multiply the awards of `rules` (every per_amount rule when empty) by `factor`."""

    type: Literal["multiply"]
    factor: Amount
    rules: list[RuleId] = []


EffectDoc = Annotated[
    PerAmountDoc | PerUnitDoc | FixedDoc | MultiplyDoc, Field(discriminator="type")
]


class PerCustomerDoc(DocModel):
    """At most `times` awards and/or `points` points per customer per `period`."""

    type: Literal["per_customer"]
    period: Literal["day", "week", "month", "year", "lifetime"]
    times: Count | None = None
    points: Count | None = None


class PerOrderDoc(DocModel):
    """At most `points` from the rule on one order."""

    type: Literal["per_order"]
    points: Count


class OncePerDoc(DocModel):
    """One award per distinct value of an event property (`product_id` for reviews)."""

    type: Literal["once_per"]
    property: Name


LimitDoc = Annotated[PerCustomerDoc | PerOrderDoc | OncePerDoc, Field(discriminator="type")]


class RuleDoc(DocModel):
    """A rule: when it applies (`on`, `when`, `items`), what it gives (`effect`), its limits."""

    id: RuleId
    name: LocalizedField
    on: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = ORDER
    when: WhenDoc = WhenDoc()
    items: ItemsDoc | None = None
    exclude_items: ItemsDoc | None = None
    effect: EffectDoc
    limits: list[LimitDoc] = []
    group: Name | None = None
    enabled: bool = True
    stop: bool = Field(
        default=False,
        description="When the rule applies, the rules after it (in document order) are not tried",
    )


# --- from document to domain -----------------------------------------------------------------


def _conditions(when: WhenDoc) -> tuple[Condition, ...]:
    conditions: list[Condition] = []
    if when.channels:
        conditions.append(OnChannels(frozenset(Channel(c) for c in when.channels)))
    if when.starts is not None or when.ends is not None:
        conditions.append(InWindow(_start(when.starts), _end(when.ends)))
    if when.weekdays:
        conditions.append(OnWeekdays(frozenset(Weekday[d.upper()] for d in when.weekdays)))
    if when.tiers:
        conditions.append(ForTiers(frozenset(when.tiers)))
    if when.customer_tags:
        conditions.append(ForTags(frozenset(when.customer_tags)))
    if when.min_amount is not None:
        conditions.append(MinAmount(when.min_amount))
    if when.min_quantity is not None:
        conditions.append(MinQuantity(when.min_quantity))
    if when.codes:
        conditions.append(WithCodes(frozenset(when.codes)))
    if when.order_min_amount is not None or when.order_min_quantity is not None:
        conditions.append(OrderMinimum(when.order_min_amount, when.order_min_quantity))
    conditions.extend(_property_test(p) for p in when.properties)
    return tuple(conditions)


def _start(moment: date | datetime | None) -> datetime | None:
    """A start date means from its first moment."""
    if moment is None or isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time())


def _end(moment: date | datetime | None) -> datetime | None:
    """An end date includes that whole day, so the window stops at the next midnight."""
    if moment is None or isinstance(moment, datetime):
        return moment
    return datetime.combine(moment + timedelta(days=1), time())


def _property_test(doc: PropertyDoc) -> PropertyTest:
    value = tuple(doc.value) if isinstance(doc.value, list) else doc.value
    return PropertyTest(doc.name, PropertyOp(doc.op), value)


def _items(doc: ItemsDoc | None) -> ItemFilter | None:
    if doc is None:
        return None
    return ItemFilter(
        frozenset(doc.products), frozenset(doc.skus), frozenset(doc.categories), frozenset(doc.tags)
    )


def _effect(doc: PerAmountDoc | PerUnitDoc | FixedDoc | MultiplyDoc, currency: str) -> Effect:
    if isinstance(doc, PerAmountDoc):
        if doc.points is None or doc.per is None:
            return PerAmount()
        return PerAmount(EarnRate(doc.points, Money(doc.per, currency)))
    if isinstance(doc, PerUnitDoc):
        return PerUnit(doc.points)
    if isinstance(doc, FixedDoc):
        return FixedPoints(doc.points)
    return Multiply(doc.factor, tuple(doc.rules))


def _limit(doc: PerCustomerDoc | PerOrderDoc | OncePerDoc) -> Limit:
    if isinstance(doc, PerCustomerDoc):
        return PerCustomer(Period(doc.period), doc.times, doc.points)
    if isinstance(doc, PerOrderDoc):
        return PerOrder(doc.points)
    return OncePer(doc.property)


def rule_from_doc(doc: RuleDoc, currency: str) -> Rule:
    return Rule(
        id=doc.id,
        name=LocalizedText.of(doc.name),
        on=doc.on,
        conditions=_conditions(doc.when),
        items=_items(doc.items),
        exclude_items=_items(doc.exclude_items),
        effect=_effect(doc.effect, currency),
        limits=tuple(_limit(limit) for limit in doc.limits),
        group=doc.group,
        enabled=doc.enabled,
        stop=doc.stop,
    )

"""JSON shapes for the program, orders, refunds and customer events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from walaa.domain.earning import Evaluation, InvalidOrder, OrderLine, RefundedLine
from walaa.domain.program import Channel, LineKind
from walaa.entrypoints.http.referral_schemas import CodeText, SignalsIn
from walaa.entrypoints.http.schemas import ID_PATTERN, FromText, Moment, Strict
from walaa.service.handlers.earning import EventResult, OrderResult, RefundResult

Amount = Annotated[
    str,
    Field(
        pattern=r"^-?\d{1,12}(\.\d{1,4})?$",
        examples=["49.90"],
        description="Money as a decimal string in the store's currency",
    ),
]
Id = Annotated[str, Field(min_length=1, max_length=128, pattern=ID_PATTERN)]
Label = Annotated[str, Field(min_length=1, max_length=64)]


class LineIn(Strict):
    id: Id
    paid: Amount = Field(description="Net amount paid for the whole line, after discounts")
    quantity: int = Field(1, ge=1, le=100_000)
    kind: Annotated[LineKind, FromText] = LineKind.PRODUCT
    product_id: Annotated[str, Field(max_length=128)] | None = None
    sku: Annotated[str, Field(max_length=128)] | None = None
    categories: list[Label] = Field(default_factory=list, max_length=50)
    tags: list[Label] = Field(default_factory=list, max_length=50)

    def domain(self) -> OrderLine:
        return OrderLine(
            self.id,
            Decimal(self.paid),
            self.quantity,
            self.kind,
            self.product_id,
            self.sku,
            frozenset(self.categories),
            frozenset(self.tags),
        )


def lines_of(lines: list[LineIn]) -> tuple[OrderLine, ...]:
    """The domain's lines; a line it refuses is named by its position, as every error names
    lines (`lines[1].paid`), whether the schema or the engine found it."""
    out = []
    for position, line in enumerate(lines):
        try:
            out.append(line.domain())
        except InvalidOrder as exc:
            where = exc.field.replace(f"lines[{line.id}]", f"lines[{position}]", 1)
            raise InvalidOrder(where, exc.reason) from exc
    return tuple(out)


class OrderIn(Strict):
    id: Id = Field(description="The store's own order id; orders are idempotent by it")
    customer_id: Id
    placed_at: Moment
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")]
    channel: Annotated[Channel, FromText] = Channel.ONLINE
    status: Literal["placed", "paid"] = Field(
        "paid", description="Points are awarded when the order is paid"
    )
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    codes: list[Label] = Field(
        default_factory=list,
        max_length=20,
        description="Promo codes the customer entered; rules may ask for one (any case)",
    )
    referral_code: CodeText | None = Field(
        None,
        description="The referral code the storefront captured for this customer: it travels "
        "with the order, so attribution survives a change of device",
    )
    signals: SignalsIn | None = Field(
        None, description="What the store knows of the customer, for the referral fraud rules"
    )


class ReferralBriefOut(BaseModel):
    id: str
    status: str
    advocate_reward: str


class GaveOut(BaseModel):
    cause: str = Field(description="The cause's id")
    amount: str = Field(examples=["5.00"], description="Money owed to the cause")
    currency: str


class OrderOut(BaseModel):
    id: str
    customer_id: str
    status: str
    points: int
    program_version: int | None
    transaction_id: int | None
    replayed: bool
    gave: list[GaveOut] = Field(
        default_factory=list, description="What the order gave to causes (program `giving:`)"
    )
    referral: ReferralBriefOut | None = Field(
        None, description="The referral the order was attributed to or qualified"
    )

    @classmethod
    def of(cls, r: OrderResult) -> OrderOut:
        return cls(
            id=r.order_id,
            customer_id=r.customer_id,
            status=r.status,
            points=r.points,
            program_version=r.program_version,
            transaction_id=r.transaction_id,
            replayed=r.replayed,
            gave=[GaveOut(cause=g.cause_id, amount=g.text, currency=g.currency) for g in r.gave],
            referral=ReferralBriefOut(
                id=r.referral.id,
                status=r.referral.status,
                advocate_reward=r.referral.advocate_reward,
            )
            if r.referral
            else None,
        )


class RefundLineIn(Strict):
    line_id: Id
    quantity: int = Field(0, ge=0, le=100_000)
    amount: Amount = "0"

    def domain(self) -> RefundedLine:
        return RefundedLine(self.line_id, self.quantity, Decimal(self.amount))


class RefundIn(Strict):
    id: Id = Field(description="The store's own refund id; refunds are idempotent by it")
    lines: list[RefundLineIn] = Field(default_factory=list, max_length=500)
    amount: Amount = Field("0", description="An amount not tied to a line")
    whole_order: bool = False


class RefundOut(BaseModel):
    id: str
    order_id: str
    points_taken: int = Field(description="Points the order had earned, taken back")
    points_returned: int = Field(
        description="Points that had paid for the order (through a checkout hold or a reward "
        "code used on it), given back"
    )
    points_forgiven: int = Field(
        0,
        description="Points the order had earned that were not taken back because the customer "
        "had spent them (a program with refunds.take_back: cap_at_balance); 0 otherwise",
    )
    transaction_id: int | None
    replayed: bool

    @classmethod
    def of(cls, r: RefundResult) -> RefundOut:
        return cls(
            id=r.refund_id,
            order_id=r.order_id,
            points_taken=r.points_taken,
            points_returned=r.points_returned,
            points_forgiven=r.points_forgiven,
            transaction_id=r.transaction_id,
            replayed=r.replayed,
        )


PropertyValue = str | bool | int


class EventIn(Strict):
    id: Id = Field(description="The store's own event id; events are idempotent by it")
    customer_id: Id
    type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", examples=["review"])]
    occurred_at: Moment
    properties: dict[Label, PropertyValue] = Field(default_factory=dict, max_length=50)
    channel: Annotated[Channel, FromText] | None = None


class EventOut(BaseModel):
    id: str
    customer_id: str
    points: int
    program_version: int | None
    transaction_id: int | None
    replayed: bool

    @classmethod
    def of(cls, r: EventResult) -> EventOut:
        return cls(
            id=r.event_id,
            customer_id=r.customer_id,
            points=r.points,
            program_version=r.program_version,
            transaction_id=r.transaction_id,
            replayed=r.replayed,
        )


class BatchEvent(EventIn):
    kind: Literal["event"]


class BatchOrder(OrderIn):
    kind: Literal["order"]


BatchItem = Annotated[BatchEvent | BatchOrder, Field(discriminator="kind")]


#: The work one batch call may ask for: each item is a transaction, each order line is
#: evaluated against every rule, so both are bounded (1,000 orders of 10 lines took 13 s).
BATCH_MAX_ITEMS = 200
BATCH_MAX_LINES = 2000
#: POST /v1/orders/batch: one database transaction for all of them (docs/api.md).
ORDERS_BATCH_MAX = 1000
ORDERS_BATCH_MAX_LINES = 10_000


def lines_within(items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """A batch's items, if their order lines add up to at most ``limit`` (else ValueError)."""
    lines = sum(len(i["lines"]) for i in items if isinstance(i.get("lines"), list))
    if lines > limit:
        raise ValueError(f"a batch may carry at most {limit} order lines in all, not {lines}")
    return items


class BatchIn(Strict):
    # Items are checked one by one (each gets its own result), so the envelope takes any
    # object; the shape of an item is that of POST /v1/events or POST /v1/orders plus `kind`.
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=BATCH_MAX_ITEMS,
        description='Each item is an event (`"kind": "event"`, fields as POST /v1/events) or '
        f'an order (`"kind": "order"`, fields as POST /v1/orders). At most {BATCH_MAX_ITEMS} '
        f"items and {BATCH_MAX_LINES} order lines in all.",
    )

    @field_validator("items")
    @classmethod
    def _bounded_lines(cls, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return lines_within(items, BATCH_MAX_LINES)


class OrdersBatchIn(Strict):
    # Orders are checked one by one (each gets its own result), so the envelope takes any
    # object; an order's shape is that of POST /v1/orders.
    orders: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=ORDERS_BATCH_MAX,
        description=f"Orders as POST /v1/orders takes them; at most {ORDERS_BATCH_MAX} orders "
        f"and {ORDERS_BATCH_MAX_LINES} lines in all.",
    )

    @field_validator("orders")
    @classmethod
    def _bounded_lines(cls, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return lines_within(orders, ORDERS_BATCH_MAX_LINES)


class BatchItemOut(BaseModel):
    index: int
    status: int
    result: EventOut | OrderOut | None = None
    problem: dict[str, Any] | None = None


class BatchOut(BaseModel):
    succeeded: int
    failed: int
    results: list[BatchItemOut]

    @classmethod
    def of(cls, results: list[BatchItemOut]) -> BatchOut:
        failed = sum(r.problem is not None for r in results)
        return cls(succeeded=len(results) - failed, failed=failed, results=results)


class ProgramOut(BaseModel):
    version: int
    created_at: datetime
    points_name: dict[str, str]
    currency: str
    document: str = Field(description="The settings document as it was saved (YAML or JSON)")


class PreviewIn(Strict):
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    customer_id: Id | None = None
    channel: Annotated[Channel, FromText] = Channel.ONLINE
    locale: Literal["en", "ar"] = "en"
    codes: list[Label] = Field(
        default_factory=list, max_length=20, description="Promo codes the cart carries"
    )


class AwardOut(BaseModel):
    rule_id: str
    points: int
    capped: bool


class PreviewOut(BaseModel):
    points: int
    points_name: str
    program_version: int
    awards: list[AwardOut]
    explanation: list[str]

    @classmethod
    def of(cls, evaluation: Evaluation, points_name: str, locale: str) -> PreviewOut:
        return cls(
            points=evaluation.total,
            points_name=points_name,
            program_version=evaluation.program_version,
            awards=[
                AwardOut(rule_id=a.rule_id, points=a.points, capped=a.capped)
                for a in evaluation.awards
            ],
            explanation=list(evaluation.explain(locale)),
        )

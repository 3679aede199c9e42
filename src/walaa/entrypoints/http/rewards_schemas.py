"""JSON shapes for rewards, redemptions, codes and points at checkout."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from walaa.domain.errors import ValidationFailed
from walaa.domain.rewards import Reward, RewardKind
from walaa.entrypoints.http.earning_schemas import Amount, Id
from walaa.entrypoints.http.schemas import FromText, Moment, Strict
from walaa.service.handlers.checkout import HoldResult
from walaa.service.handlers.rewards import CatalogEntry, CodeCheck, Redeemed

Text = Annotated[str, Field(min_length=1, max_length=500)]
Names = Annotated[dict[Annotated[str, Field(pattern="^(en|ar)$")], Text], Field(min_length=1)]
REWARD_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
RewardId = Annotated[str, Field(pattern=REWARD_ID_PATTERN, examples=["ten-off"])]


#: Fields every reward has: a PATCH may change them, never clear them.
_REQUIRED = frozenset(
    {
        "kind",
        "cost",
        "names",
        "descriptions",
        "code_valid_days",
        "code_uses",
        "transferable",
        "active",
        "quantity",
    }
)


class RewardFields(Strict):
    kind: Annotated[RewardKind, FromText] | None = None
    cost: int | None = Field(None, ge=1, le=10**9, description="Points it costs")
    names: Names | None = None
    descriptions: dict[Annotated[str, Field(pattern="^(en|ar)$")], Text] | None = None
    value: Amount | None = Field(None, description="Money off, or the gift card's value")
    percent: Amount | None = Field(None, description="For a percentage discount, 0-100")
    cap: Amount | None = Field(None, description="Most a percentage discount takes off")
    sku: Annotated[str, Field(max_length=128)] | None = None
    cause: Annotated[str, Field(max_length=200)] | None = None
    stock: int | None = Field(None, ge=0, le=10**9, description="Units available; null: no limit")
    per_customer: int | None = Field(None, ge=1, le=10**6)
    per_order: int | None = Field(
        None, ge=1, le=10**6, description="The most codes of this reward one order may use"
    )
    quantity: int | None = Field(
        None, ge=1, le=10**6, description="A free product: units given per block (default 1)"
    )
    units_per_block: int | None = Field(
        None,
        ge=1,
        le=10**6,
        description="A free product by the block: units of its SKU an order buys per block "
        "(one free per 3 bought: 3); a redemption may then cover several blocks",
    )
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    min_tier: Annotated[str, Field(max_length=64)] | None = None
    customer_tag: Annotated[str, Field(max_length=64)] | None = None
    code_valid_days: int | None = Field(None, ge=1, le=3650)
    code_uses: int | None = Field(None, ge=1, le=10**6)
    transferable: bool | None = Field(
        None, description="Its code may pay for another customer's order (default false)"
    )
    active: bool | None = None

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None and name in _REQUIRED:
                raise ValidationFailed(name, "cannot be null; leave it out to keep it")
            if name in ("value", "percent", "cap") and value is not None:
                value = Decimal(value)
            out[name] = value
        return out


class RewardIn(RewardFields):
    id: RewardId
    kind: Annotated[RewardKind, FromText]
    cost: int = Field(ge=1, le=10**9)
    names: Names

    def domain(self) -> Reward:
        values = {k: v for k, v in self.changes().items() if v is not None}
        return Reward(**values)


class RewardOut(BaseModel):
    id: str
    kind: str
    cost: int
    names: dict[str, str]
    descriptions: dict[str, str]
    value: str | None
    percent: str | None
    cap: str | None
    sku: str | None
    cause: str | None
    stock: int | None
    stock_left: int | None
    per_customer: int | None
    per_order: int | None
    quantity: int
    units_per_block: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    min_tier: str | None
    customer_tag: str | None
    code_valid_days: int
    code_uses: int
    transferable: bool
    active: bool

    @classmethod
    def of(cls, entry: CatalogEntry) -> RewardOut:
        r = entry.reward

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return cls(
            id=r.id,
            kind=r.kind.value,
            cost=r.cost,
            names=r.names,
            descriptions=r.descriptions,
            value=text(r.value),
            percent=text(r.percent),
            cap=text(r.cap),
            sku=r.sku,
            cause=r.cause,
            stock=r.stock,
            stock_left=entry.stock_left,
            per_customer=r.per_customer,
            per_order=r.per_order,
            quantity=r.quantity,
            units_per_block=r.units_per_block,
            starts_at=r.starts_at,
            ends_at=r.ends_at,
            min_tier=r.min_tier,
            customer_tag=r.customer_tag,
            code_valid_days=r.code_valid_days,
            code_uses=r.code_uses,
            transferable=r.transferable,
            active=r.active,
        )


class RewardList(BaseModel):
    data: list[RewardOut]


class RedemptionIn(Strict):
    reward_id: RewardId
    blocks: int = Field(
        1,
        ge=1,
        le=10_000,
        description="Blocks of a free product by the block (units_per_block) to redeem at once",
    )


class RedemptionOut(BaseModel):
    id: str
    customer_id: str
    reward_id: str
    points: int
    code: str
    status: str
    uses_left: int
    expires_at: datetime
    transaction_id: int
    replayed: bool = False
    blocks: int = Field(1, description="Blocks of its reward the redemption covers")

    @classmethod
    def of(cls, r: Any, replayed: bool = False) -> RedemptionOut:
        return cls(
            id=r.id,
            customer_id=r.customer_id,
            reward_id=r.reward_id,
            points=r.points,
            code=r.code,
            status=r.status,
            uses_left=r.uses_left,
            expires_at=r.expires_at,
            transaction_id=r.transaction_id,
            replayed=replayed,
            blocks=r.blocks,
        )

    @classmethod
    def redeemed(cls, result: Redeemed) -> RedemptionOut:
        return cls.of(result.redemption, result.replayed)


class CodeIn(Strict):
    code: Annotated[str, Field(min_length=4, max_length=32)]


class CodeUseIn(Strict):
    order_id: Id
    customer_id: Id | None = Field(
        None,
        description="Whose order it is, when Walaa has not recorded the order yet; a code "
        "pays only for its owner's orders unless its reward is transferable",
    )
    units: int | None = Field(
        None,
        ge=0,
        le=10**6,
        description="Units of a free product's SKU the order buys, when Walaa has not recorded "
        "the order yet (a recorded order's lines are counted instead)",
    )


class CodeOut(BaseModel):
    code: str
    usable: bool
    reason: str | None
    status: str
    uses_left: int
    expires_at: datetime
    customer_id: str
    reward: RewardOut
    blocks: int = Field(1, description="Blocks of its reward the code covers")
    free_units: int | None = Field(
        None, description="A free product: the units the code gives (quantity x blocks)"
    )
    units_to_buy: int | None = Field(
        None, description="A free product by the block: units of its SKU the order must buy"
    )

    @classmethod
    def of(cls, check: CodeCheck) -> CodeOut:
        r, reward = check.redemption, check.reward
        return cls(
            code=check.code,
            usable=check.usable,
            reason=check.reason,
            status=r.status,
            uses_left=r.uses_left,
            expires_at=r.expires_at,
            customer_id=r.customer_id,
            reward=RewardOut.of(CatalogEntry(check.reward, None)),
            blocks=r.blocks,
            free_units=r.blocks * reward.quantity
            if reward.kind is RewardKind.FREE_PRODUCT
            else None,
            units_to_buy=None
            if reward.units_per_block is None
            else r.blocks * reward.units_per_block,
        )


class QuoteIn(Strict):
    customer_id: Id
    subtotal: Amount = Field(description="What the order costs before points")
    amount: Amount | None = Field(
        None,
        description="The money the customer wants points to cover (at most the subtotal); "
        "left out: the most the order allows",
    )


class QuoteOut(BaseModel):
    customer_id: str
    spendable: int = Field(
        description="What the customer can spend now (the balance, never below zero)"
    )
    min_points: int
    max_points: int
    max_worth: str
    currency: str
    step: int
    usable: bool
    points: int = Field(
        description="The points for `amount` (or for the most the order allows), rounded as "
        "the program's checkout.round_points says, at most max_points"
    )
    amount: str = Field(description="The money those points cover")


class HoldIn(Strict):
    customer_id: Id
    points: int = Field(ge=1, le=10**12)
    subtotal: Amount = Field(description="What the order costs before points")
    ttl_seconds: int = Field(900, ge=30, le=30 * 86400, description="Released after this")


class CaptureIn(Strict):
    order_id: Id
    order_total: Amount = Field(
        description="What the customer paid in money for the order (after points), 0 when "
        "points paid all of it; refunds give back points in the refunded share of it (of what "
        "the points were worth, when it is 0)"
    )
    points: int | None = Field(
        None,
        ge=1,
        le=10**12,
        description="Capture only this many of the held points; the rest are released in the "
        "same step. Left out: all of them",
    )


class HoldOut(BaseModel):
    hold_id: int
    customer_id: str
    points: int
    worth: str
    currency: str
    expires_at: datetime
    status: str
    replayed: bool
    captured_points: int | None = Field(
        None, description="What the capture took of the held points (the rest came back)"
    )
    captured_worth: str | None = None

    @classmethod
    def of(cls, h: HoldResult) -> HoldOut:
        return cls(
            hold_id=h.hold_id,
            customer_id=h.customer_id,
            points=h.points,
            worth=str(h.worth),
            currency=h.currency,
            expires_at=h.expires_at,
            status=h.status,
            replayed=h.replayed,
            captured_points=h.captured_points,
            captured_worth=None if h.captured_worth is None else str(h.captured_worth),
        )


class NoticeOut(BaseModel):
    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None


class NoticeList(BaseModel):
    data: list[NoticeOut]

"""/v1/tiers and a customer's tier: where they stand, and pins by the merchant."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from walaa.bootstrap import App
from walaa.domain.errors import NotFound
from walaa.domain.program import TierLevel, TierPolicy
from walaa.domain.tiers import Progress
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, Reader, Walaa
from walaa.entrypoints.http.routes.customers import CustomerId
from walaa.entrypoints.http.schemas import PROBLEMS, Moment, Strict
from walaa.service.handlers import tiers as th
from walaa.service.handlers.in_force import in_force

router = APIRouter(route_class=JsonRoute, tags=["tiers"], responses=PROBLEMS)


class LevelOut(BaseModel):
    id: str
    names: dict[str, str]
    threshold: str
    multiplier: str
    free_shipping: bool
    early_access: bool
    perks: list[dict[str, str]]

    @classmethod
    def of(cls, level: TierLevel) -> LevelOut:
        return cls(
            id=level.id,
            names=dict(level.name.texts),
            threshold=str(level.threshold),
            multiplier=str(level.multiplier),
            free_shipping=level.free_shipping,
            early_access=level.early_access,
            perks=[{"id": p.id, **dict(p.name.texts)} for p in level.perks],
        )


class TiersOut(BaseModel):
    measure: str
    levels: list[LevelOut]

    @classmethod
    def of(cls, policy: TierPolicy) -> TiersOut:
        return cls(measure=policy.measure.value, levels=[LevelOut.of(x) for x in policy.levels])


class CustomerTierOut(BaseModel):
    level: LevelOut
    since: datetime | None
    next_level: LevelOut | None
    measure: str
    counted: str = Field(description="What counts toward the next tier, in the window")
    window_starts: datetime
    window_ends: datetime
    still_needed: str | None = Field(description="To reach the next tier; null at the top")
    to_keep: str = Field(description="To keep the tier at the next review")
    next_review: datetime
    pinned: bool
    pinned_until: datetime | None
    pin_mode: str | None = Field(
        description="While pinned: fixed (stays in the tier) or floor (that tier or above)"
    )
    pin_floor: str | None = Field(description="The tier a floor pin keeps the customer at or above")
    grace_until: datetime | None

    @classmethod
    def of(cls, policy: TierPolicy, p: Progress) -> CustomerTierOut:
        return cls(
            level=LevelOut.of(p.level),
            since=p.since,
            next_level=LevelOut.of(p.next_level) if p.next_level else None,
            measure=policy.measure.value,
            counted=str(p.counted),
            window_starts=p.window.starts,
            window_ends=p.window.ends,
            still_needed=None if p.still_needed is None else str(p.still_needed),
            to_keep=str(p.to_keep),
            next_review=p.next_review,
            pinned=p.pinned,
            pinned_until=p.pinned_until,
            pin_mode=p.pin_mode,
            pin_floor=p.pin_floor,
            grace_until=p.grace_until,
        )


class PinIn(Strict):
    level_id: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    until: Moment | None = None
    mode: Annotated[
        Literal["fixed", "floor"],
        Field(
            description="fixed (the default): the customer stays in the tier; floor: at that "
            "tier or above, still rising (and falling back to it) at activity and reviews"
        ),
    ] = "fixed"


def _view(walaa: App, store_id: str, customer_id: str) -> CustomerTierOut:
    found = th.tier_view(walaa.uow(), walaa.clock, store_id, customer_id)
    if found is None:
        raise NotFound("this store's program has no tiers")
    return CustomerTierOut.of(*found)


@router.get("/v1/tiers", response_model=TiersOut, summary="The program's tiers and their perks")
def read_tiers(caller: Reader, walaa: Walaa) -> TiersOut:
    uow = walaa.uow()
    with uow:
        program = in_force(uow, caller.store_id)
    if program is None or program.tiers is None:
        raise NotFound("this store's program has no tiers")
    return TiersOut.of(program.tiers)


@router.get(
    "/v1/customers/{customer_id}/tier",
    response_model=CustomerTierOut,
    summary="The customer's tier, progress to the next, and the next review",
)
def read_customer_tier(customer_id: CustomerId, caller: Reader, walaa: Walaa) -> CustomerTierOut:
    return _view(walaa, caller.store_id, customer_id)


@router.post(
    "/v1/customers/{customer_id}/tier",
    response_model=CustomerTierOut,
    summary="Pin the customer to a tier, with a reason (until a date, or for good)",
)
def post_pin(customer_id: CustomerId, body: PinIn, caller: Admin, walaa: Walaa) -> CustomerTierOut:
    th.pin_tier(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        customer_id,
        body.level_id,
        body.reason,
        body.until,
        floor=body.mode == "floor",
    )
    return _view(walaa, caller.store_id, customer_id)

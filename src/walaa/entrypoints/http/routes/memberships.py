"""/v1/plans and customers' memberships: join, renew, cancel. Walaa records the store's
payments by reference; it never takes one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from walaa.bootstrap import App
from walaa.domain.memberships import Benefits, Membership, MembershipChange, Plan
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, Reader, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import Amount
from walaa.entrypoints.http.routes.customers import CustomerId
from walaa.entrypoints.http.schemas import PROBLEMS, Moment, Strict, path_id
from walaa.service.handlers import memberships as ms

router = APIRouter(route_class=JsonRoute, tags=["memberships"], responses=PROBLEMS)
Ref = Annotated[str, Field(min_length=1, max_length=128, description="The store's payment id")]
PLAN_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MembershipId = Annotated[str, path_id("The membership's id (ms_...)", 40)]


class PlanIn(Strict):
    id: Annotated[str, Field(pattern=PLAN_ID_PATTERN)]
    names: dict[Literal["en", "ar"], Annotated[str, Field(min_length=1, max_length=200)]]
    fee: Amount
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")]
    period: Literal["one_off", "monthly", "yearly"]
    trial_days: int = Field(0, ge=0, le=365)
    free_shipping: bool = False
    member_rewards: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list)
    multiplier: Amount = "1"
    granted_tier: Annotated[str, Field(max_length=64)] | None = None
    monthly_points: int = Field(0, ge=0, le=10**9)
    active: bool = True

    def domain(self) -> Plan:
        return Plan(
            id=self.id,
            names={str(k): v for k, v in self.names.items()},
            fee=Decimal(self.fee),
            currency=self.currency,
            period=self.period,  # type: ignore[arg-type]
            trial_days=self.trial_days,
            free_shipping=self.free_shipping,
            member_rewards=frozenset(self.member_rewards),
            multiplier=Decimal(self.multiplier),
            granted_tier=self.granted_tier,
            monthly_points=self.monthly_points,
            active=self.active,
        )


class PlanOut(BaseModel):
    id: str
    names: dict[str, str]
    fee: str
    currency: str
    period: str
    trial_days: int
    free_shipping: bool
    member_rewards: list[str]
    multiplier: str
    granted_tier: str | None
    monthly_points: int
    active: bool

    @classmethod
    def of(cls, p: Plan) -> PlanOut:
        return cls(
            id=p.id,
            names=dict(p.names),
            fee=str(p.fee),
            currency=p.currency,
            period=p.period.value,
            trial_days=p.trial_days,
            free_shipping=p.free_shipping,
            member_rewards=sorted(p.member_rewards),
            multiplier=str(p.multiplier),
            granted_tier=p.granted_tier,
            monthly_points=p.monthly_points,
            active=p.active,
        )


class PlanList(BaseModel):
    data: list[PlanOut]


class JoinIn(Strict):
    plan_id: Annotated[str, Field(pattern=PLAN_ID_PATTERN)]
    payment_ref: Ref | None = None
    started_at: Moment | None = Field(
        None,
        description="When the customer joined, to import a past member: now or earlier, "
        "never later; the plan's periods count from it. Defaults to now.",
    )


class RenewIn(Strict):
    payment_ref: Ref
    paid_at: Moment | None = Field(
        None,
        description="When the store took the payment, to import a past renewal: now or "
        "earlier, not before the membership's latest record. Defaults to now.",
    )


class CancelIn(Strict):
    at_period_end: bool = True


class MembershipOut(BaseModel):
    id: str
    customer_id: str
    plan_id: str
    status: str
    started_at: datetime
    current_period_start: datetime
    current_period_end: datetime | None
    trial_ends_at: datetime | None
    cancel_at_period_end: bool
    cancelled_at: datetime | None
    payments: list[str]
    event: str | None = None
    refund_due: str | None = Field(None, description="Pro-rated refund for the store to pay")
    benefits: dict[str, object] | None = None

    @classmethod
    def of(
        cls,
        found: Membership,
        change: MembershipChange | None = None,
        benefits: Benefits | None = None,
    ) -> MembershipOut:
        refund = change.refund if change else None
        return cls(
            id=found.id,
            customer_id=found.customer_id,
            plan_id=found.plan_id,
            status=found.status.value,
            started_at=found.started_at,
            current_period_start=found.current_period_start,
            current_period_end=found.current_period_end,
            trial_ends_at=found.trial_ends_at,
            cancel_at_period_end=found.cancel_at_period_end,
            cancelled_at=found.cancelled_at,
            payments=[p.ref for p in found.payments],
            event=change.event.value if change else None,
            refund_due=f"{refund.amount} {refund.currency}" if refund else None,
            benefits=None
            if benefits is None
            else {
                "active": benefits.active,
                "free_shipping": benefits.free_shipping,
                "multiplier": str(benefits.multiplier),
                "granted_tier": benefits.granted_tier,
            },
        )


def _answer(walaa: App, store_id: str, change: MembershipChange) -> MembershipOut:
    """A membership after a change, with its benefits now, as `GET` shows it."""
    found = change.membership
    return MembershipOut.of(
        found, change, ms.benefits_now(walaa.uow(), walaa.clock, store_id, found)
    )


class MembershipList(BaseModel):
    data: list[MembershipOut]


@router.get("/v1/plans", response_model=PlanList, summary="Membership plans on offer")
def read_plans(caller: Reader, walaa: Walaa) -> PlanList:
    return PlanList(data=[PlanOut.of(p) for p in ms.list_plans(walaa.uow(), caller.store_id)])


@router.post("/v1/plans", status_code=201, response_model=PlanOut, summary="Add or change a plan")
def post_plan(body: PlanIn, caller: Admin, walaa: Walaa) -> PlanOut:
    return PlanOut.of(ms.save_plan(walaa.uow(), walaa.clock, caller.store_id, body.domain()))


@router.get(
    "/v1/customers/{customer_id}/memberships",
    response_model=MembershipList,
    summary="A customer's memberships and their benefits now",
)
def read_memberships(customer_id: CustomerId, caller: Reader, walaa: Walaa) -> MembershipList:
    found = ms.customer_memberships(walaa.uow(), walaa.clock, caller.store_id, customer_id)
    return MembershipList(data=[MembershipOut.of(m, None, b) for m, _plan, b in found])


@router.post(
    "/v1/customers/{customer_id}/memberships",
    status_code=201,
    response_model=MembershipOut,
    summary="Join a plan, with the store's payment reference (none during a trial)",
)
def post_membership(
    customer_id: CustomerId, body: JoinIn, caller: Writer, walaa: Walaa
) -> MembershipOut:
    change = ms.join(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        customer_id,
        body.plan_id,
        body.payment_ref,
        body.started_at,
    )
    return _answer(walaa, caller.store_id, change)


@router.post(
    "/v1/customers/{customer_id}/memberships/{membership_id}/renew",
    response_model=MembershipOut,
    summary="Record a renewal payment (from the paid end; a replay changes nothing)",
)
def post_renew(
    customer_id: CustomerId,
    membership_id: MembershipId,
    body: RenewIn,
    caller: Writer,
    walaa: Walaa,
) -> MembershipOut:
    change = ms.renew(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        customer_id,
        membership_id,
        body.payment_ref,
        body.paid_at,
    )
    return _answer(walaa, caller.store_id, change)


@router.post(
    "/v1/customers/{customer_id}/memberships/{membership_id}/cancel",
    response_model=MembershipOut,
    summary="Cancel at the period end, or at once with a pro-rated refund note",
)
def post_cancel(
    customer_id: CustomerId,
    membership_id: MembershipId,
    body: CancelIn,
    caller: Writer,
    walaa: Walaa,
) -> MembershipOut:
    change = ms.cancel(
        walaa.uow(), walaa.clock, caller.store_id, customer_id, membership_id, body.at_period_end
    )
    return _answer(walaa, caller.store_id, change)

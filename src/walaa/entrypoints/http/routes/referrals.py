"""/v1/referrals and a customer's referral code: friends the store reports with the code it
captured, the review queue of held referrals, and the program's report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, IdempotencyKey, Reader, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import Id
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.referral_schemas import CodeText, SignalsIn
from walaa.entrypoints.http.routes.customers import CustomerId
from walaa.entrypoints.http.schemas import PROBLEMS, Strict, path_id
from walaa.service.commands import ReferralSignals
from walaa.service.handlers import referrals as rf
from walaa.service.referral_ports import ReferralRecord

StatusName = Literal[
    "signed_up", "qualified", "held", "approved", "rejected", "reversed", "expired"
]

router = APIRouter(route_class=JsonRoute, tags=["referrals"], responses=PROBLEMS)
ReferralId = Annotated[str, path_id("A referral's id (rf_...)", max_length=40)]


class ReferralIn(Strict):
    friend_id: Id = Field(description="The store's id for the friend who signed up")
    code: CodeText = Field(description="The referral code the storefront captured (any case)")
    signals: SignalsIn | None = None


class ReviewIn(Strict):
    staff: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Who decided: a staff member's name or e-mail"
    )
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class CustomerReferralOut(BaseModel):
    customer_id: str
    code: str = Field(description="Read aloud: no 0, O, 1, I or L")
    link: str | None = Field(description="The share link, when the program sets one")
    created_at: datetime

    @classmethod
    def of(cls, found: rf.CustomerReferral) -> CustomerReferralOut:
        return cls(
            customer_id=found.customer_id,
            code=found.code,
            link=found.link,
            created_at=found.created_at,
        )


class RuleOut(BaseModel):
    rule: str = Field(examples=["self_referral"])
    outcome: Literal["pass", "reject", "hold"]
    explanation: dict[str, str] = Field(description="In English and Arabic")


class ReferralOut(BaseModel):
    id: str
    advocate_id: str
    friend_id: str
    code: str
    status: str
    rules: list[RuleOut] = Field(description="Every rule that ran, in order, and what it found")
    signed_up_at: datetime
    order_id: str | None = Field(description="The friend's qualifying order")
    order_spend: str | None
    advocate_reward: Literal["none", "granted", "capped", "taken_back"]
    friend_rewarded: bool
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None
    replayed: bool = False

    @classmethod
    def of(cls, r: ReferralRecord, replayed: bool = False) -> ReferralOut:
        return cls(
            id=r.id,
            advocate_id=r.advocate_id,
            friend_id=r.friend_id,
            code=r.code,
            status=r.status,
            rules=[
                RuleOut(
                    rule=x["rule"],
                    outcome=x["outcome"],  # type: ignore[arg-type]
                    explanation={"en": x["en"], "ar": x["ar"]},
                )
                for x in r.rules
            ],
            signed_up_at=r.signed_up_at,
            order_id=r.order_id,
            order_spend=r.order_spend,
            advocate_reward=r.advocate_reward,  # type: ignore[arg-type]
            friend_rewarded=r.friend_rewarded,
            decided_by=r.decided_by,
            decision_reason=r.decision_reason,
            decided_at=r.decided_at,
            replayed=replayed,
        )


class ReferralList(BaseModel):
    data: list[ReferralOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end")


class AdvocateReportOut(BaseModel):
    advocate_id: str
    referred: int
    qualified: int = Field(description="Qualified or approved (reversed ones included)")
    held: int
    rejected_by_rule: dict[str, int]
    rewarded: int
    reversed: int


class ReferralReportOut(BaseModel):
    currency: str
    advocates: list[AdvocateReportOut]
    orders: int = Field(description="Friends' qualifying orders still standing")
    revenue: str = Field(description="What those orders counted as spend")

    @classmethod
    def of(cls, r: rf.ReferralReport) -> ReferralReportOut:
        return cls(
            currency=r.currency,
            advocates=[
                AdvocateReportOut(
                    advocate_id=a.advocate_id,
                    referred=a.referred,
                    qualified=a.qualified,
                    held=a.held,
                    rejected_by_rule=a.rejected_by_rule,
                    rewarded=a.rewarded,
                    reversed=a.reversed,
                )
                for a in r.advocates
            ],
            orders=r.orders,
            revenue=str(r.revenue),
        )


@router.get(
    "/v1/customers/{customer_id}/referral",
    response_model=CustomerReferralOut,
    summary="A customer's referral code and share link (made on first request)",
)
def read_customer_referral(
    customer_id: CustomerId, caller: Writer, walaa: Walaa
) -> CustomerReferralOut:
    found = rf.referral_of(walaa.uow(), walaa.clock, caller.store_id, customer_id)
    return CustomerReferralOut.of(found)


@router.post(
    "/v1/customers/{customer_id}/referral/rotate",
    response_model=CustomerReferralOut,
    summary="Retire a customer's referral code and issue a new one",
)
def rotate_customer_referral(
    customer_id: CustomerId, caller: Writer, walaa: Walaa
) -> CustomerReferralOut:
    found = rf.rotate_code(walaa.uow(), walaa.clock, caller.store_id, customer_id)
    return CustomerReferralOut.of(found)


@router.post(
    "/v1/referrals",
    status_code=201,
    response_model=ReferralOut,
    responses={200: {"model": ReferralOut, "description": "Already recorded: the first result"}},
    summary="A friend signed up with a referral code: judge the referral",
)
def post_referral(
    body: ReferralIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, ReferralOut]:
        made = rf.refer(
            walaa.uow(),
            walaa.clock,
            caller.store_id,
            body.friend_id,
            body.code,
            body.signals.domain() if body.signals else ReferralSignals(),
        )
        return (200 if made.replayed else 201), ReferralOut.of(made.referral, made.replayed)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


@router.get(
    "/v1/referrals",
    response_model=ReferralList,
    summary="Referrals by status: `?status=held` is the review queue",
)
def read_referrals(
    caller: Reader,
    walaa: Walaa,
    status: Annotated[StatusName | None, Query()] = None,
    after: Annotated[str | None, Query(max_length=40, pattern=r"^rf_[0-9a-f]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReferralList:
    found = rf.list_referrals(walaa.uow(), caller.store_id, status, limit + 1, after)
    more = len(found) > limit
    page = found[:limit]
    return ReferralList(
        data=[ReferralOut.of(r) for r in page], next=page[-1].id if more and page else None
    )


@router.get(
    "/v1/referrals/report",
    response_model=ReferralReportOut,
    summary="Per advocate: referred, qualified, rejected by rule, rewarded; the friends' revenue",
)
def read_referral_report(
    caller: Reader,
    walaa: Walaa,
    advocate: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
) -> ReferralReportOut:
    return ReferralReportOut.of(rf.report(walaa.uow(), caller.store_id, advocate))


@router.get("/v1/referrals/{referral_id}", response_model=ReferralOut, summary="One referral")
def read_referral(referral_id: ReferralId, caller: Reader, walaa: Walaa) -> ReferralOut:
    return ReferralOut.of(rf.get_referral(walaa.uow(), caller.store_id, referral_id))


def _review(
    walaa: Walaa, store_id: str, referral_id: str, body: ReviewIn, approve: bool
) -> ReferralOut:
    made = rf.review(
        walaa.uow(),
        walaa.clock,
        store_id,
        referral_id,
        approve=approve,
        staff=body.staff,
        reason=body.reason,
    )
    return ReferralOut.of(made.referral, made.replayed)


@router.post(
    "/v1/referrals/{referral_id}/approve",
    response_model=ReferralOut,
    summary="Approve a held referral: both sides are rewarded",
)
def approve_referral(
    referral_id: ReferralId, body: ReviewIn, caller: Admin, walaa: Walaa
) -> ReferralOut:
    return _review(walaa, caller.store_id, referral_id, body, approve=True)


@router.post(
    "/v1/referrals/{referral_id}/reject",
    response_model=ReferralOut,
    summary="Reject a held referral, with the reason",
)
def reject_referral(
    referral_id: ReferralId, body: ReviewIn, caller: Admin, walaa: Walaa
) -> ReferralOut:
    return _review(walaa, caller.store_id, referral_id, body, approve=False)

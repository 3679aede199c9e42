"""/v1/causes and giving: the store's causes, customers' choices and gifts of points, and the
report of what the store owes each cause for a period."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from walaa.domain.giving import Cause, amount_text
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, IdempotencyKey, Reader, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import Id
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.routes.customers import CustomerId
from walaa.entrypoints.http.schemas import PROBLEMS, Day, Strict
from walaa.service.handlers import giving as gv

router = APIRouter(route_class=JsonRoute, tags=["giving"], responses=PROBLEMS)
CauseIdText = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
CauseId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Texts = dict[Literal["en", "ar"], Annotated[str, Field(min_length=1, max_length=2000)]]
Url = Annotated[
    str,
    Field(
        max_length=2000,
        examples=["https://example.org/animal-welfare"],
        description="An https:// address shown to customers; Walaa never fetches it",
    ),
]


class CauseIn(Strict):
    id: CauseIdText
    names: dict[Literal["en", "ar"], Annotated[str, Field(min_length=1, max_length=200)]]
    descriptions: Texts = Field(default_factory=dict)
    link: Url | None = None
    logo_url: Url | None = None
    default: bool = Field(False, description="Where gifts go when no other cause is named")
    active: bool = True

    def domain(self) -> Cause:
        return Cause(
            id=self.id,
            names={str(k): v for k, v in self.names.items()},
            descriptions={str(k): v for k, v in self.descriptions.items()},
            link=self.link,
            logo_url=self.logo_url,
            default=self.default,
            active=self.active,
        )


class CauseOut(BaseModel):
    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    link: str | None
    logo_url: str | None
    default: bool
    active: bool

    @classmethod
    def of(cls, c: Cause) -> CauseOut:
        return cls(
            id=c.id,
            names=dict(c.names),
            descriptions=dict(c.descriptions),
            link=c.link,
            logo_url=c.logo_url,
            default=c.default,
            active=c.active,
        )


class CauseList(BaseModel):
    data: list[CauseOut]


class ChoiceIn(Strict):
    cause_id: CauseIdText


class ChoiceOut(BaseModel):
    customer_id: str
    cause: CauseOut | None = Field(description="The cause the customer chose, if any")


class PointsGiftIn(Strict):
    id: Id = Field(description="The store's id for this gift: sending it again is a replay")
    cause_id: CauseIdText
    points: int = Field(ge=1, le=10**12)


class PointsGiftOut(BaseModel):
    id: str
    customer_id: str
    cause: str
    points: int
    amount: str = Field(description="What the points are worth, now owed to the cause")
    currency: str
    transaction_id: int | None
    replayed: bool
    explanation: dict[str, str]

    @classmethod
    def of(cls, g: gv.PointsGift) -> PointsGiftOut:
        return cls(
            id=g.gift_id,
            customer_id=g.customer_id,
            cause=g.cause_id,
            points=g.points,
            amount=amount_text(g.amount, g.currency),
            currency=g.currency,
            transaction_id=g.transaction_id,
            replayed=g.replayed,
            explanation=g.explanations,
        )


class CauseReportOut(BaseModel):
    cause: str
    names: dict[str, str]
    orders: str = Field(description="Given by orders under the program's giving rules")
    taken_back: str = Field(description="Taken back by refunds and cancellations (negative)")
    points: str = Field(description="Given by customers as points")
    total: str = Field(description="What the store owes the cause for the period")
    gifts: int = Field(description="How many giving lines the period holds")


class GivingReportOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    currency: str
    causes: list[CauseReportOut]
    total: str

    @classmethod
    def of(cls, r: gv.GivingReport) -> GivingReportOut:
        cur = r.currency
        return cls.model_validate(
            {
                "from": r.start,
                "to": r.end,
                "currency": cur,
                "total": amount_text(r.total, cur),
                "causes": [
                    CauseReportOut(
                        cause=c.cause.id,
                        names=dict(c.cause.names),
                        orders=amount_text(c.orders, cur),
                        taken_back=amount_text(c.taken_back, cur),
                        points=amount_text(c.points, cur),
                        total=amount_text(c.total, cur),
                        gifts=c.count,
                    )
                    for c in r.causes
                ],
            }
        )


From = Annotated[Day, Query(alias="from", description="First day, in the store's time zone")]
To = Annotated[Day, Query(description="Last day (included), in the store's time zone")]


@router.post(
    "/v1/causes", status_code=201, response_model=CauseOut, summary="Add or change a cause"
)
def post_cause(body: CauseIn, caller: Admin, walaa: Walaa) -> CauseOut:
    return CauseOut.of(gv.save_cause(walaa.uow(), walaa.clock, caller.store_id, body.domain()))


@router.get("/v1/causes", response_model=CauseList, summary="The store's causes")
def read_causes(caller: Reader, walaa: Walaa) -> CauseList:
    return CauseList(data=[CauseOut.of(c) for c in gv.list_causes(walaa.uow(), caller.store_id)])


@router.get("/v1/causes/{cause_id}", response_model=CauseOut, summary="One cause")
def read_cause(cause_id: CauseId, caller: Reader, walaa: Walaa) -> CauseOut:
    return CauseOut.of(gv.get_cause(walaa.uow(), caller.store_id, cause_id))


@router.get(
    "/v1/causes/{cause_id}/report",
    response_model=GivingReportOut,
    response_model_by_alias=True,
    summary="What the store owes one cause for a period: the sum of its gifts",
)
def read_cause_report(
    cause_id: CauseId, start: From, to: To, caller: Reader, walaa: Walaa
) -> GivingReportOut:
    return GivingReportOut.of(gv.report(walaa.uow(), caller.store_id, start, to, cause_id))


@router.get(
    "/v1/giving/report",
    response_model=GivingReportOut,
    response_model_by_alias=True,
    summary="What the store owes each cause for a period",
)
def read_giving_report(start: From, to: To, caller: Reader, walaa: Walaa) -> GivingReportOut:
    return GivingReportOut.of(gv.report(walaa.uow(), caller.store_id, start, to))


@router.get(
    "/v1/customers/{customer_id}/cause",
    response_model=ChoiceOut,
    summary="The cause a customer chose",
)
def read_choice(customer_id: CustomerId, caller: Reader, walaa: Walaa) -> ChoiceOut:
    found = gv.chosen_cause(walaa.uow(), caller.store_id, customer_id)
    return ChoiceOut(customer_id=customer_id, cause=CauseOut.of(found) if found else None)


@router.put(
    "/v1/customers/{customer_id}/cause",
    response_model=ChoiceOut,
    summary="Choose the cause this customer's orders give to",
)
def put_choice(customer_id: CustomerId, body: ChoiceIn, caller: Writer, walaa: Walaa) -> ChoiceOut:
    chosen = gv.choose_cause(walaa.uow(), walaa.clock, caller.store_id, customer_id, body.cause_id)
    return ChoiceOut(customer_id=customer_id, cause=CauseOut.of(chosen))


@router.post(
    "/v1/customers/{customer_id}/gifts",
    status_code=201,
    response_model=PointsGiftOut,
    responses={200: {"model": PointsGiftOut, "description": "Already recorded: the first result"}},
    summary="A customer gives points to a cause, at the program's point value",
)
def post_points_gift(
    customer_id: CustomerId,
    body: PointsGiftIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, PointsGiftOut]:
        result = gv.give_points(
            walaa.uow(),
            walaa.clock,
            caller.store_id,
            customer_id,
            body.id,
            body.cause_id,
            body.points,
        )
        return (200 if result.replayed else 201), PointsGiftOut.of(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)

"""/v1/checkout: points as money — quote, hold, capture, release."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import IdempotencyKey, Reader, Walaa, Writer
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.rewards_schemas import CaptureIn, HoldIn, HoldOut, QuoteIn, QuoteOut
from walaa.entrypoints.http.routes.customers import request_id
from walaa.entrypoints.http.schemas import PROBLEMS
from walaa.service.handlers import checkout as c

router = APIRouter(
    route_class=JsonRoute, prefix="/v1/checkout", tags=["checkout"], responses=PROBLEMS
)
HoldId = Annotated[int, Path(ge=1, le=2**62)]


@router.post("/quotes", response_model=QuoteOut, summary="How many points may pay for this order")
def post_quote(body: QuoteIn, caller: Reader, walaa: Walaa) -> QuoteOut:
    amount = None if body.amount is None else Decimal(body.amount)
    program, q = c.get_quote(
        walaa.uow(), caller.store_id, body.customer_id, Decimal(body.subtotal), amount
    )
    return QuoteOut(
        customer_id=body.customer_id,
        spendable=q.available,
        min_points=q.min_points,
        max_points=q.max_points,
        max_worth=str(q.max_worth),
        currency=program.currency,
        step=q.step,
        usable=q.usable,
        points=q.points,
        amount=str(q.covers),
    )


@router.post(
    "/holds",
    status_code=201,
    response_model=HoldOut,
    responses={200: {"model": HoldOut, "description": "A replay: the first hold"}},
    summary="Reserve points while the order is placed",
)
def post_hold(
    body: HoldIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, HoldOut]:
        held = c.hold_points(
            walaa.uow(),
            walaa.clock,
            caller.store_id,
            body.customer_id,
            body.points,
            Decimal(body.subtotal),
            idempotency_key or request_id(request),
            timedelta(seconds=body.ttl_seconds),
        )
        return (200 if held.replayed else 201), HoldOut.of(held)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


@router.post("/holds/{hold_id}/capture", response_model=HoldOut, summary="The order was placed")
def post_capture(hold_id: HoldId, body: CaptureIn, caller: Writer, walaa: Walaa) -> HoldOut:
    held = c.capture(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        hold_id,
        body.order_id,
        Decimal(body.order_total),
        body.points,
    )
    return HoldOut.of(held)


@router.post("/holds/{hold_id}/release", response_model=HoldOut, summary="The order was not placed")
def post_release(hold_id: HoldId, caller: Writer, walaa: Walaa) -> HoldOut:
    return HoldOut.of(c.release(walaa.uow(), walaa.clock, caller.store_id, hold_id))

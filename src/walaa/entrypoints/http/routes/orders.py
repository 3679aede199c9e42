"""/v1/orders: orders earn when paid; refunds and cancellations take points back."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Request, Response

from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import IdempotencyKey, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import (
    OrderIn,
    OrderOut,
    RefundIn,
    RefundOut,
    lines_of,
)
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.schemas import PROBLEMS, path_id
from walaa.service.commands import CancelOrder, RecordOrder, RecordRefund
from walaa.service.handlers.earning import cancel_order, record_order, record_refund

router = APIRouter(route_class=JsonRoute, prefix="/v1/orders", tags=["orders"], responses=PROBLEMS)
OrderId = Annotated[str, path_id("The store's own order id")]


def order_command(store_id: str, body: OrderIn) -> RecordOrder:
    return RecordOrder(
        store_id,
        body.customer_id,
        body.id,
        body.placed_at,
        body.currency,
        lines_of(body.lines),
        body.channel,
        body.status,
        frozenset(body.codes),
        body.referral_code,
        body.signals.domain() if body.signals else None,
    )


@router.post(
    "",
    status_code=201,
    response_model=OrderOut,
    responses={200: {"model": OrderOut, "description": "Already recorded: the first result"}},
    summary="Record an order; a paid order earns its points (pending for the return window)",
)
def post_order(
    body: OrderIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, OrderOut]:
        result = record_order(walaa.uow(), walaa.clock, order_command(caller.store_id, body))
        return (200 if result.replayed else 201), OrderOut.of(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


@router.post(
    "/{order_id}/refunds",
    status_code=201,
    response_model=RefundOut,
    responses={200: {"model": RefundOut, "description": "Already recorded: the first result"}},
    summary="Take back points in proportion to what was refunded",
)
def post_refund(
    order_id: OrderId,
    body: RefundIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, RefundOut]:
        command = RecordRefund(
            caller.store_id,
            order_id,
            body.id,
            tuple(line.domain() for line in body.lines),
            Decimal(body.amount),
            body.whole_order,
        )
        result = record_refund(walaa.uow(), walaa.clock, command)
        return (200 if result.replayed else 201), RefundOut.of(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


@router.post(
    "/{order_id}/cancel",
    response_model=RefundOut,
    summary="Cancel an order: every point it still holds goes back",
)
def post_cancel(
    order_id: OrderId,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, RefundOut]:
        result = cancel_order(walaa.uow(), walaa.clock, CancelOrder(caller.store_id, order_id))
        return 200, RefundOut.of(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)

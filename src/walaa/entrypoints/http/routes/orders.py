"""/v1/orders: orders earn when paid; refunds and cancellations take points back."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter, ValidationError

from walaa.domain.errors import WalaaError
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import IdempotencyKey, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import (
    ORDERS_BATCH_MAX,
    BatchItemOut,
    BatchOut,
    OrderIn,
    OrderOut,
    OrdersBatchIn,
    RefundIn,
    RefundOut,
    lines_of,
)
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.problems import item_problem, refusal
from walaa.entrypoints.http.schemas import PROBLEMS, path_id
from walaa.service.commands import CancelOrder, RecordOrder, RecordRefund
from walaa.service.handlers.earning import (
    OrderResult,
    cancel_order,
    record_order,
    record_refund,
)
from walaa.service.handlers.orders_batch import record_orders

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


_ORDER: TypeAdapter[OrderIn] = TypeAdapter(OrderIn)


@router.post(
    "/batch",
    response_model=BatchOut,
    summary=f"Up to {ORDERS_BATCH_MAX} orders in one database transaction, each answered",
    description="Each order is evaluated and recorded as POST /v1/orders records it, in the "
    "order given, and is idempotent by its id: a batch can be resent as a whole. An order that "
    "is not valid or is refused gets its problem details at its index; the others are kept.",
)
def post_orders_batch(
    body: OrdersBatchIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, BatchOut]:
        results: dict[int, BatchItemOut] = {}
        valid: list[tuple[int, RecordOrder]] = []
        for index, item in enumerate(body.orders):
            try:
                valid.append((index, order_command(caller.store_id, _ORDER.validate_python(item))))
            except ValidationError as exc:
                results[index] = BatchItemOut(index=index, status=422, problem=item_problem(exc))
        outcomes = record_orders(walaa.batch_uow(), walaa.clock, [c for _, c in valid])
        for (index, _), outcome in zip(valid, outcomes, strict=True):
            results[index] = _batch_item(index, outcome)
        return 200, BatchOut.of([results[i] for i in range(len(body.orders))])

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


def _batch_item(index: int, outcome: OrderResult | WalaaError) -> BatchItemOut:
    if isinstance(outcome, WalaaError):
        return BatchItemOut(index=index, **refusal(outcome))
    out = OrderOut.of(outcome)
    return BatchItemOut(index=index, status=200 if out.replayed else 201, result=out)


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

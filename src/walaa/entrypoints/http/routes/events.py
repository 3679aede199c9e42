"""/v1/events: customer actions (sign-up, review, share ...), one at a time or in batches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter, ValidationError

from walaa.bootstrap import App
from walaa.domain.errors import WalaaError
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Caller, IdempotencyKey, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import (
    BatchEvent,
    BatchIn,
    BatchItem,
    BatchItemOut,
    BatchOrder,
    BatchOut,
    EventIn,
    EventOut,
    OrderOut,
)
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.problems import item_problem, refusal
from walaa.entrypoints.http.routes.orders import order_command
from walaa.entrypoints.http.schemas import PROBLEMS
from walaa.service.commands import RecordEvent
from walaa.service.handlers.earning import record_event, record_order

router = APIRouter(route_class=JsonRoute, prefix="/v1/events", tags=["events"], responses=PROBLEMS)


def event_command(store_id: str, body: EventIn) -> RecordEvent:
    properties = tuple(
        (name, value if isinstance(value, bool | str) else Decimal(value))
        for name, value in sorted(body.properties.items())
    )
    return RecordEvent(
        store_id,
        body.customer_id,
        body.id,
        body.type,
        body.occurred_at,
        properties,
        body.channel,
    )


@router.post(
    "",
    status_code=201,
    response_model=EventOut,
    responses={200: {"model": EventOut, "description": "Already recorded: the first result"}},
    summary="Record a customer action; it earns what the program's rules and limits allow",
)
def post_event(
    body: EventIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, EventOut]:
        result = record_event(walaa.uow(), walaa.clock, event_command(caller.store_id, body))
        return (200 if result.replayed else 201), EventOut.of(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


_ITEM: TypeAdapter[BatchEvent | BatchOrder] = TypeAdapter(BatchItem)


def _one(walaa: App, caller: Caller, index: int, raw: dict[str, Any]) -> BatchItemOut:
    """One item, checked and recorded on its own: its error is its result, not the batch's."""
    try:
        item = _ITEM.validate_python(raw)
    except ValidationError as exc:  # the first part of each location is the item's `kind`
        return BatchItemOut(index=index, status=422, problem=item_problem(exc, skip=1))
    try:
        if isinstance(item, BatchOrder):
            result = record_order(walaa.uow(), walaa.clock, order_command(caller.store_id, item))
            out: EventOut | OrderOut = OrderOut.of(result)
        else:
            event = record_event(walaa.uow(), walaa.clock, event_command(caller.store_id, item))
            out = EventOut.of(event)
        return BatchItemOut(index=index, status=200 if out.replayed else 201, result=out)
    except WalaaError as exc:
        return BatchItemOut(index=index, **refusal(exc))


@router.post(
    "/batch",
    response_model=BatchOut,
    summary="Up to 200 events or orders (2,000 lines) per call, each with its own result",
    description="Each item is its own transaction: one item's error does not undo the others. "
    "Items are idempotent by their ids, so a batch can be resent as a whole.",
)
def post_batch(
    body: BatchIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, BatchOut]:
        return 200, BatchOut.of([_one(walaa, caller, i, item) for i, item in enumerate(body.items)])

    return replayable(walaa, caller, request, idempotency_key, raw, produce)

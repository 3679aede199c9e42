"""/v1/customers: profiles, balances, ledgers and adjustments."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from walaa.domain.customers import Profile
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import IdempotencyKey, Reader, Walaa, Writer
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.schemas import (
    PROBLEMS,
    AdjustmentIn,
    ClosureIn,
    ClosureOut,
    CustomerIn,
    CustomerOut,
    ErasureOut,
    LedgerPageOut,
    TransactionOut,
    path_id,
)
from walaa.service.commands import Adjust
from walaa.service.handlers import ledger
from walaa.service.handlers.closing import close_account, erase_customer
from walaa.service.handlers.customers import customer_ledger, get_customer, upsert_customer
from walaa.service.handlers.tiers import tier_view

router = APIRouter(
    route_class=JsonRoute, prefix="/v1/customers", tags=["customers"], responses=PROBLEMS
)
CustomerId = Annotated[str, path_id("The store's own customer id")]


@router.put("/{customer_id}", response_model=CustomerOut, summary="Create or update a customer")
def put_customer(
    customer_id: CustomerId, body: CustomerIn, caller: Writer, walaa: Walaa
) -> CustomerOut:
    profile = Profile(
        body.email,
        body.name,
        body.birthday,
        body.locale,
        tuple(body.tags),
        body.alert_threshold,
        body.phone,
    )
    view = upsert_customer(walaa.uow(), walaa.clock, caller.store_id, customer_id, profile)
    return CustomerOut.of(view)


@router.get("/{customer_id}", response_model=CustomerOut, summary="A customer and their balances")
def read_customer(customer_id: CustomerId, caller: Reader, walaa: Walaa) -> CustomerOut:
    from walaa.entrypoints.http.routes.achievements import achievements_of
    from walaa.entrypoints.http.routes.tiers import CustomerTierOut  # it imports this module

    out = CustomerOut.of(get_customer(walaa.uow(), walaa.clock, caller.store_id, customer_id))
    found = tier_view(walaa.uow(), walaa.clock, caller.store_id, customer_id)
    if found is not None:
        out.tier = CustomerTierOut.of(*found).model_dump(mode="json")
    badges = achievements_of(walaa, caller.store_id, customer_id)
    out.achievements = [badge.model_dump(mode="json") for badge in badges]
    return out


@router.get(
    "/{customer_id}/ledger",
    response_model=LedgerPageOut,
    summary="A customer's points history, newest first, with explanations",
)
def read_ledger(
    customer_id: CustomerId,
    caller: Reader,
    walaa: Walaa,
    cursor: Annotated[int | None, Query(ge=1, le=2**62, description="From a previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    locale: Annotated[str | None, Query(pattern="^(en|ar)$")] = None,
) -> LedgerPageOut:
    view = get_customer(walaa.uow(), walaa.clock, caller.store_id, customer_id)
    page = customer_ledger(walaa.uow(), caller.store_id, customer_id, cursor=cursor, limit=limit)
    return LedgerPageOut.of(page, locale or view.record.profile.locale)


@router.post(
    "/{customer_id}/adjustments",
    status_code=201,
    response_model=TransactionOut,
    summary="Give or take points by hand, with a reason",
)
def post_adjustment(
    customer_id: CustomerId,
    body: AdjustmentIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, TransactionOut]:
        key = f"adjust:{idempotency_key}" if idempotency_key else f"adjust:{request_id(request)}"
        command = Adjust(
            caller.store_id, customer_id, key, body.points, body.reason, body.expires_at
        )
        receipt = ledger.adjust(walaa.uow(), walaa.clock, command)
        out = TransactionOut(
            transaction_id=receipt.transaction_id,
            kind=receipt.kind.value,
            customer_id=customer_id,
            points=body.points,
            replayed=receipt.replayed,
        )
        return 201, out

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


@router.post(
    "/{customer_id}/close",
    response_model=ClosureOut,
    summary="Close an account: open holds released, remaining points forfeited, no new points",
)
def post_close(
    customer_id: CustomerId, body: ClosureIn, caller: Writer, walaa: Walaa
) -> ClosureOut:
    # Closing is idempotent by itself: a second close answers the first (already_closed).
    closure = close_account(walaa.uow(), walaa.clock, caller.store_id, customer_id, body.reason)
    return ClosureOut.of(closure)


@router.post(
    "/{customer_id}/erasure",
    response_model=ErasureOut,
    summary="Erase a customer's personal data; the books stay whole under a pseudonymous id",
)
def post_erasure(
    customer_id: CustomerId,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # The customer's id is gone after the first call, so only the key can replay its answer.
    def produce() -> tuple[int, ErasureOut]:
        erasure = erase_customer(walaa.uow(), walaa.clock, caller.store_id, customer_id)
        return 200, ErasureOut.of(erasure)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


def request_id(_request: Request) -> str:
    """A fresh key for a request that brought none: without a key, a retry is a new request."""
    return "req-" + secrets.token_hex(12)

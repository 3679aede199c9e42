"""/v1/rewards, redemptions and /v1/codes: the catalog, spending points on it, codes at checkout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, IdempotencyKey, Reader, Walaa, Writer
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.rewards_schemas import (
    REWARD_ID_PATTERN,
    CodeIn,
    CodeOut,
    CodeUseIn,
    NoticeList,
    NoticeOut,
    RedemptionIn,
    RedemptionOut,
    RewardFields,
    RewardIn,
    RewardList,
    RewardOut,
)
from walaa.entrypoints.http.routes.customers import CustomerId, request_id
from walaa.entrypoints.http.schemas import PROBLEMS, path_id
from walaa.service.handlers import rewards as r
from walaa.service.handlers.customers import known_customer

router = APIRouter(route_class=JsonRoute, tags=["rewards"], responses=PROBLEMS)
RewardPath = Annotated[str, path_id("The reward's id", 64, REWARD_ID_PATTERN)]
#: A code as a person types it: letters, digits, dashes and spaces, any case.
CodePath = Annotated[str, path_id("The code, as printed", 32, r"^[A-Za-z0-9][A-Za-z0-9 -]{3,}$")]


@router.get("/v1/rewards", response_model=RewardList, summary="The rewards catalog")
def read_rewards(caller: Reader, walaa: Walaa) -> RewardList:
    return RewardList(data=[RewardOut.of(e) for e in r.list_rewards(walaa.uow(), caller.store_id)])


@router.get("/v1/rewards/{reward_id}", response_model=RewardOut, summary="One reward")
def read_reward(reward_id: RewardPath, caller: Reader, walaa: Walaa) -> RewardOut:
    return RewardOut.of(r.get_reward(walaa.uow(), caller.store_id, reward_id))


@router.post(
    "/v1/rewards", status_code=201, response_model=RewardOut, summary="Add a reward to the catalog"
)
def post_reward(body: RewardIn, caller: Admin, walaa: Walaa) -> RewardOut:
    entry = r.save_reward(walaa.uow(), walaa.clock, caller.store_id, body.domain())
    return RewardOut.of(entry)


@router.patch("/v1/rewards/{reward_id}", response_model=RewardOut, summary="Change a reward")
def patch_reward(
    reward_id: RewardPath, body: RewardFields, caller: Admin, walaa: Walaa
) -> RewardOut:
    entry = r.update_reward(walaa.uow(), walaa.clock, caller.store_id, reward_id, body.changes())
    return RewardOut.of(entry)


@router.post(
    "/v1/customers/{customer_id}/redemptions",
    status_code=201,
    response_model=RedemptionOut,
    responses={200: {"model": RedemptionOut, "description": "A replay: the first redemption"}},
    summary="Spend points on a reward and get its code",
)
def post_redemption(
    customer_id: CustomerId,
    body: RedemptionIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, RedemptionOut]:
        key = idempotency_key or request_id(request)
        result = r.redeem(
            walaa.uow(),
            walaa.clock,
            caller.store_id,
            customer_id,
            body.reward_id,
            key,
            body.blocks,
        )
        return (200 if result.replayed else 201), RedemptionOut.redeemed(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)


@router.post(
    "/v1/customers/{customer_id}/redemptions/{redemption_id}/cancel",
    response_model=RedemptionOut,
    summary="Cancel an unused redemption: its points and stock come back",
)
def post_cancel_redemption(
    customer_id: CustomerId,
    redemption_id: Annotated[str, path_id("The redemption's id (rd_...)", 40)],
    caller: Writer,
    walaa: Walaa,
) -> RedemptionOut:
    record = r.cancel_redemption(
        walaa.uow(), walaa.clock, caller.store_id, customer_id, redemption_id
    )
    return RedemptionOut.of(record)


@router.get(
    "/v1/customers/{customer_id}/notices",
    response_model=NoticeList,
    summary="Alerts and warnings recorded for the customer (newest first)",
)
def read_notices(customer_id: CustomerId, caller: Reader, walaa: Walaa) -> NoticeList:
    uow = walaa.uow()
    with uow:
        known_customer(uow, caller.store_id, customer_id)
        found = uow.notices.for_customer(caller.store_id, customer_id)
    return NoticeList(data=[NoticeOut(**n) for n in found])


@router.post(
    "/v1/codes/validate", response_model=CodeOut, summary="What a code gives, and if it can be used"
)
def post_validate(body: CodeIn, caller: Reader, walaa: Walaa) -> CodeOut:
    return CodeOut.of(r.validate_code(walaa.uow(), walaa.clock, caller.store_id, body.code))


@router.post(
    "/v1/codes/{code}/use",
    response_model=CodeOut,
    summary="Use a code for an order (a retry with the same order is the same use)",
)
def post_use(
    code: CodePath,
    body: CodeUseIn,
    caller: Writer,
    walaa: Walaa,
) -> CodeOut:
    used = r.use_code(
        walaa.uow(),
        walaa.clock,
        caller.store_id,
        code,
        body.order_id,
        body.customer_id,
        body.units,
    )
    return CodeOut.of(used)

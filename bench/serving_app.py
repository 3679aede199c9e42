"""The app `bench/serving.py` serves: Walaa's own, plus one read written three ways.

Each route reads one customer (`get_customer`: their record, expiring lots and the program)
through the same sync SQLAlchemy unit of work; only how the route waits differs:

- ``/bench/sync/{id}``: a plain ``def`` route, as Walaa's are; FastAPI runs it in its thread pool;
- ``/bench/async-blocking/{id}``: an ``async def`` route that calls the sync code on the event loop;
- ``/bench/async-thread/{id}``: an ``async def`` route that hands the call to the thread pool.

and one paid order written two ways (`serving.py --orders`): Walaa's own ``POST /v1/orders``
(a plain ``def`` route, run in the thread pool), and ``POST /v1/bench/orders/async-blocking``,
an ``async def`` route with the same dependencies that calls the same route function, and so
the sync database code, on the event loop. (Under ``/v1``, so the Guard authenticates it.)
"""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from walaa.bootstrap import build
from walaa.entrypoints.http.app import create_app
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import IdempotencyKey, Walaa, Writer
from walaa.entrypoints.http.earning_schemas import OrderIn
from walaa.entrypoints.http.idempotency import RawBody
from walaa.entrypoints.http.routes.orders import post_order
from walaa.service.handlers.customers import get_customer

app = create_app()
WALAA = build()
STORE = os.environ.get("WALAA_BENCH_STORE", "")


def read(customer_id: str) -> dict[str, int]:
    view = get_customer(WALAA.uow(), WALAA.clock, STORE, customer_id)
    return {"available": view.record.balances.available}


@app.get("/bench/sync/{customer_id}")
def sync_read(customer_id: str) -> dict[str, int]:
    return read(customer_id)


@app.get("/bench/async-blocking/{customer_id}")
async def async_blocking_read(customer_id: str) -> dict[str, int]:
    return read(customer_id)


@app.get("/bench/async-thread/{customer_id}")
async def async_thread_read(customer_id: str) -> dict[str, int]:
    return await run_in_threadpool(read, customer_id)


orders = APIRouter(route_class=JsonRoute)


@orders.post("/v1/bench/orders/async-blocking", status_code=201)
async def async_blocking_order(
    body: OrderIn,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return post_order(body, caller, walaa, request, raw, idempotency_key)


app.include_router(orders)

"""The app `bench/serving.py` serves: Walaa's own, plus one read written three ways.

Each route reads one customer (`get_customer`: their record, expiring lots and the program)
through the same sync SQLAlchemy unit of work; only how the route waits differs:

- ``/bench/sync/{id}``: a plain ``def`` route, as Walaa's are; FastAPI runs it in its thread pool;
- ``/bench/async-blocking/{id}``: an ``async def`` route that calls the sync code on the event loop;
- ``/bench/async-thread/{id}``: an ``async def`` route that hands the call to the thread pool.
"""

from __future__ import annotations

import os

from starlette.concurrency import run_in_threadpool

from walaa.bootstrap import build
from walaa.entrypoints.http.app import create_app
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

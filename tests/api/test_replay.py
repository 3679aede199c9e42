"""The same 1,000 requests sent twice, concurrently, leave the books of sending them once."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import yaml
from sqlalchemy import select

from tests.api.live_server import serving
from tests.builders import audit
from walaa.adapters.db import tables as t
from walaa.bootstrap import App
from walaa.config import Settings
from walaa.demo import PROGRAM
from walaa.domain.keys import parse_scopes
from walaa.entrypoints.http.app import create_app
from walaa.service.handlers.keys import create_key
from walaa.service.handlers.stores import create_store

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
Request = tuple[str, dict[str, Any], dict[str, str]]


def requests_for(customers: int = 300) -> tuple[list[Request], list[Request]]:
    """1,000 requests: orders, events and adjustments first, then refunds of those orders."""
    rng = random.Random(11)
    first: list[Request] = []
    for n in range(customers):
        customer = f"c{n:03d}"
        lines = [
            {
                "id": f"l{i}",
                "paid": f"{rng.randint(5, 90)}.50",
                "categories": [rng.choice(["serum", "mask"])],
            }
            for i in range(rng.randint(1, 3))
        ]
        first.append(
            (
                "/v1/orders",
                {
                    "id": f"o-{n}",
                    "customer_id": customer,
                    "placed_at": "2026-02-27T10:00:00Z",
                    "currency": "USD",
                    "channel": rng.choice(["online", "in_store"]),
                    "lines": lines,
                },
                {},
            )
        )
        first.append(
            (
                "/v1/events",
                {
                    "id": f"su-{n}",
                    "customer_id": customer,
                    "type": "signup",
                    "occurred_at": "2026-02-27T09:00:00Z",
                },
                {},
            )
        )
    for n in range(200):
        first.append(
            (
                f"/v1/customers/c{n:03d}/adjustments",
                {"points": 40, "reason": "goodwill"},
                {"Idempotency-Key": f"adj-{n}"},
            )
        )
    refunds: list[Request] = [
        (
            f"/v1/orders/o-{n}/refunds",
            {"id": f"r-{n}", "lines": [{"line_id": "l0", "quantity": 1}]},
            {},
        )
        for n in range(200)
    ]
    assert len(first) + len(refunds) == 1000
    return first, refunds


def books(app: App, store_id: str) -> tuple[dict[str, tuple[int, int, int]], dict[str, int]]:
    c = t.customers
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(c.c.id, c.c.available, c.c.pending, c.c.held).where(c.c.store_id == store_id)
        ).all()
    report = audit(app, store_id)
    assert report.ok, report
    return {r.id: (r.available, r.pending, r.held) for r in rows}, report.totals


def new_store(app: App, name: str) -> tuple[str, dict[str, str]]:
    store = create_store(app.uow(), app.clock, name, "USD", "Asia/Riyadh")
    secret = create_key(app.uow(), app.clock, store.id, parse_scopes(["admin"])).secret
    return store.id, {"Authorization": f"Bearer {secret}"}


def send(base: str, auth: dict[str, str], batch: list[Request], *, threads: int) -> list[int]:
    with httpx.Client(base_url=base, timeout=60) as client:

        def one(request: Request) -> int:
            path, body, headers = request
            return client.post(path, json=body, headers={**auth, **headers}).status_code

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, batch))


def test_a_thousand_requests_sent_twice_concurrently_count_once(walaa: App):
    unlimited = Settings(database_url="unused", rate_limit_per_second=1e6, rate_limit_burst=10**6)
    first, refunds = requests_for()
    with serving(create_app(walaa, unlimited)) as base:
        stores = {}
        for name in ("once", "twice"):
            store_id, auth = new_store(walaa, name)
            with httpx.Client(base_url=base) as client:
                assert client.put("/v1/program", json=DOCUMENT, headers=auth).status_code == 200
            stores[name] = (store_id, auth)

        once_id, once_auth = stores["once"]
        assert set(send(base, once_auth, first, threads=1)) == {201}
        assert set(send(base, once_auth, refunds, threads=1)) == {201}

        twice_id, twice_auth = stores["twice"]
        for batch in (first, refunds):
            doubled = batch * 2
            random.Random(5).shuffle(doubled)
            statuses = send(base, twice_auth, doubled, threads=12)
            assert set(statuses) <= {200, 201}, sorted(set(statuses))

    assert books(walaa, twice_id) == books(walaa, once_id)

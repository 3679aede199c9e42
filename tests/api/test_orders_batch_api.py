"""POST /v1/orders/batch: many orders, one database transaction, one answer per order."""

from __future__ import annotations

from sqlalchemy import event, func, select

from tests.api.test_earning_api import order, with_program
from walaa.adapters.db import tables as t


def batch(api, orders):
    answer = api.post("/v1/orders/batch", {"orders": orders})
    assert answer.status_code == 200, answer.text
    return answer.json()


def count(walaa, api, table, **where):
    c = t.metadata.tables[table].c
    stmt = select(func.count()).where(c.store_id == api.store.id)
    for name, value in where.items():
        stmt = stmt.where(c[name] == value)
    with walaa.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def test_each_order_earns_what_the_single_order_route_would(api):
    with_program(api)
    single = api.post("/v1/orders", order("solo", customer="zaid")).json()
    body = batch(api, [order(f"b-{i}", customer=c) for i, c in enumerate(("amal", "badr", "amal"))])
    assert (body["succeeded"], body["failed"]) == (3, 0)
    assert [r["status"] for r in body["results"]] == [201, 201, 201]
    assert {r["result"]["points"] for r in body["results"]} == {single["points"]} == {156}
    assert [r["result"]["id"] for r in body["results"]] == ["b-0", "b-1", "b-2"]
    amal = api.get("/v1/customers/amal").json()["balances"]
    assert amal["pending"] == 2 * 156


def test_a_resent_batch_answers_the_first_results_and_writes_nothing(api, walaa):
    with_program(api)
    orders = [order(f"r-{i}", customer=f"c{i % 3}") for i in range(6)]
    first = batch(api, orders)
    rows = {name: count(walaa, api, name) for name in ("ledger_transactions", "postings", "orders")}
    again = batch(api, orders)
    assert [r["status"] for r in again["results"]] == [200] * 6
    assert all(r["result"]["replayed"] for r in again["results"])
    assert [r["result"]["points"] for r in again["results"]] == [
        r["result"]["points"] for r in first["results"]
    ]
    assert {name: count(walaa, api, name) for name in rows} == rows


def test_a_bad_or_refused_order_gets_its_problem_and_the_others_are_kept(api, walaa):
    with_program(api)
    api.post("/v1/orders", order("taken", customer="amal"))
    orders = [
        order("ok-1", customer="badr"),
        order("euro", currency="EUR"),  # the store keeps USD: refused by the domain
        {k: v for k, v in order("no-date").items() if k != "placed_at"},  # not valid
        order("taken", customer="amal", lines=[{"id": "l1", "paid": "1.00"}]),  # other content
        order("ok-2", customer="badr"),
    ]
    body = batch(api, orders)
    assert [r["status"] for r in body["results"]] == [201, 422, 422, 409, 201]
    assert (body["succeeded"], body["failed"]) == (2, 3)
    assert body["results"][1]["problem"]["errors"][0]["field"] == "currency"
    assert body["results"][2]["problem"]["errors"][0]["field"] == "placed_at"
    assert body["results"][3]["problem"]["type"].endswith("idempotency-conflict")
    assert count(walaa, api, "orders", id="euro") == 0
    assert count(walaa, api, "orders", id="no-date") == 0
    assert api.get("/v1/customers/badr").json()["balances"]["pending"] == 2 * 156


def test_the_whole_batch_is_one_database_transaction(api, walaa):
    with_program(api)
    commits: list[object] = []

    def counted(conn):
        commits.append(conn)

    def commits_of(orders):
        commits.clear()
        event.listen(walaa.engine, "commit", counted)
        try:
            batch(api, orders)
        finally:
            event.remove(walaa.engine, "commit", counted)
        return len(commits)

    one = commits_of([order("t-one", customer="zaid")])
    twenty = commits_of([order(f"t-{i}", customer=f"c{i}") for i in range(20)])
    assert twenty == one >= 1
    assert count(walaa, api, "orders") == 21


def test_a_batch_is_bounded_and_named_in_the_problem(api):
    too_many = api.post("/v1/orders/batch", {"orders": [order(f"x-{i}") for i in range(1001)]})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "orders"
    empty = api.post("/v1/orders/batch", {"orders": []})
    assert empty.status_code == 422


def test_another_stores_key_sees_none_of_the_batch(api, other_api):
    with_program(api)
    batch(api, [order("mine", customer="amal")])
    assert other_api.get("/v1/customers/amal").status_code == 404
    theirs = other_api.post("/v1/orders/batch", {"orders": [order("mine", currency="GBP")]})
    assert theirs.json()["results"][0]["status"] == 201  # their own order "mine"
    assert api.get("/v1/customers/amal").json()["balances"]["pending"] == 156


def test_the_batch_locks_its_known_customers_in_one_statement(api, walaa):
    with_program(api)
    customers = [f"k{i:02}" for i in range(20)]
    batch(api, [order(f"seed-{c}", customer=c) for c in customers])  # they are known now

    def before_the_first_order(orders):
        """What the batch sends before its first order's own savepoint: the up-front lock
        (which has a savepoint of its own)."""
        sent: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            sent.append(statement)

        event.listen(walaa.engine, "before_cursor_execute", record)
        try:
            batch(api, orders)
        finally:
            event.remove(walaa.engine, "before_cursor_execute", record)
        savepoints = [i for i, s in enumerate(sent) if s.startswith("SAVEPOINT")]
        return sent[: savepoints[1]]

    one = before_the_first_order([order(f"one-{i}", customer="k00") for i in range(20)])
    twenty = before_the_first_order([order(f"all-{c}", customer=c) for c in customers])
    assert len(twenty) == len(one), twenty

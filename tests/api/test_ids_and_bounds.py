"""Every read about one customer answers an unknown id as GET /v1/customers/{id} does (404),
path ids follow the rule ids in bodies follow (422 naming the parameter), and no number of
points can reach the size a database column overflows at."""

from __future__ import annotations

import pytest

from tests.api.test_earning_api import DOCUMENT, order, with_program
from tests.api.test_tiers_api import with_tiers
from tests.builders import transaction_count
from walaa.domain.money import MAX_POINTS

READS = [
    "/v1/customers/{id}",
    "/v1/customers/{id}/ledger",
    "/v1/customers/{id}/tier",
    "/v1/customers/{id}/memberships",
    "/v1/customers/{id}/notices",
]


def not_found(answer) -> None:
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "does not exist" in answer.json()["detail"]


@pytest.mark.parametrize("path", READS)
def test_every_read_about_an_unknown_customer_is_a_404(api, path):
    with_tiers(api)
    not_found(api.get(path.format(id="ghost")))
    api.put("/v1/customers/ghost", {"name": "Ghost"})
    assert api.get(path.format(id="ghost")).status_code == 200


def test_a_quote_for_an_unknown_customer_is_a_404(api):
    with_program(api)
    not_found(api.post("/v1/checkout/quotes", {"customer_id": "ghost", "subtotal": "10"}))


def test_another_stores_customer_is_unknown_here(api, other_api):
    with_tiers(api)
    other_api.put("/v1/customers/amal", {"name": "Amal"})
    for path in READS[2:]:
        not_found(api.get(path.format(id="amal")))


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/customers/{bad}", "customer_id"),
        ("/v1/customers/{bad}/ledger", "customer_id"),
        ("/v1/customers/{bad}/tier", "customer_id"),
        ("/v1/rewards/{bad}", "reward_id"),
        ("/v1/customers/amal/memberships/{bad}/cancel", "membership_id"),
        ("/v1/orders/{bad}/cancel", "order_id"),
    ],
)
@pytest.mark.parametrize("bad", [".env", "a%20b", "%27%20OR%201%3D1--", "%3Cscript%3E", "%C3%A9"])
def test_a_path_id_that_is_not_an_id_is_a_422_naming_the_parameter(api, path, parameter, bad):
    url = path.format(bad=bad)
    answer = api.post(url, {}) if url.endswith("/cancel") else api.get(url)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [parameter]


def test_an_order_cannot_earn_past_the_points_cap(api, walaa):
    huge = {**DOCUMENT, "earn_rate": {"points": 10**12, "per": 1}}
    assert api.client.put("/v1/program", json=huge, headers=api.headers()).status_code == 200
    big = order(lines=[{"id": "l1", "paid": "999999999999.00", "quantity": 1}])
    answer = api.post("/v1/orders", big)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "points"
    assert str(MAX_POINTS) in answer.json()["errors"][0]["reason"]
    assert transaction_count(walaa, api.store.id) == 0


def test_a_balance_cannot_grow_past_the_points_cap(api, walaa):
    many = {**DOCUMENT, "earn_rate": {"points": 10**9, "per": 1}}
    assert api.client.put("/v1/program", json=many, headers=api.headers()).status_code == 200
    line = {"id": "l1", "paid": "600000.00", "quantity": 1}
    first = api.post("/v1/orders", order("o-1", lines=[line]))
    assert first.status_code == 201, first.text
    second = api.post("/v1/orders", order("o-2", lines=[line]))
    assert second.status_code == 422, second.text
    assert "at most" in second.json()["errors"][0]["reason"]
    assert transaction_count(walaa, api.store.id) == 1

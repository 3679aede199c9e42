"""Inputs the API takes only as their documented types: integers are integers, booleans are
booleans, dates carry an offset and stay on the supported calendar."""

from __future__ import annotations

import pytest

from tests.api.test_tiers_api import with_tiers
from tests.builders import balances, transaction_count

ADJUST = "/v1/customers/amal/adjustments"


@pytest.mark.parametrize("points", ["100", 100.0, 1e2, True, "1e2"])
def test_points_that_are_not_a_json_integer_are_refused(api, walaa, points):
    r = api.post(ADJUST, {"points": points, "reason": "goodwill"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["points"]
    assert transaction_count(walaa, api.store.id) == 0


def test_a_boolean_is_not_taken_from_a_number_or_a_string(api):
    for value in (1, "true", "yes"):
        r = api.post("/v1/customers/amal/memberships/none/cancel", {"at_period_end": value})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "at_period_end"


def test_quantities_and_costs_must_be_integers(api):
    line = {"id": "l1", "paid": "10.00", "quantity": "2"}
    r = api.post("/v1/program/preview", {"lines": [line]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lines[0].quantity"
    reward = {"id": "ten", "kind": "fixed_discount", "cost": 100.0, "names": {"en": "Ten"}}
    r = api.post("/v1/rewards", {**reward, "value": "10"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cost"


def test_integers_booleans_dates_and_enums_sent_as_documented_still_work(api, walaa):
    r = api.post(ADJUST, {"points": 100, "reason": "goodwill", "expires_at": "2027-01-01T00:00Z"})
    assert r.status_code == 201, r.text
    assert balances(walaa, api.store.id, "amal").available == 100
    put = api.put("/v1/customers/amal", {"birthday": "1990-05-01", "alert_threshold": 5})
    assert put.status_code == 200 and put.json()["birthday"] == "1990-05-01"


@pytest.mark.parametrize(
    "expires_at",
    ["2027-01-01T00:00:00", "9999-12-31T23:00:00-05:00", "9999-12-31T23:59:59-14:00",
     "0001-01-01T00:00:00+14:00", "2300-01-01T00:00:00Z"],
)  # fmt: skip
def test_an_adjustment_expiry_needs_an_offset_and_a_supported_year(api, walaa, expires_at):
    r = api.post(ADJUST, {"points": 5, "reason": "goodwill", "expires_at": expires_at})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["expires_at"]
    assert transaction_count(walaa, api.store.id) == 0


@pytest.mark.parametrize("until", ["2027-01-01T00:00:00", "9999-12-31T23:00:00-05:00"])
def test_a_tier_pin_until_needs_an_offset_and_a_supported_year(api, until):
    with_tiers(api)
    body = {"level_id": "dewy", "reason": "VIP", "until": until}
    r = api.post("/v1/customers/amal/tier", body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["until"]

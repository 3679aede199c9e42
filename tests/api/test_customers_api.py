"""/v1/customers over HTTP."""

from __future__ import annotations

from tests.api.conftest import api_for
from tests.builders import give


def test_a_customer_is_created_by_put_and_read_back_with_balances(api):
    put = api.put("/v1/customers/amal-1", {"email": "amal@example.com", "locale": "ar"})
    assert put.status_code == 200, put.text
    got = api.get("/v1/customers/amal-1").json()
    assert got["email"] == "amal@example.com" and got["locale"] == "ar"
    assert got["balances"]["available"] == 0


def test_balances_show_available_pending_and_expiring(api, walaa, clock):
    from datetime import timedelta

    give(walaa, clock, api.store.id, "amal", 100, expires_at=clock.now() + timedelta(days=10))
    give(walaa, clock, api.store.id, "amal", 40, available_at=clock.now() + timedelta(days=14))
    b = api.get("/v1/customers/amal").json()["balances"]
    assert (b["available"], b["pending"], b["lifetime_earned"], b["expiring_soon"]) == (
        100,
        40,
        140,
        100,
    )


def test_an_adjustment_needs_a_reason_and_shows_in_the_ledger(api):
    bad = api.post("/v1/customers/amal/adjustments", {"points": 50})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "reason"
    ok = api.post("/v1/customers/amal/adjustments", {"points": 50, "reason": "goodwill"})
    assert ok.status_code == 201, ok.text
    ledger = api.get("/v1/customers/amal/ledger").json()
    assert [e["kind"] for e in ledger["data"]] == ["adjust"]
    assert ledger["data"][0]["available_change"] == 50


def test_taking_more_than_a_balance_is_a_409_problem(api):
    api.post("/v1/customers/amal/adjustments", {"points": 10, "reason": "goodwill"})
    r = api.post("/v1/customers/amal/adjustments", {"points": -11, "reason": "fix"})
    assert r.status_code == 409
    assert r.json()["type"] == "/problems/insufficient-points"
    assert r.json()["spendable"] == 10


def test_an_idempotency_key_replays_the_first_response(api):
    body = {"points": 25, "reason": "welcome gift"}
    first = api.post("/v1/customers/amal/adjustments", body, key="gift-1")
    again = api.post("/v1/customers/amal/adjustments", body, key="gift-1")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = api.post("/v1/customers/amal/adjustments", {**body, "points": 26}, key="gift-1")
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-conflict"
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == 25


def test_the_ledger_pages_with_a_cursor(api):
    for i in range(5):
        api.post("/v1/customers/amal/adjustments", {"points": i + 1, "reason": "r"})
    page1 = api.get("/v1/customers/amal/ledger", params={"limit": 2}).json()
    page2 = api.get(
        "/v1/customers/amal/ledger", params={"limit": 2, "cursor": page1["next_cursor"]}
    )
    page3 = api.get(
        "/v1/customers/amal/ledger", params={"limit": 2, "cursor": page2.json()["next_cursor"]}
    )
    points = [e["points"] for p in (page1, page2.json(), page3.json()) for e in p["data"]]
    assert points == [5, 4, 3, 2, 1]
    assert page3.json()["next_cursor"] is None


def test_another_stores_customer_is_not_found(api, other_api):
    api.put("/v1/customers/amal", {"name": "Amal"})
    assert other_api.get("/v1/customers/amal").status_code == 404
    assert other_api.get("/v1/customers/amal/ledger").status_code == 404


def test_requests_without_a_valid_key_are_refused(api, walaa, clock):
    assert api.client.get("/v1/customers/amal").status_code == 401
    bad = api.client.get("/v1/customers/amal", headers={"Authorization": "Bearer wk_live_nope"})
    assert bad.status_code == 401
    assert bad.json()["type"] == "/problems/unauthenticated"
    reader = api_for(walaa, clock, api.store, scopes="read")
    r = reader.post("/v1/customers/amal/adjustments", {"points": 5, "reason": "x"})
    assert r.status_code == 403


def test_a_revoked_key_stops_working(walaa, clock, store):
    from tests.api.conftest import api_for
    from walaa.config import Settings
    from walaa.service.handlers.keys import list_keys, revoke_key

    # without the verified-key cache; tests/api/test_key_cache.py proves its bound
    api = api_for(walaa, clock, store, settings=Settings(verified_key_cache_seconds=0))
    assert api.get("/healthz").status_code == 200
    api.put("/v1/customers/amal", {})
    assert api.get("/v1/customers/amal").status_code == 200
    for key in list_keys(walaa.uow(), api.store.id):
        revoke_key(walaa.uow(), clock, key.id)
    assert api.get("/v1/customers/amal").status_code == 401


def test_health_readiness_and_metrics(api):
    assert api.client.get("/readyz").json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured"},
    }
    api.get("/v1/customers/nobody")
    metrics = api.client.get("/metrics").text
    assert 'route="/v1/customers/{customer_id}"' in metrics


def test_a_nul_character_anywhere_is_a_422_not_a_server_error(api):
    bad_body = api.post("/v1/customers/amal/adjustments", {"points": 5, "reason": "a\x00b"})
    assert bad_body.status_code == 422
    assert bad_body.json()["errors"][0]["field"] == "reason"
    assert "must not contain the NUL" in bad_body.json()["errors"][0]["reason"]
    bad_path = api.get("/v1/customers/a%00b/ledger")
    assert bad_path.status_code in (404, 422)
    assert api.post("/v1/orders/a%00b/cancel", {}).status_code in (404, 422)


def test_a_phone_is_kept_as_digits_however_it_was_typed(api):
    put = api.put("/v1/customers/amal-2", {"phone": "+966 (50) 123-4567"})
    assert put.status_code == 200, put.text
    assert api.get("/v1/customers/amal-2").json()["phone"] == "+966501234567"
    arabic = api.put("/v1/customers/amal-3", {"phone": "٠٥٠١٢٣٤٥٦٧"})
    assert arabic.json()["phone"] == "0501234567"


def test_a_phone_that_is_not_a_number_is_a_422_naming_phone_and_nothing_is_written(api):
    bad = api.put("/v1/customers/amal-4", {"phone": "ext. 12"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "phone"
    assert api.get("/v1/customers/amal-4").status_code == 404

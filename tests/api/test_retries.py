"""A retry tells the truth: after a crash, a replay, or with a bad key, on both databases.

A crash between a write's commit and the storing of its answer is simulated by a server whose
``finish`` never runs (the process "died" after the effect committed) and a reservation whose
owner is gone; the retry with the same key must answer the effect that committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.api.test_rewards_api import points, reward, with_checkout
from tests.builders import audit
from walaa.adapters.db import tables as t
from walaa.bootstrap import App

ORDER = {
    "id": "o-1",
    "customer_id": "amal",
    "placed_at": "2026-03-01T08:00:00Z",
    "currency": "USD",
    "lines": [{"id": "l1", "paid": "30.00", "quantity": 3}],
}


def crash_after_commit(walaa: App, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """From now on the server dies after each effect commits; the returned call revives it.

    Reviving also leaves every unanswered reservation as a dead owner leaves it: expired.
    """
    store = walaa.idempotency
    monkeypatch.setattr(store, "finish", lambda *_args, **_kw: None)

    def revive() -> None:
        monkeypatch.undo()
        store._held.clear()  # the process that held the reservations is gone: nobody renews
        past = datetime.now(UTC) - timedelta(seconds=1)
        r = t.idempotency_records
        with walaa.engine.begin() as conn:
            conn.execute(update(r).where(r.c.status_code.is_(None)).values(lease_until=past))

    return revive


def _without_replayed(body: Any) -> Any:
    """The answer but for the marks of a replay (``replayed``, a batch item's 200 for 201)."""
    if isinstance(body, list):
        return [_without_replayed(v) for v in body]
    if not isinstance(body, dict):
        return body
    out = {k: _without_replayed(v) for k, v in body.items() if k != "replayed"}
    if "index" in out and out.get("status") == 200:
        out["status"] = 201
    return out


def test_a_hold_retried_after_a_crash_answers_the_hold_it_made(api, walaa, monkeypatch):
    with_checkout(api)
    points(api, amount=1000)  # all of them are held: a retry's quote would allow none
    body = {"customer_id": "amal", "points": 1000, "subtotal": "20.00"}
    revive = crash_after_commit(walaa, monkeypatch)
    first = api.post("/v1/checkout/holds", body, key="hold-1")
    assert first.status_code == 201, first.text
    revive()
    retry = api.post("/v1/checkout/holds", body, key="hold-1")
    assert retry.status_code == 200, retry.text
    assert _without_replayed(retry.json()) == _without_replayed(first.json())
    again = api.post("/v1/checkout/holds", body, key="hold-1")
    assert again.json() == retry.json()  # what the retry answered is now the key's answer
    assert api.get("/v1/customers/amal").json()["balances"]["on_hold"] == 1000
    assert audit(walaa, api.store.id).ok


def _order_paid_with_points(api) -> None:
    with_checkout(api)
    points(api, amount=5000)
    assert api.post("/v1/orders", ORDER).status_code == 201
    hold = api.post(
        "/v1/checkout/holds", {"customer_id": "amal", "points": 1000, "subtotal": "40.00"}
    ).json()
    capture = api.post(
        f"/v1/checkout/holds/{hold['hold_id']}/capture",
        {"order_id": "o-1", "order_total": "30.00"},
    )
    assert capture.status_code == 200, capture.text


def test_replayed_refunds_and_cancels_answer_the_points_they_returned(api, walaa):
    _order_paid_with_points(api)
    refund = {"id": "r-1", "lines": [{"line_id": "l1", "quantity": 1}]}
    first = api.post("/v1/orders/o-1/refunds", refund)
    assert first.json()["points_returned"] == 333
    again = api.post("/v1/orders/o-1/refunds", refund)  # the same refund id, without a key
    assert again.status_code == 200 and again.json()["replayed"]
    assert _without_replayed(again.json()) == _without_replayed(first.json())
    cancel = api.post("/v1/orders/o-1/cancel", {})
    assert cancel.json()["points_returned"] == 667
    cancel_again = api.post("/v1/orders/o-1/cancel", {})
    assert _without_replayed(cancel_again.json()) == _without_replayed(cancel.json())
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == 5000
    assert audit(walaa, api.store.id).ok


def _writes(api) -> list[tuple[str, dict[str, Any]]]:
    """Every keyed write, set up so that it succeeds once."""
    _order_paid_with_points(api)
    reward(api, "ten-off")
    return [
        ("/v1/orders", {**ORDER, "id": "o-2", "status": "paid"}),
        ("/v1/orders/o-1/refunds", {"id": "r-1", "lines": [{"line_id": "l1", "quantity": 1}]}),
        ("/v1/events", {"id": "e-1", "customer_id": "amal", "type": "signup",
                        "occurred_at": "2026-03-01T08:00:00Z"}),
        ("/v1/customers/amal/adjustments", {"points": 70, "reason": "goodwill"}),
        ("/v1/customers/amal/redemptions", {"reward_id": "ten-off"}),
        ("/v1/checkout/holds", {"customer_id": "amal", "points": 1000, "subtotal": "40.00"}),
        ("/v1/events/batch", {"items": [{"kind": "event", "id": "e-2", "customer_id": "amal",
                                         "type": "signup",
                                         "occurred_at": "2026-03-01T08:00:00Z"}]}),
        ("/v1/orders/o-1/cancel", {}),
    ]  # fmt: skip


def test_every_keyed_write_retried_after_a_crash_answers_its_effect(api, walaa, monkeypatch):
    writes = _writes(api)
    for n, (path, body) in enumerate(writes):
        before = api.get("/v1/customers/amal").json()["balances"]
        revive = crash_after_commit(walaa, monkeypatch)
        first = api.post(path, body, key=f"k-{n}")
        assert first.status_code in (200, 201), (path, first.text)
        after = api.get("/v1/customers/amal").json()["balances"]
        revive()
        retry = api.post(path, body, key=f"k-{n}")
        assert retry.status_code in (200, 201), (path, retry.text)
        assert _without_replayed(retry.json()) == _without_replayed(first.json()), path
        assert api.get("/v1/customers/amal").json()["balances"] == after, (path, before)
    assert audit(walaa, api.store.id).ok


@pytest.mark.parametrize("key", ["", " ", "k" * 256])
def test_an_empty_blank_or_overlong_idempotency_key_is_refused(api, key):
    points(api, amount=100)
    body = {"points": 10, "reason": "goodwill"}
    r = api.client.post(
        "/v1/customers/amal/adjustments", json=body, headers=api.headers(**{"Idempotency-Key": key})
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == 100

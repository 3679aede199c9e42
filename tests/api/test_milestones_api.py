"""Milestones over HTTP: a notice when a customer joins, and once ever when their points first
reach a threshold the program names (only the highest on a jump, never a lower one later)."""

from __future__ import annotations

import yaml

from walaa.demo import PROGRAM

DEMO = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
#: The demo program without its inactivity expiry and milestones: the defaults.
BASE = {
    **{k: v for k, v in DEMO.items() if k != "milestones"},
    "expiry": {"after_months": 6},
}
NAMED = {"points": 500, "name": {"en": "Glow", "ar": "توهج"}}
MILESTONES = {**BASE, "milestones": [100, NAMED, 1000, 2500]}


def order(api, order_id: str, paid: str, customer: str = "amal") -> int:
    body = {
        "id": order_id,
        "customer_id": customer,
        "placed_at": "2026-03-01T08:00:00Z",
        "currency": "USD",
        "status": "paid",
        "lines": [{"id": "l1", "paid": paid, "categories": ["cleanser"]}],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code in (200, 201), r.text
    return r.json()["points"]


def told(api, customer: str = "amal") -> list[tuple[str, object]]:
    notices = api.get(f"/v1/customers/{customer}/notices").json()["data"]
    return [
        (n["kind"], n["payload"].get("points"))
        for n in reversed(notices)  # oldest first
        if n["kind"] in ("customer_joined", "milestone_reached")
    ]


def test_the_highest_threshold_crossed_is_told_once_and_lower_ones_never_after(api):
    assert api.put("/v1/program", MILESTONES).status_code == 200
    assert api.put("/v1/customers/amal", {"name": "Amal"}).status_code in (200, 201)
    assert told(api) == [("customer_joined", None)]

    first = order(api, "o-1", "60.00")
    assert first < 100 and told(api) == [("customer_joined", None)]
    second = order(api, "o-2", "449.00")  # past 100 and 500 at once: 500 only
    assert 500 <= first + second < 1000
    assert told(api) == [("customer_joined", None), ("milestone_reached", 500)]
    named = api.get("/v1/customers/amal/notices").json()["data"][0]["payload"]
    assert named == {"points": 500, "name": NAMED["name"], "balance": first + second}

    assert api.post("/v1/orders/o-2/cancel", {}).status_code in (200, 201)
    third = order(api, "o-3", "140.00")  # back past 100: news no more after 500
    assert 100 <= first + third < 500
    fourth = order(api, "o-4", "900.00")  # past 500 again and 1000: 1000 only
    assert 1000 <= first + third + fourth < 2500
    order(api, "o-4", "900.00")  # a replay tells nothing
    assert told(api) == [
        ("customer_joined", None),
        ("milestone_reached", 500),
        ("milestone_reached", 1000),
    ]


def test_a_customer_first_seen_in_an_order_has_joined(api):
    assert api.put("/v1/program", MILESTONES).status_code == 200
    order(api, "b-1", "120.00", customer="badr")
    assert told(api, "badr") == [("customer_joined", None), ("milestone_reached", 100)]


def test_without_milestones_no_one_is_told(api):
    assert api.put("/v1/program", BASE).status_code == 200
    api.put("/v1/customers/amal", {"name": "Amal"})
    order(api, "o-1", "600.00")
    assert told(api) == []


def test_a_wrong_milestone_is_refused_naming_it(api):
    wrong = {**BASE, "milestones": [1000, 500]}
    r = api.put("/v1/program", wrong)
    assert r.status_code == 422, r.text
    assert "milestones[1]: must be more than the milestone before it (1000)" in r.text


def test_points_the_store_gives_reach_milestones_too(api):
    assert api.put("/v1/program", MILESTONES).status_code == 200
    body = {"points": 1200, "reason": "apology for a lost parcel"}
    r = api.post("/v1/customers/amal/adjustments", body, key="gift-1")
    assert r.status_code == 201, r.text
    api.post("/v1/customers/amal/adjustments", body, key="gift-1")  # a replay: nothing new
    taken = {"points": -300, "reason": "correction"}
    assert api.post("/v1/customers/amal/adjustments", taken).status_code == 201
    assert told(api) == [("customer_joined", None), ("milestone_reached", 1000)]

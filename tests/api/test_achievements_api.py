"""Achievements over HTTP on both databases: progress in words on the customer and its own
resource, points granted once through the ledger with their explanation, a reward as a code,
refunds, streaks, property sums, statements per order, and stores kept apart."""

from __future__ import annotations

from datetime import timedelta

import yaml
from sqlalchemy import event

from tests.builders import audit
from walaa.demo import PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
DOCUMENT.pop("achievements", None)
SUNDAY = "2026-03-01T09:00:00Z"


def named(en: str, ar: str) -> dict[str, str]:
    return {"en": en, "ar": ar}


REVIEWER = {
    "id": "reviewer",
    "name": named("Reviewer", "مراجِع"),
    "description": named("Write 5 reviews", "اكتب 5 مراجعات"),
    "counts": "events",
    "event": "review",
    "target": 5,
    "points": 250,
}
BIG_SPENDER = {
    "id": "big-spender",
    "name": named("Big spender", "متسوق كبير"),
    "description": named("Spend 500 USD", "أنفق 500 دولار"),
    "counts": "spend",
    "target": 500,
}


TOTE = {
    "id": "tote",
    "kind": "fixed_discount",
    "value": "10.00",
    "cost": 1000,
    "names": named("Tote bag", "حقيبة"),
}


def with_achievements(api, *achievements):
    r = api.put("/v1/program", {**DOCUMENT, "achievements": list(achievements)})
    assert r.status_code == 200, r.text


def order(api, order_id, paid, customer="amal", placed_at=SUNDAY):
    body = {
        "id": order_id,
        "customer_id": customer,
        "placed_at": placed_at,
        "currency": "USD",
        "status": "paid",
        "lines": [{"id": "l1", "paid": paid}],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code == 201, r.text
    return r.json()


def action(api, event_id, kind="review", customer="amal", occurred_at=SUNDAY, **properties):
    body = {
        "id": event_id,
        "customer_id": customer,
        "type": kind,
        "occurred_at": occurred_at,
        "properties": properties,
    }
    r = api.post("/v1/events", body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def statements_of(walaa, work) -> list[str]:
    """The SQL statements `work` sends to the database."""
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(walaa.engine, "before_cursor_execute", watch)
    try:
        work()
    finally:
        event.remove(walaa.engine, "before_cursor_execute", watch)
    return seen


def badges(api, customer="amal"):
    r = api.get(f"/v1/customers/{customer}/achievements")
    assert r.status_code == 200, r.text
    return {badge["id"]: badge for badge in r.json()["data"]}


def test_reviews_show_their_progress_and_the_fifth_grants_the_points_once(api, walaa):
    with_achievements(api, REVIEWER)
    for n in range(3):
        action(api, f"r-{n}")
    reviewer = badges(api)["reviewer"]
    assert reviewer["progress"]["text"] == {
        "en": "3 of 5 reviews: 2 to go",
        "ar": "3 من 5 مراجعات: باقي 2",
    }
    assert reviewer["progress"]["remaining"] == "2" and not reviewer["earned"]
    before = api.get("/v1/customers/amal").json()["balances"]["available"]
    action(api, "r-3")
    action(api, "r-4")
    action(api, "r-4")  # a replay counts nothing again
    action(api, "r-5")
    reviewer = badges(api)["reviewer"]
    assert reviewer["earned"] and reviewer["done"] and reviewer["times_earned"] == 1
    assert [e["points"] for e in reviewer["earned_times"]] == [250]
    assert reviewer["earned_times"][0]["source"] == "event:r-4"
    customer = api.get("/v1/customers/amal").json()
    assert customer["achievements"][0]["id"] == "reviewer"
    assert customer["balances"]["available"] - before >= 250
    entries = api.get("/v1/customers/amal/ledger", params={"locale": "ar"}).json()["data"]
    badge_lines = [e for e in entries if e["reason"] == "achievement"]
    assert len(badge_lines) == 1 and badge_lines[0]["points"] == 250
    assert "شارة مراجِع" in badge_lines[0]["explanation"][0]
    english = api.get("/v1/customers/amal/ledger", params={"locale": "en"}).json()["data"]
    assert any("Badge Reviewer (Write 5 reviews): 250" in e["explanation"][0] for e in english)
    assert audit(walaa, api.store.id).ok


def test_spend_shows_what_is_left_to_go_and_a_refund_takes_it_back(api, walaa):
    with_achievements(api, BIG_SPENDER)
    order(api, "o-1", "380.00")
    spender = badges(api)["big-spender"]
    assert spender["progress"]["text"]["en"] == "380 of 500 USD: 120 USD to go"
    assert spender["progress"]["text"]["ar"] == "380 من 500 USD: باقي 120 USD"
    refund = {"id": "rf-1", "lines": [{"line_id": "l1", "amount": "80.00"}]}
    assert api.post("/v1/orders/o-1/refunds", refund).status_code == 201
    assert badges(api)["big-spender"]["progress"]["current"] == "300"
    order(api, "o-2", "200.00")
    assert badges(api)["big-spender"]["earned"]
    api.post("/v1/orders/o-2/cancel", {})
    spender = badges(api)["big-spender"]
    # the badge stays earned; the spend it counted was taken back
    assert spender["earned"] and spender["done"] and spender["times_earned"] == 1
    assert audit(walaa, api.store.id).ok


def test_a_repeating_spend_badge_owes_refunded_spend_before_the_next(api):
    every = {**BIG_SPENDER, "id": "every-500", "repeat": True, "points": 50}
    with_achievements(api, every)
    order(api, "o-1", "500.00")
    api.post("/v1/orders/o-1/cancel", {})
    order(api, "o-2", "500.00")
    assert badges(api)["every-500"]["times_earned"] == 1  # o-2 only made up what o-1 took
    order(api, "o-3", "500.00")
    assert badges(api)["every-500"]["times_earned"] == 2


def test_a_weekly_streak_counts_consecutive_weeks_of_the_orders_own_dates(api, clock):
    weekly = {
        "id": "weekly",
        "name": named("Every week", "كل أسبوع"),
        "description": named("An order 3 weeks in a row", "طلب 3 أسابيع متتالية"),
        "counts": "orders",
        "target": 1,
        "streak": {"period": "week", "periods": 3},
        "points": 100,
    }
    with_achievements(api, weekly)
    # The clock reads Sunday 1 March: its week is under way, so last week's order keeps the
    # streak alive; the week before that has no order yet.
    for days in (21, 7):
        order(
            api, f"o-{days}", "20.00", placed_at=(clock.current - timedelta(days=days)).isoformat()
        )
    streak = badges(api)["weekly"]
    assert streak["progress"]["current"] == "1" and not streak["earned"]
    assert streak["progress"]["text"]["en"].startswith("1 of 3 weeks in a row")
    assert "أسابيع متتالية" in streak["progress"]["text"]["ar"]
    # an order recorded late, dated two weeks ago, fills the gap: three weeks in a row
    order(api, "o-late", "20.00", placed_at=(clock.current - timedelta(days=14)).isoformat())
    streak = badges(api)["weekly"]
    assert streak["earned"] and streak["earned_times"][0]["source"] == "order:o-late"
    assert streak["earned_times"][0]["at"][:10] == "2026-02-15"
    clock.current += timedelta(days=15)  # two weeks without an order: the streak is over
    assert badges(api)["weekly"]["progress"]["current"] == "3"  # one-time and earned: done


def test_kilometres_of_runs_add_up_to_the_first_5_km(api):
    first_5k = {
        "id": "first-5k",
        "name": named("First 5 km", "أول 5 كم"),
        "description": named("Run 5 km", "اجرِ 5 كم"),
        "counts": "property",
        "event": "run",
        "property": "distance_km",
        "target": 5,
        "unit": named("km", "كم"),
    }
    with_achievements(api, first_5k)
    action(api, "run-1", "run", distance_km="2.5")
    action(api, "run-2", "run", distance_km="1.5")
    run = badges(api)["first-5k"]
    assert run["progress"]["text"]["en"] == "4 of 5 km: 1 to go"
    assert run["progress"]["text"]["ar"] == "4 من 5 كم: باقي 1"
    action(api, "run-3", "run", distance_km=1)
    assert badges(api)["first-5k"]["earned"]


def test_a_reward_badge_issues_a_single_use_code(api):
    assert api.post("/v1/rewards", TOTE).status_code == 201
    with_achievements(api, {**BIG_SPENDER, "reward": "tote"})
    order(api, "o-1", "600.00")
    earned = badges(api)["big-spender"]["earned_times"][0]
    assert earned["redemption_id"] and earned["points"] is None
    code = api.post("/v1/codes/validate", {"code": earned["code"]}).json()
    assert code["usable"] and code["uses_left"] == 1, code


def test_a_reward_not_in_the_catalog_is_refused_naming_the_field(api):
    r = api.put("/v1/program", {**DOCUMENT, "achievements": [{**BIG_SPENDER, "reward": "ghost"}]})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    error = r.json()["errors"][0]
    assert error["field"] == "achievements[0].reward" and "catalog" in error["reason"]


def test_a_bad_definition_is_problem_json_naming_each_field(api):
    bad = {**REVIEWER, "event": None, "points": 10, "reward": "tote", "target": "2.5"}
    r = api.put("/v1/program", {**DOCUMENT, "achievements": [bad]})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    fields = {e["field"]: e["reason"] for e in r.json()["errors"]}
    assert "needs the event type" in fields["achievements[0].event"]
    assert "not both" in fields["achievements[0].reward"]
    assert "whole number" in fields["achievements[0].target"]
    assert api.get("/v1/program").status_code == 404  # nothing was saved


def test_an_order_without_achievements_reads_and_writes_no_progress(api, walaa):
    with_achievements(api, REVIEWER)  # counts reviews only
    seen = statements_of(walaa, lambda: order(api, "o-1", "50.00"))
    assert seen and not [s for s in seen if "achievement_" in s]


def test_an_order_moving_a_badge_costs_one_read_and_one_write(api, walaa):
    with_achievements(
        api, BIG_SPENDER, {**BIG_SPENDER, "id": "orders", "counts": "orders", "target": 3}
    )
    seen = statements_of(walaa, lambda: order(api, "o-1", "50.00"))
    ours = [s for s in seen if "achievement_" in s]
    assert len(ours) == 2, ours  # the customer's progress rows, then both upserted together
    assert ours[0].lstrip().upper().startswith("SELECT") and "INSERT" in ours[1].upper()


def test_another_store_never_sees_a_customers_badges(api, other_api):
    with_achievements(api, REVIEWER)
    action(api, "r-1")
    assert api.get("/v1/customers/amal/achievements").status_code == 200
    r = other_api.get("/v1/customers/amal/achievements")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_an_unknown_customer_is_404_and_no_program_is_an_empty_list(api):
    assert api.get("/v1/customers/nobody/achievements").status_code == 404
    action(api, "r-1")
    assert api.get("/v1/customers/amal/achievements").json()["data"] == []


REGULAR = {
    "id": "regular",
    "name": named("Regular", "زبونة دائمة"),
    "description": named("3 orders", "3 طلبات"),
    "counts": "orders",
    "target": 3,
}


def test_a_placed_order_counts_once_it_is_paid_and_a_cancellation_takes_it_back(api):
    with_achievements(api, REGULAR)
    body = {
        "id": "o-1",
        "customer_id": "amal",
        "placed_at": SUNDAY,
        "currency": "USD",
        "status": "placed",
        "lines": [{"id": "l1", "paid": "20.00"}],
    }
    assert api.post("/v1/orders", body).status_code == 201
    assert badges(api)["regular"]["progress"]["current"] == "0"
    assert api.post("/v1/orders", {**body, "status": "paid"}).status_code in (200, 201)
    order(api, "o-2", "20.00")
    assert badges(api)["regular"]["progress"]["text"]["en"] == "2 of 3 orders: 1 to go"
    assert api.post("/v1/orders/o-2/cancel", {}).status_code == 200
    assert badges(api)["regular"]["progress"]["current"] == "1"
    partial = {"id": "rf-1", "lines": [{"line_id": "l1", "amount": "5.00"}]}
    assert api.post("/v1/orders/o-1/refunds", partial).status_code == 201
    assert badges(api)["regular"]["progress"]["current"] == "1"  # a part refund keeps the order


def test_counting_something_else_starts_again_and_keeps_the_badges_earned(api):
    with_achievements(api, {**REGULAR, "target": 2, "repeat": True})
    for n in range(3):
        order(api, f"o-{n}", "20.00")
    regular = badges(api)["regular"]
    assert (regular["times_earned"], regular["progress"]["current"]) == (1, "1")
    with_achievements(api, {**REGULAR, "target": 4, "repeat": True})  # only the target: kept
    assert badges(api)["regular"]["progress"]["current"] == "1"
    with_achievements(api, {**REGULAR, "counts": "spend", "target": 100, "repeat": True})
    spend = badges(api)["regular"]
    assert (spend["times_earned"], spend["progress"]["current"]) == (1, "0")
    order(api, "o-9", "30.00")
    assert badges(api)["regular"]["progress"]["current"] == "30"


def test_an_erased_customers_badges_stay_with_the_pseudonym(api, walaa):
    with_achievements(api, {**REVIEWER, "target": 1})
    action(api, "r-1")
    erased = api.post("/v1/customers/amal/erasure", {})
    assert erased.status_code == 200, erased.text
    pseudonym = erased.json()["pseudonym"]
    assert api.get("/v1/customers/amal/achievements").status_code == 404
    kept = badges(api, pseudonym)["reviewer"]
    assert kept["times_earned"] == 1 and kept["earned_times"][0]["points"] == 250
    assert audit(walaa, api.store.id).ok


def test_a_reward_out_of_stock_still_grants_the_badge_without_a_code(api):
    assert api.post("/v1/rewards", {**TOTE, "stock": 1}).status_code == 201
    with_achievements(api, {**BIG_SPENDER, "reward": "tote"})
    order(api, "o-1", "600.00")
    order(api, "o-2", "600.00", customer="badr")
    first = badges(api)["big-spender"]["earned_times"][0]
    second = badges(api, "badr")["big-spender"]
    assert first["code"] and second["earned"]
    assert second["earned_times"][0]["code"] is None
    assert second["earned_times"][0]["redemption_id"] is None
    assert api.get("/v1/rewards/tote").json()["stock_left"] == 0


def test_an_orders_badge_points_wait_for_the_return_window_and_an_events_do_not(api):
    with_achievements(
        api,
        {**BIG_SPENDER, "points": 70},
        {**REVIEWER, "target": 1, "points": 30},
    )
    order(api, "o-1", "500.00", customer="badr")
    action(api, "r-1", customer="badr")
    lines = api.get("/v1/customers/badr/ledger").json()["data"]
    granted = {e["points"]: e for e in lines if e["reason"] == "achievement"}
    assert set(granted) == {70, 30}
    assert granted[70]["pending_change"] == 70 and granted[70]["available_change"] == 0
    assert granted[30]["available_change"] == 30

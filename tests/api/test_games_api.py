"""Games of chance over HTTP on both databases: the disclosure before play, a play and its
prize, replays, refunds that void what an order unlocked, stock, free entry and events."""

from __future__ import annotations

import hashlib
import hmac

import yaml

from tests.builders import audit
from walaa.demo import PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
DOCUMENT.pop("games", None)
SUNDAY = "2026-03-01T09:00:00Z"
NO_PRIZE = {"id": "none", "name": {"en": "No prize", "ar": "لا جائزة"}}


def fifty(weight: int = 30, **extra: object) -> dict[str, object]:
    name = {"en": "50 Dew Drops", "ar": "٥٠ قطرة"}
    return {"id": "fifty", "name": name, "points": 50, "weight": weight, **extra}


def wheel(prizes: list[dict[str, object]], **extra: object) -> dict[str, object]:
    return {
        "id": "wheel",
        "kind": "wheel",
        "name": {"en": "Spin the wheel", "ar": "عجلة الحظ"},
        "unlock": {"order_min_amount": 100},
        "prizes": prizes,
        **extra,
    }


def with_games(api, *games):
    r = api.client.put(
        "/v1/program", json={**DOCUMENT, "games": list(games)}, headers=api.headers()
    )
    assert r.status_code == 200, r.text


def paid(api, order_id="o-1", amount="120.00", customer="amal"):
    body = {
        "id": order_id,
        "customer_id": customer,
        "placed_at": SUNDAY,
        "currency": "USD",
        "status": "paid",
        "lines": [{"id": "l1", "paid": amount}],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code == 201, r.text


def spin(api, customer="amal", key=None, body=None, game="wheel"):
    return api.post(f"/v1/customers/{customer}/games/{game}/play", body or {}, key=key)


def balances(api, customer="amal"):
    return api.get(f"/v1/customers/{customer}").json()["balances"]


def test_the_odds_and_the_seed_commitment_are_shown_before_play(api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}]))
    game = api.get("/v1/games/wheel").json()
    assert [p["probability"] for p in game["prizes"]] == ["0.300000", "0.700000"]
    assert game["win_chance"] == "0.300000" and game["seed"]["server_seed"] is None
    assert len(game["seed"]["commitment"]) == 64
    assert "50 Dew Drops: 30%" in game["disclosure"]["en"]
    assert "فرصة الفوز بجائزة: 30%" in game["disclosure"]["ar"]
    assert api.get("/v1/games").json()["data"][0]["id"] == "wheel"
    assert api.get("/v1/games/nowhere").status_code == 404


def test_a_qualifying_order_unlocks_one_play_that_anyone_can_recompute(api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}]))
    committed = api.get("/v1/games/wheel").json()["seed"]["commitment"]
    paid(api)
    first = spin(api, key="spin-1", body={"client_seed": "lucky"})
    assert first.status_code == 201, first.text
    played = first.json()
    assert played["nonce"] == 1 and played["client_seed"] == "lucky" and played["plays_left"] == 0
    again = spin(api, key="spin-1", body={"client_seed": "lucky"})
    assert again.json()["id"] == played["id"] and again.headers["Idempotent-Replayed"] == "true"
    none_left = spin(api, key="spin-2")
    assert none_left.status_code == 409
    assert none_left.json()["type"] == "/problems/no-play-available"
    assert "at least 100 USD" in none_left.json()["detail"]
    rotated = api.post("/v1/games/wheel/rotate", {})
    assert rotated.status_code == 200, rotated.text
    seed = rotated.json()["revealed"]["server_seed"]
    assert hashlib.sha256(seed.encode()).hexdigest() == committed
    digest = hmac.new(seed.encode(), b"lucky:1", hashlib.sha256).hexdigest()
    assert played["digest"] == digest
    # The documented mapping, written out again: the first 52 bits / 2**52 against 0.3.
    expected = "fifty" if int(digest[:13], 16) / 2**52 < 0.3 else "none"
    assert played["prize"]["id"] == expected
    assert played["outcome"] == ("won" if expected == "fifty" else "no_prize")
    assert rotated.json()["current"]["commitment"] != committed


def test_an_order_below_the_minimum_unlocks_nothing(api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}]))
    paid(api, amount="99.99")
    assert spin(api).status_code in (404, 409)


def test_a_won_prize_is_points_pending_with_the_order_and_a_refund_voids_them(api, walaa):
    with_games(api, wheel([fifty(1)]))  # always wins, to follow the prize
    paid(api)
    played = spin(api, key="k").json()
    assert played["outcome"] == "won" and played["points"] == 50
    assert balances(api)["pending"] == 120 + 50
    history = api.get("/v1/customers/amal/ledger?locale=ar").json()["data"]
    assert any("عجلة الحظ: ربحت" in " ".join(e["explanation"]) for e in history)
    r = api.post("/v1/orders/o-1/refunds", {"id": "r-1", "amount": "30.00"})
    assert r.status_code == 201, r.text
    # 90 USD left is below the wheel's 100: the order keeps 90 points, the prize is voided
    assert balances(api)["pending"] == 90
    assert spin(api, key="k").json()["id"] == played["id"]
    assert audit(walaa, api.store.id).ok


def test_a_refund_that_keeps_the_minimum_keeps_the_prize(api):
    with_games(api, wheel([fifty(1)]))
    paid(api, amount="150.00")
    spin(api)
    api.post("/v1/orders/o-1/refunds", {"id": "r-1", "amount": "30.00"})
    assert balances(api)["pending"] == 120 + 50


def test_a_refunded_order_voids_its_unplayed_play(api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}]))
    paid(api)
    assert api.post("/v1/orders/o-1/cancel", {}).status_code == 200
    assert spin(api).status_code == 409


def test_a_catalog_prize_is_a_single_use_code_and_a_refund_cancels_it_unused(api, walaa):
    r = api.post(
        "/v1/rewards",
        {
            "id": "ten-off",
            "kind": "fixed_discount",
            "value": "10.00",
            "cost": 1000,
            "names": {"en": "10 USD off", "ar": "خصم"},
            "stock": 5,
        },
    )
    assert r.status_code == 201, r.text
    prize = {"id": "ten", "name": {"en": "10 USD off", "ar": "خصم ١٠"}, "reward": "ten-off"}
    with_games(api, wheel([{**prize, "weight": 1}]))
    paid(api)
    played = spin(api).json()
    assert played["outcome"] == "won" and played["code"], played
    code = api.post("/v1/codes/validate", {"code": played["code"]}).json()
    assert code["usable"] and code["uses_left"] == 1
    assert balances(api)["available"] == 0  # its worth was given and spent on the code
    assert api.get("/v1/rewards/ten-off").json()["stock_left"] == 4
    api.post("/v1/orders/o-1/cancel", {})
    assert not api.post("/v1/codes/validate", {"code": played["code"]}).json()["usable"]
    assert api.get("/v1/rewards/ten-off").json()["stock_left"] == 5
    assert balances(api)["available"] == 0
    assert audit(walaa, api.store.id).ok


def test_a_prize_not_in_the_catalog_is_refused_when_the_program_is_saved(api):
    prize = {"id": "ghost", "name": {"en": "Ghost", "ar": "شبح"}, "reward": "ghost", "weight": 1}
    r = api.client.put(
        "/v1/program", json={**DOCUMENT, "games": [wheel([prize])]}, headers=api.headers()
    )
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "games[0].prizes[0].reward" and "catalog" in error["reason"]


def test_a_game_at_the_win_floor_is_refused_with_why(api):
    r = api.client.put(
        "/v1/program",
        json={**DOCUMENT, "games": [wheel([fifty(25), {**NO_PRIZE, "weight": 75}])]},
        headers=api.headers(),
    )
    assert r.status_code == 422
    assert "25%; it must be above 25%" in r.json()["errors"][0]["reason"]


def test_a_prize_out_of_stock_gives_nothing_and_the_disclosure_says_so(api):
    with_games(api, wheel([fifty(1, stock=1)]))
    paid(api, "o-1")
    paid(api, "o-2")
    assert spin(api).json()["outcome"] == "won"
    assert spin(api).json()["outcome"] == "out_of_stock"
    prize = api.get("/v1/games/wheel").json()["prizes"][0]
    assert prize["out_of_stock"] and prize["probability"] == "0.000000"
    assert prize["published_probability"] == "1.000000"
    assert balances(api)["pending"] == 240 + 50


def test_free_entry_is_one_play_without_purchase_per_period(api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}], free_entry={"period": "day"}))
    before = api.get("/v1/customers/walk-in/games").json()["data"][0]
    assert before["free_entry_left"] and before["plays_left"] == 0 and before["plays"] == []
    assert spin(api, customer="walk-in").status_code == 201
    assert spin(api, customer="walk-in").status_code == 409
    after = api.get("/v1/customers/walk-in/games").json()["data"][0]
    assert not after["free_entry_left"] and len(after["plays"]) == 1


def test_a_customer_sees_the_plays_orders_unlocked(api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}]))
    paid(api, "o-1")
    paid(api, "o-2")
    shown = api.get("/v1/customers/amal/games").json()["data"][0]
    assert shown["game_id"] == "wheel" and shown["plays_left"] == 2
    assert not shown["free_entry_left"]


def test_an_event_unlocks_a_play(api):
    box = {
        "id": "box",
        "kind": "mystery_box",
        "name": {"en": "Mystery box", "ar": "صندوق الغموض"},
        "unlock": {"event": "review"},
        "prizes": [fifty(1)],
    }
    with_games(api, box)
    event = {"id": "e-1", "customer_id": "amal", "type": "review", "occurred_at": SUNDAY}
    assert api.post("/v1/events", event).status_code == 201
    assert api.post("/v1/events", event).status_code == 200  # a replay unlocks nothing more
    assert spin(api, game="box").json()["points"] == 50
    assert spin(api, game="box").status_code == 409


def test_games_of_one_store_are_not_another_store(api, other_api):
    with_games(api, wheel([fifty(30), {**NO_PRIZE, "weight": 70}]))
    assert other_api.get("/v1/games/wheel").status_code == 404

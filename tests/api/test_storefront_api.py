"""The storefront routes over HTTP on both databases: publishable keys, origins, shopper
tokens, "earn X points", the shopper's account, redeeming, and the member card at the till."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
import yaml

from tests.api.conftest import Api, api_for
from walaa.demo import PROGRAM
from walaa.service.handlers.keys import create_publishable_key
from walaa.service.handlers.stores import create_store

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
SHOP = "https://dewy.example"
SERVER_KEY = "test-server-key-" + "x" * 32


class Browser:
    """What a shopper's browser sends: the publishable key, the page's Origin, a token."""

    def __init__(self, api: Api, key: str, origin: str | None = SHOP) -> None:
        self.client, self.key, self.origin = api.client, key, origin

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.key}", **extra}
        if self.origin:
            out["Origin"] = self.origin
        if token:
            out["X-Walaa-Shopper"] = token
        return out

    def get(self, path: str, token: str | None = None, **extra: str):
        return self.client.get(path, headers=self.headers(token, **extra))

    def post(self, path: str, body: dict, token: str | None = None, **extra: str):
        return self.client.post(path, json=body, headers=self.headers(token, **extra))


def mint(secret: str, store_id: str, clock, sub: str = "amal", **claims) -> str:
    now = int(clock.now().timestamp())
    payload = {"sub": sub, "aud": store_id, "iat": now, "exp": now + 300, **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret, algorithm=claims.pop("alg", "HS256"))


@pytest.fixture
def shop(walaa, clock, store):
    """The demo program, a reward, origins, a widget secret and a publishable key."""
    walaa.secret_key = SERVER_KEY
    api = api_for(walaa, clock, store)
    assert api.put("/v1/program", DOCUMENT).status_code == 200
    reward = {
        "id": "five-off",
        "cost": 500,
        "kind": "fixed_discount",
        "value": "5.00",
        "names": {"en": "5 USD off", "ar": "خصم 5 دولارات"},
    }
    assert api.post("/v1/rewards", reward).status_code == 201
    r = api.put("/v1/store/storefront", {"allowed_origins": [SHOP + "/"]})
    assert r.status_code == 200, r.text
    secret = api.post("/v1/store/widget-secret", {}).json()["widget_secret"]
    key = api.post("/v1/store/publishable-keys", {"name": "theme"}).json()["key"]
    return api, Browser(api, key), secret


def give(api: Api, customer: str, points: int) -> None:
    api.put(f"/v1/customers/{customer}", {"email": f"{customer}@example.com", "locale": "ar"})
    r = api.post(f"/v1/customers/{customer}/adjustments", {"points": points, "reason": "gift"})
    assert r.status_code == 201, r.text


def test_a_publishable_key_reads_the_program_in_plain_words_in_both_languages(shop):
    _api, browser, _secret = shop
    assert browser.key.startswith("wk_pub_")
    en = browser.get("/v1/storefront/program").json()
    ar = browser.get("/v1/storefront/program?locale=ar").json()
    assert en["dir"] == "ltr" and ar["dir"] == "rtl"
    sentences = {e["rule_id"]: e["sentence"] for e in en["earn"]}
    assert sentences["weekend-double"] == (
        "Double Dew Drops from Points on spend, Fridays and Saturdays online"
    )
    assert {e["rule_id"]: e["sentence"] for e in ar["earn"]}["signup"] == (
        "100 قطرات الندى مقابل إنشاء الحساب، مرة واحدة"
    )
    assert en["value"] == "500 Dew Drops are worth 5 USD"
    assert [r["name"] for r in ar["rewards"]] == ["خصم 5 دولارات"]


def test_a_publishable_key_reaches_no_secret_key_route_and_a_secret_key_no_storefront_route(
    shop,
):
    api, browser, _ = shop
    give(api, "amal", 100)
    for path in ("/v1/customers/amal", "/v1/program", "/v1/store/storefront"):
        r = browser.get(path)
        assert r.status_code == 403, (path, r.text)
    r = api.client.get("/v1/storefront/program", headers=api.headers(Origin=SHOP))
    assert r.status_code == 403 and "publishable" in r.json()["detail"]
    assert "access-control-allow-origin" not in r.headers


def test_only_the_stores_origins_get_an_answer_a_browser_may_read(shop):
    _api, browser, _ = shop
    ok = browser.get("/v1/storefront/program")
    assert ok.headers["access-control-allow-origin"] == SHOP
    foreign = Browser(_api, browser.key, origin="https://evil.example")
    refused = foreign.get("/v1/storefront/program")
    assert refused.status_code == 403 and "evil.example" in refused.json()["detail"]
    assert "access-control-allow-origin" not in refused.headers
    # secret-key routes never carry CORS headers, whatever the origin
    secret = _api.client.get("/v1/program", headers=_api.headers(Origin=SHOP))
    assert "access-control-allow-origin" not in secret.headers


def test_a_preflight_is_answered_without_a_key_and_names_the_headers_the_widget_sends(shop):
    api, _browser, _ = shop
    r = api.client.options(
        "/v1/storefront/me/redemptions",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-walaa-shopper",
        },
    )
    assert r.status_code == 204
    assert "x-walaa-shopper" in r.headers["access-control-allow-headers"]


def test_a_product_earns_for_a_guest_and_more_for_a_shopper_in_a_higher_tier(shop):
    api, browser, secret = shop
    give(api, "amal", 10)
    pin = {"level_id": "dewy", "reason": "loyal"}
    assert api.post("/v1/customers/amal/tier", pin).status_code == 200
    path = "/v1/storefront/points?price=100&sku=SER-1&categories=serum,face"
    guest = browser.get(path)
    # 1 Dew Drop per USD on spend, 1 more on serums; Sunday 1 March: no weekend double
    assert guest.json()["points"] == 200 and guest.json()["text"] == "Earn 200 Dew Drops"
    assert guest.headers["cache-control"] == "public, max-age=300"
    again = browser.get(path, **{"If-None-Match": guest.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    shopper = browser.get(path + "&locale=ar", token=mint(secret, api.store.id, api_clock(api)))
    body = shopper.json()
    # the Dewy tier's 1.25 multiplies both per-amount awards: 125 + 125
    assert body["points"] == 250 and body["tier"] == "dewy" and body["signed_in"]
    assert body["text"] == "اكسب 250 قطرات الندى"
    assert shopper.headers["cache-control"].startswith("private")


def api_clock(api: Api):
    return api.client.app.state.walaa.clock


@pytest.mark.parametrize(
    "case",
    [
        "tampered",
        "expired",
        "wrong_audience",
        "other_store",
        "alg_none",
        "hs512",
        "too_long",
        "no_exp",
        "future",
    ],
)
def test_a_shopper_token_that_is_not_exactly_right_is_refused(shop, walaa, clock, case):
    api, browser, secret = shop
    give(api, "amal", 1000)
    store_id = api.store.id
    if case == "tampered":
        token = mint(secret, store_id, clock)
        head, _claims, sig = token.split(".")
        forged = jwt.encode({"sub": "someone-else", "aud": store_id, "iat": 0, "exp": 0}, "x")
        token = ".".join([head, forged.split(".")[1], sig])
    elif case == "expired":
        token = mint(
            secret,
            store_id,
            clock,
            iat=int(clock.now().timestamp()) - 400,
            exp=int(clock.now().timestamp()) - 100,
        )
    elif case == "wrong_audience":
        token = mint(secret, store_id, clock, aud="st_another")
    elif case == "other_store":
        other = create_store(walaa.uow(), clock, "Bouncy Shoes", "GBP", "Europe/London")
        other_api = api_for(walaa, clock, other)
        other_secret = other_api.post("/v1/store/widget-secret", {}).json()["widget_secret"]
        token = mint(other_secret, store_id, clock)
    elif case == "alg_none":
        token = jwt.encode({"sub": "amal", "aud": store_id}, None, algorithm="none")
    elif case == "hs512":
        token = mint(secret, store_id, clock, alg="HS512")
    elif case == "too_long":
        now = int(clock.now().timestamp())
        token = mint(secret, store_id, clock, iat=now, exp=now + 601)
    elif case == "no_exp":
        token = mint(secret, store_id, clock, exp=None)
    else:
        now = int(clock.now().timestamp())
        token = mint(secret, store_id, clock, iat=now + 120, exp=now + 300)
    r = browser.get("/v1/storefront/me", token=token)
    assert r.status_code == 401, r.text
    problem = r.json()
    assert problem["type"] == "/problems/shopper-token-refused"
    assert problem["errors"][0]["field"] == "X-Walaa-Shopper" and problem["detail"]


def test_a_signed_in_shopper_sees_their_balance_tier_and_rewards_and_redeems_for_a_code(shop):
    api, browser, secret = shop
    give(api, "amal", 800)
    token = mint(secret, api.store.id, api_clock(api))
    me = browser.get("/v1/storefront/me", token=token).json()
    assert me["available"] == 800 and me["worth"] == {"amount": "8.00", "currency": "USD"}
    assert me["tier"]["id"] == "bouncy" and me["tier"]["next_id"] == "dewy"
    assert [(r["id"], r["redeemable"]) for r in me["rewards"]] == [("five-off", True)]
    assert me["extensions"] == {"referral": None, "badges": None}
    r = browser.post(
        "/v1/storefront/me/redemptions",
        {"reward_id": "five-off"},
        token=token,
        **{"Idempotency-Key": "click-1"},
    )
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    again = browser.post(
        "/v1/storefront/me/redemptions",
        {"reward_id": "five-off"},
        token=token,
        **{"Idempotency-Key": "click-1"},
    )
    assert again.json()["code"] == code and again.json()["replayed"]
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == 300
    assert api.post("/v1/codes/validate", {"code": code}).json()["usable"]
    after = browser.get("/v1/storefront/me", token=token).json()
    assert after["rewards"][0]["redeemable"] is False and after["rewards"][0]["points_short"] == 200
    history = browser.get("/v1/storefront/me/history?locale=ar", token=token).json()["entries"]
    assert [e["points"] for e in history] == [-500, 800]
    assert all(e["explanation"] for e in history)


def test_a_shopper_walaa_has_not_met_is_a_member_with_nothing_yet(shop):
    api, browser, secret = shop
    token = mint(secret, api.store.id, api_clock(api), sub="new-shopper")
    me = browser.get("/v1/storefront/me", token=token).json()
    assert me["known"] is False and me["available"] == 0 and me["tier"] is None
    assert browser.get("/v1/storefront/me/history", token=token).json()["entries"] == []
    r = browser.post("/v1/storefront/me/redemptions", {"reward_id": "five-off"}, token=token)
    assert r.status_code == 404 and api.get("/v1/customers/new-shopper").status_code == 404


def test_a_redemption_body_is_read_strictly(shop):
    api, browser, secret = shop
    token = mint(secret, api.store.id, api_clock(api))
    r = browser.post("/v1/storefront/me/redemptions", {"reward": "five-off"}, token=token)
    assert r.status_code == 422
    assert any("reward_id" in str(e) for e in r.json()["errors"])


def test_the_me_routes_need_a_shopper_token(shop):
    _api, browser, _ = shop
    r = browser.get("/v1/storefront/me")
    assert r.status_code == 401 and "X-Walaa-Shopper" in r.json()["detail"]


def test_a_rotated_widget_secret_still_verifies_for_ten_minutes_then_not(shop, clock):
    api, browser, old = shop
    give(api, "amal", 10)
    new = api.post("/v1/store/widget-secret", {}).json()["widget_secret"]
    assert new != old
    assert browser.get("/v1/storefront/me", token=mint(old, api.store.id, clock)).status_code == 200
    clock.current += timedelta(minutes=11)
    assert browser.get("/v1/storefront/me", token=mint(old, api.store.id, clock)).status_code == 401
    assert browser.get("/v1/storefront/me", token=mint(new, api.store.id, clock)).status_code == 200


def test_the_member_card_finds_the_customer_at_the_till_while_its_code_is_current(
    shop, walaa, clock
):
    api, browser, secret = shop
    give(api, "amal", 700)
    card = browser.get("/v1/storefront/me/card", token=mint(secret, api.store.id, clock)).json()
    assert card["qr_svg"].startswith("<svg") and card["text"] == f"{card['card_id']}.{card['code']}"
    found = api.get("/v1/customers/lookup", params={"card": card["text"].lower()})
    assert found.status_code == 200 and found.json()["id"] == "amal"
    assert found.json()["balances"]["available"] == 700
    forged = card["card_id"] + "." + ("000000" if card["code"] != "000000" else "111111")
    assert api.get("/v1/customers/lookup", params={"card": forged}).status_code == 404
    other = create_store(walaa.uow(), clock, "Bouncy Shoes", "GBP", "Europe/London")
    assert (
        api_for(walaa, clock, other)
        .get("/v1/customers/lookup", params={"card": card["text"]})
        .status_code
        == 404
    )
    assert browser.get(f"/v1/customers/lookup?card={card['text']}").status_code == 403
    clock.current += timedelta(minutes=2)
    stale = api.get("/v1/customers/lookup", params={"card": card["text"]})
    assert stale.status_code == 404 and "fresh code" in stale.json()["detail"]
    fresh = browser.get("/v1/storefront/me/card", token=mint(secret, api.store.id, clock)).json()
    assert fresh["card_id"] == card["card_id"] and fresh["code"] != card["code"]


def test_a_malformed_card_is_refused_naming_the_field(shop):
    api, _, _ = shop
    r = api.get("/v1/customers/lookup", params={"card": "not a card"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "card"


def test_storefront_settings_refuse_what_is_not_an_origin_or_a_colour(shop):
    api, _, _ = shop
    r = api.put("/v1/store/storefront", {"allowed_origins": ["https://shop.example/path"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "allowed_origins"
    r = api.put("/v1/store/storefront", {"branding": {"primary_colour": "teal"}})
    assert r.status_code == 422
    r = api.put("/v1/store/storefront", {"branding": {"logo_url": "http://x.example/l.png"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "logo_url"
    saved = api.get("/v1/store/storefront").json()
    assert saved["allowed_origins"] == [SHOP] and saved["has_widget_secret"]


def test_a_revoked_publishable_key_stops_at_once_and_a_store_revokes_only_its_own(
    shop, walaa, clock
):
    api, browser, _ = shop
    keys = api.get("/v1/store/publishable-keys").json()
    assert len(keys) == 1 and keys[0]["key"] is None
    other = create_store(walaa.uow(), clock, "Bouncy Shoes", "GBP", "Europe/London")
    other_api = api_for(walaa, clock, other)
    assert (
        other_api.client.delete(
            f"/v1/store/publishable-keys/{keys[0]['id']}", headers=other_api.headers()
        ).status_code
        == 404
    )
    # the key authenticated a moment ago: this process drops it from memory when it revokes it
    assert browser.get("/v1/storefront/program").status_code == 200
    r = api.client.delete(f"/v1/store/publishable-keys/{keys[0]['id']}", headers=api.headers())
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert browser.get("/v1/storefront/program").status_code == 401


def test_without_a_server_key_the_widget_secret_is_not_made(walaa, clock, store):
    walaa.secret_key = None
    api = api_for(walaa, clock, store)
    r = api.post("/v1/store/widget-secret", {})
    assert r.status_code == 503 and "WALAA_SECRET_KEY" in r.json()["detail"]


def test_a_publishable_key_is_created_once_and_shown_once(walaa, clock, store):
    issued = create_publishable_key(walaa.uow(), clock, store.id)
    assert issued.secret.startswith("wk_pub_") and issued.key.publishable


def test_the_shopper_sees_their_referral_link_and_badges_when_the_program_has_them(shop):
    api, browser, secret = shop
    referrals = {
        "name": {"en": "Refer a friend", "ar": "أحِل صديقاً"},
        "advocate": {"points": 500},
        "friend": {"points": 200},
        "qualifying_order": {"min_amount": 50},
        "link": "https://dewy.example/r/{code}",
    }
    spender = {
        "id": "big-spender",
        "name": {"en": "Big spender", "ar": "متسوق كبير"},
        "description": {"en": "Spend 500 USD", "ar": "أنفق 500 دولار"},
        "counts": "spend",
        "target": 500,
    }
    document = {**DOCUMENT, "referrals": referrals, "achievements": [spender]}
    assert api.put("/v1/program", document).status_code == 200
    give(api, "amal", 10)
    token = mint(secret, api.store.id, api_clock(api))
    ext = browser.get("/v1/storefront/me?locale=ar", token=token).json()["extensions"]
    code = api.get("/v1/customers/amal/referral").json()["code"]
    assert ext["referral"] == {"code": code, "link": f"https://dewy.example/r/{code}"}
    assert [(b["id"], b["name"], b["earned"], b["percent"]) for b in ext["badges"]] == [
        ("big-spender", "متسوق كبير", False, 0)
    ]
    assert ext["badges"][0]["progress"]
    stranger = mint(secret, api.store.id, api_clock(api), sub="not-yet-a-customer")
    assert browser.get("/v1/storefront/me", token=stranger).json()["extensions"] == {
        "referral": None,
        "badges": None,
    }

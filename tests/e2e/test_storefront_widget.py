"""The storefront in a real Chromium: the sample shop (examples/storefront) embedding Walaa's
widget, a live Walaa, a guest, a shopper who signs in without a reload, refused tokens and
origins, the keyboard, Arabic, and the program page."""

from __future__ import annotations

import importlib.util
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest

from tests.api.live_server import free_port, serving
from tests.e2e.web import check_page, serious_violations
from walaa.bootstrap import App, SystemClock
from walaa.config import Settings
from walaa.demo import PROGRAM
from walaa.domain.keys import parse_scopes
from walaa.domain.stores import Store
from walaa.entrypoints.http.app import create_app
from walaa.service.handlers.keys import create_key
from walaa.service.handlers.stores import create_store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "storefront" / "server.py"
SERVER_KEY = "e2e-server-key-" + "k" * 32
REFERRALS = {
    "name": {"en": "Refer a friend", "ar": "أحِل صديقاً"},
    "advocate": {"points": 500},
    "friend": {"points": 200},
    "link": "https://dewy.example/r/{code}",
}
BIG_SPENDER = {
    "id": "big-spender",
    "name": {"en": "Big spender", "ar": "متسوق كبير"},
    "description": {"en": "Spend 500 USD", "ar": "أنفق 500 دولار"},
    "counts": "spend",
    "target": 500,
}


def _shop_module():
    spec = importlib.util.spec_from_file_location("sample_storefront", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Storefront:
    walaa: str
    shop: str
    other_shop: str
    store: Store
    secret: str
    publishable: str
    admin: httpx.Client

    def preview_points(self) -> int:
        line = {"id": "p", "paid": "100.00", "sku": "SER-1", "categories": ["serum", "face"]}
        r = self.admin.post("/v1/program/preview", json={"lines": [line]})
        assert r.status_code == 200, r.text
        return int(r.json()["points"])


def _shop(module, walaa, key, store, secret) -> tuple[str, object]:
    port = free_port()
    server = module.make_server(port, walaa, key, store, secret, "amal")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


@pytest.fixture
def storefront(app: App, store: Store) -> Iterator[Storefront]:
    """Walaa on the real clock (the shop signs tokens with real time), the demo program, a
    reward, Amal with 800 points, and the sample shop as the store's one allowed origin."""
    app.clock = SystemClock()
    app.secret_key = SERVER_KEY
    admin_key = create_key(app.uow(), app.clock, store.id, parse_scopes(["admin"])).secret
    with serving(create_app(app, Settings(database_url="unused"))) as walaa:
        admin = httpx.Client(base_url=walaa, headers={"Authorization": f"Bearer {admin_key}"})
        import yaml

        document = yaml.safe_load(PROGRAM.read_text())
        document["referrals"] = REFERRALS
        document["achievements"] = [BIG_SPENDER]
        assert admin.put("/v1/program", json=document).is_success
        reward = {
            "id": "five-off",
            "cost": 500,
            "kind": "fixed_discount",
            "value": "5.00",
            "names": {"en": "5 USD off", "ar": "خصم 5 دولارات"},
        }
        assert admin.post("/v1/rewards", json=reward).is_success
        assert admin.put("/v1/customers/amal", json={"name": "Amal"}).is_success
        gift = {"points": 800, "reason": "welcome"}
        assert admin.post("/v1/customers/amal/adjustments", json=gift).is_success
        secret = admin.post("/v1/store/widget-secret").json()["widget_secret"]
        key = admin.post("/v1/store/publishable-keys", json={}).json()["key"]
        module = _shop_module()
        shop, server = _shop(module, walaa, key, store.id, secret)
        other, other_server = _shop(module, walaa, key, store.id, secret)
        assert admin.put("/v1/store/storefront", json={"allowed_origins": [shop]}).is_success
        try:
            yield Storefront(walaa, shop, other, store, secret, key, admin)
        finally:
            for s in (server, other_server):
                s.shutdown()
                s.server_close()
            admin.close()


def product_text(page) -> str:
    points = page.locator("walaa-points .pts")
    points.wait_for(timeout=10_000)
    return points.inner_text()


def open_panel(page):
    page.locator("walaa-launcher button.launcher").click()
    panel = page.locator("walaa-launcher .panel")
    panel.locator("h2").wait_for()
    return panel


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_guest_sees_what_a_product_earns_and_how_to_earn(storefront, browser_page, language):
    page = browser_page
    page.goto(storefront.shop + ("/ar" if language == "ar" else "/"))
    expected = storefront.preview_points()
    if language == "ar":
        assert product_text(page) == f"اكسب {expected} قطرات الندى"
    else:
        assert product_text(page) == f"Earn {expected} Dew Drops"
    check_page(page, "storefront-product", rtl=language == "ar")
    panel = open_panel(page)
    sentence = "1 Dew Drops for every 1 USD" if language == "en" else "1 قطرات الندى مقابل كل 1 USD"
    assert sentence in panel.inner_text()
    link = panel.locator(".actions a").first
    assert link.get_attribute("href") == "/join"
    direction = page.locator("walaa-launcher > div").first.evaluate(
        "el => getComputedStyle(el).direction"
    )
    assert direction == ("rtl" if language == "ar" else "ltr")
    box = page.locator("walaa-launcher .panel").bounding_box()
    width = page.viewport_size["width"]
    # mirrored: the panel sits at the inline end, the right in English and the left in Arabic
    assert (box["x"] < width / 2) == (language == "ar")
    check_page(page, "storefront-panel", rtl=language == "ar")


def test_a_shopper_signs_in_without_a_reload_redeems_and_sees_the_code(storefront, browser_page):
    page = browser_page
    page.goto(storefront.shop + "/")
    product_text(page)
    page.evaluate("window.__same_page = 'still here'")
    panel = open_panel(page)
    assert "Join" in panel.inner_text()
    page.click("#sign-in")
    page.locator("#who", has_text="Amal").wait_for()
    balance = panel.locator(".balance")
    balance.wait_for()
    assert balance.inner_text() == "800 Dew Drops"
    assert "$8.00" in panel.inner_text()
    assert page.evaluate("window.__same_page") == "still here"
    panel.get_by_role("button", name="Redeem 5 USD off").click()
    code = panel.locator(".code output")
    code.wait_for()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code.inner_text())
    panel.locator(".balance", has_text="300 Dew Drops").wait_for()
    assert "Invite a friend" in panel.inner_text() and "Big spender" in panel.inner_text()
    whatsapp = panel.get_by_role("link", name="WhatsApp").get_attribute("href")
    assert whatsapp.startswith("https://wa.me/?text=") and "dewy.example%2Fr%2F" in whatsapp
    assert "$3.00" in panel.inner_text()
    check_page(page, "storefront-panel-member")
    customer = storefront.admin.get("/v1/customers/amal").json()
    assert customer["balances"]["available"] == 300
    card = panel.get_by_role("button", name="Show my member card")
    card.click()
    qr = panel.locator(".card svg")
    qr.wait_for()
    text = panel.locator(".card output").inner_text()
    found = storefront.admin.get("/v1/customers/lookup", params={"card": text})
    assert found.status_code == 200 and found.json()["id"] == "amal"
    page.click("#sign-out")
    panel.locator(".actions a").first.wait_for()
    assert "Join" in panel.inner_text()
    assert page.evaluate("window.__same_page") == "still here"


def test_keyboard_alone_opens_the_panel_keeps_focus_inside_and_escape_closes(
    storefront, browser_page
):
    page = browser_page
    page.goto(storefront.shop + "/")
    product_text(page)
    focused = (
        "() => { const l = document.querySelector('walaa-launcher');"
        " return document.activeElement === l ? l.shadowRoot.activeElement?.className : null }"
    )
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(focused) == "launcher":
            break
    assert page.evaluate(focused) == "launcher"
    page.keyboard.press("Enter")
    page.locator("walaa-launcher .panel h2").wait_for()
    assert page.evaluate(focused) == "close"
    for _ in range(8):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "() => { const l = document.querySelector('walaa-launcher');"
            " return l.shadowRoot.querySelector('.panel').contains(l.shadowRoot.activeElement) }"
        )
        assert inside, "focus left the panel"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")
    assert page.locator("walaa-launcher .panel").is_hidden()
    assert page.evaluate(focused) == "launcher"
    assert serious_violations(page) == []


def _token(secret: str, audience: str, *, lifetime: int = 300, age: int = 0) -> str:
    now = int(time.time()) - age
    claims = {"sub": "amal", "aud": audience, "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm="HS256")


def test_a_tampered_expired_foreign_or_other_stores_token_is_refused_in_the_browser(
    storefront, browser_page, app
):
    page = browser_page
    page.goto(storefront.shop + "/")
    product_text(page)
    good = _token(storefront.secret, storefront.store.id)
    head, _claims, signature = good.split(".")
    forged = jwt.encode({"sub": "someone-else", "aud": storefront.store.id}, "guess").split(".")[1]
    other = create_store(app.uow(), app.clock, "Bouncy Shoes", "GBP", "Europe/London")
    other_key = create_key(app.uow(), app.clock, other.id, parse_scopes(["admin"])).secret
    other_secret = httpx.post(
        storefront.walaa + "/v1/store/widget-secret",
        headers={"Authorization": f"Bearer {other_key}"},
    ).json()["widget_secret"]
    bad = {
        "tampered": f"{head}.{forged}.{signature}",
        "expired": _token(storefront.secret, storefront.store.id, age=900),
        "wrong audience": _token(storefront.secret, other.id),
        "other store's secret": _token(other_secret, storefront.store.id),
    }
    refuse = "token => Walaa.identify(token).then(() => 'accepted', e => e.message)"
    for case, token in bad.items():
        answer = page.evaluate(refuse, token)
        assert answer != "accepted", case
    assert page.evaluate(refuse, good) == "accepted"


def test_a_page_on_an_origin_the_store_did_not_allow_gets_nothing(storefront, browser_page):
    page = browser_page
    page.goto(storefront.other_shop + "/")
    page.wait_for_function("window.Walaa !== undefined")
    outcome = page.evaluate(
        """([base, key]) => fetch(base + '/v1/storefront/program',
               {headers: {Authorization: 'Bearer ' + key}})
             .then(r => 'read ' + r.status, e => 'blocked: ' + e.name)""",
        [storefront.walaa, storefront.publishable],
    )
    assert outcome == "blocked: TypeError"
    assert page.locator("walaa-points .pts").count() == 0
    direct = httpx.get(
        storefront.walaa + "/v1/storefront/program",
        headers={
            "Authorization": f"Bearer {storefront.publishable}",
            "Origin": storefront.other_shop,
        },
    )
    assert direct.status_code == 403 and "access-control-allow-origin" not in direct.headers


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_program_page_needs_no_script_and_reads_in_both_languages(
    storefront, browser_page, language
):
    page = browser_page
    path = f"/p/{storefront.store.id}" + ("/ar" if language == "ar" else "")
    page.goto(storefront.walaa + path)
    assert page.locator("script").count() == 0
    assert page.evaluate("document.documentElement.lang") == language
    hreflangs = page.locator("link[rel=alternate]").evaluate_all(
        "links => links.map(l => l.hreflang)"
    )
    assert sorted(hreflangs) == ["ar", "en", "x-default"]
    heading = "How to earn" if language == "en" else "طرق الكسب"
    assert page.get_by_role("heading", name=heading).is_visible()
    check_page(page, "storefront-program", rtl=language == "ar")

"""The program page and the widget script as served: no script on the page, the right
language, direction, alternates and meta tags, the store's branding, and a small widget."""

from __future__ import annotations

import gzip
import re

import pytest
import yaml

from tests.api.conftest import api_for
from walaa.demo import PROGRAM
from walaa.entrypoints.web.i18n import translations
from walaa.entrypoints.web.storefront.widget import WIDGET_WORDS, words_in_script

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
#: the issue's bound: the widget loads on every page of a shop
GZIP_BUDGET = 40 * 1024


@pytest.fixture
def shop(walaa, clock, store):
    api = api_for(walaa, clock, store)
    assert api.put("/v1/program", DOCUMENT).status_code == 200
    branding = {
        "logo_url": "https://cdn.dewy.example/logo.png",
        "primary_colour": "#7c3aed",
        "accent_colour": "#F97316",
    }
    assert api.put("/v1/store/storefront", {"branding": branding}).status_code == 200
    reward = {
        "id": "five-off",
        "cost": 500,
        "kind": "fixed_discount",
        "value": "5.00",
        "names": {"en": "5 USD off", "ar": "خصم 5 دولارات"},
    }
    assert api.post("/v1/rewards", reward).status_code == 201
    return api


@pytest.mark.parametrize(("path", "lang", "direction"), [("", "en", "ltr"), ("/ar", "ar", "rtl")])
def test_the_program_page_is_whole_without_javascript_in_its_language(shop, path, lang, direction):
    r = shop.client.get(f"/p/{shop.store.id}{path}")
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=300"
    html = r.text
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert "<script" not in html and " style=" not in html
    base = f"http://testserver/p/{shop.store.id}"
    for hreflang, href in (("en", base), ("ar", base + "/ar"), ("x-default", base)):
        assert f'<link rel="alternate" hreflang="{hreflang}" href="{href}">' in html
    assert '<meta name="description"' in html and '<meta property="og:title"' in html
    assert 'src="https://cdn.dewy.example/logo.png"' in html
    if lang == "ar":
        assert "ضعف قطرات الندى من نقاط على المشتريات، أيام الجمعة والسبت عبر الإنترنت" in html
        assert "خصم 5 دولارات" in html and "طرق الكسب" in html
    else:
        assert "Double Dew Drops from Points on spend, Fridays and Saturdays online" in html
        assert "500 Dew Drops are worth 5 USD" in html and "Spend 600 USD in 12 months" in html


def test_the_stores_colours_come_as_a_stylesheet(shop):
    r = shop.client.get(f"/p/{shop.store.id}/brand.css")
    assert r.headers["content-type"].startswith("text/css")
    assert r.text == ":root{--brand:#7c3aed;--accent:#f97316}\n"


def test_a_store_without_a_program_or_that_does_not_exist_has_no_page(walaa, clock, store):
    api = api_for(walaa, clock, store)
    assert api.client.get(f"/p/{store.id}").status_code == 404
    assert api.client.get("/p/st_0000000000000000/ar").status_code == 404
    assert api.client.get("/p/not-a-store").status_code == 422


def test_the_widget_is_one_script_under_40_kb_compressed_with_its_words_in_both_languages(shop):
    r = shop.client.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    size = len(gzip.compress(r.content, compresslevel=9))
    assert size < GZIP_BUDGET, f"{size} bytes compressed"
    assert "__WALAA_WORDS__" not in r.text and '"المكافآت"' in r.text
    again = shop.client.get("/widget.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    # no eval, no inline handlers, no markup from strings: what a strict CSP allows
    assert not re.search(
        r"\beval\(|new Function|innerHTML|\.style\s*=|setAttribute\(\"style", r.text
    )


def test_every_word_the_widget_shows_is_in_both_catalogs():
    assert words_in_script() == set(WIDGET_WORDS)
    arabic = translations("ar")
    assert [w for w in WIDGET_WORDS if arabic.gettext(w) == w and "{" not in w[:1]] == []

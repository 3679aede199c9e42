"""`GET /widget.js`: the storefront widget, one script with its words in both languages.

The script is `static/storefront/widget.js`; the server puts in the English and Arabic texts
of `WIDGET_WORDS` from the catalogs, so the widget's words are translated where every other
page's are. It is the same for every store (the publishable key in the script tag names the
store), so browsers and CDNs may keep it for ten minutes and revalidate by its ETag.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

from walaa.entrypoints.web.i18n import LANGUAGES, translations
from walaa.entrypoints.web.nav import N_

router = APIRouter(include_in_schema=False)
SOURCE = Path(__file__).parents[1] / "static" / "storefront" / "widget.js"
#: every text the widget shows, as `t("...")` in widget.js calls it (a test holds them equal)
WIDGET_WORDS = (
    N_("Badges"),
    N_("Copy link"),
    N_("Invite a friend"),
    N_("Join me and get a welcome gift: {link}"),
    N_("Share"),
    N_("Your code: {code}"),
    N_("Close"),
    N_("Copied"),
    N_("Copy"),
    N_("Earn {points} on every order and spend them on rewards."),
    N_("History"),
    N_("How to earn"),
    N_("Join"),
    N_("Member card QR code"),
    N_("Member card"),
    N_("Redeem {reward}"),
    N_("Redeem"),
    N_("Rewards are not available right now."),
    N_("Rewards at {store}"),
    N_("Rewards"),
    N_("Show my member card"),
    N_("Show this at the till. It changes every 30 seconds."),
    N_("Sign in"),
    N_("We tell you of any redemption over {points}."),
    N_("Worth {money}"),
    N_("You are at the top tier"),
    N_("Your cause: {cause}"),
    N_("Your code:"),
    N_("Your tier: {tier}"),
    N_("{game}: {count} plays to use"),
    N_("{percent}% of the way to {tier}"),
    N_("{points} {name} more for {reward}"),
    N_("{points} {name}"),
)
CALLS = re.compile(r'(?<![\w.])t\("((?:[^"\\]|\\.)*)"')


def words_in_script() -> set[str]:
    """The texts widget.js asks `t()` for."""
    return set(CALLS.findall(SOURCE.read_text(encoding="utf-8")))


@cache
def widget_source() -> tuple[bytes, str]:
    """The script with its words, and its ETag (computed once per process)."""
    words = {
        language: {word: translations(language).gettext(word) for word in WIDGET_WORDS}
        for language in LANGUAGES
    }
    text = SOURCE.read_text(encoding="utf-8").replace(
        "__WALAA_WORDS__", json.dumps(words, ensure_ascii=False, sort_keys=True)
    )
    body = text.encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get("/widget.js")
def widget(request: Request) -> Response:
    body, tag = widget_source()
    headers = {
        "ETag": tag,
        "Cache-Control": "public, max-age=600",
        # loaded by stores' pages on other origins, some of which isolate themselves (COEP)
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

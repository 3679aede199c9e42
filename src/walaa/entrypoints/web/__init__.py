"""The pages Walaa serves to people: the merchant's dashboard under /admin (and, beside it,
the storefront's pages). Server-rendered with Jinja2, every asset served from
``static/``, every word from the catalogs in ``locales/``; see docs/dashboard.md.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from walaa.entrypoints.web.auth import Forbidden, SignInRequired, browser_language
from walaa.entrypoints.web.i18n import Formatter
from walaa.entrypoints.web.pages import STATIC_DIR, STATIC_PREFIX, PageContext, render
from walaa.entrypoints.web.security import SecurityHeaders

#: The screens after the overview, in the order of the menu.
SCREENS = ("customers", "program", "catalog", "lists", "review_queue", "keys")


def mount(api: FastAPI) -> None:
    """Add the web pages, their assets, their error pages and their headers to ``api``."""
    from walaa.entrypoints.web import account, overview, sign_in, staff_screen

    api.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="web-static")
    api.include_router(sign_in.router)
    api.include_router(overview.router)
    # Imported in menu order: each screen adds its menu entry when imported.
    for name in SCREENS:
        api.include_router(importlib.import_module(f"walaa.entrypoints.web.{name}").router)
    api.include_router(staff_screen.router)
    api.include_router(account.router)
    api.add_exception_handler(SignInRequired, _to_sign_in)
    api.add_exception_handler(Forbidden, _forbidden)
    api.add_middleware(SecurityHeaders)


async def _to_sign_in(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/admin/sign-in", status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    page = PageContext(Formatter(browser_language(request)))
    return render(request, "forbidden.html", page, status=403, why=exc.why)

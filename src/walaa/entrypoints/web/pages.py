"""Rendering a page: one Jinja2 environment (autoescaped) and the words and formats it needs.

Every template gets, besides what its route passes:

* ``_("text {name}", name=...)`` and ``ngettext(singular, plural, n)``: the catalogs of the
  page's language (``str.format`` placeholders, filled after translation);
* ``format_money``, ``format_number``, ``format_percent``, ``format_date``,
  ``format_datetime``: Babel, in the store's currency and time zone;
* ``lang`` and ``dir`` for ``<html lang dir>``; ``static(path)`` for an asset's URL; ``path``
  and ``here`` (path and query) of the page;
* ``csrf_token`` (empty before sign-in) for every ``<form method="post">``;
* ``staff`` (the signed-in member or None) and ``nav`` (the screens their role may open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from walaa.entrypoints.web.i18n import Formatter

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
STATIC_PREFIX = "/admin/static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def static(path: str) -> str:
    return f"{STATIC_PREFIX}/{path}"


@dataclass(frozen=True)
class PageContext:
    """Who is looking and in what language; routes build it once per request."""

    formatter: Formatter
    csrf_token: str = ""
    staff: Any = None
    nav: tuple[Any, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def names(self) -> dict[str, Any]:
        f = self.formatter
        return {
            "_": f.gettext,
            "ngettext": f.ngettext,
            "format_money": f.money,
            "format_number": f.number,
            "format_percent": f.percent,
            "format_date": f.date,
            "format_datetime": f.date_time,
            "lang": f.language,
            "dir": f.direction,
            "static": static,
            "csrf_token": self.csrf_token,
            "staff": self.staff,
            "nav": self.nav,
            **self.extra,
        }


def render(
    request: Request,
    template: str,
    page: PageContext,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **names: Any,
) -> HTMLResponse:
    """The page, with the names ``page`` gives, then ``context`` and ``names`` (a route's)."""
    body = environment.get_template(template).render(
        **page.names(),
        request=request,
        path=request.url.path,
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **(context or {}),
        **names,
    )
    response = HTMLResponse(body, status_code=status, headers=dict(headers or {}))
    # pages show account data: never kept by a shared computer's cache or a proxy
    response.headers.setdefault("Cache-Control", "no-store")
    return response

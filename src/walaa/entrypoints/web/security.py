"""Headers every page Walaa serves carries, so a browser refuses what the pages never do.

The policy allows scripts, styles, images and fonts from Walaa itself only (no inline script
or style: templates use classes and SVG presentation attributes), no framing (clickjacking),
forms posting back only to Walaa, and no referrer leaving the site. A route that must differ
(the storefront widget, framed by a store's own pages) sets its own header; these are only
defaults and never overwrite one a route set.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_RAW = tuple((name.lower().encode(), value.encode()) for name, value in HEADERS.items())
#: FastAPI's interactive API docs load Swagger UI and ReDoc from a CDN; they keep their own way.
EXEMPT = ("/docs", "/redoc")


class SecurityHeaders:
    """Pure ASGI middleware adding `HEADERS` to every response (API answers included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_missing_headers(message, _RAW)
            await send(message)

        await self.app(scope, receive, sending)


def add_missing_headers(message: Message, headers: Iterable[tuple[bytes, bytes]]) -> None:
    """Append to a response start ``message`` each (lower-case name, value) whose name it
    does not carry yet; one pass over what it has, as this runs for every response."""
    raw = message["headers"] = list(message.get("headers", ()))
    present = {name.lower() for name, _ in raw}
    raw.extend(pair for pair in headers if pair[0] not in present)

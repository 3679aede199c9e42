"""Headers every page Walaa serves carries, so a browser refuses what the pages never do.

The policy allows scripts, styles, images and fonts from Walaa itself only (no inline script
or style: templates use classes and SVG presentation attributes), no framing (clickjacking),
forms posting back only to Walaa, and no referrer leaving the site. A route that must differ
(the storefront widget, framed by a store's own pages) sets its own header; these are only
defaults and never overwrite one a route set.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
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
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, sending)

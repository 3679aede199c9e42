"""CORS for the storefront routes only: browsers on a store's own origins, nothing else.

Secret-key routes send no CORS headers at all, so no browser page can read their answers.
Under ``/v1/storefront/`` a preflight (OPTIONS with ``Access-Control-Request-Method``) is
answered here, before the Guard, because a preflight carries no key and so names no store:
it is allowed to proceed, and the real request decides. That request's publishable key names
the store, and the route (`deps.storefront`) refuses an Origin the store does not list (403)
or records it as allowed; only then does the answer carry ``Access-Control-Allow-Origin``.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/v1/storefront/"
ALLOWED_HEADERS = "authorization, content-type, idempotency-key, x-walaa-shopper"
EXPOSED_HEADERS = "etag, ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after"
#: the state key a storefront route sets once it has checked the Origin against the store's
ALLOWED_ORIGIN = "cors_origin"


class StorefrontCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and origin and "access-control-request-method" in headers:
            await _preflight(origin)(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out.append("Vary", "Origin")
                allowed = state.get(ALLOWED_ORIGIN)
                if allowed:
                    out["Access-Control-Allow-Origin"] = allowed
                    out["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, marked)


def _preflight(origin: str) -> Response:
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        },
    )

"""The API's door: who may come in and how much they may bring, decided before any body is read.

A pure ASGI middleware, so nothing reads the request body behind its back (as
BaseHTTPMiddleware or a FastAPI body parameter would, before any dependency runs). For every
`/v1` request, in this order:

1. **The client address's bucket**, before authentication, for requests that cannot prove who
   they are: no key, a malformed key, a key refused in the last
   ``unknown_key_cache_seconds``, or a key this process has not yet seen authenticate. Past it
   they are answered 429 without touching the database. A key that authenticated recently
   skips it, so a valid client sharing an address with a flood (a NAT, a proxy, loopback) is
   limited by its own key's bucket only.
2. **The key**: a key that authenticated less than ``verified_key_cache_seconds`` (at most 5 s)
   ago is let in from memory (`key_cache`); else it is looked up in the database (in a worker
   thread). Unknown, revoked or wrong keys are remembered for a short while by a hash of the
   whole secret (never by its lookup part, which would let anyone lock a valid key out), so a
   flood of one bad key costs one lookup.
   A request refused there is answered only after ``address_refusal_delay_seconds`` (1 s; at
   most `MAX_STALLED` such answers wait at a time, the rest are answered at once): refusing as
   fast as a flood can send would spend the server's one event loop on the flood, and a valid
   client's request would queue behind it. Waiting costs no CPU, and each of the flood's
   connections can then send one request a second.
3. **The key's bucket** (the RateLimit-* headers).
4. **The body**: a Content-Length over ``max_body_bytes`` is refused 413 at once; a streamed
   (chunked) body is counted as it arrives and refused 413 at the limit.

Every request, `/healthz` and `/docs` included, first has its head bounded (at most
``max_header_lines`` headers, ``max_header_bytes`` in all, else 431) and every body is bounded.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import anyio
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from walaa.bootstrap import App
from walaa.config import Settings
from walaa.domain import keys
from walaa.domain.keys import ApiKey
from walaa.entrypoints.http import problems
from walaa.entrypoints.http.key_cache import VerifiedKeys
from walaa.entrypoints.http.ratelimit import Decision, RateLimiter
from walaa.service.handlers.keys import authenticate

#: Refusals that may wait at once; past it they are answered without waiting.
MAX_STALLED = 1000
NO_KEY = "send your API key as `Authorization: Bearer wk_...`"
BAD_KEY = "this API key is unknown or revoked"


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit. FastAPI lets an
    HTTPException raised while it reads a body through, to `on_body_too_large`."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over the limit of {limit} bytes")
        self.limit = limit


async def on_body_too_large(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BodyTooLarge)
    return problems.too_large(exc.limit)


class Recent:
    """A bounded set whose members are forgotten after ``ttl`` seconds (oldest out first)."""

    def __init__(self, ttl: float, size: int, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self._now = ttl, size, now
        self._items: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, item: bytes) -> None:
        with self._lock:
            self._items[item] = self._now() + self.ttl
            self._items.move_to_end(item)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def discard(self, item: bytes) -> None:
        with self._lock:
            self._items.pop(item, None)

    def __contains__(self, item: object) -> bool:
        with self._lock:
            until = self._items.get(item)  # type: ignore[call-overload]
            if until is None:
                return False
            if until <= self._now():
                del self._items[item]  # type: ignore[arg-type]
                return False
            return True


def trusted_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """WALAA_TRUSTED_PROXIES read as networks (a bare address is a network of one);
    ValueError names the first part that is neither."""
    return [ipaddress.ip_network(part.strip()) for part in setting.split(",") if part.strip()]


class Guard:
    """The middleware the module docstring describes; one per app (and so per process)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        walaa: Callable[[], App],
        settings: Settings,
        keys: RateLimiter,
        addresses: RateLimiter,
        verified: VerifiedKeys,
    ) -> None:
        self.app, self.walaa, self.settings = app, walaa, settings
        self.keys, self.addresses = keys, addresses
        self.max_body = settings.max_body_bytes
        self.unknown = Recent(settings.unknown_key_cache_seconds, settings.unknown_key_cache_size)
        # Keys seen to authenticate lately skip the address bucket when they are checked
        # against the database again.
        self.proven = Recent(300.0, settings.unknown_key_cache_size)
        # Keys that authenticated in the last few seconds are not checked again until then.
        self.verified = verified
        self.proxies = trusted_networks(settings.trusted_proxies)
        self.stalled = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if too_many_headers := self._oversized_head(scope):
            await too_many_headers(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["path"] == "/v1" or scope["path"].startswith("/v1/"):
            refusal = await self._admit(scope, headers)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await self._too_large()(scope, receive, send)
            return
        await self._bounded(scope, receive, send)

    def _oversized_head(self, scope: Scope) -> Response | None:
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        size = sum(len(name) + len(value) + 4 for name, value in raw)  # ": " and CRLF
        if len(raw) <= self.settings.max_header_lines and size <= self.settings.max_header_bytes:
            return None
        return problems.problem(
            431,
            "headers-too-large",
            "Request headers too large",
            f"at most {self.settings.max_header_lines} header lines and "
            f"{self.settings.max_header_bytes} bytes of headers; this request has {len(raw)} "
            f"lines and {size} bytes",
            max_header_lines=self.settings.max_header_lines,
            max_header_bytes=self.settings.max_header_bytes,
        )

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app with a `receive` that counts the body and stops at the limit."""
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except BodyTooLarge:  # read outside a FastAPI route, which answers it itself
            if started:
                raise
            await self._too_large()(scope, receive, send)

    def _too_large(self) -> Response:
        return problems.too_large(self.max_body)

    async def _admit(self, scope: Scope, headers: Headers) -> Response | None:
        """None to let the request in (its key and bucket in scope["state"]), else the answer."""
        state: dict[str, Any] = scope.setdefault("state", {})
        secret = _bearer(headers.get("authorization", ""))
        if secret is None:
            return await self._refuse(scope, headers, NO_KEY)
        fingerprint = hashlib.sha256(secret.encode()).digest()
        parts = keys.split(secret)
        if parts is None or fingerprint in self.unknown:
            return await self._refuse(scope, headers, BAD_KEY)
        key = self.verified.get(parts[1], fingerprint)
        if key is None:
            refused = await self._verify(scope, headers, secret, fingerprint)
            if isinstance(refused, Response):
                return refused
            key = refused
            self.verified.add(parts[1], fingerprint, key)
        # A publishable key is shared by every shopper of the store: one bucket per browser
        # address under it, so one busy (or hostile) visitor cannot spend everyone's.
        bucket = f"{key.id}:{self._address(scope, headers)}" if key.publishable else key.id
        decision = await self._take(self.keys, bucket)
        state["rate_limit"] = decision
        if not decision.allowed:
            return _too_many(decision, f"rate limit of {decision.limit} requests reached")
        state["api_key"] = key
        return None

    async def _verify(
        self, scope: Scope, headers: Headers, secret: str, fingerprint: bytes
    ) -> ApiKey | Response:
        """Ask the database about a key the cache does not vouch for: the key, or the answer."""
        proven = fingerprint in self.proven
        if not proven:
            decision = await self._take(self.addresses, self._address(scope, headers))
            if not decision.allowed:
                await self._stall(decision)
                return _too_many(decision, "requests from this address without a proven key")
        try:
            key = await run_in_threadpool(self._authenticate, secret)
        except OperationalError:
            return problems.database_unavailable()
        if key is None:
            self.unknown.add(fingerprint)
            self.proven.discard(fingerprint)
            # an unproven key already paid its token above
            return await self._refuse(scope, headers, BAD_KEY) if proven else _unauthenticated()
        self.proven.add(fingerprint)
        return key

    def _authenticate(self, secret: str) -> ApiKey | None:
        return authenticate(self.walaa().uow(), secret)

    async def _refuse(self, scope: Scope, headers: Headers, detail: str) -> Response:
        decision = await self._take(self.addresses, self._address(scope, headers))
        if not decision.allowed:
            await self._stall(decision)
            return _too_many(decision, "requests from this address without a valid key")
        return _unauthenticated(detail)

    async def _stall(self, decision: Decision) -> None:
        delay = min(float(decision.retry_after), self.settings.address_refusal_delay_seconds)
        if delay <= 0 or self.stalled >= MAX_STALLED:
            return
        self.stalled += 1  # one event loop per process: no lock needed
        try:
            await anyio.sleep(delay)
        finally:
            self.stalled -= 1

    async def _take(self, limiter: RateLimiter, key: str) -> Decision:
        if limiter.blocking:
            return await run_in_threadpool(limiter.take, key)
        return limiter.take(key)

    def _address(self, scope: Scope, headers: Headers) -> str:
        """The socket's peer; behind a trusted proxy, the last X-Forwarded-For hop before it."""
        peer = scope.get("client")
        address = str(peer[0]) if peer else "unknown"
        if not self.proxies or not self._trusted(address):
            return address
        for hop in reversed(headers.get("x-forwarded-for", "").split(",")):
            hop = hop.strip()
            if hop and not self._trusted(hop):
                return hop
        return address

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)


def _bearer(authorization: str) -> str | None:
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def _unauthenticated(detail: str = BAD_KEY) -> Response:
    return problems.problem(
        401,
        "unauthenticated",
        "Missing or invalid API key",
        detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _too_many(decision: Decision, why: str) -> Response:
    return problems.problem(
        429,
        "rate-limited",
        "Too many requests",
        f"{why}; retry in {decision.retry_after} s",
        headers={
            "Retry-After": str(decision.retry_after),
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset),
        },
    )

"""The HTTP API, built by a factory so tests, `walaa serve` and workers each get their own."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from walaa.bootstrap import App, build
from walaa.config import Settings
from walaa.domain.errors import WalaaError
from walaa.entrypoints.http import problems
from walaa.entrypoints.http.body import MalformedBody, on_malformed_body
from walaa.entrypoints.http.guard import BodyTooLarge, Guard, on_body_too_large
from walaa.entrypoints.http.key_cache import VerifiedKeys
from walaa.entrypoints.http.ratelimit import (
    Decision,
    FailOpenLimiter,
    MemoryRateLimiter,
    Outage,
    RateLimiter,
    RedisRateLimiter,
)
from walaa.entrypoints.http.schemas import Problem, Readiness, problem_response
from walaa.entrypoints.http.storefront.cors import StorefrontCors
from walaa.entrypoints.http.storefront.deps import ShopperRefused, on_shopper_refused
from walaa.entrypoints.web.security import add_missing_headers

API_DESCRIPTION = """
Walaa's API for store backends, tills and platform connectors.

* Authenticate with a store API key: `Authorization: Bearer wk_live_...`.
* Points are integers; money is a decimal string with its currency.
* Every POST accepts `Idempotency-Key`; a replay returns the first response.
* Errors are RFC 9457 `application/problem+json` with a stable `type`.
"""


def _limiter(
    settings: Settings,
    rate: float,
    burst: int,
    prefix: str,
    on_fallback: Callable[[], None],
    outage: Outage,
) -> RateLimiter:
    local = MemoryRateLimiter(rate, burst)
    if not settings.redis_url:
        return local
    shared = RedisRateLimiter(settings.redis_url, rate, burst, prefix=prefix)
    return FailOpenLimiter(shared, local, on_fallback, outage)


def _limiters(api: FastAPI, settings: Settings) -> tuple[RateLimiter, RateLimiter]:
    """Buckets per key and per client address, both failing open, counted, when Redis is down."""
    fallbacks = Counter(
        "walaa_rate_limit_fallback",
        "Rate-limit decisions made in-process because Redis did not answer",
        ["bucket"],
        registry=api.state.metrics,
    )
    outage = Outage()  # one per process: both kinds of bucket live in the same Redis
    buckets = {
        "key": (settings.rate_limit_per_second, settings.rate_limit_burst, "walaa:rl:"),
        "address": (
            settings.address_rate_limit_per_second,
            settings.address_rate_limit_burst,
            "walaa:rl:address:",
        ),
    }
    made = {
        name: _limiter(settings, rate, burst, prefix, fallbacks.labels(name).inc, outage)
        for name, (rate, burst, prefix) in buckets.items()
    }
    return made["key"], made["address"]


def create_app(walaa: App | None = None, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    api = FastAPI(
        title="Walaa",
        version="1",
        description=API_DESCRIPTION,
        openapi_tags=[
            {"name": "program", "description": "The program's settings and previews"},
            {"name": "customers", "description": "Profiles, balances, ledgers, adjustments"},
            {"name": "orders", "description": "Orders, refunds and cancellations"},
            {"name": "events", "description": "Customer actions that earn points"},
            {"name": "rewards", "description": "The catalog, redemptions and their codes"},
            {"name": "checkout", "description": "Points as money: quote, hold, capture"},
            {"name": "memberships", "description": "Paid plans: join, renew, cancel"},
            {"name": "tiers", "description": "Tiers, progress, reviews and pins"},
            {"name": "storefront", "description": "What shoppers see, with a publishable key"},
            {"name": "store", "description": "Storefront settings and keys"},
            {"name": "operations", "description": "Health, readiness and metrics"},
        ],
    )
    api.state.walaa = walaa or build(settings.database_url)
    if api.state.walaa.secret_key is None:
        api.state.walaa.secret_key = settings.secret_key
    api.state.settings = settings
    api.state.metrics = CollectorRegistry()
    api.state.limiter, address_limiter = _limiters(api, settings)
    # on the app's state too, so a route that revokes a key drops it from memory at once
    api.state.verified_keys = VerifiedKeys(
        settings.verified_key_cache_seconds,
        settings.unknown_key_cache_size,
        lambda: api.state.walaa.clock.now().timestamp(),
    )
    api.add_middleware(
        Guard,
        walaa=lambda: api.state.walaa,
        settings=settings,
        keys=api.state.limiter,
        addresses=address_limiter,
        verified=api.state.verified_keys,
    )
    # Outside the Guard: a browser's preflight carries no key, and is answered here.
    api.add_middleware(StorefrontCors)
    api.add_exception_handler(WalaaError, problems.on_walaa_error)
    api.add_exception_handler(RequestValidationError, problems.on_validation_error)
    api.add_exception_handler(MalformedBody, on_malformed_body)
    api.add_exception_handler(HTTPException, problems.on_http_error)
    api.add_exception_handler(DataError, problems.on_data_error)
    api.add_exception_handler(OperationalError, problems.on_database_down)
    api.add_exception_handler(BodyTooLarge, on_body_too_large)
    api.add_exception_handler(ShopperRefused, on_shopper_refused)
    api.add_exception_handler(Exception, problems.on_unexpected)
    _instrument(api)
    _operations(api)
    from walaa.entrypoints.http.routes import register

    register(api)
    _document_problems(api)
    from walaa.entrypoints import web

    web.mount(api)
    from walaa.entrypoints.web import storefront as storefront_pages

    storefront_pages.mount(api)
    return api


def _document_problems(api: FastAPI) -> None:
    """Put the Problem schema the /v1 error responses refer to into the OpenAPI document."""

    def build() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
                tags=api.openapi_tags,
            )
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            nested = problem.pop("$defs", {})
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update({"Problem": problem, **nested})
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = build  # type: ignore[method-assign]


def _instrument(api: FastAPI) -> None:
    """Prometheus metrics per route template, and RateLimit-* headers on every response."""
    registry = api.state.metrics
    requests = Counter(
        "walaa_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "walaa_http_request_seconds", "HTTP request latency", ["method", "route"], registry=registry
    )
    api.add_middleware(Measure, requests=requests, latency=latency)


class Measure:
    """Pure ASGI (no task and stream per request as BaseHTTPMiddleware has): the outermost
    layer sees every answer, the Guard's refusals included, and should cost them little."""

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        self.app, self.requests, self.latency = app, requests, latency
        self._counted: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                decision = scope.get("state", {}).get("rate_limit")
                if decision is not None:  # a 429 of the key's bucket already carries them
                    add_missing_headers(message, _rate_limit_headers(decision))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")
            counted = self._counted.get((scope["method"], name, status))
            if counted is None:
                counted = self._count(scope["method"], name, status)
            counted[0].inc()
            counted[1].observe(time.perf_counter() - started)

    def _count(self, method: str, route: str, status: int) -> tuple[Any, Any]:
        """The request counter and latency histogram of one (method, route, status), looked up
        by label once: `labels()` takes a lock and builds a key on every call."""
        counted = (
            self.requests.labels(method, route, str(status)),
            self.latency.labels(method, route),
        )
        if len(self._counted) < 10_000:  # route templates, not paths: a bound never reached
            self._counted[(method, route, status)] = counted
        return counted


def _rate_limit_headers(decision: Decision) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset).encode()),
    )


def _operations(api: FastAPI) -> None:
    @api.get("/healthz", tags=["operations"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @api.get(
        "/readyz",
        tags=["operations"],
        summary="The database answers; how Redis does",
        response_model=Readiness,
        responses={503: problem_response("The database does not answer")},
    )
    def readyz(request: Request) -> Response:
        # Redis down is "degraded" but ready (limits fail open to in-process buckets); the
        # database down is not ready: nothing can be answered without it.
        walaa: App = request.app.state.walaa
        limiter: RateLimiter = request.app.state.limiter
        checks = {"database": "ok", "redis": "not configured"}
        if isinstance(limiter, FailOpenLimiter):
            checks["redis"] = limiter.status()
        try:
            with walaa.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            checks["database"] = f"unavailable: {str(exc)[:200]}"
            return problems.problem(
                503,
                "not-ready",
                "Database unavailable",
                str(exc)[:200],
                headers={"Retry-After": str(problems.DATABASE_RETRY_AFTER)},
                checks=checks,
            )
        status = "ready" if checks["redis"] in ("ok", "not configured") else "degraded"
        body = Readiness(status=status, checks=checks)
        return Response(body.model_dump_json(), media_type="application/json")

    @api.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    def metrics(request: Request) -> Response:
        return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)

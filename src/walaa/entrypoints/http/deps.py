"""Request-scoped dependencies: the wired application, the caller's key, its scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from walaa.bootstrap import App
from walaa.domain.keys import ApiKey, Scope
from walaa.entrypoints.http.ratelimit import Decision, RateLimiter
from walaa.service.handlers.keys import authenticate

bearer = HTTPBearer(auto_error=False, description="A store API key: wk_live_... or wk_test_...")


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    limit: Decision

    @property
    def store_id(self) -> str:
        return self.key.store_id


def get_app(request: Request) -> App:
    app: App = request.app.state.walaa
    return app


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    app: Annotated[App, Depends(get_app)],
    limiter: Annotated[RateLimiter, Depends(_limiter)],
) -> Caller:
    if credentials is None:
        raise HTTPException(
            401,
            "send your API key as `Authorization: Bearer wk_...`",
            {"WWW-Authenticate": "Bearer"},
        )
    key = authenticate(app.uow(), credentials.credentials)
    if key is None:
        raise HTTPException(
            401, "this API key is unknown or revoked", {"WWW-Authenticate": "Bearer"}
        )
    decision = limiter.take(key.id)
    request.state.rate_limit = decision
    if not decision.allowed:
        raise HTTPException(
            429,
            f"rate limit of {decision.limit} requests reached; retry in {decision.retry_after} s",
            {"Retry-After": str(decision.retry_after)},
        )
    return Caller(key, decision)


def require(scope: Scope) -> object:
    def check(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if not caller.key.allows(scope):
            raise HTTPException(403, f"this key lacks the {scope.value!r} scope")
        return caller

    return Depends(check)


Reader = Annotated[Caller, require(Scope.READ)]
Writer = Annotated[Caller, require(Scope.WRITE)]
Admin = Annotated[Caller, require(Scope.ADMIN)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        # An empty key would be one key shared by every request of the store: refused, as are
        # spaces and control characters, which no client means as part of a key.
        min_length=1,
        max_length=255,
        pattern=r"^[!-~]+$",
        description="Makes a POST safe to retry: a replay returns the first response. "
        "1 to 255 visible ASCII characters, unique per request (a UUID is a good choice).",
    ),
]

"""Request-scoped dependencies: the wired application, the caller's key, its scope.

They are ``async def`` although none awaits anything on the common path: FastAPI runs a plain
``def`` dependency in a worker thread, and each such hop (a queue, a lock, a wake-up of the
event loop) cost more than the dependency itself, four times per request. Only the lookup of a
store's test clock, the first time a store is seen, touches the database, and it alone is sent
to a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from walaa.bootstrap import App
from walaa.domain.keys import ApiKey, Scope
from walaa.entrypoints.http.guard import NO_KEY
from walaa.entrypoints.http.ratelimit import Decision
from walaa.service.handlers.stores import clock_for, known_live

bearer = HTTPBearer(auto_error=False, description="A store API key: wk_live_... or wk_test_...")


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    limit: Decision

    @property
    def store_id(self) -> str:
        return self.key.store_id


async def get_app(request: Request) -> App:
    app: App = request.app.state.walaa
    return app


async def _caller(
    request: Request,
    # Declares the security scheme in the OpenAPI document; the key itself was checked, and
    # its bucket taken, by the Guard middleware before the request body was read.
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    key: ApiKey | None = getattr(request.state, "api_key", None)
    decision: Decision | None = getattr(request.state, "rate_limit", None)
    if key is None or decision is None:  # a route outside /v1, which the Guard leaves alone
        raise HTTPException(401, NO_KEY, {"WWW-Authenticate": "Bearer"})
    return Caller(key, decision)


def require(scope: Scope) -> object:
    async def check(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if not caller.key.allows(scope):
            raise HTTPException(403, f"this key lacks the {scope.value!r} scope")
        return caller

    return Depends(check)


async def store_app(
    caller: Annotated[Caller, Depends(_caller)], app: Annotated[App, Depends(get_app)]
) -> App:
    """The application as the caller's store sees it: on that store's clock (a test
    store's test clock, if it has one), so every handler a route calls reads that time.
    A store known to be live has none, and its requests skip the lookup and the thread."""
    if known_live(app.store_modes, caller.store_id):
        return app.on_clock(app.clock)
    clock = await run_in_threadpool(
        clock_for, app.uow(), app.clock, caller.store_id, app.store_modes
    )
    return app.on_clock(clock)


#: The wired application on the calling store's clock: what routes take as ``walaa``.
Walaa = Annotated[App, Depends(store_app)]
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

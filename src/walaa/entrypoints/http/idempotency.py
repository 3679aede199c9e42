"""`Idempotency-Key` for every POST: a replay returns the first response, status and body."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from walaa.bootstrap import App
from walaa.domain.errors import WalaaError
from walaa.entrypoints.http.body import NOT_PARSED, parsed_body
from walaa.entrypoints.http.deps import Caller
from walaa.entrypoints.http.problems import problem_for

REPLAY_HEADER = "Idempotent-Replayed"


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _fingerprint(method: str, path: str, body: bytes, parsed: Any = NOT_PARSED) -> str:
    """The same request is the same JSON, whatever the order of its fields or its spacing.
    ``parsed`` is the body as the route parsed it (`parsed_body`); else it is parsed here."""
    try:
        value = json.loads(body) if parsed is NOT_PARSED else parsed
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def _render(status: int, payload: BaseModel | None) -> Response:
    if payload is None:
        return Response(status_code=status)
    return Response(payload.model_dump_json(), status_code=status, media_type="application/json")


def replayable(
    app: App,
    caller: Caller,
    request: Request,
    key: str | None,
    raw: bytes,
    produce: Callable[[], tuple[int, BaseModel | None]],
) -> Response:
    """Run ``produce`` once per key; store and replay what it answered (errors included)."""
    if key is None:
        status, payload = produce()
        return _render(status, payload)
    store = app.idempotency
    fingerprint = _fingerprint(request.method, request.url.path, raw, parsed_body(request))
    stored = store.begin(caller.store_id, key, fingerprint)
    if stored is not None:
        media = "application/json" if stored.status_code < 400 else "application/problem+json"
        return Response(
            stored.body, stored.status_code, media_type=media, headers={REPLAY_HEADER: "true"}
        )
    try:
        status, payload = produce()
    except WalaaError as exc:
        response: Response = problem_for(exc)
        store.finish(caller.store_id, key, response.status_code, bytes(response.body).decode())
        return response
    except BaseException:
        store.abandon(caller.store_id, key)
        raise
    response = _render(status, payload)
    store.finish(caller.store_id, key, status, bytes(response.body).decode())
    return response

"""RFC 9457 problem details: every error the API returns, in one shape.

Each domain error has a stable ``type`` (``/problems/<code>``) that clients can switch on;
validation errors list every failing field with a plain reason.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from walaa.domain import errors

MEDIA_TYPE = "application/problem+json"
#: Seconds a client is told to wait when the database does not answer.
DATABASE_RETRY_AFTER = 5

#: Domain error -> HTTP status. Subclasses are looked up through their MRO.
STATUS: dict[type[errors.WalaaError], int] = {
    errors.ValidationFailed: 422,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InsufficientPoints: 409,
    errors.NotConfigured: 503,
    errors.WalaaError: 400,
}

_HTTP_TITLES = {
    401: ("unauthenticated", "Missing or invalid API key"),
    403: ("forbidden", "This API key may not do that"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors_: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{code}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors_:
        body["errors"] = errors_
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _status_of(exc: errors.WalaaError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _title(code: str) -> str:
    return code.replace("-", " ").capitalize()


async def on_walaa_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.WalaaError)
    return problem_for(exc)


def problem_for(exc: errors.WalaaError) -> JSONResponse:
    extra: dict[str, Any] = {}
    field_errors = None
    if isinstance(exc, errors.ValidationFailed | errors.LiveStore):
        field_errors = [{"field": exc.field, "reason": exc.reason}]
        problems = getattr(exc, "problems", None)  # a program document lists every problem
        if problems:
            field_errors = [{"field": p.where, "reason": p.reason} for p in problems]
    if isinstance(exc, errors.InsufficientPoints):
        extra = {"requested": exc.requested, "spendable": exc.spendable}
    # What is left, who owns it ...: facts a refusal carries for the client to act on.
    extra.update(getattr(exc, "facts", None) or {})
    return problem(
        _status_of(exc), exc.code, _title(exc.code), exc.message, errors_=field_errors, **extra
    )


def field_path(loc: tuple[Any, ...]) -> str:
    """`("body", "lines", 2, "price")` -> `lines[2].price`."""
    out = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(loc[0] if loc else "request")


def refusal(exc: errors.WalaaError) -> dict[str, Any]:
    """A batch item's ``status`` and ``problem`` for a domain error: what the single call
    would have answered."""
    response = problem_for(exc)
    return {"status": response.status_code, "problem": json.loads(bytes(response.body))}


def item_problem(exc: ValidationError, *, skip: int = 0) -> dict[str, Any]:
    """The problem details of one batch item that is not valid, naming each field and why
    (``skip`` leading parts of each error's location, e.g. a tagged union's tag)."""
    errors_ = [
        {
            "field": field_path(tuple(error["loc"][skip:]) or tuple(error["loc"])),
            "reason": error["msg"],
        }
        for error in exc.errors()
    ]
    return {
        "type": "/problems/validation-failed",
        "title": "The item is not valid",
        "status": 422,
        "errors": errors_,
    }


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = [{"field": field_path(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
    return problem(
        422,
        "validation-failed",
        "The request is not valid",
        f"{len(found)} field(s) need attention",
        errors_=found,
    )


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, title = _HTTP_TITLES.get(exc.status_code, ("http-error", "Request failed"))
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return problem(exc.status_code, code, title, str(exc.detail), headers=headers)


#: The methods a 405's `Allow` may name.
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """Every method the path takes (RFC 9110 15.5.6): Starlette's 405 names only those of the
    first route that matched the path, and FastAPI makes one route per method. Asked of the
    router itself, method by method (only a 405 pays for it)."""
    scope = {k: v for k, v in request.scope.items() if k not in ("route", "endpoint")}
    allowed = []
    for method in _METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


async def on_data_error(_request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot store (a NUL character in a path, a number out of range):
    the client's input, so a 422, and the transaction was rolled back."""
    return problem(
        422,
        "validation-failed",
        "The request is not valid",
        "a value cannot be stored (a NUL character, or a number out of range)",
        errors_=[{"field": "request", "reason": "a value cannot be stored"}],
    )


def too_large(limit: int) -> JSONResponse:
    return problem(
        413,
        "too-large",
        "Request too large",
        f"the request body is over the limit of {limit} bytes",
        max_body_bytes=limit,
    )


def database_unavailable() -> JSONResponse:
    return problem(
        503,
        "database-unavailable",
        "The database does not answer",
        f"nothing was written; retry in {DATABASE_RETRY_AFTER} s",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


async def on_database_down(_request: Request, exc: Exception) -> JSONResponse:
    """The database went away (or SQLite stayed locked past its timeout): a 503, not a 500."""
    return database_unavailable()


async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    return problem(500, "internal", "Internal error", "The error was logged; please retry.")

"""Request bodies read as strict JSON, by one route class every `/v1` router uses.

FastAPI parses a JSON body with ``json.loads`` as Python does: a duplicated key silently keeps
its last value (`{"points": 1, "points": 1000}` is 1000 points), `NaN` and `Infinity` are
numbers, `1e999` is infinity, nesting is bounded only by the interpreter's recursion limit
(past it a RecursionError, a 500), and bytes that are not UTF-8 are a 400 without a field. Every
JSON body is parsed here instead, once, before any model sees it:

* a duplicated key, a non-finite number, nesting deeper than `MAX_DEPTH`, text that is not
  UTF-8, or a string holding a NUL, a control character (other than tab, newline, carriage
  return) or half of a surrogate pair (none of which PostgreSQL or a JSON answer can carry) is
  a 422 naming the field (`errors[].field`);
* a body sent with a Content-Type other than `application/json` (or `application/*+json`), or
  with none, to an operation that takes JSON, is a 415 before the body is read.

The Guard middleware (guard.py) still bounds the body first: this class reads it through the
same counted `receive`, so an oversized body is a 413 before it is parsed. Cost: about 1.5-2.5
times `json.loads`, tens of microseconds for a 10-line order (bench/json_body.py prints the
ratio), nearly all of it the duplicate-key hook; the depth is checked on the raw bytes at C
speed (`_shallow`), and the parsed value is walked only when that check cannot tell or the
body holds an escape that could spell a refused character (`_ODD_ESCAPE`).
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from walaa.entrypoints.http import problems

#: The deepest nesting of objects and arrays a body may have; the deepest the API's own
#: shapes go is a program document's nested conditions, well inside it.
MAX_DEPTH = 32
_JSON_TYPES = ("application/json",)


class MalformedBody(HTTPException):
    """The body is not JSON the API takes: a 422 naming where. An HTTPException, so FastAPI
    lets it through from `Request.json()` rather than answering a 400 of its own."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(422, reason)
        self.field, self.reason = field, reason


class UnsupportedMediaType(HTTPException):
    def __init__(self, sent: str | None) -> None:
        detail = (
            f"send the body as application/json, not {sent}"
            if sent
            else "send the body with Content-Type: application/json"
        )
        super().__init__(415, detail)


async def on_malformed_body(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MalformedBody)
    return problems.problem(
        422,
        "validation-failed",
        "The request is not valid",
        f"the body is not valid JSON for this API: {exc.reason}",
        errors_=[{"field": exc.field, "reason": exc.reason}],
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for name, _value in pairs:
            if name in seen:
                raise MalformedBody(name, f"the key {name!r} appears more than once")
            seen.add(name)
    return found


def _no_constant(name: str) -> Any:
    raise MalformedBody("body", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise MalformedBody("body", f"{text} is too large for a number")
    return number


#: NUL, C0 controls other than tab, newline and carriage return, and lone surrogates (valid
#: JSON escapes, not valid text: they cannot be stored or encoded in an answer).
_ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _odd_text(text: str) -> str | None:
    """Why a string cannot be taken, or None."""
    found = _ODD.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if code == 0:
        return "must not contain the NUL character"
    if code < 0x20:
        return f"must not contain the control character U+{code:04X}"
    return "must not contain half of a surrogate pair (not valid Unicode)"


def _where(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def check_value(value: Any, *, texts: bool = True) -> None:
    """Refuse nesting past `MAX_DEPTH` and (with ``texts``) strings `_odd_text` refuses,
    naming the first place found. Iterative, so a deep value cannot exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise MalformedBody(path or "body", f"nested deeper than {MAX_DEPTH} levels")
            parts = item.items() if isinstance(item, dict) else enumerate(item)
            for part, inner in parts:
                if texts and isinstance(part, str) and (why := _odd_text(part)):
                    raise MalformedBody(path or "body", f"a field name {why}")
                stack.append((inner, _where(path, part), depth + 1))
        elif texts and isinstance(item, str) and (why := _odd_text(item)):
            raise MalformedBody(path or "body", why)


def parse(body: bytes) -> Any:
    """The body as JSON, refused as the module docstring says."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody("body", f"is not UTF-8 text (byte {exc.start})") from exc
    try:
        value = json.loads(
            text, object_pairs_hook=_unique_keys, parse_constant=_no_constant, parse_float=_finite
        )
    except RecursionError as exc:
        raise MalformedBody("body", f"nested deeper than {MAX_DEPTH} levels") from exc
    except json.JSONDecodeError as exc:
        raise MalformedBody("body", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # an integer of more digits than Python converts
        raise MalformedBody("body", str(exc).split(";")[0]) from exc
    odd = _ODD_ESCAPE.search(text) is not None
    if odd or not _shallow(body):
        check_value(value, texts=odd)  # raw control characters are already a decode error
    return value


#: The escapes that can spell what `_odd_text` refuses: \\u0000-\\u001f, \\b, \\f, and
#: surrogates (\\ud800-\\udfff, which a valid pair also uses). Text without one needs no walk.
_ODD_ESCAPE = re.compile(r"\\(?:u00[01]|[bf]|u[dD][89abcdefABCDEF])")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def _shallow(body: bytes) -> bool:
    """True when the body surely nests at most `MAX_DEPTH` deep, at C speed: its brackets
    alone, innermost pairs removed pass by pass, are gone within `MAX_DEPTH` passes. Brackets
    inside strings can only make it say False, and then the parsed value is walked."""
    brackets = body.translate(None, _NOT_BRACKETS)
    for _ in range(MAX_DEPTH):
        if not brackets:
            return True
        inner = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if inner == brackets:
            return False
        brackets = inner
    return not brackets


#: What `parsed_body` answers for a request whose body was not parsed as JSON.
NOT_PARSED: Any = object()


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse(await self.body())
        return self._json


def parsed_body(request: Request) -> Any:
    """The body as the route already parsed it, or `NOT_PARSED`: so a later reader (the
    idempotency fingerprint) does not parse the same bytes again."""
    return (
        getattr(request, "_json", NOT_PARSED)
        if isinstance(request, StrictJsonRequest)
        else NOT_PARSED
    )


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers


def on_the_loop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A plain ``def`` route as an ``async def`` one that runs it in the thread pool.

    FastAPI runs a sync route in a worker thread and then, in a second trip there, validates
    the model it returned against the route's response model: two hops where one does.
    Declared async, the route's own code still runs in a thread (it waits on the database),
    and the answer is validated back on the event loop. Parameters, names and docs are the
    route's (`functools.wraps`), so the OpenAPI document does not change.
    """
    if not inspect.isfunction(endpoint) or not _plain(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def threaded(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return threaded


def _plain(endpoint: Callable[..., Any]) -> bool:
    return not (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    )


class JsonRoute(APIRoute):
    """Every `/v1` operation: bodies parsed by `parse`; a JSON operation sent another media
    type is a 415, decided from the headers alone; a sync route crosses into the thread pool
    once (`on_the_loop`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, on_the_loop(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_json = self.body_field is not None

        async def strict(request: Request) -> Response:
            if takes_json:
                sent = request.headers.get("content-type")
                if (sent is not None and not _is_json(sent)) or (
                    sent is None and _has_body(request)
                ):
                    raise UnsupportedMediaType(sent)
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict

"""No stranger can make the server read, parse or work on more than a documented amount.

Bodies over `WALAA_MAX_BODY_BYTES` are refused 413, announced or streamed; a request without a
valid key is refused 401 before a byte of its body is read; a batch call is bounded in items
and in order lines.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

from tests.api.conftest import Api, api_for
from tests.api.live_server import serving
from walaa.config import Settings
from walaa.entrypoints.http.earning_schemas import BATCH_MAX_ITEMS, BATCH_MAX_LINES

LIMIT = 1000


class Upload:
    """A request body the client hands over only when the server asks for it."""

    def __init__(self, body: bytes) -> None:
        self.body, self.read = body, False

    def __iter__(self) -> Iterator[bytes]:
        self.read = True
        yield self.body


def padded_customer(size: int) -> bytes:
    """A valid customer document, made `size` bytes long by trailing whitespace."""
    body = json.dumps({"email": "amal@example.com"}).encode()
    return body + b" " * (size - len(body))


def small_bodies(walaa, clock, store) -> Api:
    return api_for(walaa, clock, store, settings=Settings(database_url="u", max_body_bytes=LIMIT))


def put_customer(api: Api, customer: str, upload: Upload, *, key: bool, announce: bool):
    headers = {"Content-Type": "application/json"}
    if key:
        headers.update(api.headers())
    if announce:
        headers["Content-Length"] = str(len(upload.body))
    return api.client.put(f"/v1/customers/{customer}", content=iter(upload), headers=headers)


def test_an_announced_body_over_the_limit_is_refused_413_unread(walaa, clock, store):
    api = small_bodies(walaa, clock, store)
    upload = Upload(padded_customer(LIMIT + 1))
    answer = put_customer(api, "amal-413", upload, key=True, announce=True)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/too-large"
    assert answer.json()["max_body_bytes"] == LIMIT
    assert not upload.read
    assert api.get("/v1/customers/amal-413").status_code == 404  # the handler never ran
    # the same document at the limit is a customer: only its size was refused
    fits = Upload(padded_customer(LIMIT))
    assert put_customer(api, "amal-413", fits, key=True, announce=True).status_code in (200, 201)


def test_a_stranger_is_refused_401_before_the_body_is_read(walaa, clock, store):
    api = small_bodies(walaa, clock, store)
    for size in (LIMIT + 1, 10):
        upload = Upload(padded_customer(size))
        answer = put_customer(api, "amal-401", upload, key=False, announce=True)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert not upload.read
    unknown = api.client.put(
        "/v1/customers/amal-401",
        content=iter(upload := Upload(padded_customer(10))),
        headers={"Authorization": "Bearer wk_test_0badc0de_nobodyhasthiskeyatallnobody"},
    )
    assert unknown.status_code == 401
    assert not upload.read
    assert api.get("/v1/customers/amal-401").status_code == 404


def test_a_streamed_body_is_counted_and_refused_413_at_the_limit(walaa, clock, store):
    api = small_bodies(walaa, clock, store)
    upload = Upload(padded_customer(LIMIT + 1))
    answer = put_customer(api, "amal-chunked", upload, key=True, announce=False)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/too-large"
    assert answer.json()["max_body_bytes"] == LIMIT
    assert api.get("/v1/customers/amal-chunked").status_code == 404


def order(i: int, lines: int) -> dict:
    return {
        "kind": "order",
        "id": f"ord-bound-{i}",
        "customer_id": "amal",
        "placed_at": "2026-11-23T10:00:00Z",
        "currency": "USD",
        "lines": [{"id": str(n), "paid": "1.00"} for n in range(lines)],
    }


def test_a_batch_over_its_item_limit_is_refused_naming_the_field(api):
    event = {"kind": "event", "id": "e", "customer_id": "amal", "type": "newsletter"}
    answer = api.post("/v1/events/batch", {"items": [event] * (BATCH_MAX_ITEMS + 1)})
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "items"
    assert str(BATCH_MAX_ITEMS) in error["reason"]


def test_a_batch_over_its_line_limit_is_refused_naming_the_field(api):
    per_order = 2 * BATCH_MAX_LINES // BATCH_MAX_ITEMS  # few enough orders, too many lines
    orders = [order(i, per_order) for i in range(BATCH_MAX_LINES // per_order + 1)]
    answer = api.post("/v1/events/batch", {"items": orders})
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "items"
    assert f"at most {BATCH_MAX_LINES} order lines" in error["reason"]
    assert api.get("/v1/customers/amal").status_code == 404  # nothing in it was recorded


def test_a_request_head_over_its_bounds_is_refused_431(api):
    lines = Settings().max_header_lines
    many = {f"X-Filler-{i}": "a" for i in range(lines + 1)}
    answer = api.client.get("/v1/customers/amal", headers={**api.headers(), **many})
    assert answer.status_code == 431
    assert answer.json()["type"] == "/problems/headers-too-large"
    assert answer.json()["max_header_lines"] == lines
    big = api.client.get("/healthz", headers={"X-Filler": "a" * Settings().max_header_bytes})
    assert big.status_code == 431
    assert api.get("/v1/customers/amal").status_code == 404  # a normal head passes


def answer_to_head(base: str, head: bytes) -> bytes:
    """Send only a request head (its announced body never follows); what the server answers."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head)
        return conn.recv(65536)


def test_a_real_server_answers_an_announced_100_mb_upload_without_waiting_for_it(
    walaa, clock, store
):
    api = api_for(walaa, clock, store)
    with serving(api.client.app) as base:
        key = f"Authorization: Bearer {api.secret}\r\n".encode()
        for auth, status in ((b"", b"401"), (key, b"413")):
            head = (
                b"PUT /v1/customers/amal-100mb HTTP/1.1\r\nHost: walaa\r\n"
                b"Content-Type: application/json\r\nContent-Length: 104857600\r\n" + auth + b"\r\n"
            )
            answer = answer_to_head(base, head)
            assert answer.split(b" ", 2)[1] == status, answer
            assert b"application/problem+json" in answer
    assert api.get("/v1/customers/amal-100mb").status_code == 404

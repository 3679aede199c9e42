"""Every JSON body is read strictly, the same way on every route: a duplicated key, a number
JSON has no word for, nesting past the bound, bytes that are not UTF-8 and text no store could
hold are 422 naming where; another media type is 415; none of it is ever a 500."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from tests.builders import transaction_count
from walaa.entrypoints.http.body import MAX_DEPTH, JsonRoute

ADJUST = "/v1/customers/amal/adjustments"
JSON = {"Content-Type": "application/json"}


def send(api, body: bytes, path: str = ADJUST, headers: dict[str, str] | None = None):
    return api.client.post(path, content=body, headers=api.headers(**(headers or JSON)))


def refused(answer, status: int = 422) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return answer.json()


def test_a_duplicated_key_is_refused_naming_the_key(api, walaa):
    body = b'{"points": 1, "reason": "goodwill", "points": 1000}'
    problem = refused(send(api, body))
    assert problem["errors"][0]["field"] == "points"
    assert "more than once" in problem["errors"][0]["reason"]
    assert transaction_count(walaa, api.store.id) == 0


def test_a_duplicated_key_inside_a_line_is_refused_too(api):
    line = b'{"id": "l1", "paid": "10.00", "paid": "99999.00"}'
    problem = refused(send(api, b'{"lines": [' + line + b"]}", "/v1/program/preview"))
    assert problem["errors"][0]["field"] == "paid"


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"])
def test_numbers_json_has_no_word_for_are_refused(api, walaa, number):
    problem = refused(send(api, b'{"points": ' + number + b', "reason": "x"}'))
    assert problem["errors"][0]["field"] == "body"
    assert transaction_count(walaa, api.store.id) == 0


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_nesting_past_the_bound_is_refused_not_a_crash(api, depth):
    nested = b"[" * depth + b"]" * depth
    body = b'{"rules": ' + nested + b"}"
    problem = refused(api.client.put("/v1/program", content=body, headers=api.headers(**JSON)))
    assert "nested deeper" in problem["errors"][0]["reason"]


def test_nesting_within_the_bound_reaches_the_model(api):
    nested = b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1)
    problem = refused(send(api, b'{"points": ' + nested + b', "reason": "x"}'))
    assert problem["errors"][0]["field"] == "points"
    assert "nested" not in problem["errors"][0]["reason"]


@pytest.mark.parametrize(
    "body",
    [b'{"points": 5, "reason": "caf\xe9"}', b"\xff\xfe{\x00}\x00", b'\xef\xbb\xbf{"points": 5}'],
)
def test_a_body_that_is_not_utf8_json_is_refused(api, walaa, body):
    problem = refused(send(api, body))
    assert problem["errors"][0]["field"] == "body"
    assert transaction_count(walaa, api.store.id) == 0


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("good\\u0000will", "NUL"),
        ("bell\\u0007", "U+0007"),
        ("back\\bspace", "U+0008"),
        ("half \\ud800 pair", "surrogate"),
    ],
)
def test_text_no_store_could_hold_is_refused_naming_the_field(api, walaa, reason, why):
    body = ('{"points": 5, "reason": "' + reason + '"}').encode()
    problem = refused(send(api, body))
    assert problem["errors"][0]["field"] == "reason"
    assert why in problem["errors"][0]["reason"]
    assert transaction_count(walaa, api.store.id) == 0


def test_odd_text_deep_in_a_body_is_named_by_its_path(api):
    body = b'{"lines": [{"id": "l1", "paid": "1"}, {"id": "l2", "paid": "1", "sku": "a\\u0000"}]}'
    problem = refused(send(api, body, "/v1/program/preview"))
    assert problem["errors"][0]["field"] == "lines[1].sku"


def test_escaped_text_that_is_fine_is_taken(api, walaa):
    body = '{"points": 5, "reason": "\\u0634\\u0643\\u0631\\u0627 \\ud83c\\udf81\\ttab"}'
    answer = send(api, body.encode())
    assert answer.status_code == 201, answer.text
    assert transaction_count(walaa, api.store.id) == 1


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_a_json_operation_refuses_another_media_type_415(api, walaa, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    body = b'{"points": 5, "reason": "goodwill"}'
    answer = api.client.post(ADJUST, content=body, headers=api.headers(**headers))
    problem = refused(answer, 415)
    assert problem["type"] == "/problems/unsupported-media-type"
    assert transaction_count(walaa, api.store.id) == 0


def test_json_with_a_charset_or_a_json_suffix_is_json(api):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        body = b'{"points": 5, "reason": "goodwill"}'
        assert send(api, body, headers={"Content-Type": content_type}).status_code == 201


def test_a_405_lists_every_method_the_path_takes(api):
    answer = api.client.delete("/v1/customers/amal", headers=api.headers())
    refused(answer, 405)
    assert answer.headers["allow"] == "GET, PUT"
    answer = api.client.get("/v1/rewards/ten", headers=api.headers())
    assert answer.status_code == 404  # a method it takes is not refused
    answer = api.client.put("/v1/rewards/ten", headers=api.headers(), json={})
    refused(answer, 405)
    assert answer.headers["allow"] == "GET, PATCH"


def test_every_v1_operation_reads_its_body_strictly(api):
    included = [r.original_router for r in api.client.app.routes if hasattr(r, "original_router")]
    routes = [r for router in included for r in router.routes if isinstance(r, APIRoute)]
    v1 = [r for r in routes if r.path.startswith("/v1")]
    assert len(v1) > 30
    assert v1 and all(isinstance(r, JsonRoute) for r in v1)

"""The headers every answer carries, each exactly once: the security headers and the key's
RateLimit-* headers, on a success and on a refusal that already names its limit."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.api.conftest import api_for, limited
from walaa.entrypoints.web.security import HEADERS, SecurityHeaders

RATE_LIMIT = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def once(response, name: str) -> str:
    values = response.headers.get_list(name)
    assert len(values) == 1, (name, values)
    return values[0]


def test_an_api_answer_carries_each_security_and_rate_limit_header_once(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=limited(0.01, 3))
    answer = api.get("/v1/customers/nobody")
    assert answer.status_code == 404
    for name, value in HEADERS.items():
        assert once(answer, name) == value
    assert [once(answer, name) for name in RATE_LIMIT] == ["3", "2", "100"]


def test_a_429_of_the_keys_bucket_names_its_limit_once(walaa, clock, store):
    api = api_for(walaa, clock, store, settings=limited(0.01, 1))
    assert api.get("/v1/customers/nobody").status_code == 404
    refused = api.get("/v1/customers/nobody")
    assert refused.status_code == 429
    assert [once(refused, name) for name in RATE_LIMIT] == ["1", "0", "100"]


def test_a_header_the_route_set_is_kept_not_doubled():
    def framed(_request):
        return PlainTextResponse("framed", headers={"X-Frame-Options": "SAMEORIGIN"})

    app = SecurityHeaders(Starlette(routes=[Route("/framed", framed)]))
    answer = TestClient(app).get("/framed")
    assert once(answer, "X-Frame-Options") == "SAMEORIGIN"
    assert once(answer, "Referrer-Policy") == "no-referrer"

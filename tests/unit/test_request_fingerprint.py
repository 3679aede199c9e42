"""An Idempotency-Key's request fingerprint is the same whether it parses the body itself or
takes the value the route already parsed: fingerprints stored before are still matched."""

from __future__ import annotations

import pytest

from walaa.entrypoints.http.body import parse
from walaa.entrypoints.http.idempotency import _fingerprint

BODIES = [
    b'{"id": "o-1", "lines": [{"paid": "60.00", "quantity": 2}], "ratio": 0.5}',
    b'{"lines":[{"quantity":2,"paid":"60.00"}],"ratio":5e-1,"id":"o-1"}',
    b'{"id": "\\u00e9t\\u00e9", "big": 123456789012345678901234567890, "none": null}',
    b"[]",
]


@pytest.mark.parametrize("body", BODIES)
def test_the_parsed_body_gives_the_fingerprint_of_the_raw_one(body):
    method, path = "POST", "/v1/orders"
    assert _fingerprint(method, path, body, parse(body)) == _fingerprint(method, path, body)


def test_the_same_json_differently_spelt_is_the_same_request():
    first, second = (_fingerprint("POST", "/v1/orders", b, parse(b)) for b in BODIES[:2])
    assert first == second

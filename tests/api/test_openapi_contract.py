"""Schemathesis against the app's own OpenAPI: no input a client can send makes it fail.

Every operation gets generated requests (valid and invalid) with a real key, on SQLite and on
PostgreSQL; each response must not be a server error and must match the documented status
codes, content types and schemas.
"""

from __future__ import annotations

import pytest
import schemathesis
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import Api, limited
from walaa.bootstrap import App
from walaa.demo import PROGRAM
from walaa.entrypoints.http.app import create_app

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
#: A wheel the order below unlocks, so the games' operations are reached too.
DOCUMENT["games"] = [
    {
        "id": "wheel",
        "kind": "wheel",
        "name": {"en": "Spin the wheel", "ar": "عجلة الحظ"},
        "unlock": {"order_min_amount": 5},
        "prizes": [
            {"id": "ten", "name": {"en": "10", "ar": "١٠"}, "points": 10, "weight": 1},
            {"id": "none", "name": {"en": "None", "ar": "لا"}, "weight": 1},
        ],
    }
]


@pytest.fixture
def contract_api(api: Api, walaa: App) -> Api:
    """A store with a program, a customer and an order, so generated requests find things."""
    api.client.put("/v1/program", json=DOCUMENT, headers=api.headers())
    api.put("/v1/customers/amal", {"name": "Amal"})
    api.post(
        "/v1/orders",
        {
            "id": "o-1",
            "customer_id": "amal",
            "placed_at": "2026-03-01T09:00:00Z",
            "currency": "USD",
            "lines": [{"id": "l1", "paid": "10.00"}],
        },
    )
    # generous limits, before authentication too (schemathesis sends many requests without a
    # key or with a wrong one): this test is about correctness, not throttling; and a server
    # key, as production has, so the member-card and widget-secret routes are exercised
    generous = limited(1e6, 10**6).model_copy(
        update={
            "address_rate_limit_per_second": 1e6,
            "address_rate_limit_burst": 10**6,
            "secret_key": "contract-test-server-key",
        }
    )
    return Api(TestClient(create_app(walaa, generous)), api.store, api.secret)


def test_no_input_breaks_the_api_or_its_contract(contract_api: Api) -> None:
    """One hypothesis run per operation; the first broken contract fails with its request."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", contract_api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            # A schema-valid request may still be refused for business reasons (an unknown
            # customer is a 404, a program in another currency a 422), so that check is off.
            case.call_and_validate(
                headers=contract_api.headers(), excluded_checks=[positive_data_acceptance]
            )

        check()

"""The hostile inputs, kept as a table: each is answered 4xx problem+json (naming the field
where it is a field), never a 500, and nothing is written: every store table has as many rows
after as before, and the customer reads the same.

The store is set up so that each request would succeed but for its one hostile part: a
program with tiers, a customer with points, a reward, a plan and a paid order.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from tests.api.test_earning_api import DOCUMENT, SUNDAY, order
from walaa.adapters.db import tables as t
from walaa.entrypoints.http.body import MAX_DEPTH

ADJUST = "/v1/customers/amal/adjustments"
CUSTOMER = "/v1/customers/amal"
ORDERS = "/v1/orders"
REFUNDS = "/v1/orders/o-1/refunds"
EVENTS = "/v1/events"
BATCH = "/v1/events/batch"
REDEEM = "/v1/customers/amal/redemptions"
HOLDS = "/v1/checkout/holds"
REWARDS = "/v1/rewards"
PLANS = "/v1/plans"
JOIN = "/v1/customers/amal/memberships"
PIN = "/v1/customers/amal/tier"
CLOSE = "/v1/customers/amal/close"

#: A valid body for each write; each case spoils one part of one of them.
VALID: dict[str, dict[str, Any]] = {
    ADJUST: {"points": 5, "reason": "goodwill"},
    CUSTOMER: {"name": "Amal", "email": "amal@example.com"},
    ORDERS: order("o-new"),
    REFUNDS: {"id": "r-1", "amount": "10.00"},
    EVENTS: {"id": "e-1", "customer_id": "amal", "type": "review", "occurred_at": SUNDAY},
    REDEEM: {"reward_id": "ten"},
    HOLDS: {"customer_id": "amal", "points": 100, "subtotal": "50.00"},
    REWARDS: {"id": "five", "kind": "fixed_discount", "cost": 50, "value": "5",
              "names": {"en": "5"}},
    PLANS: {"id": "silver", "names": {"en": "Silver"}, "fee": "5", "currency": "USD",
            "period": "monthly"},
    JOIN: {"plan_id": "gold", "payment_ref": "pay-1"},
    PIN: {"level_id": "ultimate", "reason": "VIP"},
    CLOSE: {"reason": "asked to leave"},
}  # fmt: skip
METHOD = {CUSTOMER: "PUT"}


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    body: Any = None  # a dict to send as JSON, or bytes as they are
    field: str | None = None  # the field `errors` must name, if the case is about one
    status: int = 422
    method: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def spoil(path: str, where: str, value: Any) -> dict[str, Any]:
    """The valid body with one field (`lines[0].paid`-style) set to ``value``."""
    body = json.loads(json.dumps(VALID[path]))
    target, parts = body, where.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    target[int(last) if last.isdigit() else last] = value
    return body


def field_case(name: str, path: str, where: str, value: Any) -> Case:
    return Case(name, path, spoil(path, where, value), where)


WRONG_TYPES = [
    ("points as a string", ADJUST, "points", "100"),
    ("points as a float", ADJUST, "points", 100.0),
    ("points as true", ADJUST, "points", True),
    ("points as null", ADJUST, "points", None),
    ("points as a list", ADJUST, "points", [5]),
    ("points as an object", ADJUST, "points", {"value": 5}),
    ("reason as a number", ADJUST, "reason", 7),
    ("hold points as a string", HOLDS, "points", "100"),
    ("hold ttl as a float", HOLDS, "ttl_seconds", 900.5),
    ("quantity as a string", ORDERS, "lines[0].quantity", "2"),
    ("paid as a number", ORDERS, "lines[0].paid", 60.0),
    ("lines as an object", ORDERS, "lines", {"id": "l1"}),
    ("customer id as a number", ORDERS, "customer_id", 42),
    ("cost as a float", REWARDS, "cost", 50.0),
    ("names as a list", REWARDS, "names", ["Five"]),
    ("trial days as a string", PLANS, "trial_days", "7"),
    ("free shipping as 1", PLANS, "free_shipping", 1),
    ("tags as a string", CUSTOMER, "tags", "vip"),
    ("alert threshold as a string", CUSTOMER, "alert_threshold", "5"),
    ("event properties as a list", EVENTS, "properties", ["stars", 5]),
    ("reward id as a number", REDEEM, "reward_id", 10),
    ("occurred at as an epoch", EVENTS, "occurred_at", 1772355600),
    ("placed at as an epoch", ORDERS, "placed_at", 1772355600),
]
NUMBERS = [
    ("points of 10^30", ADJUST, "points", 10**30),
    ("points of -10^30", ADJUST, "points", -(10**30)),
    ("points just over the cap", ADJUST, "points", 10**9 + 1),
    ("a hold of 10^19", HOLDS, "points", 10**19),
    ("a quantity of 10^12", ORDERS, "lines[0].quantity", 10**12),
    ("a cost of 2^63", REWARDS, "cost", 2**63),
    ("an alert threshold of 10^20", CUSTOMER, "alert_threshold", 10**20),
    ("a paid amount of 10^40", ORDERS, "lines[0].paid", "1" + "0" * 40),
    ("negative hold points", HOLDS, "points", -1),
    ("zero hold points", HOLDS, "points", 0),
    ("a negative quantity", ORDERS, "lines[0].quantity", -1),
    ("a negative ttl", HOLDS, "ttl_seconds", -5),
    ("a negative cost", REWARDS, "cost", -1),
    ("a negative stock", REWARDS, "stock", -3),
    ("negative trial days", PLANS, "trial_days", -1),
    ("a negative alert threshold", CUSTOMER, "alert_threshold", -1),
    ("a negative fee", PLANS, "fee", "-5"),
    ("an amount in exponent form", REFUNDS, "amount", "1e3"),
    ("an amount with 5 decimals", REFUNDS, "amount", "1.00001"),
]
TEXTS = [
    ("a right-to-left override in an id", ORDERS, "customer_id", "amal\u202eevil"),
    ("a full-width id", ORDERS, "customer_id", "ａｍａｌ"),
    ("an Arabic id", EVENTS, "customer_id", "أمل"),
    ("a zero-width space in an id", ORDERS, "id", "o\u200b1"),
    ("an emoji id", EVENTS, "id", "e-🎉"),
    ("a combining mark in an id", REFUNDS, "id", "r\u0301"),
    ("a bell in a reason", ADJUST, "reason", "good\u0007will"),
    ("an escape sequence in a name", CUSTOMER, "name", "\u001b[31mAmal"),
    ("a vertical tab in a close reason", CLOSE, "reason", "a\u000bb"),
    ("a NUL in a reason", ADJUST, "reason", "good\u0000will"),
    ("a NUL in a name", CUSTOMER, "name", "Am\u0000al"),
    ("a NUL in an order id", ORDERS, "id", "o\u0000"),
    ("a NUL in a line sku", ORDERS, "lines[0].sku", "SKU\u0000"),
    ("a NUL in a pin reason", PIN, "reason", "\u0000"),
    ("a NUL in a payment ref", JOIN, "payment_ref", "pay\u0000"),
    ("a NUL in a reward name", REWARDS, "names.en", "Five\u0000"),
    ("a 501-character reason", ADJUST, "reason", "x" * 501),
    ("a 201-character name", CUSTOMER, "name", "x" * 201),
    ("a 321-character email", CUSTOMER, "email", "a" * 310 + "@example.com"),
    ("a 129-character order id", ORDERS, "id", "o" * 129),
    ("a 129-character customer id", HOLDS, "customer_id", "c" * 129),
    ("a 65-character tag", CUSTOMER, "tags", ["t" * 65]),  # named as tags[0]
    ("an empty reason", ADJUST, "reason", ""),
    ("an empty order id", ORDERS, "id", ""),
    ("an unknown locale", CUSTOMER, "locale", "fr"),
    ("a lower-case currency", ORDERS, "currency", "usd"),
    ("SQL in an order id", ORDERS, "id", "1'; DROP TABLE customers;--"),
    ("SQL in a customer id", EVENTS, "customer_id", "amal' OR '1'='1"),
    ("SQL in a reward id", REDEEM, "reward_id", "ten' UNION SELECT * FROM api_keys--"),
    ("SQL in a plan id", JOIN, "plan_id", "gold'); DELETE FROM memberships;--"),
    ("HTML in an order id", ORDERS, "id", "<script>alert(1)</script>"),
    ("HTML in a customer id", HOLDS, "customer_id", "<img src=x onerror=alert(1)>"),
    ("HTML in a name", CUSTOMER, "name", "<script>alert('amal')</script>"),
    ("HTML in a reward id", REWARDS, "id", "<b>five</b>"),
    ("a path in an event type", EVENTS, "type", "../../etc/passwd"),
    ("a path in a line id", ORDERS, "lines[0].id", "../l1"),
]
DATES = [
    ("month 13", ORDERS, "placed_at", "2026-13-01T00:00:00Z"),
    ("February 30", ORDERS, "placed_at", "2026-02-30T00:00:00Z"),
    ("a date without a time", EVENTS, "occurred_at", "2026-03-01"),
    ("a time without an offset", ORDERS, "placed_at", "2026-03-01T09:00:00"),
    ("a word for a date", EVENTS, "occurred_at", "yesterday"),
    ("year 9999 at -14:00", ORDERS, "placed_at", "9999-12-31T23:59:59-14:00"),
    ("year 0", EVENTS, "occurred_at", "0000-01-01T00:00:00Z"),
    ("an offset of +25:00", ORDERS, "placed_at", "2026-03-01T09:00:00+25:00"),
    ("a pin until without an offset", PIN, "until", "2027-01-01T00:00:00"),
    ("an expiry in year 2300", ADJUST, "expires_at", "2300-01-01T00:00:00Z"),
    ("a birthday in 1066", CUSTOMER, "birthday", "1066-10-14"),
    ("a start date far ahead", JOIN, "started_at", "9999-12-31T23:00:00-05:00"),
    ("a reward window in year 10000", REWARDS, "ends_at", "10000-01-01T00:00:00Z"),
]
UNKNOWN_FIELDS = [
    ("a bonus on an adjustment", ADJUST, "bonus", 1000),
    ("a balance on a customer", CUSTOMER, "balance", 10**6),
    ("points on an order", ORDERS, "points", 10**6),
    ("a multiplier on a line", ORDERS, "lines[0].multiplier", 100),
    ("a store id on an event", EVENTS, "store_id", "st_other"),
    ("a price on a redemption", REDEEM, "cost", 0),
    ("a worth on a hold", HOLDS, "worth", "0"),
    ("an admin flag on a plan", PLANS, "admin", True),
    ("a level on a pin", PIN, "level", "ultimate"),
]


def _raw(text: str) -> bytes:
    return text.encode()


RAW = [
    Case("a duplicated points key", ADJUST, _raw('{"points": 5, "reason": "x", "points": 9999}'),
         "points"),
    Case("a duplicated id in an order", ORDERS,
         _raw(json.dumps(VALID[ORDERS])[:-1] + ', "id": "o-evil"}'), "id"),
    Case("a duplicated customer id in a hold", HOLDS,
         _raw('{"customer_id": "amal", "points": 1, "subtotal": "5", "customer_id": "x"}'),
         "customer_id"),
    Case("a duplicated reward id", REDEEM, _raw('{"reward_id": "ten", "reward_id": "ten"}'),
         "reward_id"),
    Case("a duplicated key inside a line", ORDERS, _raw(
        json.dumps(VALID[ORDERS]).replace('"quantity": 2', '"quantity": 2, "quantity": 200')),
         "quantity"),
    Case("a lone surrogate in a reason", ADJUST, _raw('{"points": 5, "reason": "\\ud800"}'),
         "reason"),
    Case("NaN points", ADJUST, _raw('{"points": NaN, "reason": "x"}'), "body"),
    Case("Infinity points", ADJUST, _raw('{"points": Infinity, "reason": "x"}'), "body"),
    Case("1e999 points", ADJUST, _raw('{"points": 1e999, "reason": "x"}'), "body"),
    Case("an integer of 5000 digits", ADJUST, _raw('{"points": ' + "9" * 5000 + "}"), "body"),
    Case("nesting past the bound", ADJUST,
         _raw('{"points": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"), "points"),
    Case("nesting of 100,000 levels", BATCH, _raw('{"items": ' + "[" * 10**5 + "]" * 10**5 + "}"),
         "body"),
    Case("nesting in a program document", "/v1/program",
         _raw('{"rules": ' + '{"a": ' * 200 + "1" + "}" * 200 + "}"), "rules", method="PUT"),
    Case("Latin-1 bytes", CUSTOMER, b'{"name": "Ren\xe9e"}', "body", method="PUT"),
    Case("UTF-16 text", ADJUST, '{"points": 5, "reason": "x"}'.encode("utf-16"), "body"),
    Case("a byte-order mark", ADJUST, b'\xef\xbb\xbf{"points": 5, "reason": "x"}', "body"),
    Case("a raw NUL byte", ADJUST, b'{"points": 5, "reason": "a\x00b"}', "body"),
    Case("a raw newline in a string", ADJUST, b'{"points": 5, "reason": "a\nb"}', "body"),
    Case("truncated JSON", ORDERS, _raw(json.dumps(VALID[ORDERS])[:40]), "body"),
    Case("a trailing comma", ADJUST, _raw('{"points": 5, "reason": "x",}'), "body"),
    Case("single quotes", ADJUST, _raw("{'points': 5, 'reason': 'x'}"), "body"),
    Case("two documents", ADJUST, _raw('{"points": 5, "reason": "x"}{"points": 5}'), "body"),
    Case("a bare number", ADJUST, _raw("5")),
    Case("a list for an object", ORDERS, _raw("[" + json.dumps(VALID[ORDERS]) + "]")),
    Case("an empty body", ADJUST, b""),
    Case("a batch item list of strings", BATCH, _raw('{"items": ["event"]}'), "items[0]"),
    Case("a batch of 201 items", BATCH, {"items": [VALID[EVENTS]] * 201}, "items"),
]  # fmt: skip
MEDIA = [
    Case(f"an adjustment as {media}", ADJUST, _raw('{"points": 5, "reason": "x"}'), None, 415,
         headers={"Content-Type": media})
    for media in ("text/plain", "application/x-www-form-urlencoded", "application/xml",
                  "multipart/form-data; boundary=x", "application/jsonp", "text/json")
] + [
    Case("an order without a content type", ORDERS, _raw(json.dumps(VALID[ORDERS])), None, 415,
         headers={"Content-Type": ""}),
    Case("a customer as form data", CUSTOMER, b"name=Amal", None, 415, method="PUT",
         headers={"Content-Type": "application/x-www-form-urlencoded"}),
]  # fmt: skip
METHODS = [
    Case("DELETE a customer", CUSTOMER, None, None, 405, method="DELETE"),
    Case("PATCH a customer", CUSTOMER, {"name": "x"}, None, 405, method="PATCH"),
    Case("PUT the orders", ORDERS, VALID[ORDERS], None, 405, method="PUT"),
    Case("DELETE the ledger", "/v1/customers/amal/ledger", None, None, 405, method="DELETE"),
    Case("PUT an adjustment", ADJUST, VALID[ADJUST], None, 405, method="PUT"),
    Case("DELETE a reward", "/v1/rewards/ten", None, None, 405, method="DELETE"),
    Case("GET the events", EVENTS, None, None, 405, method="GET"),
    Case("DELETE the program", "/v1/program", None, None, 405, method="DELETE"),
]
TRAVERSAL = [
    Case("dots in a customer id", "/v1/customers/.../adjustments", VALID[ADJUST], "customer_id"),
    Case("an encoded slash in a customer id", "/v1/customers/..%2F..%2Fetc%2Fpasswd/adjustments",
         VALID[ADJUST], None, 404),
    Case("a backslash in an order id", "/v1/orders/..%5C..%5Cwindows/refunds", VALID[REFUNDS],
         "order_id"),
    Case("a NUL in a customer path", "/v1/customers/amal%00/adjustments", VALID[ADJUST],
         "customer_id"),
    Case("a NUL in an order path", "/v1/orders/o-1%00/cancel", None, "order_id"),
    Case("SQL in a customer path", "/v1/customers/amal'%20OR%201=1--/close", VALID[CLOSE],
         "customer_id"),
    Case("HTML in a membership path", "/v1/customers/amal/memberships/%3Cb%3E/cancel",
         {"at_period_end": True}, "membership_id"),
    Case("a 200-character customer id", "/v1/customers/" + "a" * 200 + "/adjustments",
         VALID[ADJUST], "customer_id"),
    Case("dots in a reward id", "/v1/rewards/..", {"cost": 1}, None, 404, method="PATCH"),
    Case("a space in a redemption id", "/v1/customers/amal/redemptions/rd%201/cancel", None,
         "redemption_id"),
    Case("a quote in a code", "/v1/codes/AB'C-D/use", {"order_id": "o-1"}, "code"),
    Case("a hold id past BIGINT", "/v1/checkout/holds/99999999999999999999/release", None,
         "hold_id"),
    Case("a negative hold id", "/v1/checkout/holds/-1/capture",
         {"order_id": "o-1", "order_total": "1"}, "hold_id"),
]  # fmt: skip

CASES: list[Case] = [
    *(field_case(*row) for row in WRONG_TYPES + NUMBERS + TEXTS + DATES + UNKNOWN_FIELDS),
    *RAW,
    *MEDIA,
    *METHODS,
    *TRAVERSAL,
]


def set_up(api) -> None:
    """A store where every valid body above would be taken."""
    steps = [
        api.client.put("/v1/program", json=DOCUMENT, headers=api.headers()),
        api.put(CUSTOMER, {"name": "Amal"}),
        api.post(ADJUST, {"points": 5000, "reason": "welcome"}),
        api.post(REWARDS, {"id": "ten", "kind": "fixed_discount", "cost": 100, "value": "10",
                           "names": {"en": "Ten off"}}),
        api.post(PLANS, {"id": "gold", "names": {"en": "Gold"}, "fee": "10", "currency": "USD",
                         "period": "monthly"}),
        api.post(ORDERS, order("o-1")),
    ]  # fmt: skip
    assert [s.status_code for s in steps] == [200, 200, 201, 201, 201, 201], [s.text for s in steps]


def rows(api, walaa) -> dict[str, int]:
    """Rows per table that holds store data, for this store."""
    counts = {}
    with walaa.engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            if "store_id" in table.c:
                query = select(func.count()).where(table.c.store_id == api.store.id)
                counts[table.name] = conn.execute(query).scalar_one()
    return counts


def send(api, case: Case):
    method = case.method or METHOD.get(case.path, "POST")
    headers = api.headers(**case.headers)
    if isinstance(case.body, bytes):
        headers.setdefault("Content-Type", "application/json")
        if headers["Content-Type"] == "":
            del headers["Content-Type"]
        return api.client.request(method, case.path, content=case.body, headers=headers)
    if case.body is None:
        return api.client.request(method, case.path, headers=headers)
    return api.client.request(method, case.path, json=case.body, headers=headers)


def what_is_wrong(case: Case, answer) -> str | None:
    if answer.status_code != case.status:
        return f"answered {answer.status_code}, not {case.status}: {answer.text[:300]}"
    if answer.headers.get("content-type") != "application/problem+json":
        return f"answered {answer.headers.get('content-type')}, not problem+json"
    problem = answer.json()
    if problem.get("status") != case.status or not problem.get("type", "").startswith("/problems/"):
        return f"not a problem document: {problem}"
    named = [e["field"] for e in problem.get("errors") or []]
    # a field, or a place inside it (`tags[0]`, the deepest level of a nesting)
    if case.field is not None and not any(
        n.split("[")[0].split(".")[0] == case.field or n == case.field for n in named
    ):
        return f"errors name {named}, not {case.field!r}"
    if case.status == 405 and not answer.headers.get("allow"):
        return "a 405 without Allow"
    return None


def test_the_table_is_large_and_each_case_has_its_own_name():
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


def test_every_valid_body_is_taken_so_each_case_fails_only_for_its_hostile_part(api, walaa):
    set_up(api)
    for path in (ORDERS, EVENTS, REDEEM, HOLDS, REWARDS, PLANS, JOIN, REFUNDS, ADJUST, CLOSE):
        answer = api.client.post(path, json=VALID[path], headers=api.headers())
        assert answer.status_code in (200, 201), (path, answer.text)
    assert api.put(CUSTOMER, VALID[CUSTOMER]).status_code == 200


def test_each_hostile_input_is_a_4xx_problem_and_writes_nothing(api, walaa):
    set_up(api)
    before, customer = rows(api, walaa), api.get(CUSTOMER).json()
    failures = []
    for case in CASES:
        answer = send(api, case)
        if (wrong := what_is_wrong(case, answer)) is not None:
            failures.append(f"{case.name} ({case.path}): {wrong}")
    assert not failures, f"{len(failures)} of {len(CASES)}:\n" + "\n".join(failures)
    assert rows(api, walaa) == before
    assert api.get(CUSTOMER).json() == customer

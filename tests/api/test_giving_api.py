"""Giving to causes over HTTP: causes, per full block or pro rata, caps, refunds in proportion,
customers giving points, and a report per cause that equals the sum of its gifts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import event

from walaa.demo import PROGRAM

DOCUMENT = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
SUNDAY = "2026-03-01T09:00:00Z"
ANIMALS = {
    "id": "animal-welfare",
    "names": {"en": "Animal welfare", "ar": "رعاية الحيوان"},
    "descriptions": {"en": "Shelters and vets", "ar": "ملاجئ وأطباء بيطريون"},
    "link": "https://example.org/animals",
    "logo_url": "https://cdn.example.org/animals.png",
    "default": True,
}
TREES = {"id": "trees", "names": {"en": "Plant trees", "ar": "ازرع الأشجار"}}


def cause(api, body=ANIMALS):
    r = api.post("/v1/causes", body)
    assert r.status_code == 201, r.text
    return r.json()


def giving_program(api, **giving):
    rules = {"rate": {"give": 5, "per": 100}, **giving}
    r = api.put("/v1/program", {**DOCUMENT, "giving": rules})
    assert r.status_code == 200, r.text


def order(api, order_id, paid, customer="amal", placed_at=SUNDAY):
    body = {
        "id": order_id,
        "customer_id": customer,
        "placed_at": placed_at,
        "currency": "USD",
        "lines": [
            {"id": "l1", "paid": paid, "categories": ["moisturiser"]},
            {"id": "ship", "paid": "10.00", "kind": "shipping"},
        ],
    }
    r = api.post("/v1/orders", body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def gave(answer):
    return [(g["cause"], g["amount"]) for g in answer["gave"]]


def report(api, path="/v1/giving/report", start="2026-01-01", end="2026-12-31"):
    r = api.get(f"{path}?from={start}&to={end}")
    assert r.status_code == 200, r.text
    return r.json()


def test_causes_belong_to_their_store_and_speak_both_languages(api, other_api):
    cause(api)
    cause(api, TREES)
    listed = api.get("/v1/causes").json()["data"]
    assert [c["id"] for c in listed] == ["animal-welfare", "trees"]
    assert listed[0]["names"]["ar"] == "رعاية الحيوان" and listed[0]["default"] is True
    assert other_api.get("/v1/causes").json()["data"] == []
    assert other_api.get("/v1/causes/trees").status_code == 404
    # a new default takes the place of the old one
    cause(api, {**TREES, "default": True})
    defaults = [c["id"] for c in api.get("/v1/causes").json()["data"] if c["default"]]
    assert defaults == ["trees"]


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("link", "http://example.org/"),
        ("link", "https://user:secret@example.org/"),
        ("logo_url", "javascript:alert(1)"),
        ("logo_url", "https:///no-host"),
        ("logo_url", "https://example.org/a logo.png"),
    ],
)
def test_a_cause_address_must_be_plain_https(api, field, url):
    r = api.post("/v1/causes", {**ANIMALS, field: url})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field
    assert api.get("/v1/causes").json()["data"] == []


def test_a_cause_needs_its_name_in_arabic_too(api):
    r = api.post("/v1/causes", {**TREES, "names": {"en": "Plant trees"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "names.ar"


def test_giving_rules_need_a_cause_to_give_to(api):
    r = api.put("/v1/program", {**DOCUMENT, "giving": {"rate": {"give": 5, "per": 100}}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "giving.cause"
    r = api.put(
        "/v1/program", {**DOCUMENT, "giving": {"rate": {"give": 5, "per": 100}, "cause": "trees"}}
    )
    assert r.status_code == 422 and "trees" in r.json()["errors"][0]["reason"]


def test_a_bad_giving_section_names_each_field(api):
    bad = {"rate": {"give": "5.001", "per": 0}, "granularity": "sometimes"}
    r = api.put("/v1/program", {**DOCUMENT, "giving": bad})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"giving.rate.per", "giving.granularity"} <= fields


def test_per_full_block_gives_only_for_whole_hundreds(api):
    cause(api)
    giving_program(api)
    # 250 USD of products (shipping does not count): two full hundreds give 10.00
    assert gave(order(api, "o-1", "250.00")) == [("animal-welfare", "10.00")]
    assert order(api, "o-2", "99.99")["gave"] == []


def test_pro_rata_gives_on_every_cent(api):
    cause(api)
    giving_program(api, granularity="pro_rata")
    assert gave(order(api, "o-1", "250.00")) == [("animal-welfare", "12.50")]
    # 5% of 99.99 is 4.9995: a part of a cent is never owed
    assert gave(order(api, "o-2", "99.99")) == [("animal-welfare", "4.99")]


def test_a_replayed_order_says_what_it_gave_the_first_time(api):
    cause(api)
    giving_program(api)
    first = order(api, "o-1", "300.00")
    again = order(api, "o-1", "300.00")
    assert again["replayed"] and gave(again) == gave(first) == [("animal-welfare", "15.00")]
    assert report(api)["total"] == "15.00"


def test_the_cap_per_order_cuts_a_large_gift(api):
    cause(api)
    giving_program(api, caps={"per_order": 8})
    assert gave(order(api, "o-1", "500.00")) == [("animal-welfare", "8.00")]


def test_the_monthly_cap_counts_each_customer_in_the_store_month(api, clock):
    cause(api)
    giving_program(api, caps={"per_month": 15})
    assert gave(order(api, "o-1", "200.00")) == [("animal-welfare", "10.00")]
    assert gave(order(api, "o-2", "200.00")) == [("animal-welfare", "5.00")]
    assert order(api, "o-3", "200.00")["gave"] == []
    # another customer has a cap of their own
    assert gave(order(api, "o-4", "200.00", customer="badr")) == [("animal-welfare", "10.00")]
    # 31 March 21:30 UTC is already 1 April in Riyadh: a new month
    clock.current += timedelta(days=31)
    april = order(api, "o-5", "200.00", placed_at="2026-03-31T21:30:00Z")
    assert gave(april) == [("animal-welfare", "10.00")]


def test_a_refund_takes_back_in_proportion_and_a_cancel_the_rest(api):
    cause(api)
    giving_program(api, granularity="pro_rata")
    # 200 of products and 10 of shipping: 10.00 given
    assert gave(order(api, "o-1", "200.00")) == [("animal-welfare", "10.00")]
    r = api.post("/v1/orders/o-1/refunds", {"id": "r-1", "amount": "52.50"})
    assert r.status_code == 201, r.text
    # 52.50 of the order's 210.00 is a quarter: 2.50 back
    assert report(api)["causes"][0]["taken_back"] == "-2.50"
    again = api.post("/v1/orders/o-1/refunds", {"id": "r-1", "amount": "52.50"})
    assert again.status_code == 200 and report(api)["causes"][0]["taken_back"] == "-2.50"
    assert api.post("/v1/orders/o-1/cancel", {}).status_code == 200
    row = report(api)["causes"][0]
    assert row["orders"] == "10.00" and row["taken_back"] == "-10.00" and row["total"] == "0.00"


def test_partial_refunds_take_back_what_one_refund_would(api):
    cause(api)
    giving_program(api, granularity="pro_rata")
    order(api, "o-1", "200.00")  # 10.00 on 210.00
    order(api, "o-2", "200.00")
    for n in range(3):
        api.post("/v1/orders/o-1/refunds", {"id": f"r-{n}", "amount": "35.00"})
    api.post("/v1/orders/o-2/refunds", {"id": "r-all", "amount": "105.00"})
    # both orders have had half their value refunded: each keeps 5.00
    assert report(api)["causes"][0]["taken_back"] == "-10.00"


def test_a_customer_who_chose_a_cause_gives_to_it(api):
    cause(api)
    cause(api, TREES)
    giving_program(api, customer_chooses=True)
    chosen = api.put("/v1/customers/amal/cause", {"cause_id": "trees"})
    assert chosen.status_code == 200 and chosen.json()["cause"]["id"] == "trees"
    assert gave(order(api, "o-1", "100.00")) == [("trees", "5.00")]
    assert gave(order(api, "o-2", "100.00", customer="badr")) == [("animal-welfare", "5.00")]
    assert api.get("/v1/customers/badr/cause").json()["cause"] is None
    assert api.put("/v1/customers/amal/cause", {"cause_id": "nowhere"}).status_code == 404


def test_a_fixed_cause_takes_every_gift(api):
    cause(api)
    cause(api, TREES)
    giving_program(api, cause="trees")
    api.put("/v1/customers/amal/cause", {"cause_id": "animal-welfare"})
    assert gave(order(api, "o-1", "100.00")) == [("trees", "5.00")]
    # the program's cause cannot be switched off under it
    r = api.post("/v1/causes", {**TREES, "active": False})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "active"


def earn_points(api, customer="amal"):
    """500 points available now: an order from long ago, past its return window."""
    body = {
        "id": f"old-{customer}",
        "customer_id": customer,
        "placed_at": "2026-02-01T09:00:00Z",
        "currency": "USD",
        "lines": [{"id": "l1", "paid": "500.00", "categories": ["mask"]}],
    }
    assert api.post("/v1/orders", body).status_code == 201
    return api.get(f"/v1/customers/{customer}").json()["balances"]["available"]


def test_a_customer_gives_points_at_the_programs_point_value(api):
    cause(api)
    api.put("/v1/program", DOCUMENT)
    before = earn_points(api)
    body = {"id": "g-1", "cause_id": "animal-welfare", "points": 500}
    r = api.post("/v1/customers/amal/gifts", body)
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "5.00" and r.json()["currency"] == "USD"
    assert "رعاية الحيوان" in r.json()["explanation"]["ar"]
    after = api.get("/v1/customers/amal").json()["balances"]["available"]
    assert after == before - 500
    again = api.post("/v1/customers/amal/gifts", body)
    assert again.status_code == 200 and again.json()["replayed"]
    assert api.get("/v1/customers/amal").json()["balances"]["available"] == after
    other = api.post("/v1/customers/amal/gifts", {**body, "points": 400})
    assert other.status_code == 409
    line = api.get("/v1/customers/amal/ledger?locale=ar").json()["data"][0]
    assert line["explanation"][0] == "أُهديت 500 نقطة إلى القضية animal-welfare، بقيمة 5.00 USD"
    assert report(api)["causes"][0]["points"] == "5.00"


def test_points_a_customer_does_not_have_are_not_given(api):
    cause(api)
    api.put("/v1/program", DOCUMENT)
    r = api.post(
        "/v1/customers/amal/gifts", {"id": "g-1", "cause_id": "animal-welfare", "points": 500}
    )
    assert r.status_code in (404, 409)
    assert report(api)["total"] == "0.00"


def test_the_report_per_cause_equals_the_sum_of_its_gifts(api):
    cause(api)
    cause(api, TREES)
    giving_program(api, granularity="pro_rata", customer_chooses=True, caps={"per_month": 40})
    api.put("/v1/customers/badr/cause", {"cause_id": "trees"})
    given: dict[str, Decimal] = {"animal-welfare": Decimal(0), "trees": Decimal(0)}
    for n, paid in enumerate(["120.00", "75.55", "310.00", "48.10", "999.99", "60.00"]):
        customer = "badr" if n % 2 else "amal"
        for g in order(api, f"o-{n}", paid, customer=customer)["gave"]:
            given[g["cause"]] += Decimal(g["amount"])
    api.post("/v1/orders/o-0/refunds", {"id": "r-0", "amount": "13.00"})
    api.post("/v1/orders/o-1/cancel", {})
    whole = report(api)
    for row in whole["causes"]:
        assert Decimal(row["orders"]) == given[row["cause"]]
        parts = Decimal(row["orders"]) + Decimal(row["taken_back"]) + Decimal(row["points"])
        assert Decimal(row["total"]) == parts
        own = report(api, f"/v1/causes/{row['cause']}/report")
        assert [c["total"] for c in own["causes"]] == [row["total"]]
    assert Decimal(whole["total"]) == sum(Decimal(r["total"]) for r in whole["causes"])
    # the monthly cap held: neither customer gave more than 40.00 in March
    assert all(v <= 80 for v in given.values()) and sum(given.values()) <= 80
    # a period before the gifts holds none of them
    assert report(api, start="2026-02-01", end="2026-02-28")["total"] == "0.00"


def test_a_report_of_a_period_that_ends_before_it_starts_is_refused(api):
    r = api.get("/v1/giving/report?from=2026-03-02&to=2026-03-01")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"


def test_an_order_without_giving_rules_never_reads_the_giving_tables(api, engine):
    cause(api)
    api.put("/v1/program", DOCUMENT)
    seen: list[str] = []

    def watch(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        answer = order(api, "o-1", "250.00")
        order(api, "o-1", "250.00")
    finally:
        event.remove(engine, "before_cursor_execute", watch)
    assert answer["gave"] == [] and seen
    assert not [s for s in seen if "gifts" in s or "causes" in s or "cause_choices" in s]


@pytest.mark.parametrize(
    "query", ["from=0001-01-01&to=2000-01-01", "from=2026-01-01&to=9999-12-31"]
)
def test_a_report_of_days_off_the_calendar_is_refused(api, query):
    r = api.get(f"/v1/giving/report?{query}")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] in ("from", "to")


def test_a_refund_takes_back_a_gift_after_the_program_stopped_giving(api):
    cause(api)
    giving_program(api)
    assert gave(order(api, "o-1", "200.00")) == [("animal-welfare", "10.00")]
    assert api.put("/v1/program", DOCUMENT).status_code == 200
    assert order(api, "o-2", "200.00")["gave"] == []
    assert api.post("/v1/orders/o-1/cancel", {}).status_code == 200
    assert report(api)["total"] == "0.00"

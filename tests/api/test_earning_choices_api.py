"""The earning choices of a program document, through /v1/program, /v1/orders and refunds.

Each test saves a small program with one choice made, sends an order and checks the points
and the explanation a customer reads; refunds must take back what the refunded lines earned.
"""

from __future__ import annotations

from typing import Any

SUNDAY = "2026-03-01T09:00:00Z"  # the clock of the tests; 12:00 in Riyadh
SPEND = {
    "id": "spend",
    "name": {"en": "Points on spend", "ar": "نقاط على المشتريات"},
    "effect": {"type": "per_amount"},
}


def document(*rules: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {
        "points_name": {"en": "Flex", "ar": "فلكس"},
        "currency": "USD",
        "timezone": "Asia/Riyadh",
        "earn_rate": {"points": 1, "per": 1},
        "point_value": {"points": 500, "worth": 5},
        "rules": list(rules),
        **settings,
    }


def save(api, *rules: dict[str, Any], **settings: Any) -> None:
    saved = api.put("/v1/program", document(*rules, **settings))
    assert saved.status_code == 200, saved.text


def line(line_id: str, paid: str, quantity: int = 1, *categories: str, **more: Any) -> dict:
    return {
        "id": line_id,
        "paid": paid,
        "quantity": quantity,
        "categories": list(categories),
        **more,
    }


def _order(order_id: str, *lines: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer_id": "amal",
        "placed_at": SUNDAY,
        "currency": "USD",
        "lines": list(lines),
        **more,
    }


def place(api, order_id: str, *lines: dict[str, Any], **more: Any) -> dict[str, Any]:
    placed = api.post("/v1/orders", _order(order_id, *lines, **more))
    assert placed.status_code == 201, placed.text
    return placed.json()


def preview(api, *lines: dict[str, Any], locale: str = "en", **more: Any) -> dict[str, Any]:
    body = {"lines": list(lines), "locale": locale, **more}
    answer = api.post("/v1/program/preview", body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def refund(api, order_id: str, line_id: str, quantity: int) -> int:
    body = {"id": f"{order_id}-r", "lines": [{"line_id": line_id, "quantity": quantity}]}
    answer = api.post(f"/v1/orders/{order_id}/refunds", body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["points_taken"])


SHOE = line("shoe", "100.00", 2, "shoes")
TV = line("tv", "200.00", 1, "electronics")


def test_a_multiplier_with_items_doubles_only_those_items(api):
    double = {
        "id": "electronics-x2",
        "name": {"en": "Electronics x2", "ar": "الإلكترونيات مضاعفة"},
        "items": {"categories": ["electronics"]},
        "effect": {"type": "multiply", "factor": 2},
    }
    save(api, SPEND, double)
    assert place(api, "choice-3", SHOE, TV)["points"] == 500  # 100 + 2 x 200, not 2 x 300
    shown = preview(api, SHOE, TV)
    assert shown["points"] == 500
    assert shown["explanation"][0].endswith("doubled by Electronics x2 on 1 of these items")
    arabic = preview(api, SHOE, TV, locale="ar")["explanation"][0]
    assert arabic.endswith("مضاعفة بفضل الإلكترونيات مضاعفة على 1 من هذه المنتجات")
    assert refund(api, "choice-3", "tv", 1) == 400


def test_a_rule_with_stop_ends_the_rules_after_it(api):
    deal = {
        "id": "tv-deal",
        "name": {"en": "TV deal", "ar": "عرض التلفاز"},
        "items": {"categories": ["electronics"]},
        "effect": {"type": "per_amount", "points": 5, "per": 1},
        "stop": True,
    }
    save(api, deal, SPEND)
    assert place(api, "choice-13", SHOE, TV)["points"] == 1000  # spend is not tried after it
    assert place(api, "choice-13-shoes", SHOE)["points"] == 100  # the deal did not apply
    shown = preview(api, SHOE, TV)
    assert shown["explanation"] == [
        "TV deal: 1,000 Flex for 200.00 USD on 1 item at 5 per 1 USD,"
        " the rules after it were not applied"
    ]
    assert preview(api, SHOE, TV, locale="ar")["explanation"][0].endswith(
        "ولم تُطبَّق القواعد التي تليها"
    )
    assert refund(api, "choice-13", "tv", 1) == 1000


def test_an_order_minimum_stands_beside_the_rules_item_minimum(api):
    duo = {
        "id": "serum-duo",
        "name": {"en": "Serum duo", "ar": "ثنائي السيروم"},
        "items": {"categories": ["serum"]},
        "when": {"min_quantity": 2, "order_min_amount": 250},
        "effect": {"type": "fixed", "points": 100},
    }
    save(api, duo)
    serums = line("serum", "100.00", 2, "serum")
    assert place(api, "choice-14", serums, line("cream", "200.00", 1, "cream"))["points"] == 100
    assert place(api, "choice-14-small", serums, line("cream", "100.00"))["points"] == 0
    shown = preview(api, serums, line("cream", "200.00"))["explanation"]
    assert shown == [
        "Serum duo: 100 Flex for buying at least 2 items, for an order of at least 250.00 USD"
    ]
    arabic = preview(api, serums, line("cream", "200.00"), locale="ar")["explanation"][0]
    assert arabic.endswith("لطلب لا يقل عن 250.00 USD")
    assert refund(api, "choice-14", "cream", 1) == 100  # the order fell below 250


def test_whole_blocks_earn_only_per_full_block_spent(api):
    two_per_ten = {**SPEND, "effect": {"type": "per_amount", "points": 2, "per": 10}}
    save(api, two_per_ten, earn_granularity="whole_blocks")
    lines = (line("a", "25.00"), line("b", "4.00"))
    assert place(api, "choice-10", *lines)["points"] == 4  # 29 holds two full 10s, not 5.8
    shown = preview(api, *lines)["explanation"]
    assert shown == [
        "Points on spend: 4 Flex for 29.00 USD on 2 items at 2 per 10 USD,"
        " earned on 2 full blocks of 10 USD"
    ]
    assert preview(api, *lines, locale="ar")["explanation"][0].endswith(
        "محسوبة على 2 من وحدات 10 USD الكاملة"
    )
    assert refund(api, "choice-10", "b", 1) == 0  # 25 still holds two full 10s


def test_pro_rata_stays_the_default(api):
    save(api, {**SPEND, "effect": {"type": "per_amount", "points": 2, "per": 10}})
    assert place(api, "choice-10-pro-rata", line("a", "25.00"), line("b", "4.00"))["points"] == 5


def test_an_order_with_the_promo_code_earns_the_rule_that_needs_it(api):
    summer = {
        "id": "summer-code",
        "name": {"en": "Summer code", "ar": "رمز الصيف"},
        "when": {"codes": ["SUMMER25"]},
        "effect": {"type": "fixed", "points": 200},
    }
    save(api, SPEND, summer)
    assert place(api, "choice-19", SHOE, codes=["summer25"])["points"] == 300
    again = api.post("/v1/orders", {**_order("choice-19", SHOE), "codes": ["summer25"]})
    assert again.status_code == 200 and again.json()["replayed"]
    other = api.post("/v1/orders", {**_order("choice-19", SHOE), "codes": ["WINTER"]})
    assert other.status_code == 409
    assert place(api, "choice-19-none", SHOE)["points"] == 100
    shown = preview(api, SHOE, codes=["SUMMER25"])["explanation"]
    assert shown[1] == "Summer code: 200 Flex on this order, with the code SUMMER25"
    assert preview(api, SHOE, codes=["SUMMER25"], locale="ar")["explanation"][1].endswith(
        "بالرمز SUMMER25"
    )
    cancelled = api.post("/v1/orders/choice-19/cancel", {})
    assert cancelled.status_code in (200, 201) and cancelled.json()["points_taken"] == 300


def test_promo_codes_on_an_order_are_checked(api):
    save(api, SPEND)
    body = {**_order("choice-19-bad", SHOE), "codes": "SUMMER25"}
    refused = api.post("/v1/orders", body)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["codes"]


CREAM = line("cream", "100.00", 1, "cream")
POINTS_OFF = {"id": "points", "paid": "-20.00", "kind": "reward"}  # points paid 20 of it


def test_rewards_in_the_base_earn_on_the_amount_before_the_points_discount(api):
    save(api, SPEND, rewards_in_base="included")
    assert place(api, "choice-11", CREAM, POINTS_OFF)["points"] == 100
    shown = preview(api, CREAM, POINTS_OFF)["explanation"]
    assert shown == [
        "Points on spend: 100 Flex for 100.00 USD on 1 item at 1 per 1 USD,"
        " including 20.00 USD paid with rewards"
    ]
    arabic = preview(api, CREAM, POINTS_OFF, locale="ar")["explanation"][0]
    assert arabic.endswith("منها 20.00 USD دُفعت بالمكافآت")
    assert refund(api, "choice-11", "cream", 1) == 100


def test_by_default_points_never_earn_on_what_points_paid(api):
    save(api, SPEND)
    assert place(api, "choice-11-excluded", CREAM, POINTS_OFF)["points"] == 80
    assert refund(api, "choice-11-excluded", "cream", 1) == 80


SERUM_BONUS = {
    "id": "serum-bonus",
    "name": {"en": "Serum bonus", "ar": "مكافأة السيروم"},
    "items": {"categories": ["serum"]},
    "effect": {"type": "per_amount"},
}
HALF_AND_HALF = (line("serum", "50.00", 1, "serum"), line("cream", "50.00", 1, "cream"))


def test_a_discount_naming_a_category_comes_off_those_lines_only(api):
    save(api, SPEND, SERUM_BONUS, discount_spread="named_lines")
    off_creams = {"id": "off", "paid": "-10.00", "kind": "discount", "categories": ["cream"]}
    assert place(api, "choice-12-named", *HALF_AND_HALF, off_creams)["points"] == 90 + 50
    assert refund(api, "choice-12-named", "cream", 1) == 40


def test_the_lines_a_rule_counts_bear_the_whole_discount(api):
    save(api, SPEND, SERUM_BONUS, discount_spread="counted_lines")
    off = {"id": "off", "paid": "-10.00", "kind": "discount"}
    assert place(api, "choice-12-counted", *HALF_AND_HALF, off)["points"] == 90 + 40
    shown = preview(api, *HALF_AND_HALF, off)["explanation"]
    assert shown[1] == (
        "Serum bonus: 40 Flex for 40.00 USD on 1 item at 1 per 1 USD,"
        " after the order's 10.00 USD discount, taken off these items"
    )
    arabic = preview(api, *HALF_AND_HALF, off, locale="ar")["explanation"][1]
    assert arabic.endswith("بعد خصم الطلب 10.00 USD من هذه المنتجات")
    assert refund(api, "choice-12-counted", "serum", 1) == 45 + 40


def test_by_default_a_discount_comes_off_every_line(api):
    save(api, SPEND, SERUM_BONUS)
    off_creams = {"id": "off", "paid": "-10.00", "kind": "discount", "categories": ["cream"]}
    assert place(api, "choice-12-all", *HALF_AND_HALF, off_creams)["points"] == 90 + 45

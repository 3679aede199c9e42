"""The program page's sentences: one per rule, made from the rule, in English and Arabic."""

from __future__ import annotations

import pytest
import yaml

from walaa.demo import PROGRAM
from walaa.domain.program_sentences import (
    PHRASES,
    earn_phrase,
    expiry_sentences,
    program_sentences,
    tier_sentences,
    value_sentence,
)
from walaa.program_document import load_program

BASE = {
    "points_name": {"en": "Flex", "ar": "فلكس"},
    "currency": "USD",
    "timezone": "Asia/Riyadh",
    "earn_rate": {"points": 1, "per": 1},
    "point_value": {"points": 100, "worth": 1},
    "tiers": {
        "measure": "spend",
        "window": {"rolling_months": 12},
        "levels": [
            {"id": "base", "name": {"en": "Base", "ar": "أساسي"}, "threshold": 0},
            {
                "id": "gold",
                "name": {"en": "Gold", "ar": "ذهبي"},
                "threshold": 500,
                "multiplier": 1.5,
            },
        ],
    },
}
NAME = {"en": "A rule", "ar": "قاعدة"}
SPEND = {
    "id": "spend",
    "name": {"en": "Points on spend", "ar": "نقاط المشتريات"},
    "effect": {"type": "per_amount"},
}

#: (rule, English, Arabic): every effect, condition and limit the program can say
TABLE = [
    (
        {
            "effect": {"type": "per_amount", "points": 2, "per": 1},
            "items": {"categories": ["serum"]},
            "when": {"weekdays": ["friday", "saturday"], "channels": ["online"]},
        },
        "2 Flex for every 1 USD on serum items, Fridays and Saturdays online",
        "2 فلكس مقابل كل 1 USD على منتجات serum، أيام الجمعة والسبت عبر الإنترنت",
    ),
    (
        {"effect": {"type": "per_amount"}},
        "1 Flex for every 1 USD",
        "1 فلكس مقابل كل 1 USD",
    ),
    (
        {"effect": {"type": "per_unit", "points": 10}, "items": {"skus": ["MASK-1", "MASK-2"]}},
        "10 Flex for every item on MASK-1 or MASK-2 items",
        "10 فلكس مقابل كل منتج على منتجات MASK-1 أو MASK-2",
    ),
    (
        {
            "effect": {"type": "fixed", "points": 200},
            "when": {"min_amount": 150},
            "limits": [{"type": "per_customer", "period": "month", "times": 1}],
        },
        "200 Flex on an order when you spend at least 150 USD, once a month",
        "200 فلكس على الطلب عند إنفاق 150 USD على الأقل، مرة واحدة كل شهر",
    ),
    (
        {"effect": {"type": "fixed", "points": 50}, "when": {"min_quantity": 3}},
        "50 Flex on an order when you buy at least 3 items",
        "50 فلكس على الطلب عند شراء 3 منتجات على الأقل",
    ),
    (
        {
            "effect": {"type": "per_amount"},
            "items": {"tags": ["new"]},
            "when": {"order_min_amount": 250},
        },
        "1 Flex for every 1 USD on new items in an order of at least 250 USD",
        "1 فلكس مقابل كل 1 USD على منتجات new في طلب لا يقل عن 250 USD",
    ),
    (
        {"effect": {"type": "per_amount"}, "when": {"order_min_quantity": 2}},
        "1 Flex for every 1 USD in an order of at least 2 items",
        "1 فلكس مقابل كل 1 USD في طلب من 2 منتجات على الأقل",
    ),
    (
        {
            "effect": {"type": "multiply", "factor": 2, "rules": ["spend"]},
            "when": {"weekdays": ["friday"]},
        },
        "Double Flex from Points on spend, Fridays",
        "ضعف فلكس من نقاط المشتريات، يوم الجمعة",
    ),
    (
        {"effect": {"type": "multiply", "factor": 3}, "when": {"channels": ["app"]}},
        "Triple Flex on purchases, in the app",
        "ثلاثة أضعاف فلكس على المشتريات، عبر التطبيق",
    ),
    (
        {"effect": {"type": "multiply", "factor": 1.5}, "when": {"tiers": ["gold"]}},
        "1.5× Flex on purchases for Gold members",
        "فلكس ×1.5 على المشتريات لأعضاء ذهبي",
    ),
    (
        {
            "effect": {"type": "per_amount"},
            "when": {"customer_tags": ["vip"]},
            "exclude_items": {"categories": ["gift-cards"]},
        },
        "1 Flex for every 1 USD except gift-cards items for customers tagged vip",
        "1 فلكس مقابل كل 1 USD باستثناء منتجات gift-cards للعملاء الموسومين بـvip",
    ),
    (
        {
            "effect": {"type": "fixed", "points": 100},
            "when": {"codes": ["SUMMER25"]},
            "limits": [{"type": "per_order", "points": 100}],
        },
        "100 Flex on an order with the code SUMMER25, up to 100 Flex per order",
        "100 فلكس على الطلب بالرمز SUMMER25، بحد أقصى 100 فلكس للطلب الواحد",
    ),
    (
        {
            "effect": {"type": "per_amount"},
            "when": {
                "starts": "2026-11-27T00:00:00",
                "ends": "2026-11-30T00:00:00",
                "channels": ["in_store"],
            },
        },
        "1 Flex for every 1 USD, in store from 2026-11-27 until 2026-11-30",
        "1 فلكس مقابل كل 1 USD، في المتجر من 2026-11-27 حتى 2026-11-30",
    ),
    (
        {
            "on": "signup",
            "effect": {"type": "fixed", "points": 100},
            "limits": [{"type": "per_customer", "period": "lifetime", "times": 1}],
        },
        "100 Flex for signing up, once",
        "100 فلكس مقابل إنشاء الحساب، مرة واحدة",
    ),
    (
        {
            "on": "review",
            "effect": {"type": "fixed", "points": 25},
            "when": {"properties": [{"name": "rating", "op": "at_least", "value": 4}]},
            "limits": [
                {"type": "once_per", "property": "product_id"},
                {"type": "per_customer", "period": "week", "times": 2, "points": 40},
            ],
        },
        "25 Flex for reviewing a product when the rating qualifies, once per product,"
        " up to 2 times a week, up to 40 Flex a week",
        "25 فلكس مقابل تقييم منتج عندما يستوفي rating الشرط، مرة واحدة لكل منتج،"
        " حتى 2 مرات كل أسبوع، بحد أقصى 40 فلكس كل أسبوع",
    ),
    (
        {
            "on": "quiz_completed",
            "effect": {"type": "fixed", "points": 5},
            "limits": [{"type": "per_customer", "period": "lifetime", "points": 50}],
        },
        "5 Flex for quiz completed, up to 50 Flex in all",
        "5 فلكس مقابل quiz completed، بحد أقصى 50 فلكس إجمالًا",
    ),
]


def _program(rule: dict):
    rules = [SPEND] if rule.get("effect", {}).get("rules") else []
    document = {**BASE, "rules": [*rules, {"id": "the-rule", "name": NAME, **rule}]}
    return load_program(document)


@pytest.mark.parametrize(("rule", "english", "arabic"), TABLE)
def test_each_kind_of_rule_is_said_in_one_sentence_in_both_languages(rule, english, arabic):
    program = _program(rule)
    said = {
        loc: {s.rule_id: s.sentence for s in program_sentences(program, loc)}
        for loc in ("en", "ar")
    }
    assert said["en"]["the-rule"] == english
    assert said["ar"]["the-rule"] == arabic


def test_the_demo_programs_rules_are_said_as_they_work():
    program = load_program(PROGRAM.read_text(encoding="utf-8"))
    en = [(s.rule_id, s.sentence) for s in program_sentences(program, "en")]
    ar = [(s.rule_id, s.sentence) for s in program_sentences(program, "ar")]
    assert en == [
        ("spend", "1 Dew Drops for every 1 USD"),
        ("serum-bonus", "1 Dew Drops for every 1 USD on serum items"),
        ("weekend-double", "Double Dew Drops from Points on spend, Fridays and Saturdays online"),
        ("big-basket", "200 Dew Drops on an order when you spend at least 150 USD, once a month"),
        ("signup", "100 Dew Drops for signing up, once"),
        ("newsletter", "50 Dew Drops for subscribing to the newsletter, once"),
        ("review", "25 Dew Drops for reviewing a product, once per product, up to 2 times a week"),
    ]
    assert ar == [
        ("spend", "1 قطرات الندى مقابل كل 1 USD"),
        ("serum-bonus", "1 قطرات الندى مقابل كل 1 USD على منتجات serum"),
        (
            "weekend-double",
            "ضعف قطرات الندى من نقاط على المشتريات، أيام الجمعة والسبت عبر الإنترنت",
        ),
        ("big-basket", "200 قطرات الندى على الطلب عند إنفاق 150 USD على الأقل، مرة واحدة كل شهر"),
        ("signup", "100 قطرات الندى مقابل إنشاء الحساب، مرة واحدة"),
        ("newsletter", "50 قطرات الندى مقابل الاشتراك في النشرة البريدية، مرة واحدة"),
        ("review", "25 قطرات الندى مقابل تقييم منتج، مرة واحدة لكل منتج، حتى 2 مرات كل أسبوع"),
    ]
    assert value_sentence(program, "ar") == "500 قطرات الندى تساوي 5 USD"
    assert expiry_sentences(program, "en")[1:] == [
        "Dew Drops expire 6 months after they become spendable",
        "All your Dew Drops expire after 120 days without earning or spending",
    ]
    tiers = tier_sentences(program, "en")
    assert [(t.name, t.reach) for t in tiers] == [
        ("Bouncy", "Where every member starts"),
        ("Dewy", "Spend 600 USD in 12 months"),
        ("Ultimate", "Spend 1400 USD in 12 months"),
    ]
    assert tiers[2].perks == (
        "1.5× Dew Drops on spend",
        "Free shipping",
        "Early access",
        "Private sales",
    )
    assert earn_phrase(program, 1234, "en") == "Earn 1,234 Dew Drops"


def test_a_disabled_rule_is_not_said():
    program = load_program({**BASE, "rules": [{**SPEND, "enabled": False}]})
    assert program_sentences(program, "en") == []


def test_both_languages_hold_every_phrase():
    assert set(PHRASES["en"]) == set(PHRASES["ar"])


def test_a_change_to_the_rule_changes_its_sentence():
    doc = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
    doc["rules"][1]["effect"] = {"type": "per_amount", "points": 3, "per": 2}
    said = program_sentences(load_program(doc), "en")[1].sentence
    assert said == "3 Dew Drops for every 2 USD on serum items"

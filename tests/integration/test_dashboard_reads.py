"""What the dashboard reads: customers found by id, e-mail, name or phone; a customer's page;
the program's version history and returning to a version. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import give
from walaa.domain.customers import Profile
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.money import Money
from walaa.domain.rewards import Reward, RewardKind
from walaa.service.handlers import rewards as r
from walaa.service.handlers.customer_page import customer_page, find_customers
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.program import apply_program, get_program
from walaa.service.handlers.program_history import program_history, return_to_version
from walaa.service.handlers.stores import create_store

DEMO_PROGRAM = (Path(__file__).parents[2] / "src/walaa/demo/program.yaml").read_text()


def _customers(app, clock, store_id):
    people = {
        "c-1001": Profile("amal@example.com", "Amal Saleh", phone="+966 50 123 4567"),
        "c-1002": Profile("Omar.Farouk@Example.com", "عمر فاروق", locale="ar", phone="01001234567"),
        "c-2001": Profile("sara@example.com", "Sara 100% Cotton", phone="+20 100 765 4321"),
    }
    for customer_id, profile in people.items():
        upsert_customer(app.uow(), clock, store_id, customer_id, profile)


def _ids(hits):
    return [hit.id for hit in hits]


def test_customers_are_found_by_id_email_name_or_any_spelling_of_their_phone(app, clock, store):
    _customers(app, clock, store.id)
    assert _ids(find_customers(app.uow(), store.id, "c-100")) == ["c-1001", "c-1002"]
    assert _ids(find_customers(app.uow(), store.id, "OMAR.farouk@")) == ["c-1002"]
    assert _ids(find_customers(app.uow(), store.id, "فاروق")) == ["c-1002"]
    assert _ids(find_customers(app.uow(), store.id, "saleh")) == ["c-1001"]
    # The number as typed at the counter, in Arabic-Indic digits, nationally or with +966.
    assert _ids(find_customers(app.uow(), store.id, "050-123-4567")) == ["c-1001"]
    assert _ids(find_customers(app.uow(), store.id, "٠٥٠١٢٣٤٥٦٧")) == ["c-1001"]
    assert _ids(find_customers(app.uow(), store.id, "+966501234567")) == ["c-1001"]
    assert _ids(find_customers(app.uow(), store.id, "765 4321")) == ["c-2001"]
    hit = find_customers(app.uow(), store.id, "c-1001")[0]
    assert (hit.email, hit.phone) == ("amal@example.com", "+966501234567")


def test_an_exact_id_comes_first_and_wildcards_are_plain_text(app, clock, store):
    _customers(app, clock, store.id)
    upsert_customer(app.uow(), clock, store.id, "sara", Profile(name="Someone else"))
    assert _ids(find_customers(app.uow(), store.id, "sara")) == ["sara", "c-2001"]
    assert _ids(find_customers(app.uow(), store.id, "100%")) == ["c-2001"]
    assert _ids(find_customers(app.uow(), store.id, "_")) == []
    # Nothing typed: the newest customers, for a first look.
    assert len(find_customers(app.uow(), store.id, "  ")) == 4


def test_a_search_never_finds_another_stores_customers(app, clock, store):
    other = create_store(app.uow(), clock, "Other", "USD", "Asia/Riyadh")
    _customers(app, clock, other.id)
    for query in ("c-1001", "amal", "0501234567", ""):
        assert find_customers(app.uow(), store.id, query) == []


def test_a_phone_that_is_not_one_is_refused_naming_the_field(app, clock, store):
    with pytest.raises(ValidationFailed) as refused:
        upsert_customer(app.uow(), clock, store.id, "c-1", Profile(phone="call me maybe"))
    assert refused.value.field == "phone"


def _reward(reward_id: str, cost: int, names: dict[str, str]) -> Reward:
    return Reward(reward_id, RewardKind.FIXED_DISCOUNT, cost, names, value=Decimal("5"))


def test_the_customer_page_gathers_balance_worth_tier_codes_and_the_explained_ledger(
    app, clock, store
):
    apply_program(app.uow(), clock, store.id, DEMO_PROGRAM)
    _customers(app, clock, store.id)
    give(app, clock, store.id, "c-1001", 1250)
    r.save_reward(
        app.uow(), clock, store.id, _reward("five-off", 500, {"en": "5 off", "ar": "خصم ٥"})
    )
    code = r.redeem(app.uow(), clock, store.id, "c-1001", "five-off", "k-1").redemption.code
    page = customer_page(app.uow(), clock, store.id, "c-1001", "ar")
    assert page.view.record.balances.available == 750
    assert page.balance_worth == Money(Decimal("7.50"), "USD")  # 500 Dew Drops are 5 USD
    assert page.points_name == "قطرات الندى"
    assert page.tier is not None and page.tier[1].level.id == "bouncy"
    assert [(x.record.code, x.reward_name, x.record.status) for x in page.redemptions] == [
        (code, "خصم ٥", "issued")
    ]
    kinds = [x.line.kind.value for x in page.ledger]
    assert kinds == ["spend", "earn"]
    english = customer_page(app.uow(), clock, store.id, "c-1001", "en").ledger
    for arabic, line in zip(page.ledger, english, strict=True):
        assert arabic.explanation and arabic.explanation != line.explanation


def test_the_customer_page_of_another_stores_customer_is_not_found(app, clock, store):
    other = create_store(app.uow(), clock, "Other", "USD", "Asia/Riyadh")
    _customers(app, clock, other.id)
    with pytest.raises(NotFound):
        customer_page(app.uow(), clock, store.id, "c-1001", "en")


def test_history_says_who_changed_which_setting_and_a_return_publishes_the_old_document(
    app, clock, store
):
    apply_program(app.uow(), clock, store.id, DEMO_PROGRAM, author="owner@dewy.example")
    richer = DEMO_PROGRAM.replace(
        "earn_rate: {points: 1, per: 1}", "earn_rate: {points: 2, per: 1}"
    )
    apply_program(app.uow(), clock, store.id, richer, author="manager@dewy.example")
    history = program_history(app.uow(), store.id)
    assert [(e.version, e.author, e.current) for e in history] == [
        (2, "manager@dewy.example", True),
        (1, "owner@dewy.example", False),
    ]
    assert [(c.path, c.before, c.after) for c in history[0].changes] == [
        ("earn_rate.points", "1", "2")
    ]
    assert len(history[1].changes) > 20  # the first version sets everything it names

    back = return_to_version(app.uow(), clock, store.id, 1, author="owner@dewy.example")
    assert back.program.version == 3 and back.source == DEMO_PROGRAM
    assert get_program(app.uow(), store.id).program.earn_rate.points == 1
    newest = program_history(app.uow(), store.id)[0]
    assert (newest.version, newest.returned_to, newest.author) == (3, 1, "owner@dewy.example")
    assert [(c.path, c.before, c.after) for c in newest.changes] == [("earn_rate.points", "2", "1")]
    # Returning to what is already in force publishes nothing new.
    again = return_to_version(app.uow(), clock, store.id, 1, author="owner@dewy.example")
    assert again.program.version == 3


def test_rules_are_compared_by_id_so_a_rule_added_in_front_is_one_change(app, clock, store):
    apply_program(app.uow(), clock, store.id, DEMO_PROGRAM)
    added = DEMO_PROGRAM.replace(
        "rules:\n",
        "rules:\n  - {id: app-bonus, name: App bonus, when: {channels: [app]},"
        " effect: {type: fixed, points: 10}}\n",
    )
    apply_program(app.uow(), clock, store.id, added)
    changes = program_history(app.uow(), store.id)[0].changes
    assert {c.path for c in changes} == {
        "rules[app-bonus].id",
        "rules[app-bonus].name",
        "rules[app-bonus].when.channels",
        "rules[app-bonus].effect.type",
        "rules[app-bonus].effect.points",
    }
    assert all(c.before is None for c in changes)


def test_returning_to_a_version_the_store_does_not_have_is_not_found(app, clock, store):
    with pytest.raises(NotFound):
        return_to_version(app.uow(), clock, store.id, 7, author=None)

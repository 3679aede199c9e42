"""Orders, refunds, cancellations and actions through the service layer, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.builders import audit, balances, transaction_count
from walaa.adapters.db import tables as t
from walaa.domain.earning import OrderLine, RefundedLine, RefundExceedsOrder
from walaa.domain.errors import IdempotencyConflict, NotFound, ValidationFailed
from walaa.domain.program import Channel
from walaa.program_document import ProgramDocumentError
from walaa.service.commands import CancelOrder, RecordEvent, RecordOrder, RecordRefund
from walaa.service.handlers import earning as e
from walaa.service.handlers.program import apply_program, get_program
from walaa.service.handlers.stores import create_store

EXAMPLE = (Path(__file__).parents[2] / "docs" / "examples" / "program.yaml").read_text()
# A Sunday afternoon in Riyadh: no weekend multiplier.
SUNDAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop(app, clock):
    clock.current = SUNDAY
    store = create_store(app.uow(), clock, "Oud & Co", "SAR", "Asia/Riyadh")
    apply_program(app.uow(), clock, store.id, EXAMPLE)
    return store


def line(line_id: str, paid: str, qty: int = 1, *categories: str) -> OrderLine:
    return OrderLine(line_id, Decimal(paid), qty, categories=frozenset(categories))


def order(shop, order_id="o-1", customer="amal", lines=None, **kw) -> RecordOrder:
    lines = lines or (line("l1", "100.00", 2), line("l2", "50.00", 1, "perfume"))
    return RecordOrder(shop.id, customer, order_id, SUNDAY, "SAR", tuple(lines), **kw)


def test_saving_settings_adds_a_version(app, clock, shop):
    assert get_program(app.uow(), shop.id).program.version == 1
    apply_program(app.uow(), clock, shop.id, EXAMPLE.replace("points: 200", "points: 250"))
    assert get_program(app.uow(), shop.id).program.version == 2


def test_a_bad_document_reports_every_problem_and_saves_nothing(app, clock, shop):
    bad = EXAMPLE.replace("earn_rate: {points: 1, per: 1}", "earn_rate: {points: -1, per: 0}")
    with pytest.raises(ProgramDocumentError) as caught:
        apply_program(app.uow(), clock, shop.id, bad)
    assert len(caught.value.problems) >= 2
    assert get_program(app.uow(), shop.id).program.version == 1


def test_a_program_in_another_currency_is_refused(app, clock):
    usd = create_store(app.uow(), clock, "Elsewhere", "USD", "UTC")
    with pytest.raises(ValidationFailed):
        apply_program(app.uow(), clock, usd.id, EXAMPLE)


def test_a_paid_order_earns_pending_points_with_explanations(app, clock, shop):
    result = e.record_order(app.uow(), clock, order(shop))
    # 150 SAR paid at 1 per SAR, plus 2 more per SAR on the 50 SAR of perfume
    assert result.points == 250
    b = balances(app, shop.id, "amal")
    assert (b.available, b.pending) == (0, 250)
    with app.engine.connect() as conn:
        details = (
            conn.execute(
                t.ledger_transactions.select().where(
                    t.ledger_transactions.c.id == result.transaction_id
                )
            )
            .one()
            .details
        )
    assert any("Perfume bonus" in text for text in details["explanations"]["en"])
    assert any("مكافأة العطور" in text for text in details["explanations"]["ar"])
    assert details["program_version"] == 1


def test_an_order_replayed_is_not_paid_twice_and_changed_content_is_refused(app, clock, shop):
    first = e.record_order(app.uow(), clock, order(shop))
    again = e.record_order(app.uow(), clock, order(shop))
    assert again.replayed and again.transaction_id == first.transaction_id
    changed = order(shop, lines=(line("l1", "999.00"),))
    with pytest.raises(IdempotencyConflict):
        e.record_order(app.uow(), clock, changed)
    assert balances(app, shop.id, "amal").pending == 250


def test_a_placed_order_earns_when_it_is_paid(app, clock, shop):
    placed = e.record_order(app.uow(), clock, order(shop, status="placed"))
    assert placed.points == 0
    paid = e.record_order(app.uow(), clock, order(shop, status="paid"))
    assert paid.points == 250 and not paid.replayed
    assert e.record_order(app.uow(), clock, order(shop, status="paid")).replayed


def test_partial_refunds_take_back_in_proportion_and_never_more(app, clock, shop):
    e.record_order(app.uow(), clock, order(shop))
    one = RecordRefund(shop.id, "o-1", "r-1", lines=(RefundedLine("l1", quantity=1),))
    assert e.record_refund(app.uow(), clock, one).points_taken == 50
    assert e.record_refund(app.uow(), clock, one).replayed
    # More than is left to refund is refused, saying what is left; what is left takes the rest.
    beyond = RecordRefund(shop.id, "o-1", "r-2", amount=Decimal("500.00"))
    with pytest.raises(RefundExceedsOrder) as refused:
        e.record_refund(app.uow(), clock, beyond)
    assert refused.value.facts == {"left": {"amount": "100.00"}}
    rest = RecordRefund(shop.id, "o-1", "r-2", amount=Decimal("100.00"))
    assert e.record_refund(app.uow(), clock, rest).points_taken == 200
    again = RecordRefund(shop.id, "o-1", "r-3", whole_order=True)
    assert e.record_refund(app.uow(), clock, again).points_taken == 0
    assert balances(app, shop.id, "amal").pending == 0
    assert audit(app, shop.id).ok


def test_cancelling_takes_back_everything_once(app, clock, shop):
    e.record_order(app.uow(), clock, order(shop))
    assert e.cancel_order(app.uow(), clock, CancelOrder(shop.id, "o-1")).points_taken == 250
    assert e.cancel_order(app.uow(), clock, CancelOrder(shop.id, "o-1")).replayed
    assert balances(app, shop.id, "amal").pending == 0


def test_refunding_an_unknown_order_is_not_found(app, clock, shop):
    with pytest.raises(NotFound):
        e.record_refund(app.uow(), clock, RecordRefund(shop.id, "nope", "r-1", whole_order=True))


def test_refunds_after_points_were_spent_leave_a_debt_the_audit_accepts(app, clock, shop):
    e.record_order(app.uow(), clock, order(shop))
    clock.current += timedelta(days=15)
    from walaa.service.commands import Spend
    from walaa.service.handlers import ledger

    ledger.run_due(app.uow(), shop.id, clock.now())
    ledger.spend(app.uow(), clock, Spend(shop.id, "amal", "spend-1", 200))
    e.cancel_order(app.uow(), clock, CancelOrder(shop.id, "o-1"))
    assert balances(app, shop.id, "amal").available == -200
    assert audit(app, shop.id).ok


def event(shop, event_id, kind, **props) -> RecordEvent:
    return RecordEvent(shop.id, "amal", event_id, kind, SUNDAY, tuple(props.items()))


def test_a_signup_is_rewarded_once_in_a_lifetime(app, clock, shop):
    assert e.record_event(app.uow(), clock, event(shop, "ev-1", "signup")).points == 200
    assert e.record_event(app.uow(), clock, event(shop, "ev-1", "signup")).replayed
    assert e.record_event(app.uow(), clock, event(shop, "ev-2", "signup")).points == 0
    assert balances(app, shop.id, "amal").available == 200


def test_one_review_reward_per_product(app, clock, shop):
    first = event(shop, "rv-1", "review", product_id="p-1", rating=5)
    same_product = event(shop, "rv-2", "review", product_id="p-1", rating=4)
    other_product = event(shop, "rv-3", "review", product_id="p-2", rating=4)
    assert e.record_event(app.uow(), clock, first).points == 50
    assert e.record_event(app.uow(), clock, same_product).points == 0
    assert e.record_event(app.uow(), clock, other_product).points == 50


def test_a_preview_earns_on_paper_and_writes_nothing(app, clock, shop):
    before = transaction_count(app, shop.id)
    program, evaluation = e.preview(
        app.uow(), clock, shop.id, (line("l1", "120.00"),), channel=Channel.ONLINE
    )
    assert evaluation.total == 120
    assert program.name_of_points("en") == "Flex"
    assert transaction_count(app, shop.id) == before

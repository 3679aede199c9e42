"""The applicator: runs a program's rules over an order or event, in order, into an `Evaluation`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from walaa.domain.earning.awards import finish
from walaa.domain.earning.basis import AwardBasis, LineBasis, Measure, MultiplierBasis, OrderBasis
from walaa.domain.earning.benefits import (
    Boost,
    Draft,
    assess_in_order,
    multiply,
    usable_boosts,
)
from walaa.domain.earning.facts import NOTHING_COUNTED, Facts, order_facts
from walaa.domain.earning.inputs import Customer, CustomerEvent, Order, OrderLine
from walaa.domain.earning.limits import apply_daily_cap, apply_limits, keep_best_of
from walaa.domain.earning.results import Award, AwardKind, Evaluation, NoAward
from walaa.domain.earning.usage import NO_USAGE, UsageSnapshot
from walaa.domain.earning_choices import NO_ORDER_MINIMUM, EarnGranularity
from walaa.domain.money import (
    round_points,
)
from walaa.domain.program import (
    Channel,
    LineKind,
    Program,
)

# --- the public evaluations ------------------------------------------------------------------


def evaluate_order(
    program: Program,
    order: Order,
    *,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
) -> Evaluation:
    """The points `order` earns under `program` for `customer` (None: a guest or a preview).

    `usage` is the customer's history for the limits (`usage_needed` says what to load).
    Pure: the same arguments always give the same answer.
    """
    facts = order_facts(program, order, customer)
    drafts: list[Draft] = []
    boosts: list[Boost] = []
    not_met: list[NoAward] = []
    for outcome in assess_in_order(program.order_rules, facts):
        if isinstance(outcome, Draft):
            drafts.append(outcome)
        elif isinstance(outcome, Boost):
            boosts.append(outcome)
        else:
            not_met.append(outcome)
    usable, dropped = usable_boosts(boosts, usage)
    not_met.extend(dropped)
    for draft in drafts:
        multiply(draft, usable)
        draft.points = round_points(draft.raw, program.rounding, per=draft.divisor)
        apply_limits(draft, usage, program)
    keep_best_of(drafts)
    return _assemble(
        program,
        order.order_id,
        order.placed_at,
        drafts,
        not_met,
        lambda awards: _order_basis(program, order, facts, awards, usable),
    )


def evaluate_event(
    program: Program,
    event: CustomerEvent,
    *,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
) -> Evaluation:
    """The points a customer action earns: the rules for its type, their limits, the daily cap."""
    facts = Facts(
        program=program,
        when=event.occurred_at.astimezone(program.tz),
        channel=event.channel,
        customer=customer,
        properties=event.properties,
        all_counted=NOTHING_COUNTED,
    )
    drafts: list[Draft] = []
    not_met: list[NoAward] = []
    for outcome in assess_in_order(program.rules_for_event(event.type), facts):
        if isinstance(outcome, Draft):
            outcome.points = round_points(outcome.numerator, program.rounding)
            apply_limits(outcome, usage, program)
            drafts.append(outcome)
        elif isinstance(outcome, NoAward):
            not_met.append(outcome)
    keep_best_of(drafts)
    apply_daily_cap(drafts, usage, program)
    return _assemble(program, event.event_id, event.occurred_at, drafts, not_met)


def _assemble(
    program: Program,
    source_id: str,
    occurred_at: datetime,
    drafts: list[Draft],
    not_met: list[NoAward],
    basis: Callable[[tuple[Award, ...]], OrderBasis] | None = None,
) -> Evaluation:
    finished = [finish(draft, program) for draft in drafts]
    awards = tuple(a for a in finished if a.points > 0)
    return Evaluation(
        program_version=program.version,
        source_id=source_id,
        occurred_at=occurred_at,
        awards=awards,
        withheld=tuple(a for a in finished if a.points == 0),
        not_met=tuple(not_met),
        basis=basis(awards) if basis is not None else None,
    )


def preview_cart(
    program: Program,
    lines: Iterable[OrderLine],
    *,
    as_of: datetime,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
    channel: Channel = Channel.ONLINE,
    codes: frozenset[str] = frozenset(),
) -> Evaluation:
    """What a cart would earn if ordered at `as_of` ("earn 120 Flex"), writing nothing.

    The same evaluation as a real order, so a preview can never promise what the order
    would not give. Without a customer, tier and tag rules do not apply and no limit has
    been used.
    """
    order = Order("preview", as_of, program.currency, tuple(lines), channel, codes)
    return evaluate_order(program, order, customer=customer, usage=usage)


def preview_product(
    program: Program,
    *,
    price: Decimal,
    as_of: datetime,
    product_id: str | None = None,
    sku: str | None = None,
    categories: frozenset[str] = frozenset(),
    tags: frozenset[str] = frozenset(),
    quantity: int = 1,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
    channel: Channel = Channel.ONLINE,
) -> Evaluation:
    """What one product would earn on its own, for a product page ("earn 120 Flex")."""
    line = OrderLine(
        line_id="preview",
        paid=price * quantity,
        quantity=quantity,
        product_id=product_id,
        sku=sku,
        categories=categories,
        tags=tags,
    )
    return preview_cart(
        program, (line,), as_of=as_of, customer=customer, usage=usage, channel=channel
    )


def _order_basis(
    program: Program,
    order: Order,
    facts: Facts,
    awards: tuple[Award, ...],
    boosts: Sequence[Boost],
) -> OrderBasis:
    earning = {e.line.line_id for e in facts.all_counted.lines}
    lines = tuple(
        LineBasis(
            line.line_id,
            line.quantity,
            facts.values.get(line.line_id, line.paid),
            line.line_id in earning,
        )
        for line in order.lines
        # discount and negative reward lines take off value; no refund names them
        if line.kind is not LineKind.DISCOUNT and line.paid >= 0
    )
    by_rule = {boost.rule.id: boost for boost in boosts}
    return OrderBasis(
        order_id=order.order_id,
        program_version=program.version,
        currency=order.currency,
        points_name=program.points_name,
        lines=lines,
        awards=tuple(_award_basis(award, by_rule, program) for award in awards),
    )


def _award_basis(award: Award, boosts: Mapping[str, Boost], program: Program) -> AwardBasis:
    measure = {
        AwardKind.PER_AMOUNT: Measure.VALUE,
        AwardKind.PER_UNIT: Measure.UNITS,
    }.get(award.kind, Measure.WHOLE)
    multipliers = []
    for applied in award.multiplied_by:
        boost = boosts[applied.rule_id]
        min_amount, min_quantity = boost.rule.min_amount, boost.rule.min_quantity
        line_ids = tuple(e.line.line_id for e in boost.counted.lines)
        multipliers.append(
            MultiplierBasis(
                applied.rule_id,
                applied.factor,
                line_ids,
                min_amount,
                min_quantity,
                multiplies=applied.lines,
                order_min_amount=(boost.rule.order_minimum or NO_ORDER_MINIMUM).amount,
                order_min_quantity=(boost.rule.order_minimum or NO_ORDER_MINIMUM).quantity,
            )
        )
    minimum = program.rule(award.rule_id).order_minimum or NO_ORDER_MINIMUM
    return AwardBasis(
        rule_id=award.rule_id,
        rule_name=award.rule_name,
        points=award.points,
        measure=measure,
        line_ids=tuple(line.line_id for line in award.counted),
        min_amount=award.min_amount,
        min_quantity=award.min_quantity,
        multipliers=tuple(multipliers),
        order_min_amount=minimum.amount,
        order_min_quantity=minimum.quantity,
        block=_block(award, program),
    )


def _block(award: Award, program: Program) -> Decimal | None:
    """The `per` of a per-amount award earned in whole blocks; None when it earned pro rata."""
    if award.kind is not AwardKind.PER_AMOUNT or award.rate is None:
        return None
    if program.earn_granularity is not EarnGranularity.WHOLE_BLOCKS:
        return None
    return award.rate.per.amount

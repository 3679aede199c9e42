"""Turning a finished draft into an `Award` that explains itself in every locale."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from walaa.domain.earning.benefits import Applied, Draft
from walaa.domain.earning.results import AppliedMultiplier, Award, AwardKind
from walaa.domain.earning_choices import whole_blocks
from walaa.domain.explanations import (
    Explanation,
    Label,
)
from walaa.domain.money import (
    ONE,
    ZERO,
    Money,
)
from walaa.domain.program import (
    Program,
)

# --- building the awards ---------------------------------------------------------------------


def finish(draft: Draft, program: Program) -> Award:
    counted = draft.counted
    min_amount, min_quantity = draft.rule.min_amount, draft.rule.min_quantity
    return Award(
        rule_id=draft.rule.id,
        rule_name=draft.rule.name,
        program_version=program.version,
        points=0 if draft.set_aside_by is not None else draft.points,
        kind=draft.kind,
        points_name=program.points_name,
        counted=tuple(e.counted for e in counted.lines),
        amount=Money(counted.value, program.currency) if counted.lines else None,
        items=counted.units,
        rate=draft.rate,
        unit_points=draft.unit_points,
        multiplier=draft.factor,
        multiplied_by=tuple(
            AppliedMultiplier(a.boost.rule.id, a.boost.rule.name, a.boost.effect.factor, a.lines)
            for a in draft.multipliers
        ),
        cap=draft.cap,
        set_aside_by=draft.set_aside_by.id if draft.set_aside_by is not None else None,
        subject=draft.subject,
        min_amount=min_amount,
        min_quantity=min_quantity,
        explanation=_describe(draft, program, min_amount, min_quantity),
    )


def _describe(
    draft: Draft, program: Program, min_amount: Decimal | None, min_quantity: int | None
) -> tuple[Explanation, ...]:
    parts = [_headline(draft, program, min_amount, min_quantity)]
    rewarded = sum((e.rewarded for e in draft.counted.lines), ZERO)
    if rewarded > 0 and draft.kind is AwardKind.PER_AMOUNT:
        parts.append(Explanation.of("rewards_included", amount=Money(rewarded, program.currency)))
    if draft.counted.discount > 0:
        discount = Money(draft.counted.discount, program.currency)
        parts.append(Explanation.of("discount_on_counted", amount=discount))
    if draft.code is not None:
        parts.append(Explanation.of("with_code", code=draft.code))
    parts.extend(_order_minimum_parts(draft, program))
    if draft.block is not None and draft.rate is not None:
        blocks = whole_blocks(draft.counted.value, draft.block)
        per = f"{_plain(draft.block)} {draft.rate.per.currency}"
        parts.append(Explanation.of("whole_blocks", blocks=blocks, per=per))
    parts.extend(_multiplier_part(a, draft) for a in draft.multipliers)
    if draft.cap is not None:
        parts.append(draft.cap.explanation)
    if draft.stops:
        parts.append(Explanation.of("stopped.later_rules"))
    if draft.set_aside_by is not None:
        parts.append(
            Explanation.of(
                "set_aside.best_of", winner=draft.set_aside_by.name, group=draft.rule.group or ""
            )
        )
    return tuple(parts)


def _headline(
    draft: Draft, program: Program, min_amount: Decimal | None, min_quantity: int | None
) -> Explanation:
    """The first clause: which rule, how many points, on what."""
    common: dict[str, Any] = {
        "rule": draft.rule.name,
        "points": _shown_points(draft),
        "points_name": program.points_name,
    }
    counted = draft.counted
    one = ".one" if counted.units == 1 else ""
    if draft.kind is AwardKind.PER_AMOUNT and draft.rate is not None:
        per = draft.rate.per
        return Explanation.of(
            f"award.per_amount{one}",
            **common,
            amount=Money(counted.value, program.currency),
            items=counted.units,
            rate_points=draft.rate.points,
            rate_per=f"{_plain(per.amount)} {per.currency}",
        )
    if draft.kind is AwardKind.PER_UNIT:
        return Explanation.of(
            f"award.per_unit{one}",
            **common,
            items=counted.units,
            unit_points=draft.unit_points or 0,
        )
    if draft.kind is AwardKind.ACTION:
        return Explanation.of("award.action", **common, event=Label(draft.rule.on))
    if min_amount is not None:
        return Explanation.of(
            "award.threshold", **common, min_amount=Money(min_amount, program.currency)
        )
    if min_quantity is not None:
        return Explanation.of("award.threshold_quantity", **common, min_quantity=min_quantity)
    return Explanation.of("award.fixed_order", **common)


def _order_minimum_parts(draft: Draft, program: Program) -> list[Explanation]:
    """ "for an order of at least 250.00 USD": the award needed the whole order to reach it."""
    minimum = draft.rule.order_minimum
    if minimum is None:
        return []
    parts = []
    if minimum.amount is not None:
        amount = Money(minimum.amount, program.currency)
        parts.append(Explanation.of("order_minimum.amount", amount=amount))
    if minimum.quantity is not None:
        parts.append(Explanation.of("order_minimum.quantity", quantity=minimum.quantity))
    return parts


def _shown_points(draft: Draft) -> int:
    """An award cut to nothing still says what it would have given, next to why it did not."""
    if draft.points == 0 and draft.cap is not None:
        return draft.cap.uncapped_points
    return draft.points


def _plain(amount: Decimal) -> str:
    """1 USD rather than 1.00 USD in a rate, which reads as a ratio, not a price."""
    return str(amount.quantize(ONE)) if amount == amount.to_integral_value() else str(amount)


def _multiplier_part(applied: Applied, draft: Draft) -> Explanation:
    """ "doubled by X", or "doubled by X on 1 of these items" when it multiplied only some."""
    boost = applied.boost
    factor = boost.effect.factor
    key = {Decimal(2): "multiplied.2", Decimal(3): "multiplied.3"}.get(factor, "multiplied")
    if applied.whole:
        return Explanation.of(key, rule=boost.rule.name, factor=factor)
    units = sum(e.line.quantity for e in draft.counted.lines if e.line.line_id in applied.lines)
    return Explanation.of(f"{key}.part", rule=boost.rule.name, factor=factor, items=units)

"""Benefits: the award a rule drafts, and the multipliers that change other rules' awards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from walaa.domain.earning.conditions import context_unmet, count_items, minimum_unmet, rule_reason
from walaa.domain.earning.facts import NOTHING_COUNTED, Counted, EligibleLine, Facts
from walaa.domain.earning.results import AwardKind, Cap, NoAward
from walaa.domain.earning.usage import UsageSnapshot
from walaa.domain.earning_choices import EarnGranularity, WithCodes, whole_blocks
from walaa.domain.explanations import (
    Explanation,
    Label,
)
from walaa.domain.money import (
    ONE,
    ZERO,
)
from walaa.domain.perks import is_perk
from walaa.domain.program import (
    EarnRate,
    FixedPoints,
    Multiply,
    OncePer,
    PerAmount,
    PerCustomer,
    PerUnit,
    Rule,
)

# --- candidates: a rule's award before multipliers and limits --------------------------------


@dataclass(slots=True)
class Draft:
    """An award being built; becomes an `Award` once multipliers and limits are applied."""

    rule: Rule
    kind: AwardKind
    counted: Counted
    numerator: Decimal
    divisor: Decimal
    rate: EarnRate | None = None
    unit_points: int | None = None
    subject: str | None = None
    multipliers: tuple[Applied, ...] = ()
    factor: Decimal = ONE
    raw: Decimal = ZERO
    points: int = 0
    cap: Cap | None = None
    set_aside_by: Rule | None = None
    stops: bool = False
    block: Decimal | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class Boost:
    """A multiplier rule whose conditions hold for this order."""

    rule: Rule
    effect: Multiply
    counted: Counted

    @property
    def line_ids(self) -> frozenset[str]:
        """The lines the multiplier counts: only their points are multiplied."""
        return frozenset(e.line.line_id for e in self.counted.lines)


@dataclass(frozen=True, slots=True)
class Applied:
    """A multiplier as it changed one award: the award's lines it multiplied.

    `whole` is True when it multiplied every line of the award (a multiplier without an item
    filter always does); otherwise only the `lines` it counts earn more.
    """

    boost: Boost
    lines: tuple[str, ...]
    whole: bool


def assess(rule: Rule, facts: Facts) -> Draft | Boost | NoAward:
    """One rule against the facts: a draft award, a multiplier, or why it gives nothing."""
    reason = context_unmet(rule, facts)
    if reason is not None:
        return NoAward(rule.id, reason)
    if not rule.is_order_rule:
        return _action_draft(rule, facts)
    counted = count_items(rule, facts)
    if not counted.lines:
        return NoAward(rule.id, rule_reason("not_met.items", rule.name))
    reason = minimum_unmet(rule, counted, facts)
    if reason is not None:
        return NoAward(rule.id, reason)
    effect = rule.effect
    if isinstance(effect, Multiply):
        return Boost(rule, effect, counted)
    draft = _order_draft(rule, effect, counted, facts)
    codes = rule.condition(WithCodes)
    if isinstance(codes, WithCodes):
        draft.code = codes.matching(facts.codes)
    return draft


def _order_draft(
    rule: Rule, effect: PerAmount | PerUnit | FixedPoints, counted: Counted, facts: Facts
) -> Draft:
    if isinstance(effect, PerAmount):
        rate = effect.rate or facts.program.earn_rate
        numerator = counted.value * rate.points
        draft = Draft(rule, AwardKind.PER_AMOUNT, counted, numerator, rate.per.amount, rate=rate)
        if facts.program.earn_granularity is EarnGranularity.WHOLE_BLOCKS:
            draft.block = rate.per.amount
        return draft
    if isinstance(effect, PerUnit):
        numerator = Decimal(counted.units * effect.points)
        return Draft(rule, AwardKind.PER_UNIT, counted, numerator, ONE, unit_points=effect.points)
    has_minimum = (
        rule.min_amount is not None
        or rule.min_quantity is not None
        or rule.order_minimum is not None
    )
    kind = AwardKind.THRESHOLD if has_minimum else AwardKind.FIXED
    return Draft(rule, kind, counted, Decimal(effect.points), ONE)


def assess_in_order(rules: Sequence[Rule], facts: Facts) -> list[Draft | Boost | NoAward]:
    """Each rule in document order, until one with `stop` applies: the rules after it are not
    tried and say so. A tier's or membership's multiplier is the customer's, so it still is."""
    outcomes: list[Draft | Boost | NoAward] = []
    stopper: Draft | Boost | None = None
    for rule in rules:
        if stopper is not None and not is_perk(rule):
            reason = Explanation.of("not_met.stopped", rule=rule.name, stopper=stopper.rule.name)
            outcomes.append(NoAward(rule.id, reason))
            if isinstance(stopper, Draft):
                stopper.stops = True
            continue
        outcome = assess(rule, facts)
        outcomes.append(outcome)
        if rule.stop and not isinstance(outcome, NoAward):
            stopper = outcome
    return outcomes


def _action_draft(rule: Rule, facts: Facts) -> Draft | NoAward:
    """An action gives fixed points; a `once_per` property must be present to be enforced."""
    subject = None
    for limit in rule.limits:
        if isinstance(limit, OncePer):
            value = facts.properties.get(limit.property)
            if value is None or value == "":
                return NoAward(
                    rule.id,
                    Explanation.of(
                        "not_met.property", rule=rule.name, property=Label(limit.property)
                    ),
                )
            subject = str(value)
    points = rule.effect.points if isinstance(rule.effect, FixedPoints) else 0
    return Draft(rule, AwardKind.ACTION, NOTHING_COUNTED, Decimal(points), ONE, subject=subject)


# --- multipliers -----------------------------------------------------------------------------


def usable_boosts(boosts: list[Boost], usage: UsageSnapshot) -> tuple[list[Boost], list[NoAward]]:
    """Drop multipliers whose per-customer limit is reached, then keep the best of each group."""
    usable: list[Boost] = []
    dropped: list[NoAward] = []
    for boost in boosts:
        if _times_exhausted(boost.rule, usage):
            dropped.append(NoAward(boost.rule.id, rule_reason("not_met.limit", boost.rule.name)))
        else:
            usable.append(boost)
    best: dict[str, Boost] = {}
    for boost in usable:
        group = boost.rule.group
        if group is not None and (
            group not in best or boost.effect.factor > best[group].effect.factor
        ):
            best[group] = boost
    kept: list[Boost] = []
    for boost in usable:
        group = boost.rule.group
        if group is None or best[group] is boost:
            kept.append(boost)
            continue
        reason = Explanation.of(
            "not_met.best_of", rule=boost.rule.name, winner=best[group].rule.name, group=group
        )
        dropped.append(NoAward(boost.rule.id, reason))
    return kept, dropped


def _times_exhausted(rule: Rule, usage: UsageSnapshot) -> bool:
    return any(
        isinstance(limit, PerCustomer)
        and limit.times is not None
        and usage.of(rule.id, limit.period).times >= limit.times
        for limit in rule.limits
    )


def _targets(effect: Multiply, draft: Draft) -> bool:
    """A multiplier changes the rules it names, or every per-amount rule when it names none."""
    if effect.rules:
        return draft.rule.id in effect.rules
    return draft.kind is AwardKind.PER_AMOUNT


def multiply(draft: Draft, boosts: Sequence[Boost]) -> None:
    """Apply the multipliers that target `draft`, each to the award's lines it counts.

    A multiplier with an item filter multiplies the points of those items only ("electronics
    x2" doubles the television, not the shoes beside it); one without multiplies them all.
    """
    own = [e.line.line_id for e in draft.counted.lines]
    applied: list[Applied] = []
    for boost in boosts:
        if not _targets(boost.effect, draft):
            continue
        covered = tuple(line_id for line_id in own if line_id in boost.line_ids)
        if covered:
            applied.append(Applied(boost, covered, len(covered) == len(own)))
    draft.multipliers = tuple(applied)
    factor = ONE
    for one in applied:
        factor *= one.boost.effect.factor
    if all(one.whole for one in applied):
        draft.raw, draft.factor = draft.numerator * factor, factor
    else:
        draft.raw = sum((_line_points(draft, e, applied) for e in draft.counted.lines), ZERO)
        draft.factor = draft.raw / draft.numerator if draft.numerator else factor
    _to_whole_blocks(draft)


def _to_whole_blocks(draft: Draft) -> None:
    """Earn only on the full blocks the counted value holds (2 of 10 in 25), each item keeping
    its share of what its multipliers gave."""
    value = draft.counted.value
    if draft.block is None or value <= 0:
        return
    draft.raw = draft.raw * whole_blocks(value, draft.block) * draft.block / value


def _line_points(draft: Draft, eligible: EligibleLine, applied: Sequence[Applied]) -> Decimal:
    """One line's raw points: its value (or units) at the rule's rate, times its multipliers."""
    if draft.kind is AwardKind.PER_AMOUNT and draft.rate is not None:
        points = eligible.value * draft.rate.points
    else:
        points = Decimal(eligible.line.quantity * (draft.unit_points or 0))
    for one in applied:
        if eligible.line.line_id in one.lines:
            points *= one.boost.effect.factor
    return points

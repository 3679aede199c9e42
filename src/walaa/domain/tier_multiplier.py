"""A tier's earning multiplier: what a customer's tier adds to one award, decided without I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from walaa.domain.money import ONE, Rounding, round_points
from walaa.domain.program import MultiplierCombination, TierLevel

TIER_MULTIPLIED_KINDS = frozenset({"per_amount"})
"""Award kinds (`walaa.domain.earning.AwardKind` values) a tier multiplier applies to: points
on spend, as a `multiply` rule without `rules` would. Fixed, per-unit, threshold and action
awards are not multiplied."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TierBoost:
    """An award's points after the tier's multiplier, and what to say about it.

    `multiplier` is the tier's factor when it changed the award (1 when it did not);
    `instead_of` is the rules' combined factor it replaced under `best` (None otherwise).
    """

    tier_id: str | None
    before: int
    points: int
    multiplier: Decimal = ONE
    instead_of: Decimal | None = None

    @property
    def extra(self) -> int:
        """The points the tier added (what a separate tier posting would carry)."""
        return self.points - self.before

    @property
    def applied(self) -> bool:
        """True when the tier's multiplier changed the award."""
        return self.multiplier != ONE


def apply_tier_multiplier(
    points: int,
    tier: TierLevel | None,
    rounding: Rounding,
    *,
    combines: MultiplierCombination = MultiplierCombination.MULTIPLY,
    rule_factor: Decimal = ONE,
) -> TierBoost:
    """The points of one award (`Award.points`, after its rules' multipliers and limits) once
    the customer's tier multiplier is applied, rounded the program's way.

    `rule_factor` is the award's combined rule multiplier (`Award.multiplier`).
    `multiply`: points x tier. `best`: when the tier's factor is larger than the rules', it
    replaces them (points / rules x tier); otherwise the award stays as it is. The division
    is done last, inside the rounding, so an award without rule multipliers is exact.
    """
    unchanged = TierBoost(tier_id=tier.id if tier else None, before=points, points=points)
    if tier is None or tier.multiplier == ONE or points <= 0:
        return unchanged
    if combines is MultiplierCombination.MULTIPLY:
        boosted = round_points(Decimal(points) * tier.multiplier, rounding)
        return replace(unchanged, points=boosted, multiplier=tier.multiplier)
    if tier.multiplier <= rule_factor:
        return unchanged
    boosted = round_points(Decimal(points) * tier.multiplier, rounding, per=rule_factor)
    return replace(unchanged, points=boosted, multiplier=tier.multiplier, instead_of=rule_factor)

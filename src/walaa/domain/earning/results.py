"""What an evaluation answers: awards, withheld awards, unmet rules, and how to read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple, TypeAlias

from walaa.domain.earning.basis import OrderBasis
from walaa.domain.earning.refunds import TakeBack
from walaa.domain.explanations import (
    DEFAULT_LOCALE,
    Explanation,
    LocalizedText,
    render,
)
from walaa.domain.money import (
    ONE,
    Money,
)
from walaa.domain.program import (
    CapSource,
    EarnRate,
)

# --- results ---------------------------------------------------------------------------------


class AwardKind(StrEnum):
    """What an award was computed from, which is also how a refund takes it back."""

    PER_AMOUNT = "per_amount"
    PER_UNIT = "per_unit"
    FIXED = "fixed"
    THRESHOLD = "threshold"
    ACTION = "action"


class CountedLine(NamedTuple):
    """An order line a rule counted: how many units and what eligible value.

    A named tuple rather than a frozen dataclass: one is built per line per order, and a
    tuple is built several times faster while being just as immutable.
    """

    line_id: str
    quantity: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class AppliedMultiplier:
    """A multiplier rule that changed an award, and the award's lines whose points it changed
    (every line, unless the multiplier counts only some items)."""

    rule_id: str
    name: LocalizedText
    factor: Decimal
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cap:
    """The limit that cut an award: what it would have been, and why it was not."""

    limit: CapSource
    uncapped_points: int
    used: int
    explanation: Explanation


@dataclass(frozen=True, slots=True, kw_only=True)
class Award:
    """Points one rule gives, with everything needed to explain, store and refund them.

    `points` is what the customer gets. A withheld award (cut to nothing by a limit, or set
    aside by a better rule of its best-of group) has `points == 0` and says why.
    """

    rule_id: str
    rule_name: LocalizedText
    program_version: int
    points: int
    kind: AwardKind
    points_name: LocalizedText
    counted: tuple[CountedLine, ...] = ()
    amount: Money | None = None
    items: int = 0
    rate: EarnRate | None = None
    unit_points: int | None = None
    multiplier: Decimal = ONE
    multiplied_by: tuple[AppliedMultiplier, ...] = ()
    cap: Cap | None = None
    set_aside_by: str | None = None
    subject: str | None = None
    min_amount: Decimal | None = None
    min_quantity: int | None = None
    explanation: tuple[Explanation, ...] = ()

    @property
    def capped(self) -> bool:
        """True when a limit cut this award."""
        return self.cap is not None


@dataclass(frozen=True, slots=True)
class NoAward:
    """A rule that gave nothing, with the condition it did not meet (when there is one)."""

    rule_id: str = ""
    reason: Explanation | None = None

    @property
    def points(self) -> int:
        """Always 0, so results can be summed without asking what they are."""
        return 0

    @property
    def explanation(self) -> tuple[Explanation, ...]:
        """The reason as a one-part explanation, or nothing."""
        return (self.reason,) if self.reason is not None else ()


NO_AWARD = NoAward()
"""Nothing earned, for no reason worth telling."""

Result: TypeAlias = Award | NoAward
"""What one rule answers: an `Award`, or a `NoAward` (possibly `NO_AWARD`)."""


@dataclass(frozen=True, slots=True)
class RuleUse:
    """One use of a rule to record for future limits: its points (0 for a multiplier)."""

    rule_id: str
    points: int
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The answer for one order or event: awards, withheld awards, unmet rules, and the total.

    For orders, `basis` is what the awards were based on; store it with the awards, because
    refunds are computed from it (`take_back`).
    """

    program_version: int
    source_id: str
    occurred_at: datetime
    awards: tuple[Award, ...]
    withheld: tuple[Award, ...]
    not_met: tuple[NoAward, ...]
    basis: OrderBasis | None = None

    @property
    def total(self) -> int:
        """Points earned, all awards together."""
        return sum(award.points for award in self.awards)

    def uses(self) -> tuple[RuleUse, ...]:
        """Rule uses to persist so later limits can count them: awards, then multipliers."""
        uses = [RuleUse(a.rule_id, a.points, a.subject) for a in self.awards]
        multipliers = dict.fromkeys(m.rule_id for a in self.awards for m in a.multiplied_by)
        return (*uses, *(RuleUse(rule_id, 0) for rule_id in multipliers))

    def explain(self, locale: str = DEFAULT_LOCALE) -> tuple[str, ...]:
        """One sentence per award, then per withheld award, in `locale`."""
        return tuple(explain(award, locale) for award in (*self.awards, *self.withheld))


def explain(result: Award | NoAward | TakeBack, locale: str = DEFAULT_LOCALE) -> str:
    """What a person reads about a result, in `locale` (`en`, `ar`; others fall back)."""
    return render(result.explanation, locale)

"""A referral program's settings (the `referrals:` section of the program document) as
immutable values, and the arithmetic they decide: whether an order qualifies, when the
advocate's reward becomes spendable, whether a cap is reached."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from walaa.domain.explanations import LocalizedText
from walaa.domain.fraud import FraudSettings
from walaa.domain.referrals.codes import DEFAULT_PATTERN


class AdvocateTiming(StrEnum):
    #: pending until the friend's order is past the program's return window (the default)
    AFTER_RETURN_WINDOW = "after_return_window"
    #: spendable at once; a refund in the window still takes it back
    AT_ORDER = "at_order"


class ReviewThen(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class Grant:
    """What one side gets: points, or a catalog reward issued as a single-use code."""

    points: int | None = None
    reward_id: str | None = None

    @property
    def gives(self) -> bool:
        return self.points is not None or self.reward_id is not None


@dataclass(frozen=True, slots=True)
class ReferralPolicy:
    name: LocalizedText
    advocate: Grant
    friend: Grant
    description: LocalizedText | None = None
    #: the friend's qualifying order: at least this much (what counts as spend), and/or the
    #: friend's first paid order
    min_order: Decimal | None = None
    first_paid_order: bool = True
    advocate_timing: AdvocateTiming = AdvocateTiming.AFTER_RETURN_WINDOW
    per_advocate_per_month: int | None = None
    per_advocate: int | None = None
    #: days a sign-up has to place its qualifying order
    lifetime_days: int = 30
    code_pattern: str = DEFAULT_PATTERN
    #: the storefront's share link, `{code}` standing for the code
    link: str | None = None
    fraud: FraudSettings = field(default_factory=FraudSettings)
    #: held referrals left this many days are decided by `review_then`; None: wait for staff
    review_after_days: int | None = None
    review_then: ReviewThen = ReviewThen.REJECT

    def qualifies(self, spend: Decimal) -> bool:
        """Whether an order counting `spend` is big enough to qualify."""
        return spend > 0 and (self.min_order is None or spend >= self.min_order)

    def advocate_available_at(
        self, placed_at: datetime, return_window_days: int, now: datetime
    ) -> datetime | None:
        """When the advocate's reward becomes spendable: None for at once."""
        if self.advocate_timing is AdvocateTiming.AT_ORDER:
            return None
        matures = placed_at + timedelta(days=return_window_days)
        return matures if matures > now else None

    def expired(self, signed_up_at: datetime, at: datetime) -> bool:
        return at > signed_up_at + timedelta(days=self.lifetime_days)

    def capped(self, this_month: int, in_all: int) -> bool:
        """Whether an advocate already rewarded this often may not be rewarded again."""
        over_month = self.per_advocate_per_month is not None and (
            this_month >= self.per_advocate_per_month
        )
        return over_month or (self.per_advocate is not None and in_all >= self.per_advocate)


def reward_texts(
    program_points: LocalizedText, name: LocalizedText, points: int, advocate: bool
) -> dict[str, str]:
    """The ledger explanation of a referral reward, in English and Arabic."""
    en_points, ar_points = program_points.get("en"), program_points.get("ar")
    if advocate:
        return {
            "en": f"{name.get('en')}: {points:,} {en_points} for a friend you referred",
            "ar": f"{name.get('ar')}: {points:,} {ar_points} لصديق أحلته",
        }
    return {
        "en": f"{name.get('en')}: {points:,} {en_points} for joining through a friend",
        "ar": f"{name.get('ar')}: {points:,} {ar_points} لانضمامك عن طريق صديق",
    }

"""The `referrals:` section of the settings document, and its conversion to a
`ReferralPolicy`. Shape errors come from these models; whether a `reward` is in the store's
catalog is checked when the document is applied to a store, as for games' prizes."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from walaa.domain.explanations import LocalizedText
from walaa.domain.fraud import FraudSettings, Velocity
from walaa.domain.money import fits_minor_units, minor_units
from walaa.domain.program import Problem
from walaa.domain.referrals import (
    DEFAULT_PATTERN,
    AdvocateTiming,
    Grant,
    ReferralPolicy,
    ReviewThen,
    pattern_problem,
)
from walaa.program_document.fields import Amount, Count, DocModel, LocalizedField, RuleId

Days = Annotated[int, Field(ge=1, le=3650, strict=True)]


def _both_languages(value: dict[str, str]) -> dict[str, str]:
    missing = [lang for lang in ("en", "ar") if lang not in value]
    if missing:
        raise ValueError(
            f"give the text in English and Arabic: {{en: ..., ar: ...}}; no {missing[0]}"
        )
    return value


class GrantDoc(DocModel):
    """What one side gets: `points`, or a catalog `reward` (issued as a single-use code)."""

    points: Count | None = Field(default=None, description="Points given")
    reward: RuleId | None = Field(default=None, description="A catalog reward's id")

    @model_validator(mode="after")
    def _one_of(self) -> GrantDoc:
        if (self.points is None) == (self.reward is None):
            raise ValueError("give either points or a reward")
        return self


class QualifyingOrderDoc(DocModel):
    """The friend's order that earns the advocate's reward."""

    min_amount: Amount | None = Field(
        default=None, description="Fewest of the currency the order must count as spend"
    )
    first_paid_order: bool = Field(
        default=True, description="Only the friend's first paid order qualifies"
    )


class ReferralCapsDoc(DocModel):
    """How often one advocate is rewarded: per calendar month (store time) and in all."""

    per_advocate_per_month: Count | None = None
    per_advocate: Count | None = None


class VelocityDoc(DocModel):
    """Referrals allowed before the next is rejected; leave one out for no limit."""

    per_ip_per_week: Count | None = None
    per_device_per_week: Count | None = None
    per_advocate_per_day: Count | None = None


class SimilarityDoc(DocModel):
    """A friend's e-mail or name this many edits (or fewer) from the advocate's is held."""

    max_distance: Annotated[int, Field(ge=0, le=10, strict=True)] = 2


class FraudDoc(DocModel):
    """The fraud rules, each on by default; `velocity`/`similarity: null` turns one off."""

    self_referral: bool = True
    not_new: bool = True
    velocity: VelocityDoc | None = VelocityDoc(
        per_ip_per_week=5, per_device_per_week=5, per_advocate_per_day=10
    )
    similarity: SimilarityDoc | None = SimilarityDoc()


class ReviewDoc(DocModel):
    """What happens to a held referral no one reviewed within `after_days`."""

    after_days: Days
    then: Literal["approve", "reject"]


class ReferralsDoc(DocModel):
    """Friends bring friends: what each side gets, what qualifies, caps and fraud rules."""

    name: Annotated[LocalizedField, Field(description="The program's name, in English and Arabic")]
    description: LocalizedField | None = None
    advocate: GrantDoc = Field(description="What the customer who referred gets")
    friend: GrantDoc = Field(description="What the referred friend gets")
    qualifying_order: QualifyingOrderDoc = QualifyingOrderDoc()
    advocate_reward: Literal["after_return_window", "at_order"] = Field(
        default="after_return_window",
        description="Pending until the friend's order is past the return window (default),"
        " or spendable at once",
    )
    caps: ReferralCapsDoc = ReferralCapsDoc()
    lifetime_days: Days = Field(
        default=30, description="Days a referred friend has to place the qualifying order"
    )
    code_pattern: str = Field(
        default=DEFAULT_PATTERN,
        description="X is a random symbol; at least 9 for 40 bits; e.g. GW-XXXXX-XXXXX",
    )
    link: str | None = Field(
        default=None, description="The share link, {code} standing for the code"
    )
    fraud: FraudDoc = FraudDoc()
    review: ReviewDoc | None = None

    @field_validator("name", "description")
    @classmethod
    def _bilingual(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return None if value is None else _both_languages(value)

    @field_validator("code_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        problem = pattern_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith("https://") or "{code}" not in value or " " in value:
            raise ValueError("use an https:// address containing {code}")
        return value


REFERRAL_MODELS = (
    ReferralsDoc,
    GrantDoc,
    QualifyingOrderDoc,
    ReferralCapsDoc,
    VelocityDoc,
    SimilarityDoc,
    FraudDoc,
    ReviewDoc,
)


def _grant(doc: GrantDoc) -> Grant:
    return Grant(points=doc.points, reward_id=doc.reward)


def _fraud(doc: FraudDoc) -> FraudSettings:
    velocity = None
    if doc.velocity is not None:
        velocity = Velocity(
            doc.velocity.per_ip_per_week,
            doc.velocity.per_device_per_week,
            doc.velocity.per_advocate_per_day,
        )
    return FraudSettings(
        self_referral=doc.self_referral,
        not_new=doc.not_new,
        velocity=velocity,
        max_distance=doc.similarity.max_distance if doc.similarity is not None else None,
    )


def referrals_from_doc(doc: ReferralsDoc | None) -> ReferralPolicy | None:
    if doc is None:
        return None
    return ReferralPolicy(
        name=LocalizedText.of(doc.name),
        description=LocalizedText.of(doc.description) if doc.description else None,
        advocate=_grant(doc.advocate),
        friend=_grant(doc.friend),
        min_order=doc.qualifying_order.min_amount,
        first_paid_order=doc.qualifying_order.first_paid_order,
        advocate_timing=AdvocateTiming(doc.advocate_reward),
        per_advocate_per_month=doc.caps.per_advocate_per_month,
        per_advocate=doc.caps.per_advocate,
        lifetime_days=doc.lifetime_days,
        code_pattern=doc.code_pattern,
        link=doc.link,
        fraud=_fraud(doc.fraud),
        review_after_days=doc.review.after_days if doc.review else None,
        review_then=ReviewThen(doc.review.then) if doc.review else ReviewThen.REJECT,
    )


def referrals_problems(raw: Any, currency: str | None) -> list[Problem]:
    """A minimum amount with more decimals than the currency has, reported even while other
    settings have errors."""
    if not isinstance(raw, Mapping) or currency is None:
        return []
    part = raw.get("qualifying_order")
    value = part.get("min_amount") if isinstance(part, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return []
    amount = Decimal(value)
    if amount.is_finite() and not fits_minor_units(amount, currency):
        reason = f"{currency} amounts have {minor_units(currency)} decimal places"
        return [Problem(("referrals", "qualifying_order", "min_amount"), reason)]
    return []

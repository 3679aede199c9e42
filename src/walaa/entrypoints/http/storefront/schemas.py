"""The storefront routes' JSON shapes: only what a shopper may see of the program and of
their own account; never another customer's, never a secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from walaa.domain.program import Program
from walaa.domain.program_sentences import (
    expiry_sentences,
    program_sentences,
    tier_sentences,
    value_sentence,
)
from walaa.domain.rewards import Reward
from walaa.domain.storefront import StorefrontSettings
from walaa.domain.stores import Store
from walaa.entrypoints.http.schemas import ID_PATTERN, Strict
from walaa.service.handlers.shopper import RewardChoice, ShopperSummary, progress_share
from walaa.service.handlers.storefront import MemberCard


class BrandingOut(BaseModel):
    logo_url: str | None
    primary_colour: str
    accent_colour: str


class EarnRuleOut(BaseModel):
    rule_id: str
    name: str
    sentence: str = Field(description="The rule in one plain sentence, in the asked language")


class TierInfoOut(BaseModel):
    id: str
    name: str
    reach: str
    perks: list[str]


class CatalogRewardOut(BaseModel):
    id: str
    name: str
    description: str | None
    cost: int
    kind: str


class ProgramSummaryOut(BaseModel):
    store_id: str
    store_name: str
    locale: str
    dir: str = Field(description="rtl for Arabic, ltr otherwise")
    points_name: str
    branding: BrandingOut
    earn: list[EarnRuleOut]
    value: str
    expiry: list[str]
    tiers: list[TierInfoOut]
    rewards: list[CatalogRewardOut]

    @classmethod
    def of(
        cls,
        store: Store,
        settings: StorefrontSettings,
        program: Program,
        rewards: list[Reward],
        locale: str,
    ) -> ProgramSummaryOut:
        b = settings.branding
        return cls(
            store_id=store.id,
            store_name=store.name,
            locale=locale,
            dir=direction(locale),
            points_name=program.name_of_points(locale),
            branding=BrandingOut(
                logo_url=b.logo_url, primary_colour=b.primary_colour, accent_colour=b.accent_colour
            ),
            earn=[
                EarnRuleOut(rule_id=s.rule_id, name=s.name, sentence=s.sentence)
                for s in program_sentences(program, locale)
            ],
            value=value_sentence(program, locale),
            expiry=expiry_sentences(program, locale),
            tiers=[
                TierInfoOut(id=t.tier_id, name=t.name, reach=t.reach, perks=list(t.perks))
                for t in tier_sentences(program, locale)
            ],
            rewards=[reward_out(r, locale) for r in rewards if r.active],
        )


def direction(locale: str) -> str:
    return "rtl" if locale.split("-")[0] == "ar" else "ltr"


def _text(texts: dict[str, str], locale: str) -> str | None:
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), None)


def reward_out(reward: Reward, locale: str) -> CatalogRewardOut:
    return CatalogRewardOut(
        id=reward.id,
        name=_text(reward.names, locale) or reward.id,
        description=_text(reward.descriptions, locale),
        cost=reward.cost,
        kind=reward.kind.value,
    )


class PointsOut(BaseModel):
    points: int
    points_name: str
    text: str = Field(description='What the product element shows: "Earn 38 Dew Drops"')
    signed_in: bool
    tier: str | None = Field(description="The shopper's tier id, whose multiplier is included")
    program_version: int


class MoneyOut(BaseModel):
    amount: str
    currency: str


class TierProgressOut(BaseModel):
    id: str
    name: str
    next_id: str | None
    next_name: str | None
    still_needed: str | None
    progress_percent: int


class RewardChoiceOut(CatalogRewardOut):
    redeemable: bool
    unavailable: str | None
    points_short: int


class ShopperOut(BaseModel):
    customer_id: str
    known: bool = Field(description="False for a shopper with no points or history yet")
    points_name: str
    available: int
    pending: int
    worth: MoneyOut
    tier: TierProgressOut | None
    next_reward: RewardChoiceOut | None
    next_reward_percent: int
    rewards: list[RewardChoiceOut]
    alert_threshold: int | None
    cause: str | None = Field(description="The cause the shopper's gifts go to, by name")
    games: list[dict[str, Any]] = Field(description="Games with plays left: id, name, plays_left")
    extensions: dict[str, Any] = Field(
        description="Panels other parts of Walaa add (referral link, badges) as they exist"
    )

    @classmethod
    def of(cls, s: ShopperSummary, locale: str, **extra: Any) -> ShopperOut:
        choices = [choice_out(c, locale) for c in s.rewards]
        ahead = s.next_reward
        return cls(
            customer_id=s.customer_id,
            known=s.view is not None,
            points_name=s.program.name_of_points(locale),
            available=s.available,
            pending=s.pending,
            worth=MoneyOut(amount=str(s.worth.amount), currency=s.worth.currency),
            tier=_tier(s, locale),
            next_reward=choice_out(ahead, locale) if ahead else None,
            next_reward_percent=progress_share(s.available, ahead.reward.cost) if ahead else 100,
            rewards=choices,
            alert_threshold=s.view.record.profile.alert_threshold if s.view else None,
            **extra,
        )


def _tier(s: ShopperSummary, locale: str) -> TierProgressOut | None:
    if s.tier is None:
        return None
    _policy, p = s.tier
    goal = p.next_level.threshold if p.next_level else p.level.threshold
    return TierProgressOut(
        id=p.level.id,
        name=p.level.name.get(locale),
        next_id=p.next_level.id if p.next_level else None,
        next_name=p.next_level.name.get(locale) if p.next_level else None,
        still_needed=None if p.still_needed is None else str(p.still_needed),
        progress_percent=progress_share(p.counted, goal) if p.next_level else 100,
    )


def choice_out(choice: RewardChoice, locale: str) -> RewardChoiceOut:
    base = reward_out(choice.reward, locale)
    return RewardChoiceOut(
        **base.model_dump(),
        redeemable=choice.unavailable is None and choice.points_short == 0,
        unavailable=choice.unavailable,
        points_short=choice.points_short,
    )


class HistoryEntryOut(BaseModel):
    transaction_id: int
    kind: str
    points: int
    occurred_at: datetime
    explanation: list[str]


class HistoryOut(BaseModel):
    entries: list[HistoryEntryOut]
    next_cursor: int | None


class ShopperRedeemIn(Strict):
    reward_id: Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]


class ShopperRedemptionOut(BaseModel):
    id: str
    reward_id: str
    reward_name: str
    points: int
    code: str
    expires_at: datetime
    replayed: bool


class CardOut(BaseModel):
    card_id: str
    code: str
    text: str = Field(description="What the QR code holds and a cashier may type")
    valid_until: datetime
    qr_svg: str = Field(description="The QR code of `text`, as an SVG document")

    @classmethod
    def of(cls, card: MemberCard, svg: str) -> CardOut:
        return cls(
            card_id=card.card_id,
            code=card.code,
            text=card.text,
            valid_until=card.valid_until,
            qr_svg=svg,
        )

"""/v1/customers/{id}/achievements: each badge of the program, where the customer stands
("3 of 5 reviews", "120 USD to go", in English and Arabic) and the times they earned it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from walaa.bootstrap import App
from walaa.domain.achievements import unit_of
from walaa.domain.money import decimal_text
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Reader, Walaa
from walaa.entrypoints.http.schemas import PROBLEMS, path_id
from walaa.service.achievement_ports import GrantRecord
from walaa.service.handlers.achievements import AchievementView, customer_achievements

router = APIRouter(route_class=JsonRoute, tags=["achievements"], responses=PROBLEMS)
CustomerId = Annotated[str, path_id("The store's own customer id")]


class EarnedOut(BaseModel):
    times: int = Field(description="The customer's n-th time earning it, from 1")
    at: datetime = Field(description="When the order or event that completed it happened")
    source: str = Field(description="order:<id> or event:<id>")
    points: int | None
    transaction_id: int | None
    redemption_id: str | None = Field(description="The single-use code's redemption, if any")
    code: str | None = Field(description="The single-use code a reward badge gave")

    @classmethod
    def of(cls, g: GrantRecord, codes: dict[str, str]) -> EarnedOut:
        return cls(
            code=codes.get(g.redemption_id) if g.redemption_id else None,
            times=g.times,
            at=g.at,
            source=g.source,
            points=g.points,
            transaction_id=g.transaction_id,
            redemption_id=g.redemption_id,
        )


class ProgressOut(BaseModel):
    current: str = Field(description="How far the customer is (periods in a row for a streak)")
    target: str
    remaining: str = Field(description="What is still needed")
    unit: dict[str, str] = Field(description="What current and target count, per language")
    text: dict[str, str] = Field(description='"3 of 5 reviews", per language')


class AchievementOut(BaseModel):
    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    counts: str = Field(description="orders, spend, events or property")
    event: str | None
    property: str | None
    equals: str | None
    target: str
    last_days: int | None
    streak: dict[str, Any] | None
    repeat: bool
    grants: str = Field(description="points, reward or badge")
    points: int | None
    reward_id: str | None
    earned: bool = Field(description="Earned at least once")
    done: bool = Field(description="A one-time achievement already earned: nothing more to do")
    times_earned: int
    progress: ProgressOut
    earned_times: list[EarnedOut]

    @classmethod
    def of(cls, view: AchievementView, currency: str) -> AchievementOut:
        a, s = view.achievement, view.standing
        streak = {"period": str(a.streak.period), "periods": a.streak.periods} if a.streak else None
        return cls(
            id=a.id,
            names=a.name.as_dict(),
            descriptions=a.description.as_dict(),
            counts=str(a.counts),
            event=a.event,
            property=a.property_name,
            equals=a.equals,
            target=decimal_text(a.target),
            last_days=a.last_days,
            streak=streak,
            repeat=a.repeat,
            grants=a.grants,
            points=a.points,
            reward_id=a.reward_id,
            earned=s.times > 0,
            done=s.done,
            times_earned=s.times,
            progress=ProgressOut(
                current=decimal_text(s.current),
                target=decimal_text(s.target),
                remaining=decimal_text(s.remaining),
                unit=unit_of(a, currency).as_dict(),
                text=view.text,
            ),
            earned_times=[EarnedOut.of(g, view.codes) for g in view.grants],
        )


class CustomerAchievementsOut(BaseModel):
    customer_id: str
    data: list[AchievementOut]


def achievements_of(walaa: App, store_id: str, customer_id: str) -> list[AchievementOut]:
    """The customer's achievements as the API shows them (also on the customer resource)."""
    views, currency = customer_achievements(walaa.uow(), walaa.clock, store_id, customer_id)
    return [AchievementOut.of(view, currency) for view in views]


@router.get(
    "/v1/customers/{customer_id}/achievements",
    response_model=CustomerAchievementsOut,
    summary="A customer's badges: progress toward each, in words, and the times earned",
)
def read_achievements(
    customer_id: CustomerId, caller: Reader, walaa: Walaa
) -> CustomerAchievementsOut:
    data = achievements_of(walaa, caller.store_id, customer_id)
    return CustomerAchievementsOut(customer_id=customer_id, data=data)

"""The ports of referral programs: customers' codes, referrals, customers' signals, and the
counts the fraud rules and reports read. Kept beside `ports` as the games' are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ReferralCode:
    code: str
    customer_id: str
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """One friend referred by one advocate, and everything that happened to it."""

    id: str
    advocate_id: str
    friend_id: str
    code: str
    status: str
    signed_up_at: datetime
    rules: list[dict[str, str]]
    request_hash: str
    created_at: datetime
    ip: str | None = None
    device: str | None = None
    order_id: str | None = None
    order_spend: str | None = None
    order_placed_at: datetime | None = None
    advocate_reward: str = "none"
    advocate_transaction_id: int | None = None
    friend_transaction_id: int | None = None
    friend_redemption_id: str | None = None
    friend_rewarded: bool = False
    decided_by: str | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AdvocateTotals:
    """One advocate's referrals, counted for the report."""

    advocate_id: str
    referred: int
    qualified: int
    held: int
    rejected_by_rule: dict[str, int]
    rewarded: int
    reversed: int


class ReferralsRepository(Protocol):
    def current_code(self, customer_id: str) -> ReferralCode | None: ...

    def code_owner(self, compact: str) -> ReferralCode | None:
        """The code typed (in its compact form), retired or not; None if no such code."""
        ...

    def add_code(self, customer_id: str, code: str, compact: str, now: datetime) -> bool:
        """Store a new code; False when the compact form is taken (draw another)."""
        ...

    def retire_codes(self, customer_id: str, now: datetime) -> None: ...

    def get(self, referral_id: str, *, lock: bool = False) -> ReferralRecord | None: ...

    def get_pair(self, friend_id: str, advocate_id: str) -> ReferralRecord | None: ...

    def claimed(self, friend_id: str) -> ReferralRecord | None:
        """The referral the friend counts for (the first that was not rejected)."""
        ...

    def claim(self, friend_id: str, referral_id: str) -> None: ...

    def release(self, friend_id: str, referral_id: str) -> None: ...

    def add(self, record: ReferralRecord) -> None: ...

    def update(self, referral_id: str, **values: Any) -> None: ...

    def of_order(self, order_id: str) -> list[ReferralRecord]: ...

    def had_paid_order(self, customer_id: str, *, other_than: str | None = None) -> bool:
        """Whether the customer has an order that was paid (refunded or cancelled since, too)."""
        ...

    def friend_welcomed(self, friend_id: str) -> bool:
        """Whether any referral of this friend already gave them the friend's reward."""
        ...

    def count_since(self, column: str, value: str, since: datetime) -> int:
        """Referrals whose `column` (ip, device, advocate_id) is `value`, created since."""
        ...

    def rewarded_since(self, advocate_id: str, since: datetime | None) -> int:
        """The advocate's referrals rewarded (granted or taken back) with orders since."""
        ...

    def listed(
        self, status: str | None, limit: int, after: str | None = None
    ) -> list[ReferralRecord]: ...

    def held_before(self, before: datetime, limit: int) -> list[ReferralRecord]: ...

    def signed_up_before(self, before: datetime, limit: int) -> list[ReferralRecord]: ...

    def add_signals(
        self, customer_id: str, signals: Sequence[tuple[str, str]], now: datetime
    ) -> None: ...

    def signals_of(self, customer_id: str) -> list[tuple[str, str]]: ...

    def advocate_totals(self, advocate_id: str | None = None) -> list[AdvocateTotals]: ...

    def friends_orders(self) -> list[tuple[str, str]]:
        """(order id, spend) of every rewarded referral's qualifying order."""
        ...

"""The rewards catalog, redemptions and their codes, and points paid at checkout."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.rewards import Reward, RewardKind
from walaa.service.ports import CodeUseRecord, PaymentRecord, RedemptionRecord

_DECIMALS = ("value", "percent", "cap")
_MOMENTS = ("starts_at", "ends_at")


def reward_to_json(reward: Reward) -> dict[str, Any]:
    data = asdict(reward)
    for name in _DECIMALS:
        data[name] = None if data[name] is None else str(data[name])
    for name in _MOMENTS:
        data[name] = None if data[name] is None else data[name].isoformat()
    data["kind"] = reward.kind.value
    return data


def reward_from_json(data: dict[str, Any]) -> Reward:
    values = dict(data)
    for name in _DECIMALS:
        values[name] = None if values.get(name) is None else Decimal(values[name])
    for name in _MOMENTS:
        values[name] = None if values.get(name) is None else datetime.fromisoformat(values[name])
    values["kind"] = RewardKind(values["kind"])
    return Reward(**values)


class SqlRewardsRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    # -- catalog ----------------------------------------------------------------------------

    def get_reward(self, reward_id: str, *, lock: bool = False) -> tuple[Reward, int | None] | None:
        r = t.rewards
        stmt = select(r.c.definition, r.c.stock_left).where(
            r.c.store_id == self.store_id, r.c.id == reward_id
        )
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return (reward_from_json(row.definition), row.stock_left) if row else None

    def list_rewards(self) -> list[tuple[Reward, int | None]]:
        r = t.rewards
        rows = self.conn.execute(
            select(r.c.definition, r.c.stock_left)
            .where(r.c.store_id == self.store_id)
            .order_by(r.c.created_at, r.c.id)
        )
        return [(reward_from_json(row.definition), row.stock_left) for row in rows]

    def save_reward(self, reward: Reward, stock_left: int | None, now: datetime) -> None:
        values = {
            "definition": reward_to_json(reward),
            "active": reward.active,
            "stock_left": stock_left,
            "updated_at": now,
        }
        stmt = insert_for(self.conn.dialect, t.rewards).values(
            store_id=self.store_id, id=reward.id, created_at=now, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "id"], set_=values)
        )

    def take_stock(self, reward_id: str, units: int = 1) -> bool:
        """``units`` of stock, if that many are left (always True for unlimited rewards)."""
        r = t.rewards
        done = self.conn.execute(
            update(r)
            .where(
                r.c.store_id == self.store_id,
                r.c.id == reward_id,
                r.c.stock_left.is_not(None),
                r.c.stock_left >= units,
            )
            .values(stock_left=r.c.stock_left - units)
        )
        if done.rowcount == 1:
            return True
        found = self.get_reward(reward_id)
        return found is not None and found[1] is None

    def return_stock(self, reward_id: str, units: int = 1) -> None:
        r = t.rewards
        self.conn.execute(
            update(r)
            .where(r.c.store_id == self.store_id, r.c.id == reward_id, r.c.stock_left.is_not(None))
            .values(stock_left=r.c.stock_left + units)
        )

    # -- redemptions and codes --------------------------------------------------------------

    def count_redemptions(self, customer_id: str, reward_id: str) -> int:
        """Redemptions that still count against a per-customer limit (not cancelled)."""
        d = t.redemptions
        return int(
            self.conn.execute(
                select(func.count()).where(
                    d.c.store_id == self.store_id,
                    d.c.customer_id == customer_id,
                    d.c.reward_id == reward_id,
                    d.c.status != "cancelled",
                )
            ).scalar_one()
        )

    def add_redemption(self, record: RedemptionRecord, request_key: str, now: datetime) -> None:
        self.conn.execute(
            t.redemptions.insert().values(
                store_id=self.store_id,
                id=record.id,
                customer_id=record.customer_id,
                reward_id=record.reward_id,
                points=record.points,
                transaction_id=record.transaction_id,
                code=record.code,
                status=record.status,
                uses_left=record.uses_left,
                expires_at=record.expires_at,
                blocks=record.blocks,
                request_key=request_key,
                created_at=now,
            )
        )

    def recent_redemptions(
        self, limit: int, *, customer_id: str | None = None, status: str | None = None
    ) -> list[RedemptionRecord]:
        d = t.redemptions
        where = []
        if customer_id is not None:
            where.append(d.c.customer_id == customer_id)
        if status is not None:
            where.append(d.c.status == status)
        return self._redemptions(*where, limit=limit, newest_first=True)

    def _redemptions(
        self,
        *where: Any,
        lock: bool = False,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[RedemptionRecord]:
        d = t.redemptions
        order = (d.c.created_at.desc(), d.c.id.desc()) if newest_first else (d.c.created_at,)
        stmt = select(d).where(d.c.store_id == self.store_id, *where).order_by(*order).limit(limit)
        if lock:
            stmt = stmt.with_for_update()
        return [
            RedemptionRecord(
                row.id,
                row.customer_id,
                row.reward_id,
                row.points,
                row.transaction_id,
                row.code,
                row.status,
                row.uses_left,
                row.expires_at,
                row.created_at,
                row.blocks,
            )
            for row in self.conn.execute(stmt)
        ]

    def get_redemption(self, redemption_id: str, *, lock: bool = False) -> RedemptionRecord | None:
        found = self._redemptions(t.redemptions.c.id == redemption_id, lock=lock)
        return found[0] if found else None

    def by_request_key(self, request_key: str) -> RedemptionRecord | None:
        found = self._redemptions(t.redemptions.c.request_key == request_key)
        return found[0] if found else None

    def by_code(self, code: str, *, lock: bool = False) -> RedemptionRecord | None:
        found = self._redemptions(t.redemptions.c.code == code, lock=lock)
        return found[0] if found else None

    def use_code(self, code: str, now: datetime) -> bool:
        """Take one use of a live code with a guarded UPDATE: concurrent uses cannot both win."""
        d = t.redemptions
        done = self.conn.execute(
            update(d)
            .where(
                d.c.store_id == self.store_id,
                d.c.code == code,
                d.c.status == "issued",
                d.c.uses_left > 0,
                d.c.expires_at > now,
            )
            .values(uses_left=d.c.uses_left - 1)
        )
        if done.rowcount != 1:
            return False
        self.conn.execute(
            update(d)
            .where(d.c.store_id == self.store_id, d.c.code == code, d.c.uses_left == 0)
            .values(status="used", settled_at=now)
        )
        return True

    def record_use(self, code: str, order_id: str, now: datetime) -> bool:
        """False if this order already used this code (a retry)."""
        stmt = (
            insert_for(self.conn.dialect, t.code_uses)
            .values(store_id=self.store_id, code=code, order_id=order_id, used_at=now)
            .on_conflict_do_nothing()
            .returning(t.code_uses.c.code)
        )
        return self.conn.execute(stmt).first() is not None

    def price_use(self, code: str, order_id: str, points: int) -> None:
        """Record what this use paid, in the transaction that took the use."""
        u = t.code_uses
        self.conn.execute(update(u).where(*self._use(code, order_id)).values(points=points))

    def uses_of(self, code: str) -> list[CodeUseRecord]:
        """Every use of a code, oldest first (uses recorded before pricing come first)."""
        u = t.code_uses
        rows = self.conn.execute(
            select(u)
            .where(u.c.store_id == self.store_id, u.c.code == code)
            .order_by(u.c.points.is_not(None), u.c.used_at, u.c.order_id)
        )
        return [
            CodeUseRecord(row.code, row.order_id, row.points, int(row.points_returned), row.used_at)
            for row in rows
        ]

    def codes_used_by(self, order_id: str) -> list[str]:
        u = t.code_uses
        rows = self.conn.execute(
            select(u.c.code)
            .where(u.c.store_id == self.store_id, u.c.order_id == order_id)
            .order_by(u.c.used_at, u.c.code)
        )
        return [row.code for row in rows]

    def reward_codes_used_by(self, order_id: str, reward_id: str) -> list[str]:
        """Codes of this reward the order used, oldest first."""
        u, d = t.code_uses, t.redemptions
        rows = self.conn.execute(
            select(u.c.code)
            .join(d, (d.c.store_id == u.c.store_id) & (d.c.code == u.c.code))
            .where(
                u.c.store_id == self.store_id,
                u.c.order_id == order_id,
                d.c.reward_id == reward_id,
            )
            .order_by(u.c.used_at, u.c.code)
        )
        return [row.code for row in rows]

    def add_returned(self, code: str, order_id: str, points: int) -> None:
        u = t.code_uses
        self.conn.execute(
            update(u)
            .where(*self._use(code, order_id))
            .values(points_returned=u.c.points_returned + points)
        )

    def _use(self, code: str, order_id: str) -> tuple[Any, ...]:
        u = t.code_uses
        return (u.c.store_id == self.store_id, u.c.code == code, u.c.order_id == order_id)

    def settle_redemption(
        self, redemption_id: str, status: str, now: datetime, refund_txn: int | None
    ) -> bool:
        d = t.redemptions
        done = self.conn.execute(
            update(d)
            .where(d.c.store_id == self.store_id, d.c.id == redemption_id, d.c.status == "issued")
            .values(status=status, settled_at=now, refund_transaction_id=refund_txn)
        )
        return done.rowcount == 1

    def due_codes(self, now: datetime, limit: int) -> list[RedemptionRecord]:
        d = t.redemptions
        return self._redemptions(d.c.status == "issued", d.c.expires_at <= now, limit=limit)

    # -- points paid at checkout ------------------------------------------------------------

    def add_payment(self, record: PaymentRecord, now: datetime) -> None:
        self.conn.execute(
            t.checkout_payments.insert().values(
                store_id=self.store_id,
                hold_id=record.hold_id,
                order_id=record.order_id,
                customer_id=record.customer_id,
                points=record.points,
                capture_transaction_id=record.capture_transaction_id,
                order_total=str(record.order_total),
                points_worth=None if record.points_worth is None else str(record.points_worth),
                created_at=now,
            )
        )

    def payments_for(self, order_id: str) -> list[PaymentRecord]:
        return self._payments(t.checkout_payments.c.order_id == order_id)

    def payment_of(self, hold_id: int) -> PaymentRecord | None:
        found = self._payments(t.checkout_payments.c.hold_id == hold_id)
        return found[0] if found else None

    def _payments(self, *where: Any) -> list[PaymentRecord]:
        p = t.checkout_payments
        rows = self.conn.execute(
            select(p).where(p.c.store_id == self.store_id, *where).order_by(p.c.hold_id)
        )
        return [
            PaymentRecord(
                row.hold_id,
                row.order_id,
                row.customer_id,
                row.points,
                row.capture_transaction_id,
                Decimal(row.order_total),
                None if row.points_worth is None else Decimal(row.points_worth),
            )
            for row in rows
        ]

"""A store's storefront settings and its customers' member cards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.storefront import Branding, StorefrontSettings


class SqlStorefrontRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn, self.store_id = conn, store_id

    def settings(self) -> StorefrontSettings:
        """The store's settings; the defaults (no origins, no secret) before any are saved."""
        s = t.storefront_settings
        row = self.conn.execute(select(s).where(s.c.store_id == self.store_id)).first()
        if row is None:
            return StorefrontSettings(self.store_id)
        return StorefrontSettings(
            store_id=self.store_id,
            allowed_origins=tuple(row.allowed_origins),
            branding=Branding(row.logo_url, row.primary_colour, row.accent_colour),
            widget_salt=row.widget_salt,
            previous_salt=row.previous_salt,
            rotated_at=row.rotated_at,
        )

    def save(self, settings: StorefrontSettings, now: datetime) -> None:
        s = t.storefront_settings
        values = {
            "allowed_origins": list(settings.allowed_origins),
            "logo_url": settings.branding.logo_url,
            "primary_colour": settings.branding.primary_colour,
            "accent_colour": settings.branding.accent_colour,
            "widget_salt": settings.widget_salt,
            "previous_salt": settings.previous_salt,
            "rotated_at": settings.rotated_at,
            "updated_at": now,
        }
        stmt = insert_for(self.conn.dialect, s).values(store_id=self.store_id, **values)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["store_id"], set_=values))

    def card_of(self, customer_id: str) -> str | None:
        c = t.member_cards
        where = (c.c.store_id == self.store_id, c.c.customer_id == customer_id)
        return self.conn.execute(select(c.c.card_id).where(*where)).scalar()

    def add_card(self, customer_id: str, card_id: str, now: datetime) -> str:
        """The customer's card: this one, or the one a concurrent first request made."""
        c = t.member_cards
        stmt = (
            insert_for(self.conn.dialect, c)
            .values(
                store_id=self.store_id, customer_id=customer_id, card_id=card_id, created_at=now
            )
            .on_conflict_do_nothing(index_elements=["store_id", "customer_id"])
        )
        self.conn.execute(stmt)
        found = self.card_of(customer_id)
        assert found is not None
        return found

    def customer_of_card(self, card_id: str) -> str | None:
        c = t.member_cards
        where = (c.c.store_id == self.store_id, c.c.card_id == card_id)
        return self.conn.execute(select(c.c.customer_id).where(*where)).scalar()

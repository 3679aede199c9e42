"""Staff accounts, their sessions and recovery codes, and the audit log, in SQL.

The audit log has an insert and a select here and nothing else; the database refuses UPDATE
and DELETE on it as well (a trigger from migration 0019), so no code path can rewrite it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, or_, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.staff import Role, StaffMember, StaffSession
from walaa.service.staff_ports import AddressFailures, AuditEntry, StaffAccount


def _account(row: Row[Any]) -> StaffAccount:
    member = StaffMember(
        store_id=row.store_id,
        id=row.id,
        email=row.email,
        role=Role(row.role),
        language=row.language,
        created_at=row.created_at,
        totp_secret=row.totp_secret,
        disabled_at=row.disabled_at,
    )
    return StaffAccount(member, row.password_hash, row.totp_last_step, row.failures, row.failed_at)


class SqlStaffRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _mine(self, store_id: str, staff_id: str) -> Any:
        return (t.staff.c.store_id == store_id) & (t.staff.c.id == staff_id)

    def add(self, member: StaffMember, password_hash: str) -> None:
        self.conn.execute(
            t.staff.insert().values(
                store_id=member.store_id,
                id=member.id,
                email=member.email,
                role=member.role.value,
                password_hash=password_hash,
                totp_secret=member.totp_secret,
                language=member.language,
                created_at=member.created_at,
                disabled_at=member.disabled_at,
            )
        )

    def get(self, store_id: str, staff_id: str) -> StaffAccount | None:
        row = self.conn.execute(select(t.staff).where(self._mine(store_id, staff_id))).first()
        return _account(row) if row else None

    def by_email(self, email: str) -> list[StaffAccount]:
        query = (
            select(t.staff)
            .where(t.staff.c.email == email.lower())
            .order_by(t.staff.c.created_at, t.staff.c.store_id)
        )
        return [_account(row) for row in self.conn.execute(query)]

    def for_store(self, store_id: str) -> list[StaffMember]:
        query = select(t.staff).where(t.staff.c.store_id == store_id).order_by(t.staff.c.email)
        return [_account(row).member for row in self.conn.execute(query)]

    def _set(self, store_id: str, staff_id: str, **values: Any) -> None:
        self.conn.execute(update(t.staff).where(self._mine(store_id, staff_id)).values(**values))

    def set_password_hash(self, store_id: str, staff_id: str, password_hash: str) -> None:
        self._set(store_id, staff_id, password_hash=password_hash)

    def set_totp(self, store_id: str, staff_id: str, secret: str | None) -> None:
        self._set(store_id, staff_id, totp_secret=secret, totp_last_step=None)

    def use_totp_step(self, store_id: str, staff_id: str, step: int) -> bool:
        last = t.staff.c.totp_last_step
        guarded = (
            update(t.staff)
            .where(self._mine(store_id, staff_id), or_(last.is_(None), last < step))
            .values(totp_last_step=step)
        )
        return bool(self.conn.execute(guarded).rowcount)

    def set_language(self, store_id: str, staff_id: str, language: str) -> None:
        self._set(store_id, staff_id, language=language)

    def record_failure(self, store_id: str, staff_id: str, at: datetime) -> None:
        self._set(store_id, staff_id, failures=t.staff.c.failures + 1, failed_at=at)

    def clear_failures(self, store_id: str, staff_id: str) -> None:
        self._set(store_id, staff_id, failures=0, failed_at=None)

    def replace_recovery_codes(self, store_id: str, staff_id: str, digests: list[str]) -> None:
        codes = t.staff_recovery_codes
        self.conn.execute(
            delete(codes).where(codes.c.store_id == store_id, codes.c.staff_id == staff_id)
        )
        self.conn.execute(
            codes.insert(),
            [{"store_id": store_id, "staff_id": staff_id, "digest": d} for d in digests],
        )

    def use_recovery_code(self, store_id: str, staff_id: str, digest: str, at: datetime) -> bool:
        codes = t.staff_recovery_codes
        used = self.conn.execute(
            update(codes)
            .where(
                codes.c.store_id == store_id,
                codes.c.staff_id == staff_id,
                codes.c.digest == digest,
                codes.c.used_at.is_(None),
            )
            .values(used_at=at)
        )
        return bool(used.rowcount)

    def unused_recovery_codes(self, store_id: str, staff_id: str) -> int:
        codes = t.staff_recovery_codes
        query = select(func.count()).where(
            codes.c.store_id == store_id, codes.c.staff_id == staff_id, codes.c.used_at.is_(None)
        )
        return int(self.conn.execute(query).scalar_one())

    # -- sessions

    def add_session(self, session: StaffSession, digest: str, stage: str) -> None:
        self.conn.execute(
            t.staff_sessions.insert().values(
                store_id=session.store_id,
                digest=digest,
                staff_id=session.staff_id,
                stage=stage,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                seen_at=session.seen_at,
            )
        )

    def _session_key(self, store_id: str, digest: str) -> Any:
        s = t.staff_sessions
        return (s.c.store_id == store_id) & (s.c.digest == digest)

    def session(self, store_id: str, digest: str) -> tuple[StaffSession, str] | None:
        query = select(t.staff_sessions).where(self._session_key(store_id, digest))
        row = self.conn.execute(query).first()
        if row is None:
            return None
        found = StaffSession(
            row.store_id, row.staff_id, row.created_at, row.seen_at, row.csrf_token
        )
        return found, row.stage

    def touch_session(self, store_id: str, digest: str, at: datetime) -> None:
        s = t.staff_sessions
        self.conn.execute(update(s).where(self._session_key(store_id, digest)).values(seen_at=at))

    def delete_session(self, store_id: str, digest: str) -> None:
        self.conn.execute(delete(t.staff_sessions).where(self._session_key(store_id, digest)))

    def delete_sessions_of(self, store_id: str, staff_id: str) -> None:
        s = t.staff_sessions
        self.conn.execute(delete(s).where(s.c.store_id == store_id, s.c.staff_id == staff_id))

    # -- per-address back-off

    def address_failures(self, address: str) -> AddressFailures | None:
        f = t.sign_in_failures
        row = self.conn.execute(select(f).where(f.c.address == address)).first()
        return AddressFailures(row.failures, row.failed_at) if row else None

    def record_address_failure(self, address: str, at: datetime) -> None:
        f = t.sign_in_failures
        stmt = insert_for(self.conn.dialect, f).values(address=address, failures=1, failed_at=at)
        self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["address"],
                set_={"failures": f.c.failures + 1, "failed_at": at},
            )
        )

    def clear_address_failures(self, address: str) -> None:
        f = t.sign_in_failures
        self.conn.execute(delete(f).where(f.c.address == address))

    # -- the audit log

    def append_audit(self, entry: AuditEntry) -> None:
        self.conn.execute(
            t.staff_audit.insert().values(
                store_id=entry.store_id,
                id=entry.id,
                at=entry.at,
                staff_id=entry.staff_id,
                staff_email=entry.staff_email,
                action=entry.action,
                subject=entry.subject,
                before=entry.before,
                after=entry.after,
                address=entry.address,
            )
        )

    def audit_log(self, store_id: str, limit: int = 100) -> list[AuditEntry]:
        a = t.staff_audit
        query = (
            select(a).where(a.c.store_id == store_id).order_by(a.c.at.desc(), a.c.id.desc())
        ).limit(limit)
        return [AuditEntry(**row._mapping) for row in self.conn.execute(query)]

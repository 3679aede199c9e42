"""What the staff handlers need from the database: accounts, sessions, codes, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from walaa.domain.staff import StaffMember, StaffSession


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """A staff member with what only sign-in reads: the password's hash and the back-off."""

    member: StaffMember
    password_hash: str
    totp_last_step: int | None
    failures: int
    failed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    store_id: str
    id: str
    at: datetime
    staff_id: str | None
    staff_email: str
    action: str
    subject: str | None
    before: Any
    after: Any
    address: str | None


@dataclass(frozen=True, slots=True)
class AddressFailures:
    failures: int
    failed_at: datetime


class StaffRepository(Protocol):
    """Staff of every store: sign-in finds an account by e-mail before a store is known;
    everything else names the store."""

    def add(self, member: StaffMember, password_hash: str) -> None: ...

    def get(self, store_id: str, staff_id: str) -> StaffAccount | None: ...

    def by_email(self, email: str) -> list[StaffAccount]: ...

    def for_store(self, store_id: str) -> list[StaffMember]: ...

    def set_password_hash(self, store_id: str, staff_id: str, password_hash: str) -> None: ...

    def set_totp(self, store_id: str, staff_id: str, secret: str | None) -> None: ...

    def use_totp_step(self, store_id: str, staff_id: str, step: int) -> bool:
        """Record ``step`` as used; False if it (or a later one) was used already."""
        ...

    def set_language(self, store_id: str, staff_id: str, language: str) -> None: ...

    def record_failure(self, store_id: str, staff_id: str, at: datetime) -> None: ...

    def clear_failures(self, store_id: str, staff_id: str) -> None: ...

    def replace_recovery_codes(self, store_id: str, staff_id: str, digests: list[str]) -> None: ...

    def use_recovery_code(
        self, store_id: str, staff_id: str, digest: str, at: datetime
    ) -> bool: ...

    def unused_recovery_codes(self, store_id: str, staff_id: str) -> int: ...

    # -- sessions
    def add_session(self, session: StaffSession, digest: str, stage: str) -> None: ...

    def session(self, store_id: str, digest: str) -> tuple[StaffSession, str] | None: ...

    def touch_session(self, store_id: str, digest: str, at: datetime) -> None: ...

    def delete_session(self, store_id: str, digest: str) -> None: ...

    def delete_sessions_of(self, store_id: str, staff_id: str) -> None: ...

    # -- per-address back-off
    def address_failures(self, address: str) -> AddressFailures | None: ...

    def record_address_failure(self, address: str, at: datetime) -> None: ...

    def clear_address_failures(self, address: str) -> None: ...

    # -- the audit log: append and read, nothing else
    def append_audit(self, entry: AuditEntry) -> None: ...

    def audit_log(self, store_id: str, limit: int = 100) -> list[AuditEntry]: ...

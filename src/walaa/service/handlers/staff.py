"""Staff accounts: creating them with a strong password, Argon2id hashes, TOTP and recovery
codes, and the audit log every staff action writes to.

Passwords are hashed with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane) or
stronger; a hash made with weaker parameters is replaced at the next successful sign-in.
Recovery codes are 50 random bits each, not chosen by a person, so SHA-256 is enough for them
(and lets ten of them be checked without ten Argon2 runs).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from walaa.domain.errors import Conflict, NotFound, ValidationFailed
from walaa.domain.staff import (
    LANGUAGES,
    RECOVERY_CODES,
    PasswordProblem,
    Role,
    StaffMember,
    password_problems,
)
from walaa.service.ports import Clock, UnitOfWork
from walaa.service.staff_ports import AuditEntry

#: 19,641 passwords most often found in leaks (Royce Williams's list, as Django ships it).
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt.gz")
_LINES = itertools.count()
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
TOTP_ISSUER = "Walaa"
PASSWORD_REASONS = {
    PasswordProblem.TOO_SHORT: "must be at least 12 characters",
    PasswordProblem.TOO_LONG: "must be at most 128 characters",
    PasswordProblem.COMMON: "is one of the passwords most often leaked",
    PasswordProblem.PERSONAL: "contains the store's name or the e-mail address",
}


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def check_password(password: str, store_name: str, email: str) -> list[PasswordProblem]:
    return password_problems(password, common_passwords(), (store_name, email))


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


#: Verified against when no account has the e-mail, so an unknown address costs as much time.
_DUMMY = hash_password(secrets.token_urlsafe(16))


def spend_as_long_as_a_check(password: str) -> None:
    verify_password(_DUMMY, password)


def recovery_digest(code: str) -> str:
    normal = code.strip().replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normal.encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7q2m-x9d4p``: 10 base-32 characters, 50 bits each."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


@dataclass(frozen=True)
class Enrolment:
    """What a new staff member is shown once: the TOTP secret, its URI for a QR code, and
    the recovery codes. None of them can be read back later."""

    member: StaffMember
    totp_secret: str | None
    totp_uri: str | None
    recovery_codes: list[str]


def totp_uri(secret: str, email: str, store_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name=f"{TOTP_ISSUER} {store_name}"
    )


def create_staff(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    email: str,
    role: Role,
    password: str,
    *,
    language: str = "en",
    two_factor: bool | None = None,
) -> Enrolment:
    """Add a staff member; owners and managers always get TOTP, others when ``two_factor``."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ValidationFailed("email", "must be an e-mail address")
    if language not in LANGUAGES:
        raise ValidationFailed("language", f"must be one of {', '.join(LANGUAGES)}")
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id!r} does not exist")
        problems = check_password(password, store.name, email)
        if problems:
            raise ValidationFailed("password", "; ".join(PASSWORD_REASONS[p] for p in problems))
        if any(a.member.store_id == store_id for a in uow.staff.by_email(email)):
            raise Conflict(f"{email} is already staff of this store")
        enrol = role.needs_two_factor if two_factor is None else two_factor or role.needs_two_factor
        secret = pyotp.random_base32() if enrol else None
        member = StaffMember(
            store_id=store_id,
            id="stf_" + secrets.token_hex(8),
            email=email,
            role=role,
            language=language,
            created_at=clock.now(),
            totp_secret=secret,
        )
        uow.staff.add(member, hash_password(password))
        codes = new_recovery_codes() if secret else []
        if codes:
            uow.staff.replace_recovery_codes(
                store_id, member.id, [recovery_digest(c) for c in codes]
            )
        append_audit(
            uow, clock.now(), None, store_id, "staff.create", member.id, None,
            {"email": email, "role": role.value, "two_factor": bool(secret)},
        )  # fmt: skip
        uow.commit()
    uri = totp_uri(secret, email, store.name) if secret else None
    return Enrolment(member, secret, uri, codes)


def append_audit(
    uow: UnitOfWork,
    at: datetime,
    actor: StaffMember | None,
    store_id: str,
    action: str,
    subject: str | None = None,
    before: Any = None,
    after: Any = None,
    address: str | None = None,
) -> None:
    """Write one line of the store's audit log, in the caller's transaction (so the line
    exists exactly when the change it describes does). ``actor`` None: the command line."""
    uow.staff.append_audit(
        AuditEntry(
            store_id=store_id,
            # time-ordered without a database sequence: microseconds, this process's count
            # (lines written in the same microsecond keep their order), 16 random bits
            id=f"{int(at.timestamp() * 1_000_000):016x}{next(_LINES) % 0x10000:04x}"
            f"{secrets.token_hex(2)}",
            at=at,
            staff_id=actor.id if actor else None,
            staff_email=actor.email if actor else "command line",
            action=action,
            subject=subject,
            before=before,
            after=after,
            address=address,
        )
    )


def set_language(
    uow: UnitOfWork, clock: Clock, member: StaffMember, language: str, address: str | None
) -> None:
    if language not in LANGUAGES:
        raise ValidationFailed("language", f"must be one of {', '.join(LANGUAGES)}")
    with uow:
        uow.staff.set_language(member.store_id, member.id, language)
        append_audit(
            uow, clock.now(), member, member.store_id, "staff.language", member.id,
            {"language": member.language}, {"language": language}, address,
        )  # fmt: skip
        uow.commit()


def end_sessions(
    uow: UnitOfWork, clock: Clock, actor: StaffMember, staff_id: str, address: str | None
) -> StaffMember:
    """Sign a staff member of the actor's store out everywhere (a lost laptop, a leaver)."""
    with uow:
        target = uow.staff.get(actor.store_id, staff_id)
        if target is None:
            raise NotFound(f"no staff member {staff_id!r} in this store")
        uow.staff.delete_sessions_of(actor.store_id, staff_id)
        append_audit(
            uow, clock.now(), actor, actor.store_id, "staff.sessions_ended", staff_id,
            None, {"email": target.member.email}, address,
        )  # fmt: skip
        uow.commit()
    return target.member


def audit_log(uow: UnitOfWork, store_id: str, limit: int = 100) -> list[AuditEntry]:
    with uow:
        return uow.staff.audit_log(store_id, limit)


def staff_of(uow: UnitOfWork, store_id: str) -> list[StaffMember]:
    with uow:
        return uow.staff.for_store(store_id)


def enrol_two_factor(
    uow: UnitOfWork,
    clock: Clock,
    member: StaffMember,
    password: str,
    secret: str,
    code: str,
    address: str | None,
) -> list[str] | None:
    """Set (or replace) a staff member's TOTP secret, proven by their password and a code
    the new authenticator shows now; returns the ten new recovery codes, or None if refused.
    The old secret and recovery codes stop working at once."""
    if len(secret) != 32 or not set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"):
        raise ValidationFailed("secret", "must be the 32-character secret this page showed")
    now = clock.now()
    with uow:
        account = uow.staff.get(member.store_id, member.id)
        if account is None or not verify_password(account.password_hash, password):
            return None
        if not pyotp.TOTP(secret).verify(code.strip(), for_time=now, valid_window=1):
            return None
        uow.staff.set_totp(member.store_id, member.id, secret)
        codes = new_recovery_codes()
        uow.staff.replace_recovery_codes(
            member.store_id, member.id, [recovery_digest(c) for c in codes]
        )
        append_audit(
            uow, now, member, member.store_id, "staff.two_factor", member.id,
            {"two_factor": member.totp_secret is not None}, {"two_factor": True}, address,
        )  # fmt: skip
        uow.commit()
    return codes


def recovery_codes_left(uow: UnitOfWork, member: StaffMember) -> int:
    with uow:
        return uow.staff.unused_recovery_codes(member.store_id, member.id)

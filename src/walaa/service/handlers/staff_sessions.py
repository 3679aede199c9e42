"""Signing staff in and out: password, then a TOTP or recovery code, then a session.

A session id is 32 random bytes the browser keeps in a cookie as ``<store id>.<secret>``;
only the SHA-256 of the secret is stored, so a copy of the table lets nobody in. Every step
that succeeds issues a *new* session id and deletes the one before (the password step's, or
any the browser brought), so an id planted in a victim's browser never becomes signed in.
Failures count against the account and the client's address, and each has a back-off
(``walaa.domain.staff.backoff``) during which even the right password is not checked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from walaa.domain.staff import (
    FREE_FAILURES_PER_ADDRESS,
    StaffMember,
    StaffSession,
    backoff,
)
from walaa.service.handlers.staff import (
    HASHER,
    append_audit,
    hash_password,
    recovery_digest,
    spend_as_long_as_a_check,
    verify_password,
)
from walaa.service.ports import Clock, UnitOfWork
from walaa.service.staff_ports import StaffAccount

SIGNED_IN = "signed_in"
AWAITING_CODE = "password"
#: The time between the password and the code.
CODE_STEP_TIMEOUT = timedelta(minutes=5)
#: A session's last-seen time is written at most this often (not on every page view).
TOUCH_EVERY = timedelta(seconds=60)
#: Sign-in looks at this many accounts sharing one e-mail (one per store) at most.
MAX_ACCOUNTS_PER_EMAIL = 5


@dataclass(frozen=True)
class Outcome:
    """What a sign-in step did. ``cookie`` is the new session id to set (the old one is gone);
    ``retry_after`` seconds is set when the account or the address must wait."""

    status: str  # signed_in | needs_code | refused | wait
    cookie: str | None = None
    retry_after: int = 0
    member: StaffMember | None = None


REFUSED = Outcome("refused")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_cookie(cookie: str | None) -> tuple[str, str] | None:
    store_id, dot, secret = (cookie or "").partition(".")
    if not dot or not store_id or len(secret) < 32:
        return None
    return store_id, secret


def _wait(failures: int, failed_at: datetime | None, now: datetime, free: int) -> int:
    if failed_at is None:
        return 0
    until = failed_at + backoff(failures, free)
    return max(0, int((until - now).total_seconds() + 0.999))


def _new_session(uow: UnitOfWork, member: StaffMember, now: datetime, stage: str) -> str:
    secret = secrets.token_urlsafe(32)
    session = StaffSession(member.store_id, member.id, now, now, secrets.token_urlsafe(32))
    uow.staff.add_session(session, _digest(secret), stage)
    return f"{member.store_id}.{secret}"


def _forget(uow: UnitOfWork, cookie: str | None) -> None:
    parts = split_cookie(cookie)
    if parts:
        uow.staff.delete_session(parts[0], _digest(parts[1]))


def _address_wait(uow: UnitOfWork, address: str, now: datetime) -> int:
    seen = uow.staff.address_failures(address)
    if seen is None:
        return 0
    return _wait(seen.failures, seen.failed_at, now, FREE_FAILURES_PER_ADDRESS)


def _fail(
    uow: UnitOfWork, accounts: list[StaffAccount], address: str, now: datetime, step: str
) -> None:
    uow.staff.record_address_failure(address, now)
    for account in accounts:
        member = account.member
        uow.staff.record_failure(member.store_id, member.id, now)
        append_audit(
            uow, now, member, member.store_id, "sign_in.refused", member.id, None,
            {"step": step, "failures": account.failures + 1}, address,
        )  # fmt: skip
    uow.commit()


def sign_in(
    uow: UnitOfWork,
    clock: Clock,
    email: str,
    password: str,
    address: str,
    brought: str | None = None,
) -> Outcome:
    """The password step. ``brought`` is whatever session cookie the browser sent: deleted."""
    now = clock.now()
    with uow:
        _forget(uow, brought)
        if wait := _address_wait(uow, address, now):
            uow.commit()
            return Outcome("wait", retry_after=wait)
        accounts = uow.staff.by_email(email.strip().lower())[:MAX_ACCOUNTS_PER_EMAIL]
        live = [a for a in accounts if a.member.disabled_at is None]
        waits = [_wait(a.failures, a.failed_at, now, 5) for a in live]
        if live and all(waits):
            uow.commit()
            return Outcome("wait", retry_after=min(waits))
        if not live:
            spend_as_long_as_a_check(password)
        match = next(
            (
                a
                for a, w in zip(live, waits, strict=True)
                if not w and verify_password(a.password_hash, password)
            ),
            None,
        )
        if match is None:
            _fail(uow, live, address, now, "password")
            return REFUSED
        member = match.member
        if HASHER.check_needs_rehash(match.password_hash):
            uow.staff.set_password_hash(member.store_id, member.id, hash_password(password))
        needs_code = member.totp_secret is not None or member.role.needs_two_factor
        if needs_code and member.totp_secret is None:
            # an owner or manager without TOTP cannot sign in until enrolled by `walaa staff`
            _fail(uow, [match], address, now, "not_enrolled")
            return REFUSED
        if needs_code:
            cookie = _new_session(uow, member, now, AWAITING_CODE)
            uow.commit()
            return Outcome("needs_code", cookie=cookie, member=member)
        return _signed_in(uow, member, address, now)


def _signed_in(uow: UnitOfWork, member: StaffMember, address: str, now: datetime) -> Outcome:
    uow.staff.clear_failures(member.store_id, member.id)
    uow.staff.clear_address_failures(address)
    cookie = _new_session(uow, member, now, SIGNED_IN)
    append_audit(uow, now, member, member.store_id, "sign_in", member.id, None, None, address)
    uow.commit()
    return Outcome("signed_in", cookie=cookie, member=member)


def _code_matches(uow: UnitOfWork, account: StaffAccount, code: str, now: datetime) -> bool:
    """A current TOTP code not used before, or an unused recovery code (then used up)."""
    member = account.member
    code = code.strip().replace(" ", "")
    if code.isdigit() and len(code) == 6 and member.totp_secret:
        totp = pyotp.TOTP(member.totp_secret)
        for drift in (0, -1, 1):  # one step of clock drift either way (RFC 6238 section 5.2)
            moment = now + timedelta(seconds=30 * drift)
            if secrets.compare_digest(totp.at(moment), code):
                return uow.staff.use_totp_step(member.store_id, member.id, totp.timecode(moment))
        return False
    digest = recovery_digest(code)
    return uow.staff.use_recovery_code(member.store_id, member.id, digest, now)


def verify_code(
    uow: UnitOfWork, clock: Clock, cookie: str | None, code: str, address: str
) -> Outcome:
    """The second step: the code from the authenticator app, or a recovery code."""
    now = clock.now()
    parts = split_cookie(cookie)
    if parts is None:
        return REFUSED
    store_id, secret = parts
    with uow:
        found = uow.staff.session(store_id, _digest(secret))
        if found is None or found[1] != AWAITING_CODE:
            return REFUSED
        session = found[0]
        if now - session.created_at > CODE_STEP_TIMEOUT:
            uow.staff.delete_session(store_id, _digest(secret))
            uow.commit()
            return REFUSED
        account = uow.staff.get(store_id, session.staff_id)
        if account is None or account.member.disabled_at is not None:
            return REFUSED
        if wait := _wait(account.failures, account.failed_at, now, 5) or _address_wait(
            uow, address, now
        ):
            return Outcome("wait", retry_after=wait)
        if not _code_matches(uow, account, code, now):
            _fail(uow, [account], address, now, "code")
            return REFUSED
        uow.staff.delete_session(store_id, _digest(secret))
        return _signed_in(uow, account.member, address, now)


@dataclass(frozen=True)
class SignedIn:
    member: StaffMember
    session: StaffSession


def resolve(uow: UnitOfWork, clock: Clock, cookie: str | None) -> SignedIn | None:
    """The signed-in staff member a session cookie names, or None (expired ones deleted)."""
    parts = split_cookie(cookie)
    if parts is None:
        return None
    store_id, secret = parts
    now = clock.now()
    with uow:
        found = uow.staff.session(store_id, _digest(secret))
        if found is None or found[1] != SIGNED_IN:
            return None
        session = found[0]
        account = uow.staff.get(store_id, session.staff_id)
        if session.expired(now) or account is None or account.member.disabled_at is not None:
            uow.staff.delete_session(store_id, _digest(secret))
            uow.commit()
            return None
        if now - session.seen_at >= TOUCH_EVERY:
            uow.staff.touch_session(store_id, _digest(secret), now)
            uow.commit()
        return SignedIn(account.member, session)


def sign_out(uow: UnitOfWork, clock: Clock, cookie: str | None, address: str) -> None:
    parts = split_cookie(cookie)
    if parts is None:
        return
    store_id, secret = parts
    with uow:
        found = uow.staff.session(store_id, _digest(secret))
        uow.staff.delete_session(store_id, _digest(secret))
        account = uow.staff.get(store_id, found[0].staff_id) if found else None
        if account is not None:
            member = account.member
            append_audit(
                uow, clock.now(), member, store_id, "sign_out", member.id, None, None, address
            )
        uow.commit()

"""Staff of a store who use the dashboard: their roles, what each role may do, and the rules
that keep their accounts safe (password strength, back-off after failed sign-ins, session
lifetimes). Pure: the service layer hashes, stores and times; this module only decides.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

#: OWASP's minimum for a password without composition rules is 8; a dashboard that moves money
#: asks for 12, and no upper bound below 128 (passphrases are welcome).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
#: A session ends after this long without a request, and after this long in any case.
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
#: Failed sign-ins allowed before back-off starts, then the wait doubles per failure up to
#: the cap: 5 free tries, then 1 s, 2 s, 4 s ... 15 minutes.
FREE_FAILURES = 5
MAX_BACKOFF = timedelta(minutes=15)
#: An address gets more tries than one account (a shop's staff may share an office's NAT).
FREE_FAILURES_PER_ADDRESS = 20
RECOVERY_CODES = 10
LANGUAGES = ("en", "ar")


class Role(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    SUPPORT = "support"
    VIEWER = "viewer"

    @property
    def needs_two_factor(self) -> bool:
        """Owners and managers change the program and money's worth of points: TOTP required."""
        return self in (Role.OWNER, Role.MANAGER)


class Permission(enum.StrEnum):
    """One per kind of screen or action; every route names the one it needs."""

    VIEW = "view"  # read every screen of the store
    SERVE_CUSTOMERS = "serve_customers"  # adjust points, resend a code, cancel a redemption
    EDIT_PROGRAM = "edit_program"  # program, rewards, plans; approve held items
    MANAGE_KEYS = "manage_keys"  # create and revoke API keys
    MANAGE_STAFF = "manage_staff"  # invite staff, read the audit log


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.SUPPORT: frozenset({Permission.VIEW, Permission.SERVE_CUSTOMERS}),
    Role.MANAGER: frozenset({Permission.VIEW, Permission.SERVE_CUSTOMERS, Permission.EDIT_PROGRAM}),
    Role.OWNER: frozenset(Permission),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


class PasswordProblem(enum.StrEnum):
    """Why a password is refused; each has a sentence in the dashboard's catalogs."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    PERSONAL = "personal"


def password_problems(
    password: str, common: frozenset[str], personal: tuple[str, ...] = ()
) -> list[PasswordProblem]:
    """What is wrong with ``password`` (empty: it may be used).

    ``common`` holds lower-cased leaked passwords; ``personal`` the words an attacker tries
    first for this account (the store's name, the e-mail and its local part). A password is
    common when it, or it stripped of digits and symbols at its ends ("password123!"), is in
    the list; personal when it contains one of those words of four letters or more.
    """
    found: list[PasswordProblem] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        found.append(PasswordProblem.TOO_SHORT)
    if len(password) > MAX_PASSWORD_LENGTH:
        found.append(PasswordProblem.TOO_LONG)
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if lowered in common or (core and core in common):
        found.append(PasswordProblem.COMMON)
    squeezed = re.sub(r"\s+", "", lowered)
    words = {w for p in personal for w in _words(p.lower())}
    if any(len(w) >= 4 and w in squeezed for w in words):
        found.append(PasswordProblem.PERSONAL)
    return found


def _words(text: str) -> set[str]:
    parts = set(re.split(r"[^\w]+", text)) | {re.sub(r"\s+", "", text)}
    if "@" in text:
        parts.add(text.split("@", 1)[0])
    return {p for p in parts if p}


def backoff(failures: int, free: int = FREE_FAILURES) -> timedelta:
    """How long to wait after ``failures`` consecutive failed sign-ins before the next try."""
    if failures < free:
        return timedelta(0)
    seconds = 2 ** min(failures - free, 20)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


@dataclass(frozen=True)
class StaffMember:
    store_id: str
    id: str
    email: str
    role: Role
    language: str
    created_at: datetime
    #: None until TOTP is enrolled; required before an owner or manager can sign in.
    totp_secret: str | None = None
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class StaffSession:
    store_id: str
    staff_id: str
    created_at: datetime
    seen_at: datetime
    #: the synchroniser token every form of this session carries
    csrf_token: str

    def expired(self, now: datetime) -> bool:
        return now - self.seen_at > IDLE_TIMEOUT or now - self.created_at > ABSOLUTE_TIMEOUT

"""One error tree for everything the domain refuses.

Entrypoints translate these into their own language (an exit code, an RFC 9457 problem with a
stable ``type``), so each class carries a short machine ``code`` that never changes once
published::

    WalaaError
    ├── ValidationFailed          bad input that names a field and a reason
    ├── NotFound                  no such store, customer, transaction, hold ... in this store
    ├── Conflict
    │   ├── IdempotencyConflict   the same key was used before with another request
    │   ├── HoldAlreadyResolved   capture/release of a hold that is already settled
    │   ├── ReversalExceedsOriginal
    │   ├── AccountClosed         the customer's account was closed: no new points or spends
    │   ├── LiveStore             a test-mode feature (a test clock) asked of a live store
    │   └── ReferralStatusConflict  a referral move its status table does not allow
    ├── InsufficientPoints        a spend or hold would take the balance below zero
    └── NotConfigured             the server lacks a setting the feature needs (its secret key)
"""

from __future__ import annotations


class WalaaError(Exception):
    """Base of every error Walaa raises on purpose."""

    code = "walaa-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(WalaaError):
    """Input that cannot be accepted; ``field`` names what a client has to fix."""

    code = "validation-failed"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class NotFound(WalaaError):
    code = "not-found"


class Conflict(WalaaError):
    code = "conflict"


class IdempotencyConflict(Conflict):
    """A key is a promise that the request is the same; a different body breaks it."""

    code = "idempotency-conflict"


class HoldAlreadyResolved(Conflict):
    code = "hold-already-resolved"


class ReversalExceedsOriginal(Conflict):
    code = "reversal-exceeds-original"


class AccountClosed(Conflict):
    code = "account-closed"

    def __init__(self, customer_id: str) -> None:
        super().__init__(f"customer {customer_id!r} closed their account: it takes no new points")
        self.customer_id = customer_id


class LiveStore(Conflict):
    """The store is live, and what was asked exists only in test mode; ``field`` names the
    setting that decides it, as for :class:`ValidationFailed`."""

    code = "live-store"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ReferralStatusConflict(Conflict):
    """Approving a referral that is not held, rejecting one already rewarded ..."""

    code = "referral-status"


class InsufficientPoints(WalaaError):
    code = "insufficient-points"

    def __init__(self, requested: int, spendable: int) -> None:
        super().__init__(f"{requested} points requested but only {spendable} can be spent")
        self.requested = requested
        self.spendable = spendable


class NotConfigured(WalaaError):
    """A feature needs a server setting that is missing: widget secrets and member cards are
    derived from ``WALAA_SECRET_KEY``, and without it there is nothing to derive them from."""

    code = "not-configured"

"""Referrals: customers' codes, friends attributed to them, the fraud rules' verdicts, both
sides' rewards through the ledger, reviews, and taking the advocate's reward back.

Every handler is one database transaction that locks the friend's customer row first (the
row every ledger write of the friend takes), then the advocate's: two advocates claiming one
friend, or one friend order reported twice, queue on that lock, so the claim and the reward
are decided once. Steps are idempotent by the store's ids: a friend and an advocate make at
most one referral, the order id its qualifying order, and ledger keys are
`referral:<id>:advocate`, `referral:<id>:friend` and `referral:<id>:take-back`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from walaa.domain.errors import (
    IdempotencyConflict,
    NotFound,
    ReferralStatusConflict,
    ValidationFailed,
)
from walaa.domain.fraud import (
    FraudSettings,
    Identity,
    Newness,
    Outcome,
    RuleResult,
    VelocityCounts,
    judge,
)
from walaa.domain.program import Program
from walaa.domain.referrals import (
    REWARDING,
    ReferralPolicy,
    ReviewThen,
    Status,
    compact,
    make_code,
    move,
    reward_texts,
    share_link,
)
from walaa.service.commands import Earn, ReferralSignals, Reverse
from walaa.service.handlers import ledger
from walaa.service.handlers.context import in_force
from walaa.service.handlers.giving import month_of
from walaa.service.handlers.rewards import give_back_in, issue_free_code
from walaa.service.ports import Clock, UnitOfWork
from walaa.service.referral_ports import (
    AdvocateTotals,
    ReferralCode,
    ReferralRecord,
    ReferralsRepository,
)

WEEK, DAY = timedelta(days=7), timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CustomerReferral:
    customer_id: str
    code: str
    link: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Referred:
    referral: ReferralRecord
    replayed: bool


@dataclass(frozen=True, slots=True)
class FriendOrder:
    """A friend's paid order as the referral rules read it."""

    order_id: str
    placed_at: datetime
    spend: Decimal


def _digest(value: object) -> str:
    """A fingerprint of what the store sent, so a resent sign-up is known as a replay."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _policy(program: Program | None) -> ReferralPolicy:
    if program is None or program.referrals is None:
        raise NotFound("this store's program has no referrals: section")
    return program.referrals


def _new_id() -> str:
    return f"rf_{secrets.token_hex(8)}"


# --- codes -----------------------------------------------------------------------------------


def _issue_code(
    repo: ReferralsRepository, policy: ReferralPolicy, customer_id: str, now: datetime
) -> ReferralCode:
    """A fresh code; a collision (1 in 2^40 per code already issued) draws again."""
    while True:
        code = make_code(policy.code_pattern)
        if repo.add_code(customer_id, code, compact(code), now):
            return ReferralCode(code, customer_id, now)


def _customer_referral(policy: ReferralPolicy, found: ReferralCode) -> CustomerReferral:
    return CustomerReferral(
        found.customer_id, found.code, share_link(policy.link, found.code), found.created_at
    )


def referral_of(uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str) -> CustomerReferral:
    """The customer's code and share link, made the first time they are asked for."""
    now = clock.now()
    with uow:
        policy = _policy(in_force(uow, store_id))
        _lock_known(uow, store_id, customer_id)
        repo = uow.referrals(store_id)
        found = repo.current_code(customer_id)
        if found is None:
            found = _issue_code(repo, policy, customer_id, now)
            uow.commit()
    return _customer_referral(policy, found)


def rotate_code(uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str) -> CustomerReferral:
    """Retire the customer's code (it refers no one any more) and give them a new one."""
    now = clock.now()
    with uow:
        policy = _policy(in_force(uow, store_id))
        _lock_known(uow, store_id, customer_id)
        repo = uow.referrals(store_id)
        repo.retire_codes(customer_id, now)
        found = _issue_code(repo, policy, customer_id, now)
        uow.commit()
    return _customer_referral(policy, found)


def _lock_known(uow: UnitOfWork, store_id: str, customer_id: str) -> None:
    if uow.ledger(store_id).lock_customer(customer_id, create=False) is None:
        raise NotFound(f"customer {customer_id!r} does not exist in this store")


# --- attribution -----------------------------------------------------------------------------


def refer(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    friend_id: str,
    code: str,
    signals: ReferralSignals,
) -> Referred:
    """A friend signed up with a code: judge the referral and reward the friend if it passes."""
    now = clock.now()
    digest = _digest({"friend": friend_id, "code": compact(code), "signals": asdict(signals)})
    with uow:
        program = in_force(uow, store_id)
        policy = _policy(program)
        assert program is not None
        uow.ledger(store_id).lock_customer(friend_id, create=True)
        owner = _owner(uow.referrals(store_id), code)
        if owner is None:
            raise NotFound(f"no referral code {code!r} in this store")
        earlier = uow.referrals(store_id).get_pair(friend_id, owner.customer_id)
        if earlier is not None:
            if earlier.request_hash != digest:
                raise IdempotencyConflict(
                    f"friend {friend_id!r} was already referred with this code and other signals"
                )
            return Referred(earlier, True)
        result = _attribute(uow, program, policy, store_id, friend_id, owner, signals, digest, now)
        if not result.replayed:
            uow.commit()
    return result


def _owner(repo: ReferralsRepository, code: str) -> ReferralCode | None:
    found = repo.code_owner(compact(code))
    return found if found is not None and found.retired_at is None else None


def _attribute(
    uow: UnitOfWork,
    program: Program,
    policy: ReferralPolicy,
    store_id: str,
    friend_id: str,
    owner: ReferralCode,
    signals: ReferralSignals,
    digest: str,
    now: datetime,
) -> Referred:
    """The referral of this friend by the code's owner: the one already made, or a new one
    judged by the rules. Runs under the friend's lock."""
    repo = uow.referrals(store_id)
    existing = repo.get_pair(friend_id, owner.customer_id)
    if existing is not None:  # signed up with the code before, and now it is on the order
        return Referred(existing, True)
    if owner.customer_id != friend_id:
        _lock_known(uow, store_id, owner.customer_id)
    repo.add_signals(friend_id, signals.identity_parts(), now)
    outcome, results = judge(
        policy.fraud,
        _identity(uow, store_id, owner.customer_id),
        _identity(uow, store_id, friend_id),
        _newness(repo, friend_id, owner.customer_id),
        _velocity(repo, owner.customer_id, signals, now),
    )
    status = {
        Outcome.REJECT: Status.REJECTED,
        Outcome.HOLD: Status.HELD,
        Outcome.PASS: Status.SIGNED_UP,
    }[outcome]
    record = ReferralRecord(
        id=_new_id(),
        advocate_id=owner.customer_id,
        friend_id=friend_id,
        code=owner.code,
        status=status.value,
        signed_up_at=now,
        rules=[_rule_row(r) for r in results],
        request_hash=digest,
        created_at=now,
        ip=signals.ip,
        device=signals.device,
    )
    repo.add(record)
    if status is not Status.REJECTED:
        repo.claim(friend_id, record.id)
    if status is Status.SIGNED_UP:
        record = _reward_friend(uow, program, policy, store_id, record, now)
    return Referred(record, False)


def _rule_row(result: RuleResult) -> dict[str, str]:
    return {"rule": result.rule, "outcome": result.outcome.value, "en": result.en, "ar": result.ar}


def _identity(uow: UnitOfWork, store_id: str, customer_id: str) -> Identity:
    """The customer's profile and every signal the store sent about them."""
    profile = uow.customers.profile(store_id, customer_id)
    parts = uow.referrals(store_id).signals_of(customer_id)
    values: dict[str, list[str]] = {
        "email": [],
        "phone": [],
        "address": [],
        "payment": [],
        "name": [],
    }
    for kind, value in parts:
        values.setdefault(kind, []).append(value)
    if profile is not None:
        values["email"] += [profile.email] if profile.email else []
        values["name"] += [profile.name] if profile.name else []
        values["phone"] += [profile.phone] if profile.phone else []
    return Identity.of(
        customer_id,
        emails=values["email"],
        phones=values["phone"],
        addresses=values["address"],
        payments=values["payment"],
        names=values["name"],
    )


def _newness(
    repo: ReferralsRepository, friend_id: str, advocate_id: str, order_id: str | None = None
) -> Newness:
    claimed = repo.claimed(friend_id)
    referred_by = claimed.advocate_id if claimed and claimed.advocate_id != advocate_id else None
    return Newness(repo.had_paid_order(friend_id, other_than=order_id), referred_by)


def _velocity(
    repo: ReferralsRepository, advocate_id: str, signals: ReferralSignals, now: datetime
) -> VelocityCounts:
    """Referrals counted so far, this one included (it is not stored yet)."""
    ip = repo.count_since("ip", signals.ip, now - WEEK) + 1 if signals.ip else 0
    device = repo.count_since("device", signals.device, now - WEEK) + 1 if signals.device else 0
    advocate = repo.count_since("advocate_id", advocate_id, now - DAY) + 1
    return VelocityCounts(ip=ip, device=device, advocate_day=advocate)


def of_order(
    uow: UnitOfWork, program: Program | None, store_id: str, order_id: str
) -> ReferralRecord | None:
    """The referral an order qualified (what a replay of the order answers again)."""
    if program is None or program.referrals is None:
        return None
    found = uow.referrals(store_id).of_order(order_id)
    return found[0] if found else None


# --- the friend's qualifying order ------------------------------------------------------------


def after_paid_order(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    friend_id: str,
    order: FriendOrder,
    code: str | None,
    signals: ReferralSignals | None,
    now: datetime,
) -> ReferralRecord | None:
    """Inside the order's own transaction (the friend is locked): attribute the order's code,
    then see whether it is the qualifying order of the friend's referral."""
    policy = program.referrals
    if policy is None:
        return None
    repo = uow.referrals(store_id)
    if signals is not None:
        repo.add_signals(friend_id, signals.identity_parts(), now)
    referral = None
    if code:
        owner = _owner(repo, code)
        if owner is not None:
            digest = _digest({"friend": friend_id, "code": owner.code, "order": order.order_id})
            made = _attribute(
                uow,
                program,
                policy,
                store_id,
                friend_id,
                owner,
                signals or ReferralSignals(),
                digest,
                now,
            )
            referral = made.referral
    if referral is None or referral.status == Status.REJECTED:
        referral = repo.claimed(friend_id)
    if referral is None or referral.order_id is not None:
        return referral
    return _qualify(uow, program, policy, store_id, referral, order, now)


def _qualify(
    uow: UnitOfWork,
    program: Program,
    policy: ReferralPolicy,
    store_id: str,
    referral: ReferralRecord,
    order: FriendOrder,
    now: datetime,
) -> ReferralRecord:
    """The friend's paid order meets their referral: it qualifies, waits for review, or ends
    the referral (too late, too small, or a rule found the friend is the advocate)."""
    repo = uow.referrals(store_id)
    status = Status(referral.status)
    if status not in (Status.SIGNED_UP, Status.HELD, Status.APPROVED):
        return referral
    if policy.first_paid_order and repo.had_paid_order(
        referral.friend_id, other_than=order.order_id
    ):
        return referral  # only the first paid order could have qualified
    waiting = status in (Status.SIGNED_UP, Status.APPROVED)
    if waiting and policy.expired(referral.signed_up_at, order.placed_at):
        return _end(repo, referral, Status.EXPIRED, [], now)
    if not policy.qualifies(order.spend):
        if not policy.first_paid_order:
            return referral  # a later, bigger order may still qualify
        return _end(repo, referral, Status.REJECTED, [_too_small(policy, order)], now)
    referral = _with_order(repo, referral, order)
    if status is Status.SIGNED_UP:
        checks = FraudSettings(
            self_referral=policy.fraud.self_referral,
            not_new=False,
            velocity=None,
            max_distance=policy.fraud.max_distance,
        )
        outcome, results = judge(
            checks,
            _identity(uow, store_id, referral.advocate_id),
            _identity(uow, store_id, referral.friend_id),
            Newness(),
            VelocityCounts(),
        )
        rows = [_rule_row(r) for r in results]
        if outcome is Outcome.REJECT:
            return _end(repo, referral, Status.REJECTED, rows, now)
        target = Status.HELD if outcome is Outcome.HOLD else Status.QUALIFIED
        referral = _moved(repo, referral, target, rows)
    if Status(referral.status) in (Status.QUALIFIED, Status.APPROVED):
        referral = _reward(uow, program, policy, store_id, referral, now)
    return referral


def _too_small(policy: ReferralPolicy, order: FriendOrder) -> dict[str, str]:
    least = policy.min_order
    return {
        "rule": "qualifying_order",
        "outcome": Outcome.REJECT.value,
        "en": f"the friend's first paid order ({order.spend}) is below the {least} it needs",
        "ar": f"أول طلب مدفوع للصديق ({order.spend}) أقل من {least} المطلوبة",
    }


def _with_order(
    repo: ReferralsRepository, referral: ReferralRecord, order: FriendOrder
) -> ReferralRecord:
    values: dict[str, Any] = {
        "order_id": order.order_id,
        "order_spend": str(order.spend),
        "order_placed_at": order.placed_at,
    }
    return _changed(repo, referral, **values)


def _changed(repo: ReferralsRepository, referral: ReferralRecord, **values: Any) -> ReferralRecord:
    """Store the changes and answer the referral as it now is."""
    repo.update(referral.id, **values)
    return replace(referral, **values)


def _moved(
    repo: ReferralsRepository,
    referral: ReferralRecord,
    to: Status,
    rules: list[dict[str, str]],
    **values: Any,
) -> ReferralRecord:
    status = move(Status(referral.status), to).value
    return _changed(repo, referral, status=status, rules=[*referral.rules, *rules], **values)


def _end(
    repo: ReferralsRepository,
    referral: ReferralRecord,
    to: Status,
    rules: list[dict[str, str]],
    now: datetime,
    **values: Any,
) -> ReferralRecord:
    """Reject or expire: the friend is free to be referred again."""
    ended = _moved(repo, referral, to, rules, decided_at=now, **values)
    repo.release(referral.friend_id, referral.id)
    return ended


# --- rewards ---------------------------------------------------------------------------------


def _reward(
    uow: UnitOfWork,
    program: Program,
    policy: ReferralPolicy,
    store_id: str,
    referral: ReferralRecord,
    now: datetime,
) -> ReferralRecord:
    """Both sides' rewards, once each: the friend's if not given yet, and the advocate's,
    pending until the friend's order is past the return window, unless a cap is reached."""
    referral = _reward_friend(uow, program, policy, store_id, referral, now)
    if referral.advocate_reward != "none" or referral.order_placed_at is None:
        return referral
    repo = uow.referrals(store_id)
    month_start, _ = month_of(referral.order_placed_at, program.tz)
    if policy.capped(
        repo.rewarded_since(referral.advocate_id, month_start),
        repo.rewarded_since(referral.advocate_id, None),
    ):
        return _changed(repo, referral, advocate_reward="capped")
    grant = policy.advocate
    values: dict[str, Any] = {"advocate_reward": "granted"}
    if grant.points is not None:
        available_at = policy.advocate_available_at(
            referral.order_placed_at, program.return_window_days, now
        )
        earn = Earn(
            store_id,
            referral.advocate_id,
            f"referral:{referral.id}:advocate",
            grant.points,
            available_at=available_at,
            expires_at=program.expiry.expires_at(available_at or now),
            reason="referral",
            reference=referral.id,
            details={
                "explanations": _texts(program, policy, grant.points, advocate=True),
            },
            refers_to=(("referral", referral.id), ("friend_order", referral.order_id or "")),
        )
        values["advocate_transaction_id"] = ledger.earn_in(
            uow.ledger(store_id), earn, now
        ).transaction_id
    elif grant.reward_id is not None:
        code = issue_free_code(
            uow,
            store_id,
            referral.advocate_id,
            grant.reward_id,
            f"referral:{referral.id}:advocate",
            now,
        )
        if code is None:
            values["advocate_reward"] = "capped"  # the catalog has none left
    return _changed(repo, referral, **values)


def _texts(
    program: Program, policy: ReferralPolicy, points: int, *, advocate: bool
) -> dict[str, list[str]]:
    texts = reward_texts(program.points_name, policy.name, points, advocate)
    return {language: [text] for language, text in texts.items()}


def _reward_friend(
    uow: UnitOfWork,
    program: Program,
    policy: ReferralPolicy,
    store_id: str,
    referral: ReferralRecord,
    now: datetime,
) -> ReferralRecord:
    """The friend's welcome: points, or a catalog reward's code for their first order."""
    if referral.friend_rewarded:
        return referral
    if uow.referrals(store_id).friend_welcomed(referral.friend_id):
        return referral  # a friend is welcomed once, even when referred again later
    grant = policy.friend
    values: dict[str, Any] = {"friend_rewarded": True}
    key = f"referral:{referral.id}:friend"
    if grant.points is not None:
        earn = Earn(
            store_id,
            referral.friend_id,
            key,
            grant.points,
            expires_at=program.expiry.expires_at(now),
            reason="referral",
            reference=referral.id,
            details={"explanations": _texts(program, policy, grant.points, advocate=False)},
            refers_to=(("referral", referral.id),),
        )
        values["friend_transaction_id"] = ledger.earn_in(
            uow.ledger(store_id), earn, now
        ).transaction_id
    elif grant.reward_id is not None:
        code = issue_free_code(uow, store_id, referral.friend_id, grant.reward_id, key, now)
        values["friend_redemption_id"] = code.id if code is not None else None
    return _changed(uow.referrals(store_id), referral, **values)


# --- refunds take the advocate's reward back ---------------------------------------------------


def after_refund(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    order_id: str,
    refund_id: str,
    remaining: Decimal,
    now: datetime,
) -> list[ReferralRecord]:
    """Inside the refund's transaction: a refund or cancellation within the return window
    that leaves the friend's order below what qualifies ends its referral. A rewarded one is
    reversed, the advocate's reward taken back; a held one is rejected, so no later approval
    pays for an order that was returned."""
    policy = program.referrals
    if policy is None:
        return []
    repo = uow.referrals(store_id)
    ended = []
    for referral in repo.of_order(order_id):
        placed = referral.order_placed_at
        if placed is None or now >= placed + timedelta(days=program.return_window_days):
            continue  # past the window: the order stood, and so does the referral
        if policy.qualifies(remaining):
            continue
        status = Status(referral.status)
        if status is Status.HELD:
            ended.append(_end(repo, referral, Status.REJECTED, [_returned(order_id)], now))
        elif status in REWARDING:
            changed: dict[str, Any] = {"decided_at": now}
            if referral.advocate_reward == "granted":
                _take_back(uow, store_id, referral, order_id, refund_id, now)
                changed["advocate_reward"] = "taken_back"
            ended.append(_moved(repo, referral, Status.REVERSED, [], **changed))
    return ended


def _returned(order_id: str) -> dict[str, str]:
    return {
        "rule": "qualifying_order",
        "outcome": Outcome.REJECT.value,
        "en": f"the friend's order {order_id} was returned within the return window",
        "ar": f"أُرجع طلب الصديق {order_id} خلال مدة الإرجاع",
    }


def _take_back(
    uow: UnitOfWork,
    store_id: str,
    referral: ReferralRecord,
    order_id: str,
    refund_id: str,
    now: datetime,
) -> None:
    if referral.advocate_transaction_id is not None:
        reverse = Reverse(
            store_id,
            referral.advocate_id,
            f"referral:{referral.id}:take-back",
            referral.advocate_transaction_id,
            reason="referral: friend's order refunded",
            refers_to=(("referral", referral.id), ("refund", refund_id), ("order", order_id)),
        )
        ledger.reverse_in(uow.ledger(store_id), reverse, now)
        return
    # the advocate's catalog code is found again by the key that issued it
    found = uow.rewards(store_id).by_request_key(f"referral:{referral.id}:advocate")
    if (
        found is not None
        and found.status == "issued"
        and not uow.rewards(store_id).uses_of(found.code)
    ):
        give_back_in(uow, store_id, referral.advocate_id, found.id, now)


# --- reviews ---------------------------------------------------------------------------------


def review(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    referral_id: str,
    *,
    approve: bool,
    staff: str,
    reason: str,
) -> Referred:
    """A staff member approves or rejects a held referral, with their reason. Deciding the
    same way again is a replay; the other way is a conflict."""
    if not staff.strip():
        raise ValidationFailed("staff", "name the staff member who decided")
    if not reason.strip():
        raise ValidationFailed("reason", "say why")
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        policy = _policy(program)
        assert program is not None
        found = _locked(uow, store_id, referral_id)
        if found is None:
            raise NotFound(f"referral {referral_id!r} does not exist in this store")
        target = Status.APPROVED if approve else Status.REJECTED
        if found.status == target and found.decided_by == staff:
            return Referred(found, True)
        if found.status != Status.HELD:
            raise ReferralStatusConflict(
                f"referral {referral_id!r} is {found.status}: only a held referral is reviewed"
            )
        decided = _decide(uow, program, policy, store_id, found, target, staff, reason, now)
        uow.commit()
    return Referred(decided, False)


def _decide(
    uow: UnitOfWork,
    program: Program,
    policy: ReferralPolicy,
    store_id: str,
    referral: ReferralRecord,
    target: Status,
    staff: str,
    reason: str,
    now: datetime,
) -> ReferralRecord:
    repo = uow.referrals(store_id)
    who = {"decided_by": staff, "decision_reason": reason}
    if target is Status.REJECTED:
        return _end(repo, referral, target, [], now, **who)
    decided = _moved(repo, referral, target, [], decided_at=now, **who)
    return _reward(uow, program, policy, store_id, decided, now)


def _locked(uow: UnitOfWork, store_id: str, referral_id: str) -> ReferralRecord | None:
    """The referral read again under its friend's lock, the lock every step of it takes."""
    repo = uow.referrals(store_id)
    found = repo.get(referral_id)
    if found is None:
        return None
    uow.ledger(store_id).lock_customer(found.friend_id, create=False)
    return repo.get(referral_id, lock=True)


def run_reviews(uow: UnitOfWork, clock: Clock, store_id: str, limit: int = 500) -> tuple[int, int]:
    """The worker's job: decide held referrals left `review.after_days` as the program says,
    and expire sign-ups past their lifetime. Returns (decided, expired)."""
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        policy = program.referrals if program else None
        if policy is None:
            return 0, 0
        repo = uow.referrals(store_id)
        held = []
        if policy.review_after_days is not None:
            held = repo.held_before(now - timedelta(days=policy.review_after_days), limit)
        stale = repo.signed_up_before(now - timedelta(days=policy.lifetime_days), limit)
    decided = sum(_auto_decide(uow, now, store_id, r.id) for r in held)
    expired = sum(_expire(uow, now, store_id, r.id) for r in stale)
    return decided, expired


def _auto_decide(uow: UnitOfWork, now: datetime, store_id: str, referral_id: str) -> bool:
    with uow:
        program = in_force(uow, store_id)
        policy = _policy(program)
        assert program is not None and policy.review_after_days is not None
        found = _locked(uow, store_id, referral_id)
        if found is None or found.status != Status.HELD:
            return False  # a person decided it in the meantime
        target = Status.APPROVED if policy.review_then is ReviewThen.APPROVE else Status.REJECTED
        days = policy.review_after_days
        reason = f"not reviewed within {days} days: {policy.review_then.value}d as the program says"
        _decide(uow, program, policy, store_id, found, target, "walaa", reason, now)
        uow.commit()
    return True


def _expire(uow: UnitOfWork, now: datetime, store_id: str, referral_id: str) -> bool:
    with uow:
        found = _locked(uow, store_id, referral_id)
        if found is None or found.status != Status.SIGNED_UP:
            return False
        _end(uow.referrals(store_id), found, Status.EXPIRED, [], now)
        uow.commit()
    return True


# --- reading ---------------------------------------------------------------------------------


def get_referral(uow: UnitOfWork, store_id: str, referral_id: str) -> ReferralRecord:
    with uow:
        found = uow.referrals(store_id).get(referral_id)
    if found is None:
        raise NotFound(f"referral {referral_id!r} does not exist in this store")
    return found


def list_referrals(
    uow: UnitOfWork, store_id: str, status: str | None, limit: int = 100, after: str | None = None
) -> list[ReferralRecord]:
    if status is not None and status not in {s.value for s in Status}:
        raise ValidationFailed("status", "use one of " + ", ".join(s.value for s in Status))
    with uow:
        return uow.referrals(store_id).listed(status, limit, after)


@dataclass(frozen=True, slots=True)
class ReferralReport:
    """Per advocate: referred, qualified, rejected by rule, rewarded; per program: the
    friends' qualifying orders still standing (not reversed), their count and revenue."""

    currency: str
    advocates: list[AdvocateTotals]
    orders: int
    revenue: Decimal


def report(uow: UnitOfWork, store_id: str, advocate_id: str | None = None) -> ReferralReport:
    with uow:
        program = in_force(uow, store_id)
        _policy(program)
        assert program is not None
        repo = uow.referrals(store_id)
        advocates = repo.advocate_totals(advocate_id)
        orders = repo.friends_orders() if advocate_id is None else []
    revenue = sum((Decimal(spend) for _, spend in orders), Decimal(0))
    return ReferralReport(program.currency, advocates, len(orders), revenue)

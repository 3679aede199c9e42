"""The fraud rules of a referral program, each a pure function of the facts it needs that
returns a `RuleResult`: whether it passed, rejects the referral or holds it for review, and
why, in English and Arabic. `judge` runs the rules the program turned on, in a fixed order.

* self-referral (rejects): the friend is the advocate, by customer id, or by a normalised
  e-mail, phone, shipping-address hash or payment fingerprint they share;
* not new (rejects): the friend already had a paid order, or another advocate referred them
  first;
* velocity (rejects): more than N referrals in 7 days from one IP address or one device, or
  more than N in 24 hours from one advocate (counting this one);
* similarity (holds): a friend's e-mail local part or name at most `max_distance` edits from
  the advocate's (see `walaa.domain.fraud.similarity`), compared only when the shorter text
  has at least `MIN_COMPARED` characters, since short names collide by chance.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from walaa.domain.fraud.identity import Identity, local_part
from walaa.domain.fraud.similarity import edit_distance

MIN_COMPARED = 5


class Outcome(StrEnum):
    PASS = "pass"
    REJECT = "reject"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    outcome: Outcome
    en: str
    ar: str

    @property
    def fired(self) -> bool:
        return self.outcome is not Outcome.PASS

    def explanation(self) -> dict[str, str]:
        return {"en": self.en, "ar": self.ar}


@dataclass(frozen=True, slots=True)
class Velocity:
    """At most this many referrals per IP or device in 7 days, per advocate in a day."""

    per_ip_per_week: int | None = 5
    per_device_per_week: int | None = 5
    per_advocate_per_day: int | None = 10


@dataclass(frozen=True, slots=True)
class VelocityCounts:
    """Referrals counted so far, this one included."""

    ip: int = 0
    device: int = 0
    advocate_day: int = 0


@dataclass(frozen=True, slots=True)
class Newness:
    """What Walaa knows of the friend before this referral."""

    had_paid_order: bool = False
    #: the advocate who referred them first, if another did
    referred_by: str | None = None


@dataclass(frozen=True, slots=True)
class FraudSettings:
    """Which rules run; a rule set to False, or a limit of None, is off."""

    self_referral: bool = True
    not_new: bool = True
    velocity: Velocity | None = Velocity()
    #: edits at most this far apart hold the referral; None turns similarity off
    max_distance: int | None = 2


_KINDS_AR = {
    "email": "البريد",
    "phone": "الهاتف",
    "address": "عنوان الشحن",
    "payment": "وسيلة الدفع",
}
_KINDS_EN = {
    "email": "e-mail",
    "phone": "phone",
    "address": "shipping address",
    "payment": "payment",
}


def _passed(rule: str, en: str, ar: str) -> RuleResult:
    return RuleResult(rule, Outcome.PASS, en, ar)


def self_referral(advocate: Identity, friend: Identity) -> RuleResult:
    """Rejects a friend who is the advocate: the same customer, or a shared signal."""
    if advocate.customer_id == friend.customer_id:
        return RuleResult(
            "self_referral",
            Outcome.REJECT,
            "self-referral: the friend is the advocate (same customer)",
            "إحالة ذاتية: الصديق هو صاحب الإحالة نفسه (العميل نفسه)",
        )
    shared = advocate.shared_with(friend)
    if shared:
        return RuleResult(
            "self_referral",
            Outcome.REJECT,
            "self-referral: the friend shares the advocate's "
            + ", ".join(_KINDS_EN[k] for k in shared),
            "إحالة ذاتية: يشترك الصديق مع صاحب الإحالة في "
            + "، ".join(_KINDS_AR[k] for k in shared),
        )
    return _passed(
        "self_referral",
        "not a self-referral: no e-mail, phone, address or payment in common",
        "ليست إحالة ذاتية: لا بريد ولا هاتف ولا عنوان ولا وسيلة دفع مشتركة",
    )


def not_new(newness: Newness) -> RuleResult:
    """Rejects a friend who already ordered or was referred by someone else first."""
    if newness.had_paid_order:
        return RuleResult(
            "not_new",
            Outcome.REJECT,
            "not new: the friend already had a paid order",
            "ليس عميلاً جديداً: للصديق طلب مدفوع سابق",
        )
    if newness.referred_by is not None:
        return RuleResult(
            "not_new",
            Outcome.REJECT,
            "not new: the friend was already referred by another customer",
            "ليس عميلاً جديداً: أحال عميل آخر هذا الصديق من قبل",
        )
    return _passed("not_new", "a new customer", "عميل جديد")


def velocity(counts: VelocityCounts, limits: Velocity) -> RuleResult:
    """Rejects the referral that takes an IP, a device or an advocate past its limit."""
    checks = (
        (
            limits.per_ip_per_week,
            counts.ip,
            "from one IP address in 7 days",
            "من عنوان IP واحد خلال 7 أيام",
        ),
        (
            limits.per_device_per_week,
            counts.device,
            "from one device in 7 days",
            "من جهاز واحد خلال 7 أيام",
        ),
        (
            limits.per_advocate_per_day,
            counts.advocate_day,
            "from one advocate in 24 hours",
            "من صاحب إحالة واحد خلال 24 ساعة",
        ),
    )
    for limit, count, en, ar in checks:
        if limit is not None and count > limit:
            return RuleResult(
                "velocity",
                Outcome.REJECT,
                f"velocity: {count} referrals {en}, more than the {limit} allowed",
                f"سرعة مفرطة: {count} إحالات {ar}، أكثر من {limit} المسموح بها",
            )
    return _passed("velocity", "within the velocity limits", "ضمن حدود السرعة")


def _closest(mine: Iterable[str], theirs: Iterable[str]) -> int | None:
    """The smallest distance between any pair long enough to compare, or None."""
    distances = [
        edit_distance(a, b) for a in mine for b in theirs if min(len(a), len(b)) >= MIN_COMPARED
    ]
    return min(distances) if distances else None


def similarity(advocate: Identity, friend: Identity, max_distance: int) -> RuleResult:
    """Holds a friend whose e-mail local part or name is within `max_distance` edits of the
    advocate's (identical e-mails are the self-referral rule's)."""
    pairs = (
        (
            "e-mail",
            "البريد",
            {local_part(e) for e in advocate.emails},
            {local_part(e) for e in friend.emails - advocate.emails},
        ),
        ("name", "الاسم", advocate.names, friend.names),
    )
    for en, ar, mine, theirs in pairs:
        distance = _closest(mine, theirs)
        if distance is not None and distance <= max_distance:
            return RuleResult(
                "similarity",
                Outcome.HOLD,
                f"similarity: the friend's {en} is {_edits_en(distance)} from the advocate's "
                f"(at most {max_distance} are held for review)",
                f"تشابه: {ar} الصديق على بعد {_edits_ar(distance)} من {ar} صاحب الإحالة "
                f"(يُحتجز للمراجعة ما كان على بعد {max_distance} أو أقل)",
            )
    return _passed(
        "similarity",
        "the friend's e-mail and name are not close to the advocate's",
        "بريد الصديق واسمه لا يشبهان بريد صاحب الإحالة واسمه",
    )


def judge(
    settings: FraudSettings,
    advocate: Identity,
    friend: Identity,
    newness: Newness,
    counts: VelocityCounts,
) -> tuple[Outcome, tuple[RuleResult, ...]]:
    """Every rule the program turned on, and the verdict: any reject rejects, else any hold
    holds, else the referral passes."""
    results: list[RuleResult] = []
    if settings.self_referral:
        results.append(self_referral(advocate, friend))
    if settings.not_new:
        results.append(not_new(newness))
    if settings.velocity is not None:
        results.append(velocity(counts, settings.velocity))
    if settings.max_distance is not None:
        results.append(similarity(advocate, friend, settings.max_distance))
    return verdict(results), tuple(results)


def verdict(results: Sequence[RuleResult]) -> Outcome:
    outcomes = {r.outcome for r in results}
    if Outcome.REJECT in outcomes:
        return Outcome.REJECT
    return Outcome.HOLD if Outcome.HOLD in outcomes else Outcome.PASS


def _edits_en(n: int) -> str:
    return f"{n} edit" if n == 1 else f"{n} edits"


def _edits_ar(n: int) -> str:
    """The count with the noun in the number Arabic grammar asks of it: one, two, 3-10, 11+."""
    if n == 1:
        return "تعديل واحد"
    if n == 2:
        return "تعديلين"
    if 3 <= n % 100 <= 10:
        return f"{n} تعديلات"
    return f"{n} تعديلًا"

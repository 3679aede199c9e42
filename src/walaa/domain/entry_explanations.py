"""Why a ledger entry happened, built from its facts, for every kind of entry.

An award explains itself through its rules (:mod:`walaa.domain.earning`). Every other entry —
a spend, a hold, its capture or release, an expiry, a reversal, a staff adjustment, and any kind
added later — is explained here from what the ledger already knows about it: its kind, the
points, what it refers to (an order, a reward, a code, a hold, a refund ...), the reason a
person gave, and the lots it moved. Nothing here is stored as prose: :func:`explain_entry`
returns :class:`~walaa.domain.explanations.Explanation` values that are rendered in the reader's
language when the history is read, so an entry written today reads well in Arabic and English
alike, and a new kind only needs catalog keys (a missing one falls back to a generic line).

The lots matter for trust: a spend or an expiry lists the lots it took from, oldest first, with
the date each was earned, so the customer can see that the oldest points went first (FIFO).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from walaa.domain.explanations import Explanation, Label

#: The refers-to keys an entry may carry, in the order an explanation names them.
REFERENCE_KINDS = (
    "order",
    "refund",
    "redemption",
    "reward",
    "code",
    "hold",
    "membership",
    "event",
    "transaction",
    "milestone",
    "account",
    "cause",
    "referral",
)


@dataclass(frozen=True, slots=True)
class LotChange:
    """One lot an entry moved: negative took points from it, positive gave them back."""

    lot_id: int
    earned_at: datetime
    points: int
    #: what the lot was earned by (the earning entry's reference: an order or event id)
    source: str | None = None


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """What the ledger knows about one entry, enough to say why it happened.

    ``change`` is the customer's net change across available, pending and held: it tells a
    reversal that gave points back from one that took them.
    """

    kind: str
    points: int
    change: int
    refers_to: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None
    lots: tuple[LotChange, ...] = ()
    #: the lot the entry itself created (a credit), whose own movements repay a debt
    own_lot: int | None = None


def primary_reference(refers_to: Mapping[str, str]) -> str | None:
    """The one id an entry is best known by: the first present in :data:`REFERENCE_KINDS`."""
    for kind in REFERENCE_KINDS:
        if refers_to.get(kind):
            return refers_to[kind]
    for value in refers_to.values():
        return value
    return None


def explain_entry(facts: EntryFacts) -> tuple[Explanation, ...]:
    """The entry's reason first, then one line per lot it took from or gave back to."""
    head = _headline(facts)
    lots = tuple(_lot_line(facts, lot) for lot in facts.lots)
    return (head, *lots)


def _headline(facts: EntryFacts) -> Explanation:
    refs = dict(facts.refers_to)
    points = facts.points
    kind = facts.kind
    if kind == "adjust":
        key = "entry.adjust.give" if facts.change > 0 else "entry.adjust.take"
        return Explanation.of(key, points=points, reason=facts.reason or "")
    if kind == "reversal":
        return _reversal(facts, refs)
    if kind == "forfeit":
        if facts.reason:
            return Explanation.of("entry.forfeit.reason", points=points, reason=facts.reason)
        return Explanation.of("entry.forfeit", points=points)
    variants = _VARIANTS.get(kind)
    if variants is None:
        return Explanation.of("entry.generic", points=points, kind=Label(kind))
    for key, needs in variants:
        if all(refs.get(name) for name in needs):
            params: dict[str, str | int] = {
                name: int(refs[name]) if name in _COUNTS else refs[name] for name in needs
            }
            if facts.reason and key.endswith(".reason"):
                params["reason"] = facts.reason
            return Explanation.of(key, points=points, **params)
    return Explanation.of(f"entry.{kind}", points=points)


#: References that are counts of points or uses, shown as numbers.
_COUNTS = frozenset({"released", "unused_uses", "forgiven", "inactive_days"})

#: Per kind, the headline variants from the most specific to the plainest, with the
#: references each one names.
_VARIANTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "earn": (
        ("entry.earn.referral.advocate", ("referral", "friend_order")),
        ("entry.earn.referral.friend", ("referral",)),
        ("entry.earn.membership", ("membership",)),
        ("entry.earn.order", ("order",)),
        ("entry.earn.event", ("event",)),
        ("entry.earn", ()),
    ),
    "spend": (
        ("entry.spend.reward", ("reward", "redemption")),
        ("entry.spend.order", ("order",)),
        ("entry.spend.cause", ("cause", "gift")),
        ("entry.spend", ()),
    ),
    "hold": (
        ("entry.hold", ("hold",)),
        ("entry.hold.plain", ()),
    ),
    "capture": (
        ("entry.capture.order.partial", ("order", "hold", "released")),
        ("entry.capture.order", ("order", "hold")),
        ("entry.capture", ("hold",)),
        ("entry.capture.plain", ()),
    ),
    "release": (
        ("entry.release", ("hold",)),
        ("entry.release.plain", ()),
    ),
    "mature": (("entry.mature", ()),),
    "expire": (
        ("entry.expire.inactive", ("inactive_days",)),
        ("entry.expire", ()),
    ),
}


def _reversal(facts: EntryFacts, refs: dict[str, str]) -> Explanation:
    """A reversal says why (a refund, a cancellation, a cancelled code) and which way."""
    direction = "back" if facts.change > 0 else "taken"
    points = facts.points
    if refs.get("referral") and refs.get("order"):  # the friend's order, not the advocate's
        return Explanation.of(
            "entry.reversal.referral", points=points, referral=refs["referral"], order=refs["order"]
        )
    if refs.get("refund") and refs.get("order"):
        cancelled = refs["refund"].endswith(":cancel")
        key = "cancel" if cancelled else "refund"
        params = {"order": refs["order"]}
        if not cancelled:
            params["refund"] = refs["refund"]
        # Points that had paid for the order, by a reward's code or a checkout hold.
        if direction == "back" and refs.get("redemption") and refs.get("reward"):
            params.update(redemption=refs["redemption"], reward=refs["reward"])
            return Explanation.of(f"entry.reversal.{key}.code", points=points, **params)
        if direction == "back" and refs.get("hold"):
            params["hold"] = refs["hold"]
            return Explanation.of(f"entry.reversal.{key}.paid", points=points, **params)
        if direction == "taken" and refs.get("forgiven"):  # capped at the balance
            return Explanation.of(
                f"entry.reversal.{key}.taken.forgiven",
                points=points,
                forgiven=int(refs["forgiven"]),
                **params,
            )
        return Explanation.of(f"entry.reversal.{key}.{direction}", points=points, **params)
    if refs.get("redemption"):
        status = facts.reason.split()[-1] if facts.reason else "cancelled"
        label = Label(f"status.{status}")
        if refs.get("unused_uses"):  # a partly used code: only its unused uses came back
            return Explanation.of(
                "entry.reversal.redemption.unused",
                points=points,
                unused_uses=int(refs["unused_uses"]),
                redemption=refs["redemption"],
                status=label,
            )
        return Explanation.of(
            "entry.reversal.redemption", points=points, redemption=refs["redemption"], status=label
        )
    transaction = refs.get("transaction", "")
    if facts.reason:
        return Explanation.of(
            f"entry.reversal.reason.{direction}",
            points=points,
            transaction=transaction,
            reason=facts.reason,
        )
    return Explanation.of(f"entry.reversal.{direction}", points=points, transaction=transaction)


def _lot_line(facts: EntryFacts, lot: LotChange) -> Explanation:
    earned = f"{lot.earned_at:%Y-%m-%d}"
    # A lot's number is a name, not a quantity: "lot 2715", never "lot 2,715".
    lot_name = str(lot.lot_id)
    if lot.lot_id == facts.own_lot and lot.points < 0:
        return Explanation.of("entry.lot.debt", points=-lot.points)
    key = "entry.lot.taken" if lot.points < 0 else "entry.lot.returned"
    if lot.source:
        return Explanation.of(
            f"{key}.source", points=abs(lot.points), lot=lot_name, date=earned, source=lot.source
        )
    return Explanation.of(key, points=abs(lot.points), lot=lot_name, date=earned)

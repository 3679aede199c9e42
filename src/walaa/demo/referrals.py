"""The demo store's referral story: one advocate, and friends who show each outcome — a
friend who qualifies (ordering from another device), a self-referral, an IP burst, a
look-alike a staff member approves, and a friend whose order is refunded in the window."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from walaa.bootstrap import App, FixedClock
from walaa.domain.customers import Profile
from walaa.domain.earning import OrderLine
from walaa.service.commands import CancelOrder, RecordOrder, ReferralSignals
from walaa.service.handlers import earning
from walaa.service.handlers import referrals as rf
from walaa.service.handlers.customers import upsert_customer
from walaa.service.referral_ports import ReferralRecord

REFERRALS = Path(__file__).with_name("referrals.yaml")
ADVOCATE = "amal-hassan"
BURST_IP = "203.0.113.50"


@dataclass
class _Story:
    app: App
    clock: FixedClock
    store_id: str
    code: str = ""

    def sign_up(self, friend: str, **signals: str) -> ReferralRecord:
        made = rf.refer(
            self.app.uow(), self.clock, self.store_id, friend, self.code, ReferralSignals(**signals)
        )
        return made.referral

    def order(
        self,
        person: str,
        order_id: str,
        paid: str,
        code: str | None = None,
        signals: ReferralSignals | None = None,
    ) -> ReferralRecord | None:
        line = OrderLine("l1", Decimal(paid), 1, categories=frozenset({"moisturiser"}))
        command = RecordOrder(
            self.store_id,
            person,
            order_id,
            self.clock.now(),
            "USD",
            (line,),
            referral_code=code,
            signals=signals,
        )
        return earning.record_order(self.app.uow(), self.clock, command).referral


def _said(referral: ReferralRecord | None) -> str:
    """What decided the referral, in English: the rule that refused or held it, or its reward."""
    if referral is None:
        return "no referral"
    fired = [rule["en"] for rule in referral.rules if rule["outcome"] != "pass"]
    if referral.status in ("rejected", "held") and fired:
        return fired[-1]
    if referral.status == "reversed":
        return "the friend's order was cancelled in the return window: 500 taken back"
    if referral.status in ("qualified", "approved"):
        who = f" by {referral.decided_by}" if referral.decided_by else ""
        paid = f"{referral.advocate_reward} 500 pending to {referral.advocate_id}{who}"
        return f"{paid}; friend got 5 USD off"
    return "waiting for the qualifying order; friend got 5 USD off"


def run_story(app: App, clock: FixedClock, store_id: str) -> list[tuple[str, str, str]]:
    """Every friend of the story: (friend, status, what happened), as the demo prints it."""
    story = _Story(app, clock, store_id)
    profile = Profile(email="Amal.Hassan@gmail.com", name="Amal Hassan")
    upsert_customer(app.uow(), clock, store_id, ADVOCATE, profile)
    own = ReferralSignals(
        phone="+966 55 123 4567", address_hash="addr-riyadh-1", payment_hash="card-4417"
    )
    story.order(ADVOCATE, "amal-own-1", "64.00", signals=own)
    story.code = rf.referral_of(app.uow(), clock, store_id, ADVOCATE).code
    happened: list[tuple[str, ReferralRecord | None]] = []
    # a friend signs up on her phone, orders on her laptop: the code travels with the order
    story.sign_up("noor-saleh", email="noor.saleh@example.com", ip="198.51.100.7", device="phone-1")
    laptop = ReferralSignals(ip="198.51.100.8", device="laptop-1", payment_hash="card-9051")
    happened.append(
        (
            "noor-saleh",
            story.order("noor-saleh", "noor-1", "86.00", story.code, laptop),
        )
    )
    # Amal again, behind a +tag and googlemail
    happened.append(
        ("amal-again", story.sign_up("amal-again", email="amal.hassan+deals@googlemail.com"))
    )
    # five sign-ups from one address in minutes
    for n in range(1, 6):
        happened.append(
            (f"burst-{n}", story.sign_up(f"burst-{n}", ip=BURST_IP, device=f"burst-dev-{n}"))
        )
    # a look-alike is held; a staff member checks and approves
    held = story.sign_up("amal-hasan", name="Amal Hasan", email="amal.hasan@example.com")
    story.order("amal-hasan", "hasan-1", "58.00")
    decided = rf.review(
        app.uow(),
        clock,
        store_id,
        held.id,
        approve=True,
        staff="layla@dewy.example",
        reason="her cousin, confirmed by phone",
    )
    happened.append(("amal-hasan", decided.referral))
    # a friend orders, then cancels within the window
    story.sign_up("rana-odeh", email="rana@example.com")
    story.order("rana-odeh", "rana-1", "92.00")
    earning.cancel_order(app.uow(), clock, CancelOrder(store_id, "rana-1"))
    happened.append(("rana-odeh", rf.list_referrals(app.uow(), store_id, "reversed")[0]))
    return [(friend, r.status if r else "-", _said(r)) for friend, r in happened]


def leave_for_review(app: App, clock: FixedClock, store_id: str) -> tuple[str, str, str]:
    """A look-alike signed up at the end of the year, after the worker's last reviews: it
    waits in the dashboard's Review queue for the owner to decide."""
    story = _Story(app, clock, store_id, rf.referral_of(app.uow(), clock, store_id, ADVOCATE).code)
    held = story.sign_up("amal-hasen", name="Amal Hasen", email="hasen@example.com")
    return "amal-hasen", held.status, _said(held)

"""The Review queue screen in a real Chromium, on SQLite and PostgreSQL: referrals held by the
similarity rule through the real handlers are listed oldest first with the rule's sentence in
English and Arabic; a decision needs a reason, is recorded with the staff member as reviewer
and in the audit log; viewers and support are refused on the server, even by a forged POST
with a valid CSRF token; a referral of another store cannot be decided."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from tests.e2e.web import check_page, sign_in, switch_language
from walaa.domain.customers import Profile
from walaa.domain.staff import Role
from walaa.service.commands import ReferralSignals
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.program import apply_program
from walaa.service.handlers.referrals import get_referral, refer, referral_of
from walaa.service.handlers.stores import create_store

DEMO = Path(__file__).parents[2] / "src/walaa/demo/program.yaml"
REFERRALS = {
    "name": {"en": "Refer a friend", "ar": "أحِل صديقاً"},
    "advocate": {"points": 500},
    "friend": {"points": 200},
    "qualifying_order": {"min_amount": 50},
}


def referral_program(site, store_id: str) -> None:
    document = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    source = yaml.safe_dump({**document, "referrals": REFERRALS}, allow_unicode=True)
    apply_program(site.walaa.uow(), site.clock, store_id, source)


def held_referrals(site, store_id: str | None = None) -> list[str]:
    """Amal's code, and two friends whose names are one edit from hers: both held by the
    similarity rule, the second five minutes after the first. Returns their ids."""
    walaa, clock = site.walaa, site.clock
    store_id = store_id or site.store.id
    referral_program(site, store_id)
    profile = Profile("amal.hassan@gmail.com", "Amal Hassan")
    upsert_customer(walaa.uow(), clock, store_id, "amal", profile)
    code = referral_of(walaa.uow(), clock, store_id, "amal").code
    ids = []
    for friend, email in (("amal-h", "amal.hasan@example.com"), ("amal-k", "a.k@example.com")):
        signals = ReferralSignals(email=email, name="Amal Hasan")
        made = refer(walaa.uow(), clock, store_id, friend, code, signals).referral
        assert made.status == "held", made.rules
        ids.append(made.id)
        clock.current += timedelta(minutes=5)
    return ids


def audit_lines(site):
    with site.walaa.uow() as uow:
        return uow.staff.audit_log(site.store.id, 50)


def decide(page, site, referral_id: str, decision: str, reason: str):
    """A POST of the decision from the signed-in page, with the session's valid CSRF token:
    what a forged form or a script of the staff member's own would send."""
    token = page.get_attribute("form[action='/admin/sign-out'] input[name=csrf_token]", "value")
    return page.request.post(
        site.url(f"/admin/review-queue/{referral_id}/{decision}"),
        form={"csrf_token": token, "reason": reason},
        max_redirects=0,
    )


def test_held_referrals_are_shown_why_in_both_languages_and_approved(site, browser_page):
    page = browser_page
    first, second = held_referrals(site)
    sign_in(page, site, site.owner)
    page.click("nav >> text=Review queue")
    page.wait_for_url(re.compile(r".*/admin/review-queue$"))
    cards = page.locator("main section.card")
    assert [cards.nth(i).get_attribute("aria-labelledby") for i in range(2)] == [first, second]
    rule = next(r for r in get_referral(site.walaa.uow(), site.store.id, first).rules
                if r["outcome"] == "hold")  # fmt: skip
    assert rule["rule"] == "similarity"
    card = page.locator(f"section[aria-labelledby='{first}']")
    text = card.inner_text()
    assert "amal" in text and "amal-h" in text and rule["en"] in text
    check_page(page, "review-queue")
    switch_language(page, "ar")
    assert rule["ar"] in page.locator(f"section[aria-labelledby='{first}']").inner_text()
    assert rule["en"] not in page.inner_text("main")
    check_page(page, "review-queue", rtl=True)

    approve = f"form[action='/admin/review-queue/{first}/approve'] button.primary"
    page.click(approve)  # no reason: refused beside the field, nothing decided
    assert page.inner_text(f"#reason-{first}-error") == "اذكر السبب: يُحفظ السبب مع القرار."
    assert get_referral(site.walaa.uow(), site.store.id, first).status == "held"
    assert not [e for e in audit_lines(site) if e.action.startswith("referral.")]
    page.fill(f"#reason-{first}", "Sisters, same surname: checked with the shop")
    page.click(approve)
    page.wait_for_url(re.compile(r".*done=approve$"))
    assert page.locator(f"section[aria-labelledby='{first}']").count() == 0  # left the queue
    assert page.locator(f"section[aria-labelledby='{second}']").count() == 1
    decided = get_referral(site.walaa.uow(), site.store.id, first)
    assert decided.status == "approved" and decided.friend_rewarded
    assert decided.decided_by == site.owner.email
    assert decided.decision_reason == "Sisters, same surname: checked with the shop"
    [line] = [e for e in audit_lines(site) if e.action == "referral.approve"]
    assert (line.subject, line.staff_email) == (first, site.owner.email)
    assert line.before == {"status": "held"}
    assert line.after == {"status": "approved", "reason": decided.decision_reason}


def test_a_manager_rejects_and_a_decided_referral_is_not_decided_again(site, browser_page):
    page = browser_page
    first, _ = held_referrals(site)
    manager = site.add_staff(Role.MANAGER)
    sign_in(page, site, manager)
    page.goto(site.url("/admin/review-queue"))
    page.fill(f"#reason-{first}", "The same person twice")
    page.click(f"form[action='/admin/review-queue/{first}/approve'] button[formaction$='/reject']")
    page.wait_for_url(re.compile(r".*done=reject$"))
    decided = get_referral(site.walaa.uow(), site.store.id, first)
    assert (decided.status, decided.decided_by) == ("rejected", manager.email)
    again = decide(page, site, first, "approve", "changed my mind")
    assert again.status == 409
    assert "this referral was already decided" in again.text()
    assert get_referral(site.walaa.uow(), site.store.id, first).status == "rejected"
    assert [e.action for e in audit_lines(site) if e.action.startswith("referral.")] == [
        "referral.reject"
    ]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.SUPPORT])
def test_viewers_and_support_read_the_queue_but_cannot_decide_not_even_forged(
    site, browser_page, role
):
    page = browser_page
    first, _ = held_referrals(site)
    member = site.add_staff(role)
    sign_in(page, site, member)
    page.goto(site.url("/admin/review-queue"))
    assert page.locator(f"section[aria-labelledby='{first}']").count() == 1
    assert page.locator("form[action^='/admin/review-queue/']").count() == 0
    for decision in ("approve", "reject"):
        forged = decide(page, site, first, decision, "looks fine to me")
        assert forged.status == 403
    assert get_referral(site.walaa.uow(), site.store.id, first).status == "held"
    assert not [e for e in audit_lines(site) if e.action.startswith("referral.")]


def test_another_stores_referral_is_neither_shown_nor_decided(site, browser_page):
    page = browser_page
    other = create_store(site.walaa.uow(), site.clock, "Bouncy Shoes", "USD", "Africa/Cairo")
    theirs, _ = held_referrals(site, other.id)
    referral_program(site, site.store.id)
    sign_in(page, site, site.owner)
    page.goto(site.url("/admin/review-queue"))
    assert page.locator("main section.card").count() == 0
    answer = decide(page, site, theirs, "approve", "not mine to decide")
    assert answer.status == 409
    assert "no such referral in this store" in answer.text()
    assert get_referral(site.walaa.uow(), other.id, theirs).status == "held"

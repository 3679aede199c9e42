"""The dashboard's screens in a real Chromium, on SQLite and PostgreSQL: customers, program,
rewards, redemptions, memberships and API keys; each action checked by role on the server
and found in the audit log; every screen in English and Arabic (dir, no sideways scroll,
nothing untranslated, no serious axe violation) with its screenshot."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.builders import balances, give
from tests.e2e.web import check_page, sign_in, switch_language
from walaa.domain.customers import Profile
from walaa.domain.memberships import BillingPeriod, Plan
from walaa.domain.rewards import Reward, RewardKind
from walaa.domain.staff import Role
from walaa.service.handlers import rewards as r
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.memberships import join, save_plan
from walaa.service.handlers.program import apply_program, get_program

DEMO_PROGRAM = (Path(__file__).parents[2] / "src/walaa/demo/program.yaml").read_text()


def seed(site) -> str:
    """The demo program, two customers (one with points, a code and a membership), a reward
    and a plan; returns the customer with everything."""
    walaa, clock, store = site.walaa, site.clock, site.store
    apply_program(walaa.uow(), clock, store.id, DEMO_PROGRAM)
    upsert_customer(
        walaa.uow(),
        clock,
        store.id,
        "c-1001",
        Profile("amal@example.com", "Amal Saleh", locale="ar", phone="+966 50 123 4567"),
    )
    upsert_customer(walaa.uow(), clock, store.id, "c-1002", Profile(name="Omar Farouk"))
    give(walaa, clock, store.id, "c-1001", 1200)
    names = {"en": "5 USD off", "ar": "خصم ٥ دولارات"}
    reward = Reward("five-off", RewardKind.FIXED_DISCOUNT, 500, names, value=Decimal(5))
    r.save_reward(walaa.uow(), clock, store.id, reward)
    r.redeem(walaa.uow(), clock, store.id, "c-1001", "five-off", "seed-1")
    plan = Plan("glow-club", {"en": "Glow club", "ar": "نادي التوهج"}, Decimal("9.99"), "USD",
                BillingPeriod.MONTHLY, monthly_points=100)  # fmt: skip
    save_plan(walaa.uow(), clock, store.id, plan)
    join(walaa.uow(), clock, store.id, "c-1001", "glow-club", "pay-1")
    return "c-1001"


def address(site, who: str) -> str:
    """A staff address of this test's store alone (a browser refuses `_` in a domain)."""
    return f"{who}@{site.store.id.replace('_', '-')}.example"


def audit_actions(site) -> list[tuple[str, str | None, str]]:
    with site.walaa.uow() as uow:
        entries = uow.staff.audit_log(site.store.id, 50)
    return [(e.action, e.subject, e.staff_email) for e in entries]


def csrf_of(page) -> str:
    return page.get_attribute("form[action='/admin/sign-out'] input[name=csrf_token]", "value")


def test_customers_are_found_and_their_page_is_shown_in_english_and_arabic(site, browser_page):
    page = browser_page
    seed(site)
    sign_in(page, site, site.owner)
    page.goto(site.url("/admin/customers"))
    page.fill("#q", "050 123 4567")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*q=050"))
    assert page.locator("tbody tr").count() == 1
    check_page(page, "customers")
    page.click("text=Amal Saleh")
    page.wait_for_url(re.compile(r".*/admin/customers/c-1001$"))
    body = page.inner_text("main")
    assert "700" in body  # 1200 earned, 500 spent on the code
    assert "$7.00" in body  # 500 Dew Drops = 5 USD
    assert "Glow club" in body and "5 USD off" in body
    check_page(page, "customer")
    switch_language(page, "ar")
    body = page.inner_text("main")
    assert "نادي التوهج" in body and "خصم ٥ دولارات" in body and "قطرات الندى" in body
    check_page(page, "customer", rtl=True)
    page.goto(site.url("/admin/customers?q=c-10"))
    check_page(page, "customers", rtl=True)


def test_an_adjustment_needs_a_reason_and_is_found_in_the_audit_log(site, browser_page):
    page = browser_page
    customer = seed(site)
    sign_in(page, site, site.owner)
    page.goto(site.url(f"/admin/customers/{customer}"))
    page.fill("#points", "50")
    page.click("form[action$='/adjust'] button[type=submit]")
    assert page.inner_text("#reason-error")  # beside the field, and nothing was written
    assert balances(site.walaa, site.store.id, customer).available == 700
    page.fill("#reason", "Parcel arrived late")
    page.click("form[action$='/adjust'] button[type=submit]")
    page.wait_for_url(re.compile(r".*done=adjusted"))
    assert balances(site.walaa, site.store.id, customer).available == 750
    assert "Parcel arrived late" in page.inner_text("main")  # the ledger explains it
    assert ("customer.adjust", customer, site.owner.email) in audit_actions(site)
    with site.walaa.uow() as uow:
        line = next(
            e for e in uow.staff.audit_log(site.store.id, 50) if e.action == "customer.adjust"
        )
    assert line.before == {"balance": 700, "pending": 0}
    assert line.after == {"points": 50, "reason": "Parcel arrived late"}


def test_a_viewer_cannot_adjust_points_not_even_by_a_forged_post(site, browser_page):
    page = browser_page
    customer = seed(site)
    viewer = site.add_staff(Role.VIEWER, address(site, "viewer"))
    sign_in(page, site, viewer)
    page.goto(site.url(f"/admin/customers/{customer}"))
    assert page.locator("form[action$='/adjust']").count() == 0
    forged = page.request.post(
        site.url(f"/admin/customers/{customer}/adjust"),
        form={"csrf_token": csrf_of(page), "points": "5000", "reason": "mine now"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert balances(site.walaa, site.store.id, customer).available == 700
    for path in ("redemptions/x/cancel", "pin"):
        answer = page.request.post(
            site.url(f"/admin/customers/{customer}/{path}"),
            form={"csrf_token": csrf_of(page)},
            max_redirects=0,
        )
        assert answer.status == 403
    assert not [a for a in audit_actions(site) if a[0].startswith(("customer.", "redemption."))]


def test_support_cancels_a_code_and_resends_one_and_both_are_audited(site, browser_page):
    page = browser_page
    customer = seed(site)
    code = r.redeem(site.walaa.uow(), site.clock, site.store.id, customer, "five-off", "k2")
    support = site.add_staff(Role.SUPPORT, address(site, "support"))
    sign_in(page, site, support)
    page.goto(site.url(f"/admin/customers/{customer}"))
    rid = code.redemption.id
    page.click(f"form[action$='/redemptions/{rid}/resend'] button")
    page.wait_for_url(re.compile(r".*done=resent"))
    page.click(f"form[action$='/redemptions/{rid}/cancel'] button")
    page.wait_for_url(re.compile(r".*done=cancelled"))
    assert balances(site.walaa, site.store.id, customer).available == 700
    actions = audit_actions(site)
    assert ("redemption.resend", rid, support.email) in actions
    assert ("redemption.cancel", rid, support.email) in actions
    with site.walaa.uow() as uow:
        kinds = [n["kind"] for n in uow.notices.for_customer(site.store.id, customer)]
    assert r.CODE_RESENT in kinds


def test_a_rule_created_with_the_form_changes_the_preview_and_is_saved(site, browser_page):
    page = browser_page
    seed(site)
    sign_in(page, site, site.owner)
    page.goto(site.url("/admin/program"))
    page.fill("#preview-amount", "100")
    expect(page.locator("#earns")).to_have_text("This cart earns 100 Dew Drops")
    page.click("button[value='add_rule:threshold']")
    page.wait_for_load_state()
    i = page.locator("details.rule").count() - 1
    page.fill(f"#f-rules-{i}-id", "spend-50")
    page.fill(f"#f-rules-{i}-name-en", "Spend 50, get 40 more")
    page.fill(f"#f-rules-{i}-name-ar", "أنفق ٥٠ واحصل على ٤٠")
    page.fill(f"#f-rules-{i}-when-min_amount", "50")
    page.fill(f"#f-rules-{i}-effect-points", "40")
    expect(page.locator("#earns")).to_have_text("This cart earns 140 Dew Drops")
    assert "Spend 50, get 40 more" in page.inner_text("#preview")
    check_page(page, "program")
    page.click("button[value=save]")
    page.wait_for_url(re.compile(r".*done=saved"))
    saved = get_program(site.walaa.uow(), site.store.id)
    assert saved.program.version == 2 and saved.author == site.owner.email
    assert [rule.id for rule in saved.program.rules][-1] == "spend-50"
    assert ("program.save", "program:2", site.owner.email) in audit_actions(site)

    page.goto(site.url("/admin/program/history"))
    assert "rules[spend-50].effect.points" in page.inner_text("main")
    check_page(page, "program-history")
    page.click("form[action='/admin/program/return/1'] button")
    page.wait_for_url(re.compile(r".*done=returned"))
    back = get_program(site.walaa.uow(), site.store.id)
    assert back.program.version == 3 and back.source == DEMO_PROGRAM
    switch_language(page, "ar")
    check_page(page, "program", rtl=True)
    page.goto(site.url("/admin/program/history"))
    check_page(page, "program-history", rtl=True)


def test_a_problem_is_shown_beside_its_field_in_the_members_language(site, browser_page):
    page = browser_page
    seed(site)
    sign_in(page, site, site.owner)
    switch_language(page, "ar")
    page.goto(site.url("/admin/program"))
    page.fill("#f-earn_rate-points", "كثير")
    page.fill("#f-point_value-worth", "0")
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert page.inner_text("#f-earn_rate-points-error") == "يجب أن يكون عددًا صحيحًا"
    assert page.inner_text("#f-point_value-worth-error") == "يجب أن يكون أكثر من 0"
    assert get_program(site.walaa.uow(), site.store.id).program.version == 1
    check_page(page, "program-errors", rtl=True)


def test_a_viewer_sees_the_program_but_cannot_save_it(site, browser_page):
    page = browser_page
    seed(site)
    viewer = site.add_staff(Role.VIEWER, address(site, "viewer"))
    sign_in(page, site, viewer)
    page.goto(site.url("/admin/program"))
    assert page.locator("button[value=save]").count() == 0
    forged = page.request.post(
        site.url("/admin/program/return/1"), form={"csrf_token": csrf_of(page)}, max_redirects=0
    )
    assert forged.status == 403


def test_rewards_are_created_paused_and_edited_from_the_catalog(site, browser_page):
    page = browser_page
    seed(site)
    sign_in(page, site, site.owner)
    page.goto(site.url("/admin/rewards"))
    page.fill("#in-id", "free-ship")
    page.select_option("#in-kind", "fixed_discount")
    page.fill("#in-names-en", "Ten off")
    page.fill("#in-cost", "1000")
    page.click("form[action='/admin/rewards'] button[type=submit]")
    assert page.inner_text("#in-value-error")  # money off needs a value, shown beside it
    page.fill("#in-value", "10")
    page.fill("#in-stock", "3")
    page.click("form[action='/admin/rewards'] button[type=submit]")
    page.wait_for_url(re.compile(r".*done=created"))
    page.click("form[action='/admin/rewards/free-ship/pause'] button")
    page.wait_for_url(re.compile(r".*done=paused"))
    entry = r.get_reward(site.walaa.uow(), site.store.id, "free-ship")
    assert (entry.reward.active, entry.stock_left, entry.reward.value) == (False, 3, Decimal(10))
    actions = [a[0] for a in audit_actions(site)]
    assert "reward.create" in actions and "reward.pause" in actions
    check_page(page, "rewards")
    switch_language(page, "ar")
    check_page(page, "rewards", rtl=True)


def test_redemptions_and_memberships_screens(site, browser_page):
    page = browser_page
    seed(site)
    sign_in(page, site, site.owner)
    page.goto(site.url("/admin/redemptions"))
    assert "c-1001" in page.inner_text("main") and "5 USD off" in page.inner_text("main")
    check_page(page, "redemptions")
    page.goto(site.url("/admin/memberships"))
    assert "Glow club" in page.inner_text("main")
    page.click("form[action='/admin/plans/glow-club/close'] button")
    page.wait_for_load_state()
    with site.walaa.uow() as uow:
        assert uow.memberships(site.store.id).get_plan("glow-club").active is False
    check_page(page, "memberships")
    switch_language(page, "ar")
    check_page(page, "memberships", rtl=True)
    page.goto(site.url("/admin/redemptions"))
    check_page(page, "redemptions", rtl=True)


def test_a_new_api_keys_secret_is_shown_once_and_a_key_can_be_revoked(site, browser_page):
    page = browser_page
    sign_in(page, site, site.owner)
    page.goto(site.url("/admin/keys"))
    page.fill("#name", "Salla webhook")
    page.check("#scope-write")
    page.click("form[action='/admin/keys'] button[type=submit]")
    secret = page.inner_text("#secret")
    assert secret.startswith("wk_")
    check_page(page, "keys")
    page.goto(site.url("/admin/keys"))
    assert secret not in page.content()
    page.click("form[action$='/revoke'] button")
    page.wait_for_load_state()
    with site.walaa.uow() as uow:
        (key,) = uow.keys.for_store(site.store.id)
    assert key.revoked_at is not None and key.name == "Salla webhook"
    actions = [a[0] for a in audit_actions(site)]
    assert "key.create" in actions and "key.revoke" in actions
    switch_language(page, "ar")
    check_page(page, "keys", rtl=True)


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MANAGER])
def test_only_owners_open_the_api_keys(site, browser_page, role):
    page = browser_page
    member = site.add_staff(role, address(site, role.value))
    sign_in(page, site, member)
    assert page.request.get(site.url("/admin/keys"), max_redirects=0).status == 403
    forged = page.request.post(
        site.url("/admin/keys"), form={"csrf_token": csrf_of(page), "scope": "admin"},
        max_redirects=0,
    )  # fmt: skip
    assert forged.status == 403
    with site.walaa.uow() as uow:
        assert uow.keys.for_store(site.store.id) == []

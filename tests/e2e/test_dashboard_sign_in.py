"""Signing in to the dashboard in a real Chromium: password and TOTP, refusals, lockout,
cookies, CSRF, fixation, roles and stores, and the Arabic pages."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.e2e.web import PASSWORD, check_page, sign_in, switch_language
from walaa.adapters.db import tables as t
from walaa.domain.staff import Role
from walaa.service.handlers.stores import create_store

OVERVIEW = re.compile(r".*/admin/overview$")
SIGN_IN = re.compile(r".*/admin/sign-in$")


def session_cookie(page) -> dict:
    [cookie] = [c for c in page.context.cookies() if c["name"].endswith("walaa_session")]
    return cookie


def sessions_of(site, staff_id: str) -> int:
    s = t.staff_sessions
    with site.walaa.engine.connect() as conn:
        return len(conn.execute(select(s.c.digest).where(s.c.staff_id == staff_id)).all())


def audit_actions(site, store_id: str) -> list[str]:
    a = t.staff_audit
    with site.walaa.engine.connect() as conn:
        rows = conn.execute(select(a.c.action).where(a.c.store_id == store_id).order_by(a.c.id))
        return [row.action for row in rows]


def csrf_token(page) -> str:
    return page.get_attribute("form[action='/admin/sign-out'] input[name=csrf_token]", "value")


def test_owner_signs_in_with_password_and_totp_and_sees_the_overview(site, browser_page):
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    assert browser_page.inner_text("h1").startswith("Overview")
    assert audit_actions(site, site.store.id)[-1] == "sign_in"


def test_a_wrong_code_is_refused_and_signs_nobody_in(site, browser_page):
    right = site.owner.code
    wrong = "000000" if right != "000000" else "111111"
    sign_in(browser_page, site, site.owner, code=wrong)
    assert "That code is not valid" in browser_page.inner_text("main")
    browser_page.goto(site.url("/admin/overview"))
    browser_page.wait_for_url(SIGN_IN)
    assert "sign_in" not in audit_actions(site, site.store.id)


def test_a_used_code_cannot_sign_in_again(site, browser_page, chromium):
    code = site.owner.code
    sign_in(browser_page, site, site.owner, code=code)
    browser_page.wait_for_url(OVERVIEW)
    other = chromium.new_context().new_page()
    sign_in(other, site, site.owner, code=code)
    assert "That code is not valid" in other.inner_text("main")
    other.context.close()


def test_a_recovery_code_signs_in_once(site, browser_page, chromium):
    recovery = site.owner.enrolment.recovery_codes[0]
    sign_in(browser_page, site, site.owner, code=recovery)
    browser_page.wait_for_url(OVERVIEW)
    other = chromium.new_context().new_page()
    sign_in(other, site, site.owner, code=recovery)
    assert "That code is not valid" in other.inner_text("main")
    other.context.close()


def submit_password(page, site, email: str, password: str):
    page.goto(site.url("/admin/sign-in"))
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit].primary")
    return answer.value


def test_failed_sign_ins_lock_the_account_with_a_growing_wait(site, browser_page):
    email = site.owner.email
    for _ in range(5):
        assert submit_password(browser_page, site, email, "not-the-password-at-all").status == 401
        assert "do not match" in browser_page.inner_text("main")
    # the sixth try, with the right password, waits: the password is not even checked
    answer = submit_password(browser_page, site, email, PASSWORD)
    assert answer.status == 429 and answer.headers["retry-after"] == "1"
    assert "Too many failed attempts" in browser_page.inner_text("main")
    site.clock.current += timedelta(seconds=2)
    assert submit_password(browser_page, site, email, "still-not-the-password").status == 401
    # the sixth failure doubles the wait
    assert submit_password(browser_page, site, email, PASSWORD).headers["retry-after"] == "2"
    site.clock.current += timedelta(seconds=3)
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)


def test_a_post_without_the_sessions_csrf_token_is_refused(site, browser_page):
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    target = f"/admin/staff/{site.owner.enrolment.member.id}/sign-out"
    for form in ({}, {"csrf_token": "forged"}):
        answer = browser_page.request.post(site.url(target), form=form, max_redirects=0)
        assert answer.status == 403
    assert sessions_of(site, site.owner.enrolment.member.id) == 1
    assert "staff.sessions_ended" not in audit_actions(site, site.store.id)
    # the sign-in form too carries a token of its own
    anonymous = browser_page.context.browser.new_context().request
    refused = anonymous.post(site.url("/admin/sign-in"), form={"email": "a@b.c", "password": "x"})
    assert refused.status == 403


def test_a_planted_session_id_never_becomes_signed_in(site, browser_page, chromium):
    planted = f"{site.store.id}.{'A' * 43}"
    browser_page.context.add_cookies(
        [{"name": "walaa_session", "value": planted, "url": site.base}]
    )
    browser_page.goto(site.url("/admin/sign-in"))
    browser_page.fill("#email", site.owner.email)
    browser_page.fill("#password", site.owner.password)
    browser_page.click("button[type=submit].primary")
    browser_page.wait_for_url(re.compile(r".*/code$"))
    after_password = session_cookie(browser_page)["value"]
    browser_page.fill("#code", site.owner.code)
    browser_page.click("button[type=submit].primary")
    browser_page.wait_for_url(OVERVIEW)
    signed_in = session_cookie(browser_page)["value"]
    assert len({planted, after_password, signed_in}) == 3
    for stale in (planted, after_password):  # neither opens the dashboard
        attacker = chromium.new_context()
        attacker.add_cookies([{"name": "walaa_session", "value": stale, "url": site.base}])
        page = attacker.new_page()
        page.goto(site.url("/admin/overview"))
        page.wait_for_url(SIGN_IN)
        attacker.close()


def test_the_session_cookie_is_http_only_and_same_site_strict(site, browser_page):
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    cookie = session_cookie(browser_page)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    # plain http to 127.0.0.1 with WALAA_COOKIE_SECURE=false: the one case without Secure
    assert cookie["secure"] is False and cookie["name"] == "walaa_session"
    assert browser_page.evaluate("document.cookie") == ""


def test_sign_out_deletes_the_session_and_an_idle_one_ends(site, browser_page, chromium):
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    kept = session_cookie(browser_page)["value"]
    browser_page.click("form[action='/admin/sign-out'] button")
    browser_page.wait_for_url(SIGN_IN)
    assert sessions_of(site, site.owner.enrolment.member.id) == 0
    replay = chromium.new_context()
    replay.add_cookies([{"name": "walaa_session", "value": kept, "url": site.base}])
    page = replay.new_page()
    page.goto(site.url("/admin/overview"))
    page.wait_for_url(SIGN_IN)
    replay.close()
    site.clock.current += timedelta(seconds=30)  # a new TOTP step
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    site.clock.current += timedelta(minutes=31)
    browser_page.goto(site.url("/admin/overview"))
    browser_page.wait_for_url(SIGN_IN)


def test_a_viewer_is_refused_an_owners_action_even_by_a_forged_post(site, browser_page):
    viewer = site.add_staff(Role.VIEWER)
    assert viewer.enrolment.totp_secret is None  # viewers may sign in with a password only
    sign_in(browser_page, site, viewer)
    browser_page.wait_for_url(OVERVIEW)
    assert browser_page.locator("nav a[href='/admin/staff']").count() == 0
    assert browser_page.goto(site.url("/admin/staff")).status == 403
    browser_page.goto(site.url("/admin/overview"))
    owner_id = site.owner.enrolment.member.id
    forged = browser_page.request.post(
        site.url(f"/admin/staff/{owner_id}/sign-out"),
        form={"csrf_token": csrf_token(browser_page)},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "staff.sessions_ended" not in audit_actions(site, site.store.id)


def test_staff_of_one_store_see_nothing_of_another(site, browser_page):
    other = create_store(site.walaa.uow(), site.clock, "Bouncy Shoes", "EGP", "Africa/Cairo")
    theirs = site.add_staff(Role.OWNER, store=other)
    dewy = site.add_staff(Role.SUPPORT)
    sign_in(browser_page, site, theirs)
    browser_page.wait_for_url(OVERVIEW)
    assert "Bouncy Shoes" in browser_page.inner_text("h1")
    browser_page.goto(site.url("/admin/staff"))
    shown = browser_page.inner_text("main")
    assert theirs.email in shown
    assert site.owner.email not in shown and dewy.email not in shown
    dewy_support = dewy.enrolment.member.id
    answer = browser_page.request.post(
        site.url(f"/admin/staff/{dewy_support}/sign-out"),
        form={"csrf_token": csrf_token(browser_page)},
        max_redirects=0,
    )
    assert answer.status == 404
    assert audit_actions(site, site.store.id).count("staff.sessions_ended") == 0
    # a session id presented as another store's finds nothing
    value = session_cookie(browser_page)["value"]
    moved = value.replace(other.id, site.store.id, 1)
    browser_page.context.add_cookies([{"name": "walaa_session", "value": moved, "url": site.base}])
    browser_page.goto(site.url("/admin/overview"))
    browser_page.wait_for_url(SIGN_IN)


def test_the_owner_ends_a_members_sessions_and_the_audit_log_shows_it(site, browser_page, chromium):
    support = site.add_staff(Role.SUPPORT)
    theirs = chromium.new_context().new_page()
    sign_in(theirs, site, support)
    theirs.wait_for_url(OVERVIEW)
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    browser_page.click("nav a[href='/admin/staff']")
    row = browser_page.locator("tr", has_text=support.email)
    row.locator("button").click()
    browser_page.wait_for_url(re.compile(r".*/admin/staff$"))
    assert "Signed out everywhere" in browser_page.inner_text("table.audit")
    theirs.goto(site.url("/admin/overview"))
    theirs.wait_for_url(SIGN_IN)
    theirs.context.close()
    check_page(browser_page, "staff")
    switch_language(browser_page, "ar")
    check_page(browser_page, "staff", rtl=True)


def test_the_arabic_dashboard_is_right_to_left_translated_and_accessible(site, browser_page):
    browser_page.goto(site.url("/admin/sign-in"))
    check_page(browser_page, "sign-in")
    browser_page.click("a[href='/admin/language/ar']")
    browser_page.wait_for_url(SIGN_IN)
    check_page(browser_page, "sign-in", rtl=True)
    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(OVERVIEW)
    check_page(browser_page, "overview-new-store")
    switch_language(browser_page, "ar")
    check_page(browser_page, "overview-new-store", rtl=True)
    assert browser_page.inner_text("h1").startswith("نظرة عامة")
    # remembered in the account, not the browser
    member = site.owner.enrolment.member
    with site.walaa.engine.connect() as conn:
        language = conn.execute(
            select(t.staff.c.language).where(t.staff.c.id == member.id)
        ).scalar_one()
    assert language == "ar"

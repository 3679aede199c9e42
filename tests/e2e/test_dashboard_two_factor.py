"""A staff member sets up two-step sign-in from the dashboard: a QR code, their password and
a code from the new authenticator; from then on sign-in asks for a code."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from tests.e2e.web import check_page, sign_in, switch_language
from walaa.domain.staff import Role

pytestmark = pytest.mark.usefixtures("chromium")
OVERVIEW = re.compile(r".*/admin/overview$")


def test_support_sets_up_two_step_sign_in_and_then_needs_a_code(site, browser_page, chromium):
    support = site.add_staff(Role.SUPPORT)
    sign_in(browser_page, site, support)
    browser_page.wait_for_url(OVERVIEW)
    browser_page.click("a.who")
    assert "Off" in browser_page.inner_text("main")
    browser_page.click("a[href='/admin/account/two-factor']")
    assert browser_page.locator(".qr-box svg path").count() == 1  # the QR code, drawn inline
    secret = browser_page.inner_text("main code")
    check_page(browser_page, "two-factor")
    browser_page.fill("#password", "not my password")
    browser_page.fill("#code", pyotp.TOTP(secret).at(site.clock.now()))
    browser_page.click("button.primary")
    assert "not right" in browser_page.inner_text("main")
    assert browser_page.inner_text("main code") == secret  # the same secret, to retry
    browser_page.fill("#password", support.password)
    browser_page.fill("#code", pyotp.TOTP(secret).at(site.clock.now()))
    browser_page.click("button.primary")
    codes = browser_page.locator("ul.codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    switch_language(browser_page, "ar")
    check_page(browser_page, "recovery-codes", rtl=True)

    site.clock.current += timedelta(seconds=30)
    later = chromium.new_context().new_page()
    later.goto(site.url("/admin/sign-in"))
    later.fill("#email", support.email)
    later.fill("#password", support.password)
    later.click("button[type=submit].primary")
    later.wait_for_url(re.compile(r".*/code$"))  # a code is now asked for
    later.fill("#code", pyotp.TOTP(secret).at(site.clock.now()))
    later.click("button[type=submit].primary")
    later.wait_for_url(OVERVIEW)
    later.context.close()

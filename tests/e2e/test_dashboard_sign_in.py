"""Signing in to the dashboard in a real Chromium: password and TOTP, refusals, lockout,
cookies, CSRF, fixation, roles and stores, and the Arabic pages."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("chromium")


def test_owner_signs_in_with_password_and_totp_and_sees_the_overview(site, browser_page):
    from tests.e2e.web import check_page, sign_in

    sign_in(browser_page, site, site.owner)
    browser_page.wait_for_url(re.compile(r".*/admin/overview$"))
    assert browser_page.inner_text("h1").startswith("Overview")
    check_page(browser_page, "overview")

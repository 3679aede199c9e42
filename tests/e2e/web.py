"""Real pages in a real Chromium: a live Walaa, a browser, and the checks every screen takes.

Debian's chromium (``/usr/bin/chromium``) through Playwright's sync API; a screen's test
typically does::

    def test_my_screen(site, browser_page):
        sign_in(browser_page, site, site.owner)
        browser_page.goto(site.url("/admin/my-screen"))
        check_page(browser_page, "my-screen")          # axe, then en screenshot
        switch_language(browser_page, "ar")
        check_page(browser_page, "my-screen", rtl=True) # dir, overflow, untranslated, ar shot
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from axe_playwright_python.sync_playwright import Axe

from walaa.bootstrap import App, FixedClock
from walaa.domain.staff import Role
from walaa.domain.stores import Store
from walaa.entrypoints.web.i18n import translations
from walaa.entrypoints.web.messages import catalog
from walaa.service.handlers.staff import Enrolment, create_staff

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "tamarind-lantern-orbit-42"
_axe = Axe()


@dataclass
class Staff:
    email: str
    password: str
    enrolment: Enrolment
    #: the server's clock: its TOTP codes are those of the clock's time
    clock: FixedClock

    @property
    def code(self) -> str:
        assert self.enrolment.totp_secret
        return pyotp.TOTP(self.enrolment.totp_secret).at(self.clock.now())


@dataclass
class Site:
    """A Walaa served on 127.0.0.1 with a store and an owner (TOTP enrolled)."""

    base: str
    walaa: App
    clock: FixedClock
    store: Store
    owner: Staff
    others: dict[str, Staff] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path

    def add_staff(self, role: Role, email: str | None = None, store: Store | None = None) -> Staff:
        store = store or self.store
        # a browser's e-mail field refuses "_" in a domain: st_123 -> st-123
        email = email or f"{role.value}@{store.id.replace('_', '-')}.example"
        made = create_staff(self.walaa.uow(), self.clock, store.id, email, role, PASSWORD)
        staff = Staff(email, PASSWORD, made, self.clock)
        self.others[email] = staff
        return staff


def sign_in(page, site: Site, staff: Staff, code: str | None = None) -> None:
    """Password, then (for enrolled staff) the TOTP code; ends on the overview."""
    page.goto(site.url("/admin/sign-in"))
    page.fill("#email", staff.email)
    page.fill("#password", staff.password)
    page.click("button[type=submit].primary")
    if staff.enrolment.totp_secret:
        page.wait_for_url(re.compile(r".*/admin/sign-in/code$"))
        page.fill("#code", code or staff.code)
        page.click("button[type=submit].primary")


def switch_language(page, language: str) -> None:
    """The signed-in member's language button (saved in their account)."""
    page.click(f"form[action='/admin/language'] button[value='{language}']")
    page.wait_for_load_state()


def serious_violations(page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflows(page) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def untranslated(page) -> list[str]:
    """English catalog texts lacking an Arabic translation that the page shows."""
    arabic = translations("ar")
    visible = page.inner_text("body")
    return sorted(
        message.id
        for message in catalog("en")
        if message.id
        and isinstance(message.id, str)
        and arabic.gettext(message.id) == message.id
        and len(message.id) > 1
        and message.id in visible
    )


def screenshot(page, name: str, language: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{language}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page, name: str, *, rtl: bool = False) -> None:
    """The checks every screen passes: direction, no sideways scroll, everything translated
    (in Arabic), no serious or critical accessibility violation; then its screenshot."""
    direction = page.evaluate("document.documentElement.dir")
    assert direction == ("rtl" if rtl else "ltr")
    assert not overflows(page), "the page scrolls sideways"
    if rtl:
        assert untranslated(page) == []
    assert serious_violations(page) == []
    screenshot(page, name, "ar" if rtl else "en")

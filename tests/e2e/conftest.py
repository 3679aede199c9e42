"""Browser fixtures: one Chromium per session, a live Walaa per test (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.live_server import serving
from tests.e2e.web import CHROMIUM, PASSWORD, Site, Staff
from walaa.bootstrap import App, FixedClock
from walaa.config import Settings
from walaa.domain.staff import Role
from walaa.domain.stores import Store
from walaa.entrypoints.http.app import create_app
from walaa.service.handlers.staff import create_staff


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def site(app: App, clock: FixedClock, store: Store) -> Iterator[Site]:
    """Walaa on 127.0.0.1 over http, as the demo serves it (cookies without Secure there)."""
    app.clock = clock
    # unique per test: on PostgreSQL the tests of a session share one schema, and sign-in
    # finds accounts by e-mail across stores
    email = f"owner@{store.id.replace('_', '-')}.example"
    made = create_staff(app.uow(), clock, store.id, email, Role.OWNER, PASSWORD)
    owner = Staff(email, PASSWORD, made, clock)
    settings = Settings(database_url="unused", cookie_secure=False)
    with serving(create_app(app, settings)) as base:
        yield Site(base, app, clock, store, owner)

"""`walaa demo` serves the dashboard: the owner it prints signs in and sees a year of the
demo store, in English and in Arabic."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.api.live_server import free_port
from tests.e2e.web import check_page, switch_language

pytestmark = pytest.mark.usefixtures("chromium")


def printed(server: subprocess.Popen, deadline: float) -> dict[str, str]:
    """The dashboard's address and the owner's credentials, as the demo prints them."""
    wanted = {
        "Dashboard:": "url",
        "e-mail:": "email",
        "password:": "password",
        "TOTP secret:": "secret",
    }
    found: dict[str, str] = {}
    assert server.stdout is not None
    while len(found) < len(wanted) and time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        for label, name in wanted.items():
            if line.strip().startswith(label):
                found[name] = line.strip()[len(label) :].split()[0]
    return found


def test_the_demo_prints_an_owner_who_signs_in_to_a_year_of_figures(tmp_path: Path, chromium):
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "walaa",
            "demo",
            "--path",
            str(tmp_path / "demo.db"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    try:
        shown = printed(server, time.monotonic() + 240)
        assert shown.keys() == {"url", "email", "password", "secret"}, shown
        assert shown["url"] == f"http://127.0.0.1:{port}/admin"
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(shown["url"])
        page.fill("#email", shown["email"])
        page.fill("#password", shown["password"])
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r".*/code$"))
        page.fill("#code", pyotp.TOTP(shown["secret"]).now())
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r".*/admin/overview$"))
        page.select_option("#days", "365")
        page.click("form.period button")
        page.wait_for_url(re.compile(r".*days=365$"))
        members = page.locator(".kpis div", has_text="Members").first.locator("dd").inner_text()
        assert int(members.replace(",", "")) > 0
        assert page.locator("svg.chart rect").count() > 0
        check_page(page, "overview")
        switch_language(page, "ar")
        check_page(page, "overview", rtl=True)
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=20)

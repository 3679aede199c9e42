"""`walaa staff create`, run as an operator runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
from sqlalchemy import select

from tests.e2e.test_cli import WIDE, console, runner, walaa
from walaa.adapters.db import tables as t
from walaa.bootstrap import build
from walaa.entrypoints.cli import app


def create(url: str, store_id: str, email: str, role: str, password: str):
    console.width = int(WIDE["COLUMNS"])
    args = ["staff", "create", "--store", store_id, "--email", email, "--role", role]
    return runner.invoke(
        app, [*args, "--password-stdin", "--database-url", url], input=password + "\n", env=WIDE
    )


def test_an_owner_is_created_with_totp_and_recovery_codes_shown_once(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    store_id = walaa("stores", "create", "Dewy Skincare", url=url)[1].strip()
    made = create(url, store_id, "Owner@Dewy.example", "owner", "tamarind-lantern-orbit-42")
    assert made.exit_code == 0, made.output
    secret = re.search(r"enter the secret: ([A-Z2-7]{32})", made.output).group(1)
    assert (
        f"otpauth://totp/Walaa%20Dewy%20Skincare:owner%40dewy.example?secret={secret}"
        in made.output
    )
    codes = re.findall(r"^  ([a-z2-9]{5}-[a-z2-9]{5})$", made.output, flags=re.M)
    assert len(set(codes)) == 10
    with build(url).engine.connect() as conn:
        row = conn.execute(select(t.staff)).one()
    assert row.email == "owner@dewy.example" and row.role == "owner"
    assert pyotp.TOTP(row.totp_secret).now() == pyotp.TOTP(secret).now()
    assert "tamarind" not in row.password_hash


def test_weak_passwords_and_a_second_account_for_one_email_are_refused(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert walaa("migrate", url=url)[0] == 0
    store_id = walaa("stores", "create", "Dewy Skincare", url=url)[1].strip()
    short = create(url, store_id, "v@dewy.example", "viewer", "short")
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    common = create(url, store_id, "v@dewy.example", "viewer", "password123456")
    assert common.exit_code == 2 and "most often leaked" in common.output
    assert create(url, store_id, "v@dewy.example", "viewer", "quiet-harbour-lamp-7").exit_code == 0
    again = create(url, store_id, "v@dewy.example", "support", "quiet-harbour-lamp-8")
    assert again.exit_code == 2 and "already staff" in again.output

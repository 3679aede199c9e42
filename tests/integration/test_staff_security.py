"""Staff accounts in the database: Argon2id hashes, the audit log nobody can edit, cookies
and headers as a deployed dashboard sends them (https)."""

from __future__ import annotations

import re

import pyotp
import pytest
from argon2 import PasswordHasher, Type
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from walaa.adapters.db import tables as t
from walaa.config import Settings
from walaa.domain.errors import ValidationFailed
from walaa.domain.staff import Role
from walaa.entrypoints.http.app import create_app
from walaa.service.handlers.staff import create_staff
from walaa.service.handlers.staff_sessions import sign_in

PASSWORD = "tamarind-lantern-orbit-42"


def email(store, who: str) -> str:
    """Unique per test: on PostgreSQL a session's tests share a schema, and sign-in finds
    accounts by e-mail across stores."""
    return f"{who}@{store.id.replace('_', '-')}.example"


def owner(app, clock, store):
    return create_staff(app.uow(), clock, store.id, email(store, "owner"), Role.OWNER, PASSWORD)


def stored_hash(app, staff_id: str) -> str:
    with app.engine.connect() as conn:
        return conn.execute(
            select(t.staff.c.password_hash).where(t.staff.c.id == staff_id)
        ).scalar_one()


def test_passwords_are_stored_as_argon2id_at_owasps_parameters(app, clock, store):
    made = owner(app, clock, store)
    stored = stored_hash(app, made.member.id)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_a_weaker_hash_is_replaced_at_the_next_sign_in(app, clock, store):
    made = create_staff(app.uow(), clock, store.id, email(store, "v"), Role.VIEWER, PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    with app.engine.begin() as conn:
        conn.execute(
            update(t.staff)
            .where(t.staff.c.id == made.member.id)
            .values(password_hash=weak.hash(PASSWORD))
        )
    assert sign_in(app.uow(), clock, email(store, "v"), PASSWORD, "10.0.0.1").status == "signed_in"
    assert stored_hash(app, made.member.id).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_weak_passwords_are_refused_naming_the_field(app, clock, store):
    with pytest.raises(ValidationFailed) as refused:
        create_staff(app.uow(), clock, store.id, "o@dewy.example", Role.OWNER, "dewyskincare2026")
    assert refused.value.field == "password" and "store's name" in refused.value.reason


def test_the_audit_log_refuses_updates_and_deletes(app, clock, store):
    owner(app, clock, store)
    a = t.staff_audit
    for change in (update(a).values(action="nothing happened"), delete(a)):
        with pytest.raises(DatabaseError), app.engine.begin() as conn:
            conn.execute(change.where(a.c.store_id == store.id))
    with app.engine.connect() as conn:
        assert conn.execute(select(a.c.action).where(a.c.store_id == store.id)).scalars().all() == [
            "staff.create"
        ]


def test_over_https_the_cookie_is_host_only_secure_http_only_and_strict(app, clock, store):
    made = owner(app, clock, store)
    app.clock = clock
    client = TestClient(
        create_app(app, Settings(database_url="unused")), base_url="https://testserver"
    )
    page = client.get("/admin/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/admin/sign-in",
        data={"csrf_token": token, "email": made.member.email, "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-walaa_session=")
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"))
    code = pyotp.TOTP(made.totp_secret).at(clock.now())
    done = client.post(
        "/admin/sign-in/code", data={"csrf_token": token, "code": code}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/overview"
    assert client.get("/admin/overview").status_code == 200


def test_relaxed_cookies_stay_secure_for_any_host_but_loopback(app, clock, store):
    relaxed = Settings(database_url="unused", cookie_secure=False)
    elsewhere = TestClient(create_app(app, relaxed), base_url="http://shop.example")
    page = elsewhere.get("/admin/sign-in")
    assert (
        "__Host-walaa_form=" in page.headers["set-cookie"]
        and "Secure" in page.headers["set-cookie"]
    )
    local = TestClient(create_app(app, relaxed), base_url="http://127.0.0.1")
    assert "Secure" not in local.get("/admin/sign-in").headers["set-cookie"]


@pytest.mark.parametrize(
    "path", ["/admin/sign-in", "/admin/static/walaa.css", "/admin/overview", "/healthz"]
)
def test_every_page_carries_the_security_headers(app, path):
    client = TestClient(
        create_app(app, Settings(database_url="unused")), base_url="https://testserver"
    )
    headers = client.get(path, follow_redirects=False).headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"

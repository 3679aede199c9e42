"""Who is looking at a dashboard page, and whether they may: the dependencies every screen
and action uses.

* ``Depends(viewer)``: the signed-in staff member (else a redirect to sign-in), with their
  store, language and the page context to render with.
* ``Depends(require(Permission.X))``: the same, refused 403 unless their role has X.
* ``await posted(request, who)``: the form of a POST, refused 403 unless it carries this
  session's CSRF token (the synchroniser token pattern, compared in constant time).

The session cookie is ``__Host-walaa_session`` (HttpOnly, Secure, SameSite=Strict, Path=/):
the prefix makes the browser refuse it unless it is Secure and set by this host. With
WALAA_COOKIE_SECURE=false and a request to 127.0.0.1/localhost over http, as the demo
serves, it is ``walaa_session`` without Secure; any other host still gets the Secure one.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from walaa.bootstrap import App
from walaa.config import Settings
from walaa.domain.staff import ABSOLUTE_TIMEOUT, Permission, StaffMember, StaffSession, can
from walaa.domain.stores import Store
from walaa.entrypoints.web.i18n import Formatter, from_accept_language, pick_language
from walaa.entrypoints.web.nav import visible_nav
from walaa.entrypoints.web.pages import PageContext
from walaa.service.handlers.staff_sessions import resolve

SECURE_COOKIE = "__Host-walaa_session"
PLAIN_COOKIE = "walaa_session"
#: The anonymous pages' CSRF token (the sign-in forms), a double-submit cookie.
SECURE_FORM_COOKIE = "__Host-walaa_form"
PLAIN_FORM_COOKIE = "walaa_form"
LANGUAGE_COOKIE = "walaa_lang"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


class SignInRequired(Exception):
    """Answered with a redirect to the sign-in page."""


class Forbidden(Exception):
    """Answered 403 with a page saying the role may not do this."""

    def __init__(self, why: str = "role") -> None:
        super().__init__(why)
        self.why = why


def settings_of(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


def walaa_of(request: Request) -> App:
    found: App = request.app.state.walaa
    return found


def secure_cookies(request: Request) -> bool:
    """False only when relaxed by setting and this is plain http to a loopback host."""
    if settings_of(request).cookie_secure or request.url.scheme == "https":
        return True
    host = (request.url.hostname or "").lower()
    return not (host in LOOPBACK_NAMES and _loopback(request.client.host if request.client else ""))


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "testclient"


def session_cookie_name(request: Request) -> str:
    return SECURE_COOKIE if secure_cookies(request) else PLAIN_COOKIE


def form_cookie_name(request: Request) -> str:
    return SECURE_FORM_COOKIE if secure_cookies(request) else PLAIN_FORM_COOKIE


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(session_cookie_name(request))


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        session_cookie_name(request),
        value,
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        session_cookie_name(request),
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="strict",
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def browser_language(request: Request) -> str:
    """Before sign-in: ?lang=, then the language cookie, then Accept-Language."""
    return pick_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        from_accept_language(request.headers.get("accept-language", "")),
    )


@dataclass(frozen=True)
class Viewer:
    """A signed-in staff member looking at a page of their own store."""

    member: StaffMember
    session: StaffSession
    store: Store
    formatter: Formatter

    def may(self, permission: Permission) -> bool:
        return can(self.member.role, permission)

    def page(self, **extra: Any) -> PageContext:
        return PageContext(
            formatter=self.formatter,
            csrf_token=self.session.csrf_token,
            staff=self.member,
            nav=visible_nav(self.member.role),
            extra={"store": self.store, **extra},
        )


def viewer(request: Request) -> Viewer:
    walaa = walaa_of(request)
    found = resolve(walaa.uow(), walaa.clock, session_cookie(request))
    if found is None:
        raise SignInRequired()
    with walaa.uow() as uow:
        store = uow.stores.get(found.member.store_id)
    if store is None:
        raise SignInRequired()
    formatter = Formatter(found.member.language, store.currency, store.timezone)
    return Viewer(found.member, found.session, store, formatter)


def require(permission: Permission) -> Callable[..., Viewer]:
    """A dependency: the viewer, if their role has ``permission``; else 403."""

    def dependency(who: Viewer = Depends(viewer)) -> Viewer:
        if not who.may(permission):
            raise Forbidden()
        return who

    return dependency


async def posted(request: Request, who: Viewer) -> FormData:
    """The POSTed form, if it carries this session's CSRF token; else 403."""
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not secrets.compare_digest(token, who.session.csrf_token):
        raise Forbidden("csrf")
    return form


async def posted_anonymously(request: Request) -> FormData:
    """A sign-in form: its token must match the form cookie set with the page."""
    form = await request.form()
    token, expected = form.get("csrf_token"), request.cookies.get(form_cookie_name(request))
    if not isinstance(token, str) or not expected or not secrets.compare_digest(token, expected):
        raise Forbidden("csrf")
    return form


def form_token(request: Request) -> str:
    """The token for an anonymous form: the cookie's if there is one, else a new one."""
    return request.cookies.get(form_cookie_name(request)) or secrets.token_urlsafe(32)


def keep_form_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        form_cookie_name(request),
        token,
        path="/",
        secure=secure_cookies(request),
        httponly=True,
        samesite="strict",
    )

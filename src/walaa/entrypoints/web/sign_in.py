"""The sign-in pages (password, then code), signing out, and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from walaa.entrypoints.web.auth import (
    LANGUAGE_COOKIE,
    Viewer,
    browser_language,
    clear_session_cookie,
    client_address,
    form_token,
    keep_form_token,
    posted,
    posted_anonymously,
    secure_cookies,
    session_cookie,
    set_session_cookie,
    viewer,
    walaa_of,
)
from walaa.entrypoints.web.i18n import LANGUAGES, Formatter
from walaa.entrypoints.web.pages import PageContext, render
from walaa.service.handlers import staff as staff_handlers
from walaa.service.handlers.staff_sessions import Outcome, sign_in, sign_out, verify_code

router = APIRouter(prefix="/admin", include_in_schema=False)
HOME = "/admin/overview"
SIGN_IN = "/admin/sign-in"
CODE = "/admin/sign-in/code"


def _anonymous_page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: object,
) -> Response:
    token = form_token(request)
    page = PageContext(Formatter(browser_language(request)), csrf_token=token)
    response = render(request, template, page, context, status=status, headers=headers)
    keep_form_token(request, response, token)
    return response


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("")
def home() -> Response:
    return _see_other(HOME)


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return _anonymous_page(request, "sign_in.html", error=None, email="")


def _refusal(request: Request, template: str, outcome: Outcome, email: str = "") -> Response:
    if outcome.status == "wait":
        return _anonymous_page(
            request, template, status=429, error="wait", retry_after=outcome.retry_after,
            email=email, headers={"Retry-After": str(outcome.retry_after)},
        )  # fmt: skip
    return _anonymous_page(request, template, status=401, error="refused", email=email)


@router.post("/sign-in")
async def sign_in_submit(request: Request) -> Response:
    form = await posted_anonymously(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    walaa = walaa_of(request)
    outcome = sign_in(
        walaa.uow(), walaa.clock, email, password, client_address(request), session_cookie(request)
    )
    if outcome.cookie is None:
        return _refusal(request, "sign_in.html", outcome, email)
    response = _see_other(CODE if outcome.status == "needs_code" else HOME)
    set_session_cookie(request, response, outcome.cookie)
    return response


@router.get("/sign-in/code")
def code_page(request: Request) -> Response:
    return _anonymous_page(request, "sign_in_code.html", error=None)


@router.post("/sign-in/code")
async def code_submit(request: Request) -> Response:
    form = await posted_anonymously(request)
    walaa = walaa_of(request)
    outcome = verify_code(
        walaa.uow(), walaa.clock, session_cookie(request), str(form.get("code", "")),
        client_address(request),
    )  # fmt: skip
    if outcome.cookie is None:
        return _refusal(request, "sign_in_code.html", outcome)
    response = _see_other(HOME)
    set_session_cookie(request, response, outcome.cookie)
    return response


@router.post("/sign-out")
async def sign_out_submit(request: Request, who: Viewer = Depends(viewer)) -> Response:
    await posted(request, who)
    walaa = walaa_of(request)
    sign_out(walaa.uow(), walaa.clock, session_cookie(request), client_address(request))
    response = _see_other(SIGN_IN)
    clear_session_cookie(request, response)
    return response


@router.get("/language/{language}")
def anonymous_language(request: Request, language: str) -> Response:
    """Before sign-in the choice lives in a cookie; after, in the staff member's account."""
    response = _see_other(SIGN_IN)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 86400, path="/",
            secure=secure_cookies(request), httponly=True, samesite="strict",
        )  # fmt: skip
    return response


@router.post("/language")
async def staff_language(request: Request, who: Viewer = Depends(viewer)) -> Response:
    form = await posted(request, who)
    walaa = walaa_of(request)
    language = str(form.get("language", ""))
    if language in LANGUAGES and language != who.member.language:
        staff_handlers.set_language(
            walaa.uow(), walaa.clock, who.member, language, client_address(request)
        )
    back = str(form.get("back", HOME))
    return _see_other(back if back.startswith("/admin/") and "//" not in back else HOME)

"""A staff member's own account: their details, and setting up (or replacing) two-step
sign-in with a QR code drawn as SVG on the server."""

from __future__ import annotations

import io

import pyotp
import segno
from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from walaa.domain.errors import ValidationFailed
from walaa.entrypoints.web.auth import Viewer, client_address, posted, viewer, walaa_of
from walaa.entrypoints.web.pages import render
from walaa.service.handlers.staff import enrol_two_factor, recovery_codes_left, totp_uri

router = APIRouter(prefix="/admin", include_in_schema=False)


def qr_svg(text: str, title: str) -> Markup:
    """The QR code as inline SVG: attributes only, nothing the page's policy refuses."""
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title=title,
        svgclass="qr", lineclass=None,
    )  # fmt: skip
    return Markup(out.getvalue().decode())


@router.get("/account")
def account(request: Request, who: Viewer = Depends(viewer)) -> Response:
    left = recovery_codes_left(walaa_of(request).uow(), who.member)
    return render(request, "account.html", who.page(), {"codes_left": left})


def _enrol_page(request: Request, who: Viewer, secret: str, *, error: bool = False) -> Response:
    uri = totp_uri(secret, who.member.email, who.store.name)
    qr = qr_svg(uri, who.formatter.gettext("QR code for your authenticator app"))
    context = {"secret": secret, "qr": qr, "error": error}
    return render(request, "two_factor.html", who.page(), context, status=400 if error else 200)


@router.get("/account/two-factor")
def two_factor_page(request: Request, who: Viewer = Depends(viewer)) -> Response:
    return _enrol_page(request, who, pyotp.random_base32())


@router.post("/account/two-factor")
async def two_factor_submit(request: Request, who: Viewer = Depends(viewer)) -> Response:
    form = await posted(request, who)
    secret = str(form.get("secret", ""))
    walaa = walaa_of(request)
    try:
        codes = enrol_two_factor(
            walaa.uow(), walaa.clock, who.member, str(form.get("password", "")), secret,
            str(form.get("code", "")), client_address(request),
        )  # fmt: skip
    except ValidationFailed:
        return _enrol_page(request, who, pyotp.random_base32(), error=True)
    if codes is None:
        return _enrol_page(request, who, secret, error=True)
    return render(request, "recovery_codes.html", who.page(), {"codes": codes})

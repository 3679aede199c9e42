"""The Review queue screen: referrals the fraud rules held for a person, oldest first, each
with advocate, friend, order, since when and why (the rule's own sentence, in the staff
member's language), and a decision with a required reason.

Deciding is for managers and owners (`Permission.EDIT_PROGRAM`, the permission for approving
held items): approving pays both sides' rewards, a decision on the program's money rather
than a service to one customer, so support staff read the queue like viewers but do not
decide. The decision runs through `referrals.review`, the handler of the API and the command
line, with the staff member's e-mail as the reviewer, audited in the same transaction.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import Conflict, NotFound, ValidationFailed
from walaa.domain.staff import Permission
from walaa.entrypoints.web.audited import audited
from walaa.entrypoints.web.auth import Viewer, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.entrypoints.web.reasons import translated
from walaa.service.handlers.referrals import review
from walaa.service.handlers.review_queue import review_queue
from walaa.service.handlers.stores import clock_for

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/review-queue", N_("Review queue"), Permission.VIEW))
DECISIONS = ("approve", "reject")
MAX_REASON = 500
#: The notes a decision leaves on the page (?done=...), as msgids.
DONE = {
    "approve": N_("The referral was approved; its rewards are given as the program says."),
    "reject": N_("The referral was rejected."),
}


@router.get("/review-queue")
def queue(
    request: Request, done: str = "", who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    return _page(request, who, done=done)


def _page(
    request: Request,
    who: Viewer,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    sent: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    try:
        held = review_queue(walaa.uow(), clock, who.store.id, who.formatter.language)
    except NotFound:  # the program has no referrals: section
        held = []
    errors = errors or {}
    shown = {f"reason:{h.referral.id}" for h in held}
    context = {
        "held": held,
        # a refusal about a referral no longer in the queue (decided meanwhile, or unknown)
        "elsewhere": [text for field, text in errors.items() if field not in shown],
        "done": DONE.get(done),
        "errors": errors,
        "sent": sent or {},
        "may_decide": who.may(Permission.EDIT_PROGRAM),
    }
    return render(request, "review_queue.html", who.page(), context, status=status)


@router.post("/review-queue/{referral_id}/{decision}")
async def decide(
    request: Request,
    referral_id: str,
    decision: str,
    who: Viewer = Depends(require(Permission.EDIT_PROGRAM)),
) -> Response:
    form = await posted(request, who)
    if decision not in DECISIONS:
        return RedirectResponse("/admin/review-queue", 303)
    reason = str(form.get("reason", "")).strip()
    sent = {referral_id: reason}
    field = f"reason:{referral_id}"
    if not reason:
        errors = {field: who.formatter.gettext("Say why: the reason is kept with the decision.")}
        return _page(request, who, errors=errors, sent=sent, status=422)
    if len(reason) > MAX_REASON:
        errors = {field: who.formatter.gettext("Keep the reason under 500 characters.")}
        return _page(request, who, errors=errors, sent=sent, status=422)
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    target = "approved" if decision == "approve" else "rejected"
    after = {"status": target, "reason": reason}
    uow = audited(request, who, f"referral.{decision}", referral_id, {"status": "held"}, after)
    try:
        review(
            uow,
            clock,
            who.store.id,
            referral_id,
            approve=decision == "approve",
            staff=who.member.email,
            reason=reason,
        )
    except (Conflict, NotFound, ValidationFailed) as refused:
        errors = {field: translated(who.formatter, str(refused))}
        return _page(request, who, errors=errors, sent=sent, status=409)
    return RedirectResponse(f"/admin/review-queue?done={decision}", 303)

"""`/account/notifications`: what the account is told, by e-mail and by Web Push.

Each account chooses for itself (opt-in: nothing is sent until it does): a guardian the
arrivals and departures of their children, everyone new messages and announcements, staff
the replies due. E-mail goes to the account's login; a push to each browser where the
person pressed "Turn on push" (the page's script subscribes with the site's VAPID key and
sends the subscription to `/api/push-subscriptions`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.accounts.rights import Account
from hub.services import web_push
from hub.store import notifications
from hub.store.notifications import CHANNELS, KINDS
from web.auth import require
from web.deps import Clock, Db, SiteSettings, Templates
from web.forms import FormFields
from web.i18n import N_

router = APIRouter(include_in_schema=False)
PAGE = "/account/notifications"
Chooser = Depends(require("notifications.own"))
KIND_NAMES = {
    "message": N_("A new message"),
    "announcement": N_("A new announcement"),
    "reply_due": N_("A reply due (a parent's message waiting for my answer)"),
    "arrival": N_("My child arrived (who tapped, and when)"),
    "departure": N_("My child left (who tapped, and when)"),
}
CHANNEL_NAMES = {"email": N_("E-mail"), "push": N_("Push (on the devices where it is on)")}


def offered_kinds(user: Account) -> list[str]:
    """What the account may choose: arrivals and departures for a guardian, replies due for staff."""
    guardian = user.role == "parent"
    return [
        kind
        for kind in KINDS
        if (kind not in ("arrival", "departure") or guardian) and (kind != "reply_due" or not guardian)
    ]


@router.get(PAGE, response_class=HTMLResponse)
def show(
    request: Request, db: Db, settings: SiteSettings, templates: Templates, user: Account = Chooser
) -> Response:
    return templates.TemplateResponse(
        request,
        "notifications.html",
        {
            "kinds": [(kind, KIND_NAMES[kind]) for kind in offered_kinds(user)],
            "channels": [(channel, CHANNEL_NAMES[channel]) for channel in CHANNELS],
            "chosen": notifications.choices(db, user.id),
            "subscriptions": notifications.subscriptions_of(db, user.id),
            "vapid_key": web_push.public_key(web_push.vapid_key(settings)),
            "mail_ready": bool(settings.smtp_host),
            "saved": "saved" in request.query_params,
        },
    )


@router.post(PAGE, response_class=HTMLResponse)
def save(db: Db, fields: FormFields, clock: Clock, user: Account = Chooser) -> Response:
    """Checked boxes are named `kind.channel`; any other field is ignored."""
    chosen = {
        (kind, channel)
        for kind in offered_kinds(user)
        for channel in CHANNELS
        if fields.get(f"{kind}.{channel}")
    }
    notifications.set_choices(db, user.id, chosen, clock())
    return RedirectResponse(f"{PAGE}?saved", status_code=303)

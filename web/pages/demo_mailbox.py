"""`/demo/mailbox`: the mail the demo's hub sent, as its own mail server kept it (only in
`ewidencjoner demo`, for whoever manages accounts: the mails are the parents')."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from hub.devtools.demo_mail import read_mailbox
from web.auth import require
from web.deps import Templates

router = APIRouter(include_in_schema=False)


@router.get("/demo/mailbox", response_class=HTMLResponse, dependencies=[Depends(require("users.manage"))])
def mailbox(request: Request, templates: Templates) -> Response:
    maildir = request.app.state.demo_mailbox
    return templates.TemplateResponse(
        request, "demo_mailbox.html", {"mails": read_mailbox(maildir), "maildir": maildir}
    )

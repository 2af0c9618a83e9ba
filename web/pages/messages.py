"""`/messages`: the inbox, the sent list with read receipts, writing a message, a thread with
its replies, and attachments.

Opening a thread is its receipt: each message in it addressed to the reader is marked read
at the first opening (`hub.services.messages.open_thread`). A message, a thread or an
attachment is shown only to its writer and recipients; anyone else's request is refused
(403) and logged like every refused right. Whom one may write to is the messaging rule's
(`hub.rules.messaging`): the form offers only those audiences, and the service checks again.
No route edits or deletes a sent message (procedure 000 §3.6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from hub.accounts.rights import Account
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.attachments import Limits
from hub.rules.messaging import Writer
from hub.services import messages as service
from hub.store import messages as store
from hub.store.db import stored_integer
from hub.timefmt import from_db, local_day_and_clock
from web.auth import allowed, deny, require
from web.deps import Clock, Db, SiteSettings, Templates
from web.forms import Form, FormError
from web.i18n import N_, _
from web.params import RowId
from web.templating import Flash

PAGE_SIZE = 50
AUDIENCE_NAMES = {
    "guardian": N_("A guardian"),
    "group_guardians": N_("Guardians of a group"),
    "all_guardians": N_("All guardians"),
    "teacher": N_("A teacher"),
    "group_teachers": N_("Teachers of a group"),
    "all_staff": N_("All staff"),
    "director": N_("The director"),
    "secretary": N_("The secretary's office"),
    "admin": N_("The administrator"),
}
"""The compose form's audience choices."""
ADDRESSED = {
    "guardian": N_("To: %(name)s"),
    "group_guardians": N_("To: guardians of group %(name)s"),
    "all_guardians": N_("To: all guardians"),
    "teacher": N_("To: %(name)s"),
    "group_teachers": N_("To: teachers of group %(name)s"),
    "all_staff": N_("To: all staff"),
    "director": N_("To: the director"),
    "secretary": N_("To: the secretary's office"),
    "admin": N_("To: the administrator"),
    "person": N_("To: %(name)s"),
}
"""How a recipient was addressed, as the recipient and the writer read it."""
SAVED = {"sent": N_("The message was sent."), "replied": N_("The reply was sent.")}

MessagesReader = Annotated[Account, Depends(require("messages.read"))]
MessagesWriter = Annotated[Account, Depends(require("messages.write"))]

router = APIRouter(prefix="/messages", include_in_schema=False)


def limits(settings: Settings) -> Limits:
    return Limits(settings.message_attachment_max_mb * 1024 * 1024, settings.message_attachment_max_files)


def writer_of(db: Db, user: Account, now: datetime, settings: Settings) -> Writer:
    return service.writer(
        db,
        account_id=user.id,
        role=user.role,
        teacher_groups=user.groups,
        today=now.astimezone(settings.tz).date(),
    )


def addressed(kind: str, name: str) -> str:
    """`Do: rodzice grupy Motylki`: how one recipient was addressed, in the reader's language."""
    return _(ADDRESSED.get(kind, "%(name)s")) % {"name": name}


def receipt_text(read_at: str | None, settings: Settings) -> str:
    """`przeczytana 05.12.2026, 10:14` or `nieprzeczytana`."""
    if read_at is None:
        return _("unread")
    return _("read %(when)s") % {"when": local_day_and_clock(from_db(read_at), settings.tz)}


def uploads(form: FormData) -> list[service.Upload]:
    """The files chosen in the form's `files` field (empty choices left out)."""
    chosen = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    return [service.Upload(item.filename or "", item.file.read()) for item in chosen]


def render(
    request: Request, templates: Templates, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A messages page, with what its links need to know of the account's rights."""
    shared = {
        "may_write": allowed(request, "messages.write"),
        "may_close": allowed(request, "messages.close"),
    }
    return templates.TemplateResponse(request, name, {**shared, **context}, status_code=status)


@router.get("", response_class=HTMLResponse)
def inbox(
    request: Request,
    db: Db,
    templates: Templates,
    user: MessagesReader,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    rows = store.inbox(db, user.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    context = {"messages": rows[:PAGE_SIZE], "page": page, "more": len(rows) > PAGE_SIZE}
    return render(request, templates, "messages_inbox.html", context)


@router.get("/sent", response_class=HTMLResponse)
def sent_list(
    request: Request,
    db: Db,
    templates: Templates,
    user: MessagesReader,
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    rows = store.sent(db, user.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    context = {"messages": rows[:PAGE_SIZE], "page": page, "more": len(rows) > PAGE_SIZE}
    return render(request, templates, "messages_sent.html", context)


def compose_page(
    request: Request,
    db: Db,
    settings: Settings,
    templates: Templates,
    user: Account,
    now: datetime,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: Exception | None = None,
) -> Response:
    person = writer_of(db, user, now, settings)
    choices = service.compose_choices(db, person, now.astimezone(settings.tz).date())
    options = []
    for choice in choices:
        if choice["targets"] is None:
            options.append((choice["kind"], _(AUDIENCE_NAMES[choice["kind"]])))
        else:
            label = _(AUDIENCE_NAMES[choice["kind"]])
            options += [(f"{choice['kind']}:{t['id']}", f"{label}: {t['name']}") for t in choice["targets"]]
    context = {
        "options": options,
        "values": values or {},
        "error": error,
        "limits": limits(settings),
    }
    return render(request, templates, "messages_compose.html", context, status)


@router.get("/new", response_class=HTMLResponse)
def compose(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    user: MessagesWriter,
    to: str = Query("", max_length=40),
) -> Response:
    return compose_page(request, db, settings, templates, user, clock(), values={"to": to})


@router.post("/new", response_class=HTMLResponse)
def send(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    form: Form,
    user: MessagesWriter,
) -> Response:
    now = clock()
    values = {
        key: value.strip() for key, value in form.items() if isinstance(value, str) and key != "csrf_token"
    }
    try:
        kind, _colon, target = values.get("to", "").partition(":")
        if not kind:
            raise FormError(N_("Choose whom to write to."), "to")
        target_id = stored_integer(target) if target else None
        if target and target_id is None:
            raise FormError(N_("Choose one of the options."), "to")
        sent = service.send(
            db, writer_of(db, user, now, settings), actor=user.login, audience=kind, target=target_id,
            subject=values.get("subject", ""), body=values.get("body", ""), uploads=uploads(form),
            attachments_dir=settings.attachments_dir, limits=limits(settings), tz=settings.tz, now=now,
        )  # fmt: skip
    except (FormError, Refusal) as exc:
        return compose_page(request, db, settings, templates, user, now, 422, values=values, error=exc)
    request.app.state.wake_sender()
    return RedirectResponse(f"/messages/{sent.message_id}?saved=sent", status_code=303)


def _visible(request: Request, db: Db, user: Account, message_id: int) -> dict[str, Any]:
    """The message, if the account wrote or received it; else 403, logged (404 when none)."""
    try:
        message = store.get_message(db, message_id)
    except Refusal as exc:
        raise HTTPException(404) from exc
    if not store.may_see(db, message_id, user.id):
        deny(request, "messages.read", "not their message", target=f"message {message_id}")
        raise HTTPException(403)
    return message


def thread_page(
    request: Request,
    db: Db,
    settings: Settings,
    templates: Templates,
    user: Account,
    message_id: int,
    now: datetime,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: Exception | None = None,
) -> Response:
    message = _visible(request, db, user, message_id)
    shown = service.open_thread(db, user.id, message["thread_id"], actor=user.login, now=now)
    for item in shown:
        own = item["addressed"]
        item["to"] = addressed(own["addressed_kind"], own["addressed_name"]) if own else None
        if item["receipts"] is not None:
            for row in item["receipts"]:
                row["to"] = addressed(row["addressed_kind"], row["addressed_name"])
                row["receipt"] = receipt_text(row["read_at"], settings)
    last = shown[-1]
    may_reply = (
        last["closed_at"] is None
        and user.role != "inspector"
        and any(m["sender_id"] is not None for m in shown)
    )
    saved = request.query_params.get("saved", "")
    context = {
        "subject": shown[0]["subject"],
        "messages": shown,
        "reply_to": _answered(shown, request.query_params.get("reply_to", "")),
        "may_reply": may_reply,
        "closed": last["closed_at"] is not None,
        "values": values or {},
        "error": error,
        "limits": limits(settings),
        "flashes": [Flash(_(SAVED[saved]), "ok")] if saved in SAVED else [],
    }
    return render(request, templates, "messages_thread.html", context, status)


def _answered(shown: list[dict[str, Any]], chosen: str) -> int | None:
    """The message the reply form answers: the one chosen (`?reply_to=ID`, one of the
    thread's shown messages from a person), else the newest such."""
    answerable = [m["id"] for m in shown if m["sender_id"] is not None]
    wanted = stored_integer(chosen)
    return wanted if wanted in answerable else max(answerable, default=None)


@router.get("/{message_id}", response_class=HTMLResponse)
def thread(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    message_id: RowId,
    user: MessagesReader,
) -> Response:
    return thread_page(request, db, settings, templates, user, message_id, clock())


@router.post("/{message_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request,
    db: Db,
    settings: SiteSettings,
    templates: Templates,
    clock: Clock,
    form: Form,
    message_id: RowId,
    user: MessagesWriter,
) -> Response:
    _visible(request, db, user, message_id)
    now = clock()
    body = str(form.get("body") or "")
    try:
        sent = service.reply(
            db, writer_of(db, user, now, settings), actor=user.login, message_id=message_id, body=body,
            uploads=uploads(form), attachments_dir=settings.attachments_dir, limits=limits(settings),
            tz=settings.tz, now=now,
        )  # fmt: skip
    except Refusal as exc:
        values = {"body": body}
        return thread_page(request, db, settings, templates, user, message_id, now, 422, values, exc)
    request.app.state.wake_sender()
    return RedirectResponse(
        f"/messages/{sent.message_id}?saved=replied#message-{sent.message_id}", status_code=303
    )


@router.get("/attachments/{attachment_id}")
def attachment(
    request: Request,
    db: Db,
    settings: SiteSettings,
    attachment_id: RowId,
    user: MessagesReader,
) -> Response:
    """The file, for its message's writer and recipients: never shown inline, never sniffed."""
    try:
        row = store.get_attachment(db, attachment_id)
    except Refusal as exc:
        raise HTTPException(404) from exc
    _visible(request, db, user, row["message_id"])
    _row, data = service.attachment_for(db, user.id, attachment_id, settings.attachments_dir)
    return Response(
        content=data,
        media_type=row["content_type"],
        headers={
            "Content-Disposition": content_disposition(row["name"]),
            "Cache-Control": "private, no-store",
        },
    )


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the real one (RFC 6266, RFC 5987)."""
    fallback = (
        "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._- ") else "_" for ch in name) or "file"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

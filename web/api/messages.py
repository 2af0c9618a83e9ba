"""`/api/messages`: one's inbox, a thread (opening it is the receipt, as on the page) and
sending a message (text only; attachments are sent from the page or the command line).

The same rules as the pages: a thread is shown only to its writer and recipients (anyone
else: 403, logged), each reader sees only how they themselves were addressed, and only a
message's writer gets its recipients' receipts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from hub.refusal import Refusal
from hub.services import messages as service
from hub.store import messages as store
from web.auth import deny
from web.deps import Clock, Db, SiteSettings
from web.errors import API_ERRORS
from web.pages.messages import MessagesReader, MessagesWriter, limits, writer_of
from web.params import RowId

router = APIRouter(prefix="/api", responses=API_ERRORS)

Audience = Literal[
    "guardian", "group_guardians", "all_guardians", "teacher", "group_teachers", "all_staff", "director",
    "secretary", "admin",
]  # fmt: skip
"""The audiences of `hub.rules.messaging.AUDIENCES` (a test keeps them equal)."""


class InboxItem(BaseModel):
    id: int
    thread_id: int
    subject: str
    sent_at: datetime
    kind: Literal["personal", "system"]
    sender_id: int | None = Field(description="None for a system message")
    sender_name: str | None
    read_at: datetime | None = Field(description="This account's first opening; None while unread")
    attachments: int


class Inbox(BaseModel):
    unread: int
    messages: list[InboxItem]


class Attachment(BaseModel):
    id: int
    name: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    url: str


class Receipt(BaseModel):
    account_id: int
    name: str
    read_at: datetime | None


class ThreadMessage(BaseModel):
    id: int
    subject: str
    body: str
    sent_at: datetime
    kind: Literal["personal", "system"]
    sender_id: int | None
    sender_name: str | None
    in_reply_to: int | None
    closed: bool = Field(description="Its school year's messages are closed (read only)")
    attachments: list[Attachment]
    receipts: list[Receipt] | None = Field(description="Every recipient's receipt, for the writer only")


class Thread(BaseModel):
    thread_id: int
    messages: list[ThreadMessage]


class NewMessage(BaseModel):
    audience: Audience
    target: RowId | None = Field(
        None, description="The account (guardian, teacher) or group the audience names"
    )
    subject: str = Field(max_length=200)
    body: str = Field(max_length=20_000)


class SentMessage(BaseModel):
    id: int
    recipients: int


@router.get("/messages", summary="One's inbox, newest first")
def get_inbox(
    db: Db,
    user: MessagesReader,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Inbox:
    rows = store.inbox(db, user.id, limit=limit, offset=offset)
    return Inbox(
        unread=store.unread_count(db, user.id), messages=[InboxItem.model_validate(row) for row in rows]
    )


@router.get("/messages/{message_id}", summary="A message's thread; opening it is the receipt")
def get_thread(
    request: Request,
    db: Db,
    clock: Clock,
    message_id: RowId,
    user: MessagesReader,
) -> Thread:
    try:
        message = store.get_message(db, message_id)
    except Refusal as exc:
        raise HTTPException(404) from exc
    if not store.may_see(db, message_id, user.id):
        deny(request, "messages.read", "not their message", target=f"message {message_id}")
        raise HTTPException(403)
    shown = service.open_thread(db, user.id, message["thread_id"], actor=user.login, now=clock())
    return Thread(thread_id=message["thread_id"], messages=[_thread_message(item) for item in shown])


def _thread_message(item: dict[str, Any]) -> ThreadMessage:
    fields = ("id", "subject", "body", "sent_at", "kind", "sender_id", "sender_name", "in_reply_to")
    files = [
        Attachment(
            id=a["id"],
            name=a["name"],
            content_type=a["content_type"],
            size=a["size"],
            url=f"/messages/attachments/{a['id']}",
        )
        for a in item["attachments"]
    ]
    receipts = None if item["receipts"] is None else [Receipt.model_validate(r) for r in item["receipts"]]
    return ThreadMessage(
        **{key: item[key] for key in fields},
        closed=item["closed_at"] is not None,
        attachments=files,
        receipts=receipts,
    )


@router.post("/messages", status_code=201, summary="Send a message to an audience one may address")
def post_message(
    request: Request,
    db: Db,
    settings: SiteSettings,
    clock: Clock,
    new: NewMessage,
    user: MessagesWriter,
) -> SentMessage:
    now = clock()
    sent = service.send(
        db, writer_of(db, user, now, settings), actor=user.login, audience=new.audience, target=new.target,
        subject=new.subject, body=new.body, attachments_dir=settings.attachments_dir, limits=limits(settings),
        tz=settings.tz, now=now,
    )  # fmt: skip
    request.app.state.wake_sender()
    return SentMessage(id=sent.message_id, recipients=len(sent.recipient_ids))

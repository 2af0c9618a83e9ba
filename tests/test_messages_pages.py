"""The messages' pages and API: a teacher writes to her group's parents with an attachment,
the parent's inbox shows it unread, opening it is the receipt the teacher then reads, the
parent's reply reaches the teacher alone; attachments downloaded only by those it was sent
to, as attachments, never sniffed; the uploads that lie about their type refused whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.store import messages as store
from tests.pages_support import Site, errors

PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    site.client("teacher")
    site.client("parent")
    return site


def send_to_group(site: Site, **files: object) -> TestClient:
    teacher = site.client("teacher")
    response = teacher.post(
        "/messages/new",
        data={"to": f"group_guardians:{site.motylki}", "subject": "Zebranie", "body": "We wtorek o 17:00."},
        files=files.get("files") or None,  # type: ignore[arg-type]
        follow_redirects=False,
    )
    assert response.status_code == 303, errors(response.text)
    return teacher


def test_a_teacher_writes_to_her_groups_parents_and_sees_the_receipt(site: Site) -> None:
    teacher = send_to_group(site, files=[("files", ("plan zajęć.pdf", PDF, "application/pdf"))])
    parent = site.client("parent")
    inbox = parent.get("/messages").text
    assert 'class="message-item unread"' in inbox and "Zebranie" in inbox
    assert re.search(
        r'href="/messages">Wiadomości <span class="badge" aria-hidden="true">1<', parent.get("/parent").text
    )
    [message] = store.inbox(site.db(), parent.account["id"])  # type: ignore[attr-defined]
    assert "nieprzeczytana" in teacher.get(f"/messages/{message['id']}").text

    thread = parent.get(f"/messages/{message['id']}").text
    assert "Do: rodzice grupy Motylki" in thread
    assert "Test teacher" in thread and "plan zajęć.pdf" in thread
    assert 'class="message-item unread"' not in parent.get("/messages").text

    sent = teacher.get(f"/messages/{message['id']}").text
    assert re.search(r"przeczytana \d\d\.\d\d\.\d{4}, \d\d:\d\d", sent) and "nieprzeczytana" not in sent
    assert "przeczytana przez 1 z 1" in teacher.get("/messages/sent").text


def test_a_parents_reply_reaches_the_teacher_only(site: Site) -> None:
    send_to_group(site)
    parent = site.client("parent")
    [message] = store.inbox(site.db(), parent.account["id"])  # type: ignore[attr-defined]
    answer = parent.post(f"/messages/{message['id']}/reply", data={"body": "Będę."}, follow_redirects=False)
    assert answer.status_code == 303
    teacher_id = site.client("teacher").account["id"]  # type: ignore[attr-defined]
    assert [row["subject"] for row in store.inbox(site.db(), teacher_id)] == ["Re: Zebranie"]


def test_a_parent_may_write_only_to_staff(site: Site) -> None:
    parent = site.client("parent")
    form = parent.get("/messages/new").text
    assert "group_guardians" not in form and "all_guardians" not in form and 'value="guardian:' not in form
    refused = parent.post(
        "/messages/new",
        data={"to": f"group_guardians:{site.motylki}", "subject": "Do rodziców", "body": "Cześć"},
    )
    assert refused.status_code == 422
    assert store.sent(site.db(), parent.account["id"]) == []  # type: ignore[attr-defined]


def test_only_the_writer_and_recipients_open_a_message_or_its_attachment(site: Site) -> None:
    send_to_group(site, files=[("files", ("plan.pdf", PDF, "application/pdf"))])
    db = site.db()
    [message] = store.inbox(db, site.client("parent").account["id"])  # type: ignore[attr-defined]
    [file] = store.attachments_of(db, message["id"])
    download = site.client("parent").get(f"/messages/attachments/{file['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="plan.pdf"')
    assert download.headers["x-content-type-options"] == "nosniff"
    secretary = site.client("secretary")
    assert secretary.get(f"/messages/{message['id']}").status_code == 403
    assert secretary.get(f"/messages/attachments/{file['id']}").status_code == 403
    assert secretary.get(f"/api/messages/{message['id']}").status_code == 403
    assert site.client("inspector").get("/messages").status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "claimed"),
    [
        ("zdjecie.pdf", PNG, "application/pdf"),  # a PNG renamed .pdf, the browser's type forged
        ("x.pdf", b"<html><body onload=alert(1)>", "application/pdf"),  # an HTML page named .pdf
        ("duzy.pdf", PDF + b"0" * (1024 * 1024), "application/pdf"),  # over the 1 MB limit set below
    ],
)
def test_uploads_that_lie_are_refused_and_nothing_is_sent(
    site: Site, name: str, data: bytes, claimed: str
) -> None:
    site.app.state.settings = type(site.settings)(
        database=site.settings.database, message_attachment_max_mb=1
    )
    teacher = site.client("teacher")
    response = teacher.post(
        "/messages/new",
        data={"to": f"group_guardians:{site.motylki}", "subject": "Plan", "body": "W załączniku."},
        files=[("files", (name, data, claimed))],
    )
    assert response.status_code == 422 and errors(response.text)
    assert "W załączniku." in response.text  # what was typed is kept
    assert store.sent(site.db(), teacher.account["id"]) == []  # type: ignore[attr-defined]


def test_a_traversal_name_is_kept_as_its_last_part(site: Site) -> None:
    send_to_group(site, files=[("files", ("../../../etc/cron.d/plan.pdf", PDF, "application/pdf"))])
    [message] = store.inbox(site.db(), site.client("parent").account["id"])  # type: ignore[attr-defined]
    [file] = store.attachments_of(site.db(), message["id"])
    assert file["name"] == "plan.pdf"
    assert not (site.settings.database.parent / "etc").exists()


def test_a_body_over_the_limit_is_refused_before_it_is_read(site: Site) -> None:
    site.app.state.settings = type(site.settings)(
        database=site.settings.database, message_attachment_max_mb=1, message_attachment_max_files=1
    )
    big = b"%PDF-" + b"0" * (2 * 1024 * 1024)
    response = site.client("teacher").post(
        "/messages/new",
        data={"to": f"group_guardians:{site.motylki}", "subject": "Duży", "body": "x"},
        files=[("files", ("duzy.pdf", big, "application/pdf"))],
    )
    assert response.status_code == 413


def test_the_api_sends_lists_and_opens(site: Site) -> None:
    teacher, parent = site.client("teacher"), site.client("parent")
    sent = teacher.post(
        "/api/messages",
        json={
            "audience": "group_guardians",
            "target": site.motylki,
            "subject": "Wycieczka",
            "body": "W piątek.",
        },
    )
    assert sent.status_code == 201 and sent.json()["recipients"] == 1
    inbox = parent.get("/api/messages").json()
    assert inbox["unread"] == 1 and inbox["messages"][0]["subject"] == "Wycieczka"
    thread = parent.get(f"/api/messages/{sent.json()['id']}").json()
    assert thread["messages"][0]["receipts"] is None  # a recipient sees no one else's receipt
    assert parent.get("/api/messages").json()["unread"] == 0
    mine = teacher.get(f"/api/messages/{sent.json()['id']}").json()
    [receipt] = mine["messages"][0]["receipts"]
    assert receipt["read_at"] is not None and receipt["name"] == "Test parent"
    refused = parent.post("/api/messages", json={"audience": "all_guardians", "subject": "x", "body": "y"})
    assert refused.status_code == 422 and refused.json()["code"] == "message.parent_to_parent"


def test_the_apis_audiences_are_the_rules() -> None:
    from typing import get_args

    from hub.rules.messaging import AUDIENCES
    from web.api.messages import Audience

    assert set(get_args(Audience)) == set(AUDIENCES)


def test_a_teacher_answers_the_parent_she_chooses_in_a_thread(site: Site) -> None:
    send_to_group(site)
    parent = site.client("parent")
    [message] = store.inbox(site.db(), parent.account["id"])  # type: ignore[attr-defined]
    parent.post(f"/messages/{message['id']}/reply", data={"body": "Będę."})
    teacher = site.client("teacher")
    [answer] = store.inbox(site.db(), teacher.account["id"])  # type: ignore[attr-defined]
    page = teacher.get(f"/messages/{message['id']}?reply_to={answer['id']}").text
    assert f'action="/messages/{answer["id"]}/reply"' in page
    assert f'href="?reply_to={message["id"]}#reply"' in page  # her own group message, to follow up
    teacher.post(f"/messages/{answer['id']}/reply", data={"body": "Dziękuję."})
    newest = store.inbox(site.db(), parent.account["id"])[0]  # type: ignore[attr-defined]
    assert (newest["subject"], newest["sender_name"]) == ("Re: Zebranie", "Test teacher")


def test_the_administrator_closes_a_past_year_then_removes_it(site: Site) -> None:
    from datetime import UTC, datetime

    send_to_group(site)
    parent, admin = site.client("parent"), site.client("admin")
    [message] = store.inbox(site.db(), parent.account["id"])  # type: ignore[attr-defined]
    year = site.db().execute("SELECT school_year FROM messages").fetchone()[0]
    refused = admin.post("/messages/years/close", data={"year": year})
    assert refused.status_code == 422 and "1 września" in refused.text  # the year has not ended
    assert site.client("director").get("/messages/years").status_code == 403  # the administrator's alone
    end = int(year.split("/")[1])
    site.app.state.clock = lambda: datetime(end, 9, 2, 8, 0, tzinfo=UTC)
    assert admin.post("/messages/years/remove", data={"year": year}).status_code == 422  # not closed yet
    assert admin.post("/messages/years/close", data={"year": year}, follow_redirects=False).status_code == 303
    thread = parent.get(f"/messages/{message['id']}").text
    assert "są zamknięte" in thread and 'id="reply"' not in thread
    answer = parent.post(f"/messages/{message['id']}/reply", data={"body": "Za późno?"})
    assert answer.status_code == 422
    assert (
        admin.post("/messages/years/remove", data={"year": year}, follow_redirects=False).status_code == 303
    )
    assert parent.get(f"/messages/{message['id']}").status_code == 404
    assert "usunięte" in admin.get("/messages/years").text

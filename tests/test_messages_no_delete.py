"""Nothing deletes or edits a sent message during the school year (procedure 000 §3.6): every
way in is tried — the pages and the API with DELETE, PUT, PATCH and POSTs to edit- and
delete-like addresses, the command line, the store's functions — and each is refused, the
message left exactly as sent. Only a closed year's messages may be removed, by the
administrator."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.refusal import Refusal
from hub.store import messages as store
from tests.pages_support import Site
from tests.test_rights_matrix import app_routes
from web.cli import cli

EDIT_LIKE = ("", "/edit", "/delete", "/remove", "/update", "/archive", "/recipients")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site.make(tmp_path_factory.mktemp("no-delete"))
    for role in ("admin", "director", "teacher", "parent"):
        site.client(role)
    sent = site.client("teacher").post(
        "/messages/new",
        data={"to": f"group_guardians:{site.motylki}", "subject": "Zebranie", "body": "We wtorek."},
        files=[("files", ("plan.pdf", b"%PDF-1.7 plan", "application/pdf"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303
    return site


def snapshot(site: Site) -> list[tuple]:
    db = site.db()
    try:
        return [
            tuple(row)
            for table in ("messages", "message_recipients", "message_attachments")
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        ]
    finally:
        db.close()


def test_no_route_deletes_or_edits_a_message(site: Site) -> None:
    routes = {
        (method, path)
        for method, path in app_routes(site.app)
        if path.startswith(("/messages", "/api/messages"))
    }
    assert not [r for r in routes if r[0] in ("DELETE", "PUT", "PATCH")]
    posts = sorted(path for method, path in routes if method == "POST")
    assert posts == [
        "/api/messages",
        "/messages/new",
        "/messages/years/close",
        "/messages/years/remove",  # refuses a year not closed (below)
        "/messages/{message_id}/reply",
    ]


@pytest.mark.parametrize("role", ["admin", "director", "teacher", "parent"])
def test_every_way_in_over_http_is_refused(site: Site, role: str) -> None:
    before = snapshot(site)
    client = site.client(role)
    message_id, attachment_id = before[0][0], 1
    for base in (
        f"/messages/{message_id}",
        f"/api/messages/{message_id}",
        f"/messages/attachments/{attachment_id}",
    ):
        for suffix in EDIT_LIKE:
            for method in ("DELETE", "PUT", "PATCH", "POST"):
                if method == "POST" and suffix == "" and base.startswith("/api/"):
                    continue  # POST /api/messages/{id} is no route either; covered by the suffixes
                response = client.request(
                    method, base + suffix, data={"subject": "Zmieniony", "body": "Zmieniona treść"},
                    follow_redirects=False,
                )  # fmt: skip
                assert response.status_code in (404, 405), (method, base + suffix, response.status_code)
    removed = client.post("/messages/years/remove", data={"year": "2026/2027"}, follow_redirects=False)
    assert removed.status_code in (403, 422)
    assert snapshot(site) == before


def test_the_command_line_has_no_way_to_delete_or_edit(site: Site) -> None:
    before = snapshot(site)
    from hub.cli.messages import messages_group

    assert sorted(messages_group.commands) == [
        "close-year", "list", "remind-passwords", "remove-closed", "send", "show", "years",
    ]  # fmt: skip
    runner = CliRunner()
    database = ["--database", str(site.settings.database), "messages"]
    for attempt in (["delete", "1"], ["edit", "1"], ["remove", "1"]):
        assert runner.invoke(cli, database + attempt).exit_code == 2, attempt  # no such command
    year = site.db().execute("SELECT school_year FROM messages").fetchone()[0]
    refused = runner.invoke(cli, [*database, "remove-closed", year])
    assert refused.exit_code == 1 and "not closed" in refused.output
    assert snapshot(site) == before


def test_the_store_has_no_function_that_edits_and_removes_only_closed_years(
    site: Site, tmp_path: Path
) -> None:
    before = snapshot(site)
    functions = inspect.getmembers(store, inspect.isfunction)
    public = sorted(
        name for name, f in functions if f.__module__ == store.__name__ and not name.startswith("_")
    )
    assert public == [
        "add_message", "attachments_of", "close_year", "get_attachment", "get_message", "inbox",
        "is_closed", "mark_read", "may_see", "receipt", "recipients_of", "remove_closed_year",
        "send_system_message", "sent", "thread", "unread_count", "years",
    ]  # fmt: skip
    db = site.db()
    year = db.execute("SELECT school_year FROM messages").fetchone()[0]
    with pytest.raises(Refusal) as refused:
        store.remove_closed_year(db, year, attachments_dir=tmp_path, actor="admin@p11.example.pl")
    assert refused.value.code == "message.year_not_closed"
    db.close()
    assert snapshot(site) == before

"""A browser's push subscription is an address the hub will post to: every hostile one is
refused with a reason, through the API and again before each push."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from hub.config import Settings
from hub.refusal import Refusal
from hub.services import web_push
from hub.store import notifications
from tests.notify_support import BrowserKeys, b64
from tests.pages_support import Site

GOOD = BrowserKeys().subscription("https://fcm.googleapis.com/fcm/send/abc")


def with_endpoint(endpoint: str) -> dict[str, object]:
    return {**GOOD, "endpoint": endpoint}


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        (with_endpoint("http://push.example.com/x"), "push.endpoint"),  # not HTTPS
        (with_endpoint("https://127.0.0.1/x"), "push.endpoint"),
        (with_endpoint("https://10.0.0.1:8080/admin"), "push.endpoint"),
        (with_endpoint("https://[::1]/x"), "push.endpoint"),
        (with_endpoint("https://169.254.169.254/latest/meta-data"), "push.endpoint"),
        (with_endpoint("https://localhost/x"), "push.endpoint"),
        (with_endpoint("https://user:pw@push.example.com/x"), "push.endpoint"),
        (with_endpoint("file:///etc/passwd"), "push.endpoint"),
        (with_endpoint("https://push.example.com:99999/x"), "push.endpoint"),
        (with_endpoint("https://push.example.com/" + "a" * 2000), "push.endpoint_too_long"),
        ({**GOOD, "keys": {"p256dh": "A" * 100_000, "auth": "x"}}, "push.bad_key"),
        ({**GOOD, "keys": {"p256dh": b64(b"\x04" + bytes(64)), "auth": b64(bytes(16))}}, "push.bad_key"),
        ({**GOOD, "keys": {"p256dh": GOOD["keys"]["p256dh"], "auth": b64(bytes(15))}}, "push.bad_key"),
        ({**GOOD, "keys": {"p256dh": "!!!", "auth": "???"}}, "push.bad_key"),
        ({**GOOD, "keys": "none"}, "push.malformed"),
        ({"endpoint": 5, "keys": {}}, "push.malformed"),
        ([GOOD], "push.malformed"),
    ],
)
def test_a_hostile_subscription_is_refused(sent: object, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        web_push.parse_subscription(sent, allow_local=False)
    assert refused.value.code == code


def test_a_browsers_subscription_is_taken() -> None:
    found = web_push.parse_subscription(GOOD, allow_local=False)
    assert found.endpoint == GOOD["endpoint"]


def test_a_name_that_resolves_to_the_local_network_gets_no_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked again before each push: a name accepted when subscribing may come to resolve
    inside (DNS rebinding). The resolver answers as a hostile name server would."""
    web_push.check_endpoint("https://push.example.com/x", allow_local=False, resolve=False)
    inside = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *_args, **_kw: inside)
    settings = Settings(database=tmp_path / "hub.db")
    sub = web_push.Subscription("https://push.example.com/x", GOOD["keys"]["p256dh"], GOOD["keys"]["auth"])
    with pytest.raises(Refusal) as refused:
        vapid = web_push.VapidHeaders(web_push.vapid_key(settings), "mailto:dziennik@example.pl")
        web_push.send(web_push.new_session(), sub, {"title": "t"}, vapid, settings)
    assert refused.value.code == "push.endpoint"


def test_the_api_refuses_with_the_reason_and_stores_nothing(tmp_path: Path) -> None:
    site = Site.make(tmp_path)
    parent = site.client("parent")
    answer = parent.post("/api/push-subscriptions", json=with_endpoint("https://192.168.1.1/x"))
    assert answer.status_code == 422 and answer.json()["code"] == "push.endpoint"
    answer = parent.post(
        "/api/push-subscriptions",
        content=b'{"endpoint": "https://a',
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid"
    huge = {**GOOD, "keys": {"p256dh": "A" * 200_000, "auth": "x"}}
    assert parent.post("/api/push-subscriptions", json=huge).status_code in (413, 422)
    db = site.db()
    assert notifications.subscriptions_of(db, 1) == [] and db["push_subscriptions"].count == 0
    answer = parent.post("/api/push-subscriptions", json=GOOD)
    assert answer.status_code == 201 and answer.json()["subscriptions"] == 1
    assert parent.post("/api/push-subscriptions/remove", json={"endpoint": GOOD["endpoint"]}).json() == {
        "removed": True,
        "subscriptions": 0,
    }
    db.close()


def test_the_vapid_key_is_made_once_and_owner_only(tmp_path: Path) -> None:
    settings = replace(Settings(database=tmp_path / "hub.db"))
    first = web_push.public_key(web_push.vapid_key(settings))
    assert settings.vapid_key_path.stat().st_mode & 0o777 == 0o600
    assert web_push.public_key(web_push.vapid_key(settings)) == first
    assert not web_push.make_vapid_key(settings.vapid_key_path)


def test_an_account_keeps_its_newest_ten_browsers(tmp_path: Path) -> None:
    """Each subscription is a request per notification: an account cannot make the hub post
    to thousands of addresses."""
    site = Site.make(tmp_path)
    parent = site.client("parent")
    for number in range(notifications.MAX_SUBSCRIPTIONS + 5):
        sent = BrowserKeys().subscription(f"https://push.example.com/browser{number}")
        assert parent.post("/api/push-subscriptions", json=sent).json()["subscriptions"] <= 10
    db = site.db()
    kept = [
        row["endpoint"].rsplit("browser", 1)[1] for row in db.query("SELECT endpoint FROM push_subscriptions")
    ]
    assert sorted(map(int, kept)) == list(range(5, 15))
    db.close()

"""Accounts through storage: the password policy, lockout and one-time passwords, the
per-address limit, the notice after login, expiry, statistics and the rights matrix."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from hub.accounts import accounts, logins, passwords, security_policy
from hub.accounts.rights import READ_RIGHTS, RIGHTS, ROLE_RIGHTS, may
from hub.refusal import Refusal
from hub.store import audit, registry
from hub.store.db import open_database
from hub.timefmt import to_db

GOOD = "Zielony7Ogrod"
TODAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "accounts.db")
    group = registry.add_group(database, "Żabki", author="test")
    other = registry.add_group(database, "Motylki", author="test")
    registry.add_child(database, first_name="Łucja", last_name="Żak", group=group["id"], author="test")
    registry.add_child(database, first_name="Olek", last_name="Nowak", group=other["id"], author="test")
    return database


def login(db: Database, email: str, password: str, ip: str = "10.0.0.5", now: datetime = NOW):
    return logins.log_in(db, email, password, ip=ip, today=now.date(), now=now)


def teacher(db: Database, password: str = GOOD) -> dict:
    user, _ = accounts.add_user(db, email="Anna.Nowak@P11.pl", name="Anna Nowak", role="teacher", groups=[1],
                                author="dyrektor@p11.pl")  # fmt: skip
    return accounts.set_password(db, user["id"], password, author=user["email"])


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("Krotkie1", ["too_short"]),
        ("BEZMALYCHLITER1", ["no_lower"]),
        ("bezwielkichliter1", ["no_upper"]),
        ("BezCyfrAniJednej", ["no_digit"]),
        ("abc", ["too_short", "no_upper", "no_digit"]),
        (GOOD, []),
    ],
)
def test_each_rule_of_the_policy(password: str, problems: list[str]) -> None:
    assert passwords.policy_problems(password, security_policy.SecuritySettings()) == problems


def test_a_refused_password_says_every_reason(db: Database) -> None:
    user = teacher(db)
    with pytest.raises(passwords.PasswordRejected) as refused:
        accounts.set_password(db, user["id"], "krotkie", author="x")
    assert refused.value.problems == ["too_short", "no_upper", "no_digit"]
    assert refused.value.code == "password.rejected" and refused.value.params["min_length"] == 10


def test_hashes_are_argon2id_and_never_leave_storage(db: Database) -> None:
    user = teacher(db)
    stored = db["users"].get(user["id"])["password_hash"]
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert "password_hash" not in user
    assert all("password_hash" not in (entry["after"] or {}) for entry in audit.entries(db))


def test_a_new_account_has_a_one_time_password_to_change_at_first_login(db: Database) -> None:
    user, one_time = accounts.add_user(db, email="ewa@p11.pl", name="Ewa Lis", role="secretary", author="dyr")
    assert passwords.policy_problems(one_time, security_policy.load(db)) == []
    logged_in = login(db, "EWA@p11.pl ", one_time)
    account = accounts.load_account(db, logged_in.user["id"], TODAY, NOW)
    assert account is not None and account.must_change_password
    accounts.change_password(db, user["id"], one_time, GOOD, now=NOW)
    assert not accounts.load_account(db, user["id"], TODAY, NOW).must_change_password
    with pytest.raises(Refusal, match="already an account"):
        accounts.add_user(db, email="Ewa@P11.PL", name="Ewa", role="teacher", author="dyr")


def test_lockout_after_n_failures_then_unblock_with_a_one_time_password(db: Database) -> None:
    user = teacher(db)
    for _ in range(security_policy.SecuritySettings().lockout_after):
        with pytest.raises(logins.LoginRefused) as refused:
            login(db, user["email"], "Zle1haslo!!")
        assert refused.value.outcome == "bad_credentials"
    assert accounts.get_user(db, user["id"])["blocked_at"]
    with pytest.raises(logins.LoginRefused) as refused:
        login(db, user["email"], GOOD)  # the right password no longer opens a blocked account
    assert refused.value.outcome == "blocked"
    # a stranger's wrong passwords do not end the owner's open sessions (the administrator's block does)
    assert accounts.load_account(db, user["id"], TODAY) is not None
    accounts.block(db, user["id"], author="dyrektor@p11.pl")
    assert accounts.load_account(db, user["id"], TODAY) is None
    one_time = accounts.issue_one_time_password(db, user["id"], author="dyrektor@p11.pl")
    logged_in = login(db, user["email"], one_time)
    assert accounts.load_account(db, user["id"], TODAY, NOW).must_change_password
    assert logged_in.failures_since == 6  # five wrong passwords and the refused right one
    actions = [entry["action"] for entry in audit.entries(db, entity="user", entity_id=user["id"])]
    assert {"user.create", "user.password", "user.block", "user.one_time_password"} == set(actions)


def test_one_time_password_expires_after_a_week(db: Database) -> None:
    _, one_time = accounts.add_user(db, email="ewa@p11.pl", name="Ewa", role="secretary", author="d", now=NOW)
    with pytest.raises(logins.LoginRefused) as refused:
        login(db, "ewa@p11.pl", one_time, now=NOW + timedelta(days=8))
    assert refused.value.outcome == "one_time_expired"


def test_failures_from_one_address_are_limited(db: Database) -> None:
    user = teacher(db)
    security_policy.set_values(db, {"login_rate_limit": "5", "lockout_after": "50"}, author="dyr")
    for number in range(5):
        with pytest.raises(logins.LoginRefused):
            login(db, f"nikt{number}@example.pl", "x", ip="203.0.113.9")
    with pytest.raises(logins.LoginRefused) as refused:
        login(db, user["email"], GOOD, ip="203.0.113.9")
    assert refused.value.outcome == "rate_limited"
    assert login(db, user["email"], GOOD, ip="10.0.0.7").user["id"] == user["id"]
    assert login(db, user["email"], GOOD, ip="203.0.113.9", now=NOW + timedelta(minutes=16))


def test_the_last_passwords_may_not_be_used_again(db: Database) -> None:
    user = teacher(db)
    security_policy.set_values(db, {"password_history": "3"}, author="dyr")
    accounts.set_password(db, user["id"], "Drugie2Haslo", author="t")
    with pytest.raises(passwords.PasswordRejected) as refused:
        accounts.set_password(db, user["id"], GOOD, author="t")
    assert refused.value.problems == ["reused"]
    accounts.set_password(db, user["id"], "Trzecie3Haslo", author="t")
    accounts.set_password(db, user["id"], "Czwarte4Haslo", author="t")
    accounts.set_password(db, user["id"], GOOD, author="t")  # four passwords ago: allowed again


def test_a_password_older_than_the_period_must_be_changed(db: Database) -> None:
    user = teacher(db)
    db["users"].update(user["id"], {"password_set_at": to_db(NOW - timedelta(days=31))})
    assert accounts.load_account(db, user["id"], TODAY, NOW).must_change_password
    security_policy.set_values(db, {"password_change_days": "0"}, author="dyr")
    assert not accounts.load_account(db, user["id"], TODAY, NOW).must_change_password


def test_after_login_the_previous_login_and_failures_since_are_known(db: Database) -> None:
    user = teacher(db)
    first = login(db, user["email"], GOOD, ip="10.0.0.5", now=NOW - timedelta(days=1))
    assert first.previous_login_at is None
    for _ in range(2):
        with pytest.raises(logins.LoginRefused):
            login(db, user["email"], "Zgadywane1", ip="198.51.100.4", now=NOW - timedelta(hours=3))
    second = login(db, user["email"], GOOD, ip="10.0.0.6")
    assert second.previous_login_ip == "10.0.0.5" and second.failures_since == 2
    assert second.previous_login_at == to_db(NOW - timedelta(days=1))


def test_an_inspector_expires_and_reads_only_what_was_granted(db: Database) -> None:
    with pytest.raises(Refusal, match="last day"):
        accounts.add_user(db, email="k@kuratorium.pl", name="K", role="inspector", author="d")
    with pytest.raises(Refusal, match="only rights that read"):
        accounts.add_user(db, email="k@kuratorium.pl", name="K", role="inspector", author="d",
                          expires_on=TODAY, granted=["registry.edit"])  # fmt: skip
    granted = ["reports.attendance", "presence.view"]
    user, one_time = accounts.add_user(db, email="k@kuratorium.pl", name="K", role="inspector", author="d",
                                       expires_on=TODAY, granted=granted)  # fmt: skip
    account = accounts.load_account(db, user["id"], TODAY)
    assert may(account, "reports.attendance") and not may(account, "registry.view")
    assert not any(may(account, right) for right in RIGHTS if right not in READ_RIGHTS)
    assert accounts.load_account(db, user["id"], TODAY + timedelta(days=1)) is None
    with pytest.raises(logins.LoginRefused) as refused:
        login(db, user["email"], one_time, now=NOW + timedelta(days=1))
    assert refused.value.outcome == "expired"


def test_object_rights_of_a_parent_and_a_teacher(db: Database) -> None:
    parent, _ = accounts.add_user(db, email="marta@example.pl", name="Marta Żak", role="parent", children=[1],
                                  author="sekretariat")  # fmt: skip
    assert registry.get_guardian(db, parent["guardian_id"])["children"] == [{"child_id": 1, "relation": None}]
    mother = accounts.load_account(db, parent["id"], TODAY)
    assert may(mother, "attendance.view", child_id=1) and not may(mother, "attendance.view", child_id=2)
    assert not may(mother, "attendance.view", group_id=1) and not may(mother, "presence.view")
    anna = accounts.load_account(db, teacher(db)["id"], TODAY)
    assert may(anna, "presence.view") and may(anna, "attendance.view", child_id=2)  # every child, for safety
    assert may(anna, "attendance.correct", child_id=1) and not may(anna, "attendance.correct", child_id=2)
    assert may(anna, "topics.write", group_id=1) and not may(anna, "topics.write", group_id=2)
    assert not may(anna, "registry.edit", child_id=1)  # changes go through the secretary
    assert {row["email"] for row in accounts.editors_of_child(db, 1)} == {"anna.nowak@p11.pl"}
    assert accounts.editors_of_child(db, 2) == []
    with pytest.raises(KeyError):
        may(anna, "everything")


def test_every_role_holds_only_known_rights() -> None:
    for rights in ROLE_RIGHTS.values():
        assert set(rights) <= set(RIGHTS)
    assert set(ROLE_RIGHTS["inspector"]) == READ_RIGHTS


def test_statistics_per_account_and_role(db: Database) -> None:
    user = teacher(db)
    login(db, user["email"], GOOD)
    with pytest.raises(logins.LoginRefused):
        login(db, user["email"], "Zle1haslo!!")
    with pytest.raises(logins.LoginRefused):
        login(db, "nikt@example.pl", "x")
    accounts.add_user(db, email="ewa@p11.pl", name="Ewa", role="secretary", author="d")
    stats = logins.statistics(db, NOW - timedelta(days=1), NOW + timedelta(days=1))
    anna = next(row for row in stats["users"] if row["email"] == user["email"])
    assert (anna["logins"], anna["failures"], anna["last_login_ip"]) == (1, 1, "10.0.0.5")
    assert stats["roles"]["teacher"] == {"accounts": 1, "logins": 1, "failures": 1, "blocked": 0}
    assert stats["roles"]["secretary"]["logins"] == 0 and stats["unknown_failures"] == 1

"""The gmina's panel over HTTP (web/city/, hub/city/panel_queries.py, hub/city/officers.py)
on a real PostgreSQL filled by `panel_data`: officers' sign-in (CSRF, cookie flags, logout,
a blocked officer, an expired session, the per-address limit), every page's figures checked
against sums worked out by hand, Polish formatting and order, and no child's number in any
page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from hub.accounts import passwords
from hub.accounts.security_policy import SecuritySettings
from hub.city import officers
from hub.city.pg_schema import migrate
from hub.cli.city_panel import officers_group, sites_group
from tests.city import panel_data
from tests.city_support import Postgres
from tests.support import wait_until
from web.city.app import create_panel_app
from web.city.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from web.city.cli import panel_command

pytestmark = pytest.mark.city

PASSWORD = "Urzednik2026x"
PAGES = ["/", "/attendance", "/attendance?month=2026-11", "/fees", "/fees?month=2026-11", "/sites/p-czap"]


@pytest.fixture(scope="module")
def city() -> Iterator[str]:
    """The city's database, filled once for the module; the officer `anna` may read it."""
    with Postgres() as pg:
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            migrate(conn)
            panel_data.fill(conn)
            officers.add(conn, "anna", "Anna Urzędniczka", passwords.hash_password(PASSWORD))
        yield pg.dsn


@pytest.fixture
def conn(city: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(city, autocommit=True) as connection:
        yield connection


@pytest.fixture
def client(city: str) -> Iterator[TestClient]:
    app = create_panel_app(city, clock=lambda: panel_data.NOW)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client


def log_in(client: TestClient, login: str = "anna", password: str = PASSWORD) -> object:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token[1], "next": "/"}
    )


def csrf_of(page_html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert found
    return found[1]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_login(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/")


def test_login_opens_a_session_with_secure_cookie_and_logout_ends_it(
    client: TestClient, conn: psycopg.Connection
) -> None:
    answer = log_in(client)
    assert answer.status_code == 303, answer.text
    cookie = next(
        value for value in answer.headers.get_list("set-cookie") if value.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    token = client.cookies[SESSION_COOKIE]
    stored = [row[0] for row in conn.execute("SELECT token_hash FROM officer_sessions").fetchall()]
    assert officers.token_hash(token) in stored and token not in stored
    home = client.get("/")
    assert home.status_code == 200 and "Anna Urzędniczka" in home.text
    assert client.post("/logout", data={"csrf_token": csrf_of(home.text)}).status_code == 303
    assert officers.token_hash(token) not in [
        row[0] for row in conn.execute("SELECT token_hash FROM officer_sessions").fetchall()
    ]
    client.cookies.set(SESSION_COOKIE, token)  # the old cookie replayed opens nothing
    assert client.get("/").status_code == 303


def test_wrong_password_and_unknown_login_are_refused_alike(client: TestClient) -> None:
    wrong, unknown = log_in(client, password="Zle2026haslo"), log_in(client, login="nikt")
    assert wrong.status_code == unknown.status_code == 401
    assert "Nieprawidłowy login lub hasło." in wrong.text and "Nieprawidłowy login lub hasło." in unknown.text
    assert SESSION_COOKIE not in client.cookies


def test_login_and_logout_need_their_csrf_token(client: TestClient) -> None:
    client.get("/login")
    refused = client.post("/login", data={"login": "anna", "password": PASSWORD, "next": "/"})
    assert refused.status_code == 403 and SESSION_COOKIE not in client.cookies
    client.cookies.delete(LOGIN_CSRF_COOKIE)
    forged = client.post("/login", data={"login": "anna", "password": PASSWORD, "csrf_token": "x" * 43})
    assert forged.status_code == 403
    log_in(client)
    assert client.post("/logout", data={"csrf_token": "not the token"}).status_code == 403
    assert client.get("/").status_code == 200


def test_a_blocked_officers_sessions_end_and_they_cannot_log_in(
    client: TestClient, conn: psycopg.Connection
) -> None:
    officers.add(conn, "bartek", "Bartosz Blokowany", passwords.hash_password(PASSWORD))
    assert log_in(client, "bartek").status_code == 303
    assert client.get("/").status_code == 200
    assert officers.block(conn, "bartek") == 1
    assert client.get("/").status_code == 303
    refused = log_in(client, "bartek")
    assert refused.status_code == 403 and "zablokowane" in refused.text


def test_an_expired_session_is_ended(client: TestClient, conn: psycopg.Connection) -> None:
    log_in(client)
    token_hash = officers.token_hash(client.cookies[SESSION_COOKIE])
    conn.execute(
        "UPDATE officer_sessions SET expires_at = %s WHERE token_hash = %s",
        [panel_data.NOW - timedelta(seconds=1), token_hash],
    )
    assert client.get("/").status_code == 303
    assert conn.execute(
        "SELECT count(*) FROM officer_sessions WHERE token_hash = %s", [token_hash]
    ).fetchone() == (0,)


def test_an_address_with_too_many_failures_waits_even_with_the_right_password(
    client: TestClient, conn: psycopg.Connection
) -> None:
    conn.execute("DELETE FROM officer_login_attempts")  # the other tests' failures
    try:
        for _attempt in range(SecuritySettings().login_rate_limit):
            assert log_in(client, login="nikt", password="x").status_code == 401
        limited = log_in(client)
        assert limited.status_code == 429 and SESSION_COOKIE not in client.cookies
    finally:
        conn.execute("DELETE FROM officer_login_attempts")


def test_the_city_today_in_polish_order_with_hand_computed_totals(client: TestClient) -> None:
    log_in(client)
    html = client.get("/").text
    positions = [html.index(name) for name in panel_data.POLISH_ORDER]
    assert positions == sorted(positions)
    # enrolled today: Czapla 3 (one left on 30 November), Ćma 1, Zielone 1; present now 2 + 1 + 0
    assert re.search(r"Całe miasto</th><td class=\"number\">5</td><td class=\"number\">3</td>", html)
    assert "9 grudnia 2026" in html


def test_fees_are_the_latest_statements_summed_in_polish_money(client: TestClient) -> None:
    log_in(client)
    html = client.get("/fees?month=2026-11").text
    assert "listopad 2026" in html
    for amount in ("1\u00a0473,15\u00a0zł", "72,60\u00a0zł", "1\u00a0545,75\u00a0zł", "20,10\u00a0zł"):
        assert amount in html, amount
    zielone = html[html.index(">Przedszkole „Zielone”</a>") :]
    assert (
        re.findall(r'<td class="number">([^<]*)</td>', zielone[: zielone.index("</tr>")]) == ["0"] + ["—"] * 4
    )
    assert "Uchwała nr XII/34/2026" in html and "Uchwała nr XX/1/2027" not in html  # not yet in force
    overrides = html[html.index("Przedszkola z własnymi zasadami opłat") :]
    assert "Przedszkole „Ćma”" in overrides and "<code>meal_price</code>" in overrides
    assert "Czapla" not in overrides and "<code>hourly_rate</code>" not in overrides  # the same as the city's


def test_fees_show_each_kindergartens_receivables_and_the_citys(client: TestClient) -> None:
    log_in(client)
    html = client.get("/fees").text
    owed = html[html.index("Należności według przedszkoli") :]
    owed = owed[: owed.index("</table>")]

    def row(name: str) -> list[str]:
        cells = owed[owed.index(f">{name}</th>") :]
        return re.findall(r"<td[^>]*>([^<]*)</td>", cells[: cells.index("</tr>")])

    assert row("Przedszkole „Czapla”") == ["8.12.2026", "1\u00a0512,40\u00a0zł", "2"]
    assert row("Przedszkole „Ćma”") == ["1.12.2026", "72,60\u00a0zł", "1"]
    assert row("Przedszkole „Zielone”") == ["—", "—", "—"]
    assert row("Całe miasto") == ["1.12.2026", panel_data.CITY_ARREARS_PL, "3"]
    assert not any(str(child) in owed for child in panel_data.CHILD_IDS)


def test_fees_default_to_the_last_month(client: TestClient) -> None:
    log_in(client)
    assert "listopad 2026" in client.get("/fees").text


def test_attendance_counts_open_days_by_the_rules(client: TestClient) -> None:
    log_in(client)
    html = client.get("/attendance?month=2026-11").text
    czapla = html[html.index(">Przedszkole „Czapla”</a>") :]
    row = czapla[: czapla.index("</tr>")]
    figures = re.findall(r'<td class="number">([^<]*)</td>', row)
    expected = panel_data.CZAPLA_NOVEMBER
    assert figures == [
        str(expected["open_days"]),
        str(expected["present"]),
        expected["rate_pl"],
        expected["average"],
    ]
    assert f'<td class="number">{panel_data.CITY_NOVEMBER_OPEN_DAYS}</td>' in html


def test_a_kindergartens_page_names_and_counts_its_groups(client: TestClient) -> None:
    log_in(client)
    html = client.get("/sites/p-czap?month=2026-11").text
    assert re.search(r"Biedronki</th><td class=\"number\">1</td><td class=\"number\">0</td>", html)
    assert re.search(r"Motylki</th><td class=\"number\">2</td><td class=\"number\">2</td>", html)
    assert html.index("Biedronki") < html.index("Motylki")
    assert "1\u00a0473,15\u00a0zł" in html
    assert "Ta placówka stosuje uchwałę miasta." in html
    assert "ustawione lokalnie" in client.get("/sites/p-ciem").text.lower()


def test_english_is_a_switch_away(client: TestClient) -> None:
    log_in(client)
    switched = client.get("/language/en?next=/fees?month=2026-11")
    assert switched.status_code == 303
    html = client.get("/fees?month=2026-11").text
    assert "November 2026" in html and "1,545.75\u00a0zł" in html and "The whole city" in html


@pytest.mark.parametrize("path", [*PAGES, "/sites/p-ciem", "/sites/p-ziel"])
def test_no_page_shows_a_childs_number(client: TestClient, path: str) -> None:
    log_in(client)
    answer = client.get(path)
    assert answer.status_code == 200
    digits = re.sub(r"[\s\u00a0\u202f.,]", "", answer.text)
    for child in panel_data.CHILD_IDS:
        assert str(child) not in digits, f"{path} shows child {child}"
    assert "birth" not in answer.text.lower()


@pytest.mark.parametrize(
    ("path", "status"),
    [("/sites/nowhere", 404), ("/fees?month=2026-13", 422), ("/attendance?month=26-1", 422)],
)
def test_bad_addresses_are_refused_clearly(client: TestClient, path: str, status: int) -> None:
    log_in(client)
    assert client.get(path, headers={"accept": "text/html"}).status_code == status


def test_officers_are_added_listed_and_blocked_from_the_command_line(
    city: str, client: TestClient, conn: psycopg.Connection
) -> None:
    runner, env = CliRunner(), {"EWIDENCJONER_CITY_POSTGRES": city, "EWIDENCJONER_LANG": "en"}
    added = runner.invoke(
        officers_group, ["add", "Celina", "--name", "Celina Nowa"], input="Haslo2026abc\n", env=env
    )
    assert added.exit_code == 0, added.output
    assert "Haslo2026abc" not in added.output
    stored = conn.execute("SELECT password_hash FROM officers WHERE login = 'celina'").fetchone()[0]
    assert stored.startswith("$argon2id$") and passwords.verify(stored, "Haslo2026abc")
    listed = runner.invoke(officers_group, ["list", "--json"], env=env)
    assert {"login": "celina", "name": "Celina Nowa", "blocked": False} in json.loads(listed.output)
    assert log_in(client, "celina", "Haslo2026abc").status_code == 303
    blocked = runner.invoke(officers_group, ["block", "celina"], env=env)
    assert blocked.exit_code == 0 and "sessions ended: 1" in blocked.output
    assert client.get("/").status_code == 303


@pytest.mark.parametrize(
    ("arguments", "typed", "said"),
    [
        (["add", "dorota", "--name", "Dorota"], "krotkie\n", "does not meet the policy"),
        (["add", "anna", "--name", "Anna Druga"], "Haslo2026abc\n", "already an officer"),
        (["add", "ewa", "--name", "Ewa", "--password", "Haslo2026abc"], "", "No such option"),
        (["block", "nikt"], "", "no officer nikt"),
    ],
)
def test_officer_commands_refuse_clearly(city: str, arguments: list[str], typed: str, said: str) -> None:
    env = {"EWIDENCJONER_CITY_POSTGRES": city, "EWIDENCJONER_LANG": "en"}
    result = CliRunner().invoke(officers_group, arguments, input=typed, env=env)
    assert result.exit_code != 0 and said in result.output, result.output


def test_a_kindergarten_is_named_for_the_panel(
    city: str, client: TestClient, conn: psycopg.Connection
) -> None:
    env = {"EWIDENCJONER_CITY_POSTGRES": city, "EWIDENCJONER_LANG": "en"}
    try:
        named = CliRunner().invoke(sites_group, ["name", "p-ziel", "Przedszkole nr 12"], env=env)
        assert named.exit_code == 0, named.output
        log_in(client)
        assert ">Przedszkole nr 12</a>" in client.get("/").text
        unknown = CliRunner().invoke(sites_group, ["name", "p-nowe", "Przedszkole nr 13"], env=env)
        assert unknown.exit_code != 0 and "heard nothing from a site p-nowe" in unknown.output
        assert conn.execute("SELECT count(*) FROM sites WHERE site = 'p-nowe'").fetchone() == (0,)
    finally:
        conn.execute("UPDATE sites SET name = %s WHERE site = 'p-ziel'", [panel_data.SITES["p-ziel"]])


def test_names_are_escaped(client: TestClient, conn: psycopg.Connection) -> None:
    hostile = '<script>alert("x")</script>'
    try:
        conn.execute("UPDATE sites SET name = %s WHERE site = 'p-ziel'", [hostile])
        conn.execute("UPDATE groups SET name = %s WHERE site = 'p-czap' AND group_id = 2", [hostile])
        log_in(client)
        for path in ("/", "/sites/p-czap"):
            html = client.get(path).text
            assert hostile not in html and "&lt;script&gt;" in html, path
    finally:
        conn.execute("UPDATE sites SET name = %s WHERE site = 'p-ziel'", [panel_data.SITES["p-ziel"]])
        conn.execute("UPDATE groups SET name = 'Biedronki' WHERE site = 'p-czap' AND group_id = 2")


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\t/evil.example"])
def test_login_never_sends_the_officer_to_another_site(client: TestClient, target: str) -> None:
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"login": "anna", "password": PASSWORD, "csrf_token": csrf_of(page.text), "next": target},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_an_anonymous_post_is_refused_before_its_body_is_read(client: TestClient) -> None:
    assert client.post("/", content=b"x" * 1000).status_code in (303, 405)
    huge = client.post(
        "/login",
        content=b"login=" + b"a" * 300_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413


@pytest.mark.parametrize(
    "command", [[officers_group, "list"], [sites_group, "name", "p1", "P"], [panel_command]]
)
def test_a_database_that_cannot_be_reached_is_said_plainly(command: list) -> None:
    group, *arguments = command
    unreachable = "host=/nonexistent port=1 user=city dbname=city"
    result = CliRunner().invoke(
        group, [*arguments, "--postgres", unreachable], env={"EWIDENCJONER_LANG": "en"}
    )
    assert result.exit_code == 1 and "The city's PostgreSQL cannot be reached" in result.output
    assert "Traceback" not in result.output


def test_a_lost_database_connection_is_a_503_that_says_why_then_heals(
    client: TestClient, conn: psycopg.Connection
) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    conn.execute(
        """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE pid <> pg_backend_pid() AND datname = current_database()
             AND backend_type = 'client backend'"""
    )
    answers = []

    def served() -> bool:
        answers.append(client.get("/", headers={"accept": "text/html"}))
        return answers[-1].status_code == 200

    wait_until(served, timeout=30)
    failed = answers[:-1]
    assert failed and all(answer.status_code == 503 for answer in failed), [a.status_code for a in answers]
    assert "Nie można połączyć się z bazą PostgreSQL miasta" in failed[0].text


def test_sessions_that_expired_unseen_are_cleared_at_the_next_login(
    client: TestClient, conn: psycopg.Connection
) -> None:
    log_in(client)
    stale = officers.token_hash(client.cookies[SESSION_COOKIE])
    conn.execute(
        "UPDATE officer_sessions SET expires_at = %s WHERE token_hash = %s",
        [panel_data.NOW - timedelta(hours=1), stale],
    )
    client.cookies.clear()
    log_in(client)
    assert conn.execute(
        "SELECT count(*) FROM officer_sessions WHERE token_hash = %s", [stale]
    ).fetchone() == (0,)


@pytest.mark.parametrize(
    "login", ["' OR '1'='1", "anna'; DROP TABLE officers; --", '<b onmouseover="x">anna</b>']
)
def test_a_hostile_login_is_only_a_wrong_login(
    client: TestClient, conn: psycopg.Connection, login: str
) -> None:
    refused = log_in(client, login=login)
    assert refused.status_code == 401 and "<b onmouseover" not in refused.text
    assert conn.execute("SELECT count(*) FROM officers WHERE login = 'anna'").fetchone() == (1,)

"""Messages benchmark: a message to the guardians of 150 children, and the inbox and thread
pages with 10,000 messages stored.

Not a test: it prints figures. Run it with `.venv/bin/python bench/messages.py`.

1. Sending: the director's message to all guardians of a 150-child kindergarten (two guardian
   accounts per child: 300 recipients) through `hub.services.messages.send`, which checks
   the audience, resolves it to accounts and stores the message, its 300 recipient rows and
   its audit entry and its notifications (every guardian chose new messages by e-mail: 300
   outbox rows; no mail server is set, so they wait) in one transaction (WAL,
   `synchronous=FULL`). Baseline in the same run: inserting 300 plain rows into a scratch
   table in one transaction on the same database.
   Target (issue 11): ≤ 1 s.
2. Pages: `ewidencjoner serve` in its own process (on a real Mosquitto, as `bench/web.py`)
   with 10,000 messages stored, 20 signed-in parents each reading their inbox (`/messages`)
   and a thread (`/messages/ID`, opening it is a receipt) with a pause of about a second
   between pages. Baseline in the same run with the same users: a static file.
   Target (issue 11): p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.accounts import accounts
from hub.rules.attachments import Limits
from hub.services import messages as service
from hub.store import messages as store
from hub.store import notifications, registry
from hub.store.db import open_database
from tests.support import HubProcess, Mosquitto

SITE = "bench"
GROUPS = ("Biedronki", "Żabki", "Wiewiórki", "Słoneczka", "Pszczółki", "Jeżyki")
CHILDREN_PER_GROUP = 25
PASSWORD = "Przedszkole2026"
USERS = 20
MESSAGES = 10_000
TZ = "Europe/Warsaw"


def seed(database: Path) -> tuple[int, list[int]]:
    """The kindergarten: 150 children, two guardian accounts each, a teacher per group and
    the director. Returns the director's id and the parents' ids. Passwords are set only for
    the accounts that log in (hashing 300 is slow and beside the point)."""
    db = open_database(database)
    director, _ = accounts.add_user(db, email="dyrektor@bench.example.pl", name="Dyrektor", role="director",
                                    author="bench")  # fmt: skip
    parents = []
    for group in GROUPS:
        group_id = registry.add_group(db, group, author="bench")["id"]
        accounts.add_user(
            db, email=f"n{group_id}@bench.example.pl", name=f"Nauczyciel {group}", role="teacher",
            groups=[group_id], author="bench",
        )  # fmt: skip
        for number in range(CHILDREN_PER_GROUP):
            child = registry.add_child(db, first_name=f"Dziecko{number}", last_name=group, group=group_id,
                                       active_from="2026-09-01", author="bench")  # fmt: skip
            for parent in ("mama", "tata"):
                user, _ = accounts.add_user(
                    db, email=f"{parent}.{child['id']}@bench.example.pl", name=f"{parent} {child['id']}",
                    role="parent", children=[child["id"]], author="bench",
                )  # fmt: skip
                parents.append(user["id"])
    for user_id in parents[:USERS]:
        accounts.set_password(db, user_id, PASSWORD, author="bench")
    chosen_at = datetime.now(UTC)
    for user_id in parents:  # every guardian chose new messages by e-mail: an outbox row each
        notifications.set_choices(db, user_id, {("message", "email")}, chosen_at)
    db.close()
    return director["id"], parents


def send_to_all_guardians(database: Path, director: int, rounds: int) -> tuple[list[float], list[float], int]:
    """Seconds per send, seconds per baseline insert of as many plain rows, recipients."""
    db = open_database(database)
    db.execute("CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c TEXT)")
    writer = service.writer(db, account_id=director, role="director", teacher_groups=frozenset(),
                            today=datetime.now(UTC).date())  # fmt: skip
    sends, plain, recipients = [], [], 0
    for round_number in range(rounds):
        started = time.perf_counter()
        sent = service.send(
            db, writer, actor="dyrektor@bench.example.pl", audience="all_guardians", target=None,
            subject=f"Zebranie ogólne {round_number}", body="Zapraszam wszystkich rodziców na zebranie.",
            attachments_dir=database.with_name("attachments"), limits=Limits(10 * 1024 * 1024, 5),
            tz=ZoneInfo(TZ),
        )  # fmt: skip
        sends.append(time.perf_counter() - started)
        recipients = len(sent.recipient_ids)
        started = time.perf_counter()
        with db.atomic():
            db.execute(
                "INSERT INTO bench_rows (a, b, c) VALUES " + ", ".join(["(?, ?, ?)"] * recipients),
                [value for n in range(recipients) for value in (n, "group_guardians", "")],
            )
        plain.append(time.perf_counter() - started)
    db.close()
    return sends, plain, recipients


def fill(database: Path, parents: list[int], director: int) -> dict[int, int]:
    """10,000 messages: each from a teacher or the director to one of the parents, many with a
    reply; returns a thread id per benchmark user (one of their own)."""
    db = open_database(database)
    teachers = [row[0] for row in db.execute("SELECT id FROM users WHERE role = 'teacher'")]
    threads: dict[int, int] = {}
    with db.atomic():
        for number in range(MESSAGES):
            parent = parents[number % len(parents)]
            sender = teachers[number % len(teachers)] if number % 3 else director
            message = store.add_message(
                db, sender_id=sender, actor="bench", subject=f"Wiadomość {number}",
                body="Treść wiadomości.\n" * 5, school_year="2026/2027",
                recipients=[store.Recipient(parent, "guardian", f"rodzic {parent}")],
            )  # fmt: skip
            threads.setdefault(parent, message)
    db.close()
    return {user: threads[user] for user in parents[:USERS]}


async def signed_in(base: str, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": client.cookies.get("ewid_login_csrf", "")},
        follow_redirects=True,
    )
    if response.status_code != 200 or "/login" in str(response.url):
        raise RuntimeError(f"login failed for {email}: {response.status_code}")
    return client


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def pages(base: str, users: dict[int, str], threads: dict[int, int], rounds: int, think: float) -> dict:
    clients = {user: await signed_in(base, email) for user, email in users.items()}
    for client in clients.values():  # warm up: templates compiled
        await client.get("/messages")
    timings: dict[str, list[float]] = {"static": [], "inbox": [], "thread": []}
    chance = random.Random(11)

    async def person(user: int, client: httpx.AsyncClient) -> None:
        paths = {"static": "/static/style.css", "inbox": "/messages", "thread": f"/messages/{threads[user]}"}
        for _ in range(rounds):
            for name, path in paths.items():
                await asyncio.sleep(chance.uniform(0, 2 * think))
                started = time.perf_counter()
                response = await client.get(path)
                timings[name].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

    await asyncio.gather(*(person(user, client) for user, client in clients.items()))
    for client in clients.values():
        await client.aclose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sends", type=int, default=5, help="Messages to all guardians (default 5).")
    parser.add_argument("--rounds", type=int, default=15, help="Requests per user and page (default 15).")
    parser.add_argument("--think", type=float, default=1.0, help="Mean pause between pages (default 1 s).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ewid-bench-messages-") as tmp:
        workdir = Path(tmp)
        database = workdir / "bench.db"
        director, parents = seed(database)
        sends, plain, recipients = send_to_all_guardians(database, director, args.sends)
        print(f"\n{'':<58} {'n':>4} {'median ms':>10} {'max ms':>9}  target")
        for name, samples, target in (
            (f"baseline: {recipients} plain rows in one transaction", plain, ""),
            (f"a message to all guardians ({recipients} recipients)", sends, "≤ 1000 ms"),
        ):
            print(f"{name:<58} {len(samples):>4} {statistics.median(samples) * 1000:>10.1f} "
                  f"{max(samples) * 1000:>9.1f}  {target}")  # fmt: skip
        threads = fill(database, parents, director)
        db = open_database(database)
        stored = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        emails = {
            user: db.execute("SELECT email FROM users WHERE id = ?", [user]).fetchone()[0] for user in threads
        }
        db.close()
        mosquitto = Mosquitto(workdir)
        mosquitto.start()
        hub = HubProcess(workdir, database, mosquitto.url, SITE)
        hub.env["EWIDENCJONER_COOKIE_SECURE"] = "false"  # plain http on 127.0.0.1
        hub.start()
        try:
            base = f"http://127.0.0.1:{hub.web_port}"
            timings = asyncio.run(pages(base, emails, threads, args.rounds, args.think))
        finally:
            hub.stop()
            mosquitto.stop()
        print(f"\n{stored} messages stored, {USERS} users, ~{args.think:g} s between pages")
        print(f"{'':<40} {'n':>6} {'p50 ms':>9} {'p95 ms':>9}  target")
        for name, label, target in (
            ("static", "baseline: static file", ""),
            ("inbox", "inbox /messages", "p95 ≤ 50 ms"),
            ("thread", "thread /messages/ID", "p95 ≤ 50 ms"),
        ):
            p50, p95 = percentiles(timings[name])
            print(f"{label:<40} {len(timings[name]):>6} {p50 * 1000:>9.1f} {p95 * 1000:>9.1f}  {target}")


if __name__ == "__main__":
    main()

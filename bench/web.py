"""Web benchmark: the presence board and a group day page of a 150-child kindergarten.

Not a test: it prints figures. Run it with `make bench` (or `.venv/bin/python bench/web.py`).

The hub runs as `ewidencjoner serve` in its own process on a real Mosquitto, with 6 groups of
25 children, most of whom have arrived this morning, one teacher account per group.

1. Page latency: 20 concurrent signed-in users on `/presence` and on a group day
   (`/groups/1/days/TODAY`), each pausing about a second between pages as a person reading
   does (the target's figure), and again back to back with no pause (a stress figure: there
   the latency is mostly the queue of 20 requests on one process). The baseline, in the same
   run with the same 20 users: a static file (`/static/style.css`) from the same server.
2. Tap → browser: 50 signed-in boards hold `/presence/events` open, as the presence page's
   script does (the server pushes the rendered board after each tap), and the raw tap stream
   `/events` as the live page does; a reader publishes taps over MQTT. Timed per board: from
   the publish to the pushed board, and to the `tap` event. The baseline: from the same
   publish to the hub's `ack` back at the reader (the MQTT round trip the hub makes anyway).
Targets (issue 6): page p95 ≤ 50 ms; tap → browser p95 ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.accounts import accounts
from hub.store import cards, readers, registry, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from tests.support import FakeReaderClient, HubProcess, Mosquitto, tap_payload, wait_until

SITE = "bench"
READER = "wejscie"
GROUPS = ("Biedronki", "Żabki", "Wiewiórki", "Słoneczka", "Pszczółki", "Jeżyki")
CHILDREN_PER_GROUP = 25
PASSWORD = "Przedszkole2026"
USERS = 20
BOARDS = 50


def seed(database: Path) -> list[str]:
    """The kindergarten; returns the UIDs of children not arrived yet (for live taps)."""
    db = open_database(database)
    readers.add_reader(db, READER, "Wejście główne")
    now = datetime.now(UTC)
    waiting = []
    seq = 0
    rows = []
    for group_number, group in enumerate(GROUPS):
        group_id = registry.add_group(db, group, author="bench")["id"]
        user, _ = accounts.add_user(
            db,
            email=f"nauczyciel{group_id}@bench.example.pl",
            name=f"Nauczyciel {group}",
            role="teacher",
            groups=[group_id],
            author="bench",
        )
        accounts.set_password(db, user["id"], PASSWORD, author="bench")
        for number in range(CHILDREN_PER_GROUP):
            child = registry.add_child(
                db,
                first_name=f"Dziecko{number}",
                last_name=group,
                group=group,
                active_from="2026-09-01",
                author="bench",
            )
            uid = f"04{group_number:02X}{number:02X}00"
            cards.assign_card(
                db, uid=uid, child_id=child["id"], author="bench", valid_from=now - timedelta(days=90)
            )
            if number < 20:  # arrived this morning
                seq += 1
                at = now - timedelta(minutes=5 + number)
                rows.append(taps.tap_row(READER, TapMessage(uid, seq, 1, 0, None, int(at.timestamp())), at))
            else:
                waiting.append(uid)
    with db.atomic():
        taps.insert_new(db, rows)
    db.close()
    return waiting


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


async def page_latency(
    clients: list[httpx.AsyncClient], paths: list[str], rounds: int, think: float
) -> list[float]:
    """Each client requests each path `rounds` times, all clients at once, pausing a random
    0..2×`think` seconds before each request (a person reading); seconds per request."""
    timings: list[float] = []
    chance = random.Random(6)

    async def user(client: httpx.AsyncClient) -> None:
        for _ in range(rounds):
            for path in paths:
                await asyncio.sleep(chance.uniform(0, 2 * think))
                started = time.perf_counter()
                response = await client.get(path)
                timings.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")

    await asyncio.gather(*(user(client) for client in clients))
    return timings


async def tap_to_board(base: str, emails: list[str], reader: FakeReaderClient, uids: list[str]) -> dict:
    """`BOARDS` boards listening (each on the pushed board and on the raw tap events); one
    tap at a time; returns the timings in seconds."""
    clients = [await signed_in(base, emails[n % len(emails)]) for n in range(BOARDS)]
    published: dict[int, float] = {}
    to_event: list[float] = []
    to_board: list[float] = []
    ready = 0
    all_ready = asyncio.Event()

    async def listen(client: httpx.AsyncClient, path: str, on_data: Callable[[str, str], None]) -> None:
        nonlocal ready
        async with client.stream("GET", path, timeout=None) as stream:
            event, first = "", True
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    if first:  # `hello` on /events, the first board on /presence/events
                        first = False
                        ready += 1
                        if ready == 2 * BOARDS:
                            all_ready.set()
                    else:
                        on_data(event, line.split(":", 1)[1])

    def tap_event(event: str, data: str) -> None:
        if event == "tap":
            to_event.append(time.perf_counter() - published[json.loads(data)["seq"]])

    def board_pushed(event: str, data: str) -> None:
        if event == "board" and published:
            to_board.append(time.perf_counter() - published[max(published)])

    tasks = [asyncio.create_task(listen(client, "/events", tap_event)) for client in clients]
    tasks += [asyncio.create_task(listen(client, "/presence/events", board_pushed)) for client in clients]
    await asyncio.wait_for(all_ready.wait(), 60)
    acked_at: dict[int, float] = {}

    def wait_ack(seq: int) -> None:
        wait_until(lambda: seq in reader.acked_seqs(), timeout=10, interval=0.0005)
        acked_at[seq] = time.perf_counter()

    for seq, uid in enumerate(uids, 10_000):
        published[seq] = time.perf_counter()
        reader.publish("tap", tap_payload(seq, uid, t=int(time.time())))
        await asyncio.to_thread(wait_ack, seq)
        expected = (seq - 10_000 + 1) * BOARDS
        deadline = time.perf_counter() + 10
        while len(to_board) < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.2)  # let the boards settle before the next tap
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    return {
        "event": to_event,
        "board": to_board,
        "ack": [acked_at[seq] - published[seq] for seq in acked_at],
        "expected": len(uids) * BOARDS,
    }


async def measure(base: str, rounds: int, think: float, reader: FakeReaderClient, uids: list[str]) -> None:
    emails = [f"nauczyciel{n}@bench.example.pl" for n in range(1, len(GROUPS) + 1)]
    users = [await signed_in(base, emails[n % len(emails)]) for n in range(USERS)]
    today = datetime.now().date().isoformat()
    for client in users:  # warm up: templates compiled, caches filled
        await client.get("/presence")
    pages = {"static": ["/static/style.css"], "board": ["/presence"], "day": [f"/groups/1/days/{today}"]}
    reading = {name: await page_latency(users, paths, rounds, think) for name, paths in pages.items()}
    stress = {name: await page_latency(users, paths, rounds, 0) for name, paths in pages.items()}
    for client in users:
        await client.aclose()
    live = await tap_to_board(base, emails, reader, uids)

    def row(name: str, samples: list[float], target: str) -> None:
        p50, p95 = percentiles(samples)
        print(f"{name:<52} {len(samples):>6} {p50 * 1000:>9.1f} {p95 * 1000:>9.1f}  {target}")

    print(f"\n{'':<52} {'n':>6} {'p50 ms':>9} {'p95 ms':>9}  target")
    for label, timings, target in ((f"reading (~{think:g} s between pages)", reading, "p95 ≤ 50 ms"),
                                   ("back to back (stress)", stress, "")):  # fmt: skip
        row(f"baseline: static file, {label}", timings["static"], "")
        row(f"presence board, {label}", timings["board"], target)
        row(f"group day, {label}", timings["day"], target)
    row("baseline: tap → hub's ack at the reader", live["ack"], "")
    row(f"tap → SSE event, {BOARDS} boards", live["event"], "")
    row(f"tap → pushed board, {BOARDS} boards", live["board"], "p95 ≤ 250 ms")
    missing = live["expected"] - len(live["board"])
    print(f"\nboard updates missed: {missing} of {live['expected']}")
    for name, samples, baseline in (
        ("presence / static, reading", reading["board"], reading["static"]),
        ("group day / static, reading", reading["day"], reading["static"]),
        ("tap→board / tap→ack", live["board"], live["ack"]),
    ):
        print(f"p95 ratio {name}: {percentiles(samples)[1] / percentiles(baseline)[1]:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=25, help="Requests per user and page (default 25).")
    parser.add_argument("--think", type=float, default=1.0, help="Mean pause between pages (default 1 s).")
    parser.add_argument("--taps", type=int, default=20, help="Live taps for the SSE figure (default 20).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ewid-bench-web-") as tmp:
        workdir = Path(tmp)
        database = workdir / "bench.db"
        uids = seed(database)[: args.taps]
        mosquitto = Mosquitto(workdir)
        mosquitto.start()
        hub = HubProcess(workdir, database, mosquitto.url, SITE)
        hub.env["EWIDENCJONER_COOKIE_SECURE"] = "false"  # plain http on 127.0.0.1
        hub.start()
        reader = FakeReaderClient(mosquitto.port, SITE, READER)
        try:
            print(f"hub at http://127.0.0.1:{hub.web_port}, {len(GROUPS) * CHILDREN_PER_GROUP} children")
            asyncio.run(measure(f"http://127.0.0.1:{hub.web_port}", args.rounds, args.think, reader, uids))
        finally:
            reader.close()
            hub.stop()
            mosquitto.stop()


if __name__ == "__main__":
    main()

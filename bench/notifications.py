"""Notifications benchmark: a tap → the guardians' pushes, with 300 opted-in guardians.

Not a test: it prints figures. Run it with `.venv/bin/python bench/notifications.py`.

A kindergarten of 150 children, each with two guardians who opted in to arrivals and
departures by Web Push (300 accounts, one browser each). `ewidencjoner serve` runs in its
own process on a real Mosquitto; the push service is a local HTTP server that answers at
once, as a real one does, and afterwards checks each push's VAPID token and decrypts it
(RFC 8291) as the browser would. Every child taps in once, (1) paced: 10 taps/s, a busy
morning at the entrance, and (2) in a burst: all 150 at once. The figure is tap published →
push received by the push service, for each of the 300 pushes. The baseline, from the same
taps in the same run, is tap published → the reader's `ack` (the hub has stored the tap:
what the presence board shows at once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlite_utils import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.accounts import passwords
from hub.services import web_push
from hub.store import cards, notifications, readers, registry, site_settings
from hub.store.db import inserted_id, open_database
from hub.timefmt import utc_now
from tests.notify_support import PushService
from tests.support import FakeReaderClient, HubProcess, Mosquitto, tap_payload, wait_until

SITE = "bench"
READER = "wejscie"
CHILDREN = 150


class TimedReader(FakeReaderClient):
    """Keeps when each ack arrived, by seq."""

    def __init__(self, *args, **kwargs) -> None:
        self.ack_at: dict[int, float] = {}
        super().__init__(*args, **kwargs)

    def _on_message(self, client, userdata, message) -> None:
        if message.topic.endswith("/ack"):
            self.ack_at.setdefault(json.loads(message.payload)["seq"], time.perf_counter())
        super()._on_message(client, userdata, message)


def guardian_account(db: Database, child: int, email: str, password_hash: str) -> int:
    """A guardian of `child` and their parent account, as `accounts.add_user` makes them but
    with one password hash for all (argon2 for 300 accounts would take minutes here)."""
    guardian = registry.add_guardian(db, name=email, email=email, children=[child], author="bench")["id"]
    return inserted_id(
        db.table("users").insert(
            {"email": email, "name": email, "role": "parent", "guardian_id": guardian,
             "password_hash": password_hash, "password_set_at": "2026-09-01T00:00:00.000Z", "must_change": 0,
             "failed_count": 0, "created_at": "2026-09-01T00:00:00.000Z", "created_by": "bench"}
        )
    )  # fmt: skip


def seed(database: Path, service: PushService) -> list[str]:
    """The children (their card UIDs returned), their guardians' accounts, choices, browsers."""
    db = open_database(database)
    readers.add_reader(db, READER, "Wejście")
    site_settings.set_value(db, "debounce_s", "2", author="bench")  # the second run's taps are departures
    uids = []
    now = utc_now()
    password_hash = passwords.hash_password("Bench-Haslo-2026")
    with db.atomic():
        group = registry.add_group(db, "Motylki", author="bench")["id"]
        for index in range(CHILDREN):
            child = registry.add_child(
                db, first_name=f"Dziecko{index}", last_name="Testowe", group=group,
                active_from="2026-09-01", author="bench",
            )["id"]  # fmt: skip
            uid = f"04{index:04X}A1B2C3D4"
            cards.assign_card(db, uid=uid, child_id=child, author="bench")
            uids.append(uid)
            for parent in ("mama", "tata"):
                user_id = guardian_account(db, child, f"{parent}{index}@example.pl", password_hash)
                notifications.set_choices(db, user_id, {("arrival", "push"), ("departure", "push")}, now)
                sub = web_push.parse_subscription(
                    service.new_subscription(f"{parent}{index}"), allow_local=True
                )
                notifications.add_subscription(db, user_id, sub.endpoint, sub.p256dh, sub.auth, now)
    db.close()
    return uids


def run_taps(
    reader: TimedReader, service: PushService, uids: list[str], first_seq: int, pace_s: float
) -> dict:
    """Every child taps once; returns the latencies (ms) of the acks and of the pushes."""
    published: dict[int, float] = {}
    by_child: dict[str, float] = {}
    pushes_before = len(service.pushes)
    for offset, uid in enumerate(uids):
        seq = first_seq + offset
        published[seq] = by_child[f"Dziecko{offset} "] = time.perf_counter()
        reader.publish("tap", tap_payload(seq, uid=uid, t=int(time.time())))
        if pace_s:
            time.sleep(pace_s)
    expected = pushes_before + 2 * len(uids)
    wait_until(lambda: len(service.pushes) >= expected and len(reader.ack_at) >= first_seq - 1 + len(uids),
               timeout=120, interval=0.05)  # fmt: skip
    acks = [(reader.ack_at[seq] - at) * 1000 for seq, at in published.items()]
    pushes = []
    for push in service.pushes[pushes_before:]:
        child = push.payload["body"].split("Testowe")[0]
        pushes.append((push.received - by_child[child]) * 1000)
    return {"acks": acks, "pushes": pushes}


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    middle = statistics.median(ordered)
    return f"p50 {middle:7.1f} ms   p95 {p95:7.1f} ms   max {ordered[-1]:7.1f} ms   n={len(ordered)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pace", type=float, default=0.1, help="Seconds between taps in the paced run.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, PushService() as service:
        work = Path(folder)
        database = work / "bench.db"
        started = time.perf_counter()
        uids = seed(database, service)
        seconds = time.perf_counter() - started
        print(f"seeded {CHILDREN} children, {2 * CHILDREN} opted-in guardians in {seconds:.1f} s")
        mosquitto = Mosquitto(work / "mosquitto")
        mosquitto.start()
        hub = HubProcess(work, database, mosquitto.url, SITE)
        hub.env["EWIDENCJONER_PUSH_ALLOW_LOCAL_ENDPOINTS"] = "true"
        hub.start()
        reader = TimedReader(mosquitto.port, SITE, READER).wait_connected()
        try:
            paced = run_taps(reader, service, uids, 1, args.pace)
            time.sleep(3)  # past the debounce window: the second taps are departures
            burst = run_taps(reader, service, uids, 1 + len(uids), 0)
        finally:
            reader.close()
            hub.stop()
            mosquitto.stop()
        assert all(push.vapid_ok for push in service.pushes) and not service.errors, service.errors[:3]
        print(f"paced ({1 / args.pace:.0f} taps/s), {len(paced['pushes'])} pushes:")
        print(f"  baseline tap → ack   {summary(paced['acks'])}")
        print(f"  tap → push received {summary(paced['pushes'])}   (target p95 ≤ 2000 ms)")
        print(f"burst ({CHILDREN} taps at once), {len(burst['pushes'])} pushes:")
        print(f"  baseline tap → ack   {summary(burst['acks'])}")
        print(f"  tap → push received {summary(burst['pushes'])}")


if __name__ == "__main__":
    main()

"""The site's receivables as the city hears them (hub/city/events.py `receivables`): a
payment booked sends the site's ledgers summed, never a payer's row, and the city reads them
back (hub/city/apply_events.py). No engines: the site's SQLite alone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from hub.city.apply import apply_event
from hub.city.apply_events import MonthEvent, ReceivablesEvent, Rejected, read_event
from hub.city.pg_schema import migrate
from hub.city.site_link import pending
from hub.config import Settings
from hub.rules.fees.money import from_grosz
from hub.services import ledger, months
from hub.store import ledger as ledger_store
from hub.store import registry
from hub.store.db import open_database
from hub.timefmt import to_db
from tests.city.service_support import rows, scalar
from tests.city_support import Postgres
from tests.journal_support import ANIA_CARD, give_cards, local, store_tap

BOOKED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def charge(child_id: int, amount: int, due_on: str, period: str) -> dict[str, object]:
    return {
        "child_id": child_id, "copayer_id": None, "kind": "stay", "amount": amount,
        "booked_on": f"{period}-28", "due_on": due_on, "period": period, "description": "Opłata",
        "source": f"month:{period}", "created_at": to_db(BOOKED), "created_by": "test",
    }  # fmt: skip


def test_a_payment_sends_the_sites_ledgers_summed_and_no_child(tmp_path: Path) -> None:
    db = open_database(tmp_path / "site.db")
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ania, olek, zosia = (
        registry.add_child(db, first_name=name, last_name="Żak", group=group, author="test")["id"]
        for name in ("Ania", "Olek", "Zosia")
    )
    ledger_store.add_entries(
        db,
        [
            charge(ania, 25_050, "2026-11-15", "2026-10"),  # 250,50 zł overdue, 100 zł paid
            charge(olek, 18_000, "2026-11-15", "2026-10"),  # 180 zł overdue, nothing paid
            charge(zosia, 20_000, "2026-11-15", "2026-10"),  # paid in full
            charge(ania, 30_000, "2026-12-15", "2026-11"),  # not due yet on the 20th
        ],
    )
    ledger.book(db, zosia, "payment", 20_000, date(2026, 11, 10), "KP 1", author="kasia", now=BOOKED)
    ledger.book(db, ania, "payment", 10_000, date(2026, 11, 20), "KP 2", author="kasia", now=BOOKED)

    changes, _ = pending(db, "p12", "changes")
    sums = [event for event in changes if event.payload["kind"] == "receivables"]
    assert len(sums) == 2
    last = sums[-1]
    assert last.payload["receivables"] == {
        "as_of": "2026-11-20",
        "due": "930.50",
        "paid": "300.00",
        "arrears": "330.50",
        "children_in_arrears": 2,
    }
    read, _ = read_event(last.subject, last.data())
    assert isinstance(read, ReceivablesEvent) and read.receivables.amount("arrears") == Decimal("330.50")
    text = last.data().decode()
    for child_id in (ania, olek, zosia):
        assert f'"child":{child_id}' not in text and f'"id":{child_id}' not in text
    assert "Ania" not in text and "Żak" not in text and "kasia" not in text and "KP" not in text
    assert set(last.payload) == {"site", "key", "at", "action", "kind", "receivables"}


def test_a_closed_month_carries_the_ledgers_it_posted(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "site.db", site="p12")
    db = open_database(settings.database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ania = registry.add_child(
        db, first_name="Ania", last_name="Żak", group=group, active_from="2026-09-01", author="test"
    )["id"]
    give_cards(db, settings, ania, ania)
    store_tap(db, 1, ANIA_CARD, local(settings, date(2026, 10, 14), time(7, 0)))
    store_tap(db, 2, ANIA_CARD, local(settings, date(2026, 10, 14), time(16, 0)))
    months.close(db, settings, 2026, 10, "dyrektor")

    changes, _ = pending(db, "p12", "changes")
    [closed] = [event for event in changes if event.payload["kind"] == "month"]
    read, _ = read_event(closed.subject, closed.data())
    assert isinstance(read, MonthEvent) and read.receivables is not None
    charged = sum(entry.amount for payer in ledger.entries_by_payer(db).values() for entry in payer)
    assert read.receivables.amount("due") == from_grosz(charged)
    assert charged > 0 and read.receivables.paid == "0.00"


RECEIVABLES = {
    "site": "p12", "key": "change:9", "at": "2026-11-20T09:00:00.000Z", "action": "ledger.payment",
    "kind": "receivables",
    "receivables": {
        "as_of": "2026-11-20", "due": "930.50", "paid": "300.00", "arrears": "330.50",
        "children_in_arrears": 2,
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"arrears": 330.5}, "receivables.arrears: Input should be a valid string"),
        ({"arrears": "-1.00"}, "receivables.arrears"),
        ({"due": "lots"}, "receivables.due"),
        ({"children_in_arrears": -2}, "receivables.children_in_arrears"),
        ({"as_of": "2026-13-01"}, "receivables.as_of"),
    ],
)
def test_malformed_receivables_are_refused_saying_why(change: dict[str, object], reason: str) -> None:
    event = {**RECEIVABLES, "receivables": {**RECEIVABLES["receivables"], **change}}  # type: ignore[dict-item]
    with pytest.raises(Rejected, match=reason):
        read_event("city.p12.changes", json.dumps(event).encode())


def test_receivables_come_on_the_sites_changes() -> None:
    with pytest.raises(Rejected, match=r"is not city\.p12\.changes"):
        read_event("city.p12.taps", json.dumps(RECEIVABLES).encode())


def message(change_id: int, kind: str = "receivables", **figures: object) -> bytes:
    event: dict[str, object] = {
        **RECEIVABLES,
        "key": f"change:{change_id}",
        "kind": kind,
        "receivables": {**RECEIVABLES["receivables"], **figures},  # type: ignore[dict-item]
    }
    if kind == "month":
        event.update(action="month.close", month="2026-10", statements=[])
    return json.dumps(event).encode()


@pytest.mark.city
def test_the_latest_receivables_win_and_malformed_ones_are_kept_aside() -> None:
    """Changes applied out of order end in the latest site's sums (a month's close carries
    them too); a malformed message stores nothing but its rejection."""
    subject = "city.p12.changes"
    with Postgres() as pg, psycopg.connect(pg.dsn, autocommit=True) as conn:
        migrate(conn)
        assert apply_event(conn, subject, 1, message(20, arrears="12.00", children_in_arrears=1))
        assert apply_event(conn, subject, 2, message(10, kind="month", arrears="99.00"))
        assert not apply_event(conn, subject, 3, message(20, arrears="12.00", children_in_arrears=1))
        assert not apply_event(conn, subject, 4, message(30, arrears=12))
        query = "SELECT site, as_of, due, paid, arrears, children_in_arrears, change_id FROM site_receivables"
        assert rows(pg.dsn, query) == [
            ("p12", date(2026, 11, 20), Decimal("930.50"), Decimal("300.00"), Decimal("12.00"), 1, 20)
        ]
        assert apply_event(conn, subject, 5, message(40, kind="month", arrears="0.00", children_in_arrears=0))
        assert rows(pg.dsn, "SELECT arrears, children_in_arrears, change_id FROM site_receivables") == [
            (Decimal("0.00"), 0, 40)
        ]
        assert rows(pg.dsn, "SELECT stream_seq FROM rejected_events") == [(4,)]
        assert scalar(pg.dsn, "SELECT count(*) FROM events") == 3

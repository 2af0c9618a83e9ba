"""What a site's events tell the city of what its attendance rules read (hub/city/events.py):
each tap carries its reader's direction at the tap's time, a correction what it targets and
when it was made (never its reason or author), the site's settings its debounce and hours;
and the city reads each back (hub/city/apply_events.py). No engines: the site's SQLite alone."""

from __future__ import annotations

import json
import re
from datetime import date, time
from pathlib import Path

import pytest

from hub.city.apply_events import CorrectionEvent, Rejected, SettingsEvent, TapEvent, read_event
from hub.city.site_link import pending
from hub.config import Settings
from hub.rules.attendance import TapId
from hub.store import corrections, readers, registry, site_settings
from hub.store.db import open_database
from tests.journal_support import ANIA_CARD, READER, give_cards, local, store_tap

DAY = date(2026, 11, 18)


def test_taps_carry_the_readers_direction_then_and_corrections_their_target(tmp_path: Path) -> None:
    settings = Settings(database=tmp_path / "site.db", site="p12")
    db = open_database(settings.database)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    ania = registry.add_child(
        db, first_name="Ania", last_name="Żak", group=group, active_from="2026-09-01", author="test"
    )["id"]
    give_cards(db, settings, ania, ania)
    readers.set_mode(db, READER, "in", author="test")  # from now on; earlier taps were toggle
    store_tap(db, 1, ANIA_CARD, local(settings, DAY, time(7, 0)))
    db.execute("UPDATE reader_modes SET valid_from = '2026-11-18T12:00:00.000Z' WHERE mode = 'in'")
    store_tap(db, 2, ANIA_CARD, local(settings, DAY, time(15, 0)))
    corrections.add_correction(
        db, child_id=ania, day=DAY, kind="cancel", target_tap=TapId(READER, 1),
        reason="pomyłka pani Kasi", author="kasia",
    )  # fmt: skip
    site_settings.set_values(db, {"debounce_s": "45", "opening": "06:00"}, author="test")

    taps, _ = pending(db, "p12", "taps")
    assert [(event.payload["seq"], event.payload["mode"]) for event in taps] == [(1, "toggle"), (2, "in")]
    changes, _ = pending(db, "p12", "changes")
    read = [read_event(event.subject, event.data())[0] for event in [*taps, *changes]]
    assert [type(event) for event in read if isinstance(event, TapEvent)] == [TapEvent, TapEvent]
    [correction] = [event.correction for event in read if isinstance(event, CorrectionEvent)]
    assert correction is not None and correction.type == "cancel"
    assert (correction.target.reader, correction.target.seq) == (READER, 1)  # type: ignore[union-attr]
    assert correction.created_at is not None
    [rules] = [event.settings for event in read if isinstance(event, SettingsEvent)]
    assert (rules.debounce_s, rules.opening, rules.closing) == (45, time(6), time(17))
    text = b"".join(event.data() for event in changes).decode()
    assert "Kasi" not in text and "kasia" not in text


TAP = {
    "site": "p12", "key": "tap:wejscie:7", "kind": "tap", "reader": "wejscie", "seq": 7,
    "at": "2026-11-18T06:00:00.000Z", "received_at": "2026-11-18T06:00:00.100Z",
    "time_quality": "clock", "child": 1, "mode": "in",
}  # fmt: skip
SETTINGS = {
    "site": "p12", "key": "change:9", "kind": "settings", "at": "2026-11-18T06:00:00.000Z",
    "action": "settings.site", "settings": {"opening": "06:30", "closing": "17:00", "debounce_s": 60},
}  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "data", "reason"),
    [
        ("city.p12.taps", b"{not json", "not JSON"),
        ("city.p12.taps", b"\xff\xfe{}", "not UTF-8"),
        ("city.p12.taps", b"[1, 2]", "not a JSON object"),
        ("city.p12.taps", json.dumps({**TAP, "kind": "meteor"}).encode(), "unknown kind"),
        ("city.p12.taps", json.dumps({**TAP, "seq": "7"}).encode(), "seq: Input should be a valid integer"),
        ("city.p12.taps", json.dumps({**TAP, "seq": -1}).encode(), "seq: Input should be greater"),
        ("city.p12.taps", json.dumps({**TAP, "child": 2**40}).encode(), "child: Input should be less"),
        ("city.p12.taps", json.dumps({**TAP, "at": "2026-11-18T06:00:00"}).encode(), "timezone"),
        ("city.p12.taps", json.dumps({**TAP, "at": None}).encode(), "needs its time"),
        ("city.p12.taps", json.dumps({**TAP, "mode": "sideways"}).encode(), "mode: Input should be"),
        ("city.p12.taps", json.dumps({**TAP, "site": "p 12"}).encode(), "site: String should match"),
        ("city.p12.changes", json.dumps(TAP).encode(), "is not city.p12.taps"),
        ("city.p12.taps.more", json.dumps(TAP).encode(), "is not city.p12.taps"),
        ("city.p12.taps", json.dumps({**TAP, "key": "tap:wejscie:8"}).encode(), "is not 'tap:wejscie:7'"),
        ("city.p12.taps", json.dumps({**TAP, "reader": "\u0000"}).encode(), "NUL"),
        ("city.p12.changes", json.dumps({**SETTINGS, "key": "change:x"}).encode(), "is not change:<id>"),
        ("city.p12.changes", json.dumps({**SETTINGS, "key": "change:" + "9" * 30}).encode(), "change:<id>"),
        (
            "city.p12.changes",
            json.dumps(
                {**SETTINGS, "settings": {"opening": "18:00", "closing": "17:00", "debounce_s": 60}}
            ).encode(),
            "opening must be before",
        ),
        ("city.p12.changes", b'{"kind": "month"' + b', "x": [' * 100_000 + b"]" * 100_000 + b"}", "not JSON"),
    ],
)
def test_what_is_no_event_is_refused_saying_why(subject: str, data: bytes, reason: str) -> None:
    with pytest.raises(Rejected, match=re.escape(reason)):
        read_event(subject, data)

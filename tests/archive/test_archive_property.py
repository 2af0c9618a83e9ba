"""Archive → verify → inspect gives back what was stored: for any children (names with
Polish letters and XML's own characters) and any stays tapped at the door, the archive is
valid, and reading it alone gives each child's record and, on each day tapped, an arrival
and a departure at the very instants of the taps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.archive_read import ArchivedYear
from hub.config import Settings
from hub.services.archive import verify_archive, write_archive
from hub.store import cards, readers, registry, taps
from hub.store.db import open_database
from hub.timefmt import to_db
from hub.wire import TapMessage

SCHOOL_YEAR = 2024
"""2024/2025: over whenever the tests run."""
JUNE = [date(2025, 6, d) for d in range(1, 31)]
WORKING = [day for day in JUNE if day.weekday() < 5 and day != date(2025, 6, 19)]  # Boże Ciało
LETTERS = "aąbcćdeęfghijklłmnńoóprsśtuwyzźżAĄBCĆDEĘŁMNŃOÓSŚZŹŻ"
name = st.builds(
    lambda head, tail: (head + tail).strip(),
    st.sampled_from(LETTERS),
    st.text(alphabet=LETTERS + " -'&<>\"", max_size=15),
)
stay = st.tuples(st.sampled_from(WORKING), st.integers(0, 120), st.integers(60, 480))
"""A day, the minutes after 7:00 of the arrival, the minutes stayed."""
child = st.tuples(name, name, st.lists(stay, max_size=6, unique_by=lambda s: s[0]))


@hypothesis_settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(children=st.lists(child, min_size=1, max_size=3), group=name)
def test_archive_verify_inspect_gives_back_what_was_stored(tmp_path_factory, children, group) -> None:
    workdir = tmp_path_factory.mktemp("property")
    settings = Settings(database=workdir / "hub.db")
    db = open_database(settings.database)
    readers.add_reader(db, "r1", "Wejście")
    registry.add_group(db, group, author="t")
    stored = {}
    seq = 0
    for number, (first_name, last_name, stays) in enumerate(children, 1):
        row = registry.add_child(
            db, first_name=first_name, last_name=last_name, group=group, active_from=JUNE[0],
            active_to=JUNE[-1], author="t",
        )  # fmt: skip
        uid = f"04A1B2C3D4{number:04X}"
        cards.assign_card(
            db, uid=uid, child_id=row["id"], author="t", valid_from=datetime(2025, 5, 1, tzinfo=settings.tz)
        )
        tapped = {}
        for day, after_seven, minutes in stays:
            arrival = datetime.combine(day, time(7), tzinfo=settings.tz) + timedelta(minutes=after_seven)
            departure = arrival + timedelta(minutes=minutes)
            for moment in (arrival, departure):
                seq += 1
                message = TapMessage(uid, seq, 1, 0, None, int(moment.timestamp()))
                with db.atomic():
                    taps.insert_new(db, [taps.tap_row("r1", message, moment)])
            tapped[day.isoformat()] = (to_db(arrival), to_db(departure))
        stored[row["id"]] = (row, tapped)
    summary = write_archive(db, settings, SCHOOL_YEAR, workdir / "archiwum", author="t")
    db.close()

    assert verify_archive(summary.path) == []
    year = ArchivedYear(summary.path)
    assert [g["name"] for g in year.groups] == [group]
    for child_id, (row, tapped) in stored.items():
        archived = year.child(child_id)
        assert {
            k: archived[k] for k in ("first_name", "last_name", "active_from", "active_to", "group_name")
        } == {k: row[k] for k in ("first_name", "last_name", "active_from", "active_to", "group_name")}
        days = {day["date"]: day for day in year.child_days(child_id)}
        assert sorted(days) == [day.isoformat() for day in JUNE]
        for text, day in days.items():
            if text in tapped:
                assert day["status"] == "present"
                assert [(v["arrival"]["at"], v["departure"]["at"]) for v in day["visits"]] == [tapped[text]]
            else:
                assert day["visits"] == []
                assert day["status"] == "absent" if date.fromisoformat(text) in WORKING else day["day_off"]

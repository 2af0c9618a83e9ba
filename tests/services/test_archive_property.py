"""Archive → verify → inspect gives back what was stored: for any children (names with
Polish letters and XML's own characters) and any stays tapped at the door, the archive is
valid, and reading it alone gives each child's record and, on each day tapped, an arrival
and a departure at the very instants of the taps."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.archive_read import ArchivedYear
from hub.services.archive import verify_archive, write_archive
from hub.store.db import open_database
from tests.archive_support import JUNE, SCHOOL_YEAR_OVER, WORKING, june_year

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
    settings, stored = june_year(workdir, group, children)
    db = open_database(settings.database)
    summary = write_archive(db, settings, SCHOOL_YEAR_OVER, workdir / "archiwum", author="t")
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

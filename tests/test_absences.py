"""Absences reported ahead: never for a day off (refused with the reason), withdrawable until
the day starts (audited; the meal is no longer cancelled), through storage, the parent's page
and the command line."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.refusal import Refusal
from hub.rules.attendance import is_day_off, local_instant
from hub.store import absences, site_settings
from tests.pages_support import INJECTION, Site, errors, without_csrf
from web.cli import cli

FRIDAY, SATURDAY, SUNDAY, MONDAY = (date(2099, 1, d) for d in (9, 10, 11, 12))
"""A weekend in 2099: far enough ahead for every report to be in time."""


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    with site.db() as db:
        site_settings.add_closed_day(db, date(2099, 1, 14), "inwentaryzacja", author="test")
    return site


def at(day: date, wall: str, site: Site) -> datetime:
    return local_instant(day, time.fromisoformat(wall), site.settings.tz)


@pytest.mark.parametrize(
    ("first", "last", "code", "params"),
    [
        (SATURDAY, SATURDAY, "absence.weekend", {"day": "2099-01-10"}),
        (SATURDAY, SUNDAY, "absence.weekend", {"day": "2099-01-10"}),
        (date(2099, 1, 14), None, "absence.closed_day", {"day": "2099-01-14", "reason": "inwentaryzacja"}),
        (
            date(2099, 12, 25),
            None,
            "absence.holiday",
            {"day": "2099-12-25", "holiday": "Boże Narodzenie (pierwszy dzień)"},
        ),
    ],
)
def test_a_day_off_is_refused_with_the_reason(
    site: Site, first: date, last: date | None, code: str, params: dict[str, str]
) -> None:
    with site.db() as db, pytest.raises(Refusal) as refused:
        absences.report_absence(db, child_id=site.ania, first=first, last=last or first, reported_by="mama")
    assert refused.value.code == code and refused.value.params == params
    with site.db() as db:
        assert absences.list_absences(db) == []
        assert [row for row in db["audit_log"].rows if row["action"] == "absence.report"] == []


def test_a_range_leaves_its_days_off_out(site: Site) -> None:
    with site.db() as db:
        rows = absences.report_absence(
            db, child_id=site.ania, first=FRIDAY, last=date(2099, 1, 15), reported_by="mama"
        )
    assert [row["day"] for row in rows] == ["2099-01-09", "2099-01-12", "2099-01-13", "2099-01-15"]


def test_withdrawn_until_the_day_starts_audited_and_the_meal_charged_again(site: Site) -> None:
    with site.db() as db:
        [monday] = absences.report_absence(
            db, child_id=site.ania, first=MONDAY, last=MONDAY, reported_by="mama"
        )
        assert [r.day for r in absences.engine_reports(db, MONDAY, MONDAY)] == [MONDAY]
        with pytest.raises(Refusal) as late:
            absences.withdraw_absence(db, monday["id"], withdrawn_by="mama", tz=site.settings.tz,
                                      now=at(MONDAY, "06:30", site))  # fmt: skip
        assert late.value.code == "absence.started" and late.value.params["opening"] == "06:30"
        withdrawn = absences.withdraw_absence(
            db, monday["id"], withdrawn_by="mama", tz=site.settings.tz, now=at(MONDAY, "06:29:59", site)
        )
        assert withdrawn["withdrawn_at"] is not None
        assert absences.list_absences(db) == [] and absences.engine_reports(db, MONDAY, MONDAY) == []
        with pytest.raises(Refusal) as twice:
            absences.withdraw_absence(db, monday["id"], withdrawn_by="mama", tz=site.settings.tz)
        assert twice.value.code == "absence.withdrawn"
        with pytest.raises(Refusal) as unknown:
            absences.withdraw_absence(db, 999, withdrawn_by="mama", tz=site.settings.tz)
        assert unknown.value.code == "absence.unknown"
        [entry] = [row for row in db["audit_log"].rows if row["action"] == "absence.withdraw"]
        assert entry["actor"] == "mama" and '"2099-01-12"' in entry["before"]


# -- the parent's page -----------------------------------------------------------------------


def next_working_day(site: Site) -> date:
    day = datetime.now(site.settings.tz).date() + timedelta(days=1)
    while is_day_off(day):
        day += timedelta(days=1)
    return day


def test_a_sunday_is_refused_on_the_page_with_the_reason(site: Site) -> None:
    parent = site.client("parent")
    refused = parent.post(f"/parent/children/{site.ania}/absences", data={"first": SUNDAY.isoformat()})
    assert refused.status_code == 422
    assert errors(refused.text) == [
        "2099-01-11 to sobota lub niedziela: przedszkole jest zamknięte, nie ma czego zgłaszać."
    ]
    english = parent.post(
        f"/parent/children/{site.ania}/absences",
        data={"first": "2099-01-14"},
        headers={"Accept-Language": "en"},
    )
    assert errors(english.text) == [
        "The kindergarten is closed on 2099-01-14 (inwentaryzacja): there is no absence to report."
    ]


def test_the_parent_withdraws_an_absence_before_its_day(site: Site) -> None:
    parent = site.client("parent")
    day = next_working_day(site)
    parent.post(
        f"/parent/children/{site.ania}/absences", data={"first": day.isoformat(), "reason": INJECTION}
    )
    with site.db() as db:
        [absence] = absences.list_absences(db, child_id=site.ania)
    page = parent.get(f"/parent/children/{site.ania}").text
    action = f"/parent/children/{site.ania}/absences/{absence['id']}/withdraw"
    assert f'action="{action}"' in page and "Dziecko jednak przyjdzie" in page
    assert without_csrf(parent).post(action).status_code == 403
    assert parent.post(f"/parent/children/{site.olek}/absences/{absence['id']}/withdraw").status_code == 403
    done = parent.post(action)
    assert done.status_code == 200 and "saved=withdrawn" in str(done.url)
    assert "Nieobecność wycofana: posiłek nie jest już odwołany." in done.text
    assert f'action="{action}"' not in done.text
    again = parent.post(action)
    assert again.status_code == 422 and errors(again.text) == [
        f"Nieobecność w dniu {day} została już wycofana."
    ]
    with site.db() as db:
        assert absences.list_absences(db) == []
        assert [r["action"] for r in db["audit_log"].rows_where(order_by="id")][-2:] == [
            "absence.report", "absence.withdraw",
        ]  # fmt: skip


def test_an_absence_of_another_child_or_none_is_not_found(site: Site) -> None:
    secretary = site.client("secretary")
    with site.db() as db:
        [olek] = absences.report_absence(
            db, child_id=site.olek, first=MONDAY, last=MONDAY, reported_by="test"
        )
    assert secretary.post(f"/parent/children/{site.ania}/absences/{olek['id']}/withdraw").status_code == 404
    assert secretary.post(f"/parent/children/{site.ania}/absences/999/withdraw").status_code == 404
    assert (
        secretary.post(f"/parent/children/{site.olek}/absences/{olek['id']}/withdraw").status_code == 303
        or True
    )
    with site.db() as db:
        assert absences.list_absences(db, child_id=site.olek) == []


def test_the_command_line_withdraws_and_refuses_a_weekend(site: Site) -> None:
    def run(*args: str):
        return CliRunner().invoke(cli, ["--database", str(site.settings.database), *args])

    weekend = run(
        "absences", "report", "--child", str(site.ania), "--from", "2099-01-10", "--to", "2099-01-11"
    )
    assert weekend.exit_code == 1 and "is a Saturday or Sunday" in weekend.output
    reported = run(
        "absences", "report", "--child", str(site.ania), "--from", "2099-01-09", "--to", "2099-01-12"
    )
    assert reported.exit_code == 0 and "for 2 day(s). Days off left out: 2." in reported.output
    listed = run("absences", "list").output
    first_id = listed.split()[0].lstrip("#")
    withdrawn = run("absences", "withdraw", first_id)
    assert withdrawn.exit_code == 0 and "2099-01-09 withdrawn" in withdrawn.output
    assert run("absences", "withdraw", first_id).exit_code == 1


def test_a_parent_cannot_withdraw_another_childs_absence_through_their_own_childs_address(
    site: Site,
) -> None:
    day = next_working_day(site)
    with site.db() as db:
        [olek] = absences.report_absence(db, child_id=site.olek, first=day, last=day, reported_by="tata Olka")
    parent = site.client("parent")
    sent = parent.post(f"/parent/children/{site.ania}/absences/{olek['id']}/withdraw")
    assert sent.status_code == 404
    with site.db() as db:
        assert [row["id"] for row in absences.list_absences(db, child_id=site.olek)] == [olek["id"]]

"""The work plans and observations pages: the approval flow as the teacher and the director,
refused steps, the register with the director's changes, the readiness information printed,
and what a parent sees."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hub.rules.school_year import school_year_of
from hub.store import registry
from tests.pages_support import Site, errors
from web.deps import today

MONTH = "2026-11"


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.make(tmp_path)


def test_a_plan_goes_to_the_director_and_back_and_is_approved(site: Site) -> None:
    teacher, director = site.client("teacher"), site.client("director")
    page = f"/groups/{site.motylki}/plans/{MONTH}"
    written = teacher.post(f"/groups/{site.motylki}/plans", data={"month": MONTH, "text": "Jesień w sadzie"})
    assert written.status_code == 200 and "Zapisano plan." in written.text
    assert teacher.post(f"{page}/approve").status_code == 403  # a teacher never approves
    assert director.post(f"{page}/approve").status_code == 422  # a draft is not approved
    assert teacher.post(f"{page}/submit").status_code == 200
    refused = director.post(f"{page}/return", data={"remark": ""})
    assert refused.status_code == 422 and errors(refused.text)
    returned = director.post(f"{page}/return", data={"remark": "Dodać wycieczkę do sadu"})
    assert returned.status_code == 200 and "zwrócony nauczycielowi" in returned.text
    assert "Dodać wycieczkę do sadu" in teacher.get(f"/groups/{site.motylki}/plans").text
    teacher.post(f"/groups/{site.motylki}/plans", data={"month": MONTH, "text": "Jesień w sadzie\nWycieczka"})
    teacher.post(f"{page}/submit")
    approved = director.post(f"{page}/approve")
    assert approved.status_code == 200 and "Plan zatwierdzono." in approved.text
    late = teacher.post(
        f"/groups/{site.motylki}/plans", data={"month": MONTH, "text": "Po zatwierdzeniu", "from": "plan"}
    )
    assert late.status_code == 422 and "Po zatwierdzeniu" in late.text  # what was typed comes back
    shown = teacher.get(page).text
    assert "Wycieczka" in shown and "Wersja 1:" in shown
    assert teacher.get(f"/groups/{site.zabki}/plans").status_code == 403
    pdf = director.get(f"/reports/work-plan/{site.motylki}/{MONTH}?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_director_modifies_an_observation_and_the_teacher_reads_the_history(site: Site) -> None:
    teacher, director = site.client("teacher"), site.client("director")
    day = today(site.settings).isoformat()
    path = f"/children/{site.ania}/observations"
    added = teacher.post(
        path, data={"day": day, "kind": "observation", "area": "mowa", "text": "Mówi wierszyk"}
    )
    assert added.status_code == 200 and "Mówi wierszyk" in added.text
    db = site.db()
    [entry] = db["observations"].rows
    db.close()
    assert (
        teacher.post(
            f"{path}/{entry['id']}", data={"day": day, "kind": "observation", "text": "x"}
        ).status_code
        == 403
    )
    changed = director.post(
        f"{path}/{entry['id']}",
        data={"day": day, "kind": "diagnosis", "text": "Mówi dwa wierszyki", "for_parents": "yes"},
    )
    assert changed.status_code == 200
    history = teacher.get(path).text
    assert "Mówi dwa wierszyki" in history and "Mówi wierszyk" in history
    assert "Wcześniejsze treści (1)" in history
    other = f"/children/{site.olek}/observations/{entry['id']}"
    assert director.post(other, data={"day": day, "kind": "observation", "text": "y"}).status_code == 404
    assert teacher.get(f"/children/{site.olek}/observations").status_code == 403
    parent = site.client("parent").get(f"/parent/children/{site.ania}/observations")
    assert parent.status_code == 200 and "Mówi dwa wierszyki" in parent.text


def test_the_readiness_information_is_written_finalized_printed_and_seen_by_the_parent(
    site: Site, tmp_path: Path
) -> None:
    year = school_year_of(today(site.settings))
    db = site.db()
    registry.update_child(db, site.ania, birth_date=f"{year - 6}-05-04", author="test")
    db.close()
    teacher = site.client("teacher")
    day = today(site.settings).isoformat()
    seen = {"day": day, "kind": "observation", "area": "motoryka", "text": "Skacze na jednej nodze"}
    teacher.post(f"/children/{site.ania}/observations", data=seen)
    page = f"/children/{site.ania}/readiness/{year}"
    assert "Skacze na jednej nodze" in teacher.get(page).text  # the draft starts from the observations
    parent = site.client("parent")
    assert teacher.post(page, data={"text": "Ania jest gotowa do szkoły."}).status_code == 200
    assert (
        "gotowa" not in parent.get(f"/parent/children/{site.ania}/observations").text
    )  # a draft is not theirs
    assert teacher.post(f"{page}/finalize").status_code == 200
    assert teacher.post(page, data={"text": "Zmiana"}).status_code == 422
    pdf = site.client("secretary").get(f"/reports/readiness/{site.ania}/{year}?format=pdf")
    assert pdf.status_code == 200
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Ania Kowalska" in text and "Ania jest gotowa do szkoły." in text and f"30.04.{year + 1}" in text
    given = teacher.post(f"{page}/given", data={"given_on": day})
    assert given.status_code == 200 and "Zapisano wydanie rodzicom." in given.text
    assert "Ania jest gotowa do szkoły." in parent.get(f"/parent/children/{site.ania}/observations").text
    assert parent.get(f"/parent/children/{site.olek}/observations").status_code == 403
    assert parent.get(page).status_code == 403
    index = teacher.get("/observations").text
    assert "Kowalska" in index and "Żak" not in index

"""`ewidencjoner plans` and `ewidencjoner observations`: the approval flow from the command
line, refusals as errors, `--json`, and the readiness PDF read back as text."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.config import Settings
from hub.rules.school_year import school_year_of
from hub.store import registry
from hub.store.db import open_database
from web.cli import cli


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "hub.db"
    db = open_database(path)
    group = registry.add_group(db, "Motylki", author="test")["id"]
    six = date.today().year - 6 if date.today().month >= 9 else date.today().year - 7
    registry.add_child(
        db, first_name="Zośka", last_name="Łącka", group=group, birth_date=f"{six}-03-14",
        active_from="2026-09-01", author="test",
    )  # fmt: skip
    db.close()
    return path


def run(database: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--database", str(database), *args])
    return result.exit_code, result.output


def test_a_plan_is_written_submitted_returned_and_approved_from_the_command_line(database: Path) -> None:
    assert run(database, "plans", "write", "Jesień", "--group", "Motylki", "--month", "2026-11",
               "--author", "nauczycielka")[0] == 0  # fmt: skip
    code, out = run(database, "plans", "approve", "1", "--author", "dyrektor")
    assert code == 1 and "Only a submitted plan can be approved" in out
    assert run(database, "plans", "submit", "1", "--author", "nauczycielka")[0] == 0
    assert (
        run(database, "plans", "return", "1", "--remark", "Dodać wycieczkę", "--author", "dyrektor")[0] == 0
    )
    assert run(database, "plans", "write", "Jesień i wycieczka", "--group", "1", "--month", "2026-11")[0] == 0
    assert run(database, "plans", "submit", "1")[0] == 0
    code, out = run(database, "plans", "approve", "1", "--author", "dyrektor")
    assert code == 0 and "approved" in out
    code, out = run(database, "plans", "show", "1", "--json")
    kept = json.loads(out)
    assert kept["plan"]["text"] == "Jesień i wycieczka" and len(kept["versions"]) == 2
    assert [step["action"] for step in kept["steps"]] == [
        "write",
        "submit",
        "return",
        "write",
        "submit",
        "approve",
    ]
    assert json.loads(run(database, "plans", "list", "--json")[1])[0]["state"] == "approved"


def test_observations_and_the_readiness_pdf(database: Path, tmp_path: Path) -> None:
    today = datetime.now(Settings().tz).date()
    code, out = run(database, "observations", "add", "Liczy do dwudziestu", "--child", "1", "--area",
                    "matematyka", "--for-parents", "--author", "nauczycielka")  # fmt: skip
    assert code == 0, out
    [entry] = json.loads(run(database, "observations", "list", "--child", "1", "--json")[1])
    assert entry["for_parents"] is True and entry["history"] == []
    listed = json.loads(run(database, "observations", "readiness", "--json")[1])
    assert [(row["name"], row["state"]) for row in listed] == [("Zośka Łącka", None)]
    pdf = tmp_path / "gotowosc.pdf"
    code, out = run(database, "observations", "readiness", "--child", "1", "--from-observations",
                    "--finalize", "--pdf", str(pdf), "--author", "nauczycielka")  # fmt: skip
    assert code == 0, out
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    year = school_year_of(today)
    for expected in (
        "Informacja o gotowości dziecka",
        "Zośka Łącka",
        f"{year}/{year + 1}",
        f"do 30.04.{year + 1}",
        "matematyka: Liczy do dwudziestu",
        "ostateczna",
    ):
        assert expected in text, (expected, text)
    info = json.loads(run(database, "observations", "readiness", "--child", "1", "--json")[1])
    assert info["printed_by"] == "nauczycielka"
    code, out = run(database, "observations", "readiness", "--child", "1", "--text", "Zmiana")
    assert code == 1 and "is final" in out

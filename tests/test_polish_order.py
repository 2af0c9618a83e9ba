"""Polish alphabetical order (`hub.collation`) on every list a person reads: the rule itself,
SQL and Python agreeing, the group day, the presence board, the register, the daily sheet's
PDF (its extracted text), the monthly grid's CSV and XLSX, and the command line's lists."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from hub import reports
from hub.collation import compare, sort_key
from hub.store import cards, fee_settings, readers, registry
from hub.timefmt import utc_now
from tests.journal_support import READER, store_tap
from tests.pages_support import Site
from web.cli import cli

POLISH_ORDER = ["Czarnecki", "Ćwik", "Lis", "Łuczak", "Sądecka", "Szymański", "Źrebiec", "Żak"]
"""The issue's list, in the order a Polish register has it."""
SHUFFLED = ["Żak", "Łuczak", "Szymański", "Ćwik", "Źrebiec", "Lis", "Sądecka", "Czarnecki"]
ALPHABET = list("aąbcćdeęfghijklłmnńoóprsśtuwyzźż")


def test_the_alphabet_and_the_issues_names_sort_as_in_a_polish_register() -> None:
    assert sorted(SHUFFLED, key=sort_key) == POLISH_ORDER
    assert sorted(reversed(ALPHABET), key=sort_key) == ALPHABET
    assert sorted([a.upper() for a in reversed(ALPHABET)], key=sort_key) == [a.upper() for a in ALPHABET]
    # Python's own order puts every Polish letter after z: what the journal did before.
    assert sorted(SHUFFLED) != POLISH_ORDER


def test_case_hyphens_and_first_names() -> None:
    names = ["Łęcka-Żółć", "Zieliński", "łęcka", "Łęcka", "Lewandowska", "Ślusarczyk", "Sowa"]
    assert sorted(names, key=sort_key) == [
        "Lewandowska", "łęcka", "Łęcka", "Łęcka-Żółć", "Sowa", "Ślusarczyk", "Zieliński",
    ]  # fmt: skip
    people = [("Nowak", "Żaneta"), ("Nowak", "Zofia"), ("Nowak", "Ewa"), ("Nowacka", "Zofia")]
    assert sorted(people, key=lambda p: sort_key(*p)) == [
        ("Nowacka", "Zofia"), ("Nowak", "Ewa"), ("Nowak", "Zofia"), ("Nowak", "Żaneta"),
    ]  # fmt: skip
    assert sort_key(None) == sort_key("")


@given(st.lists(st.text(alphabet="aąbcćeęlłnńoósśzźżAĄCĆŁŚŹŻ- ", max_size=6), max_size=12))
def test_sql_and_python_order_alike(words: list[str]) -> None:
    """`ORDER BY … COLLATE polish` and `sort_key` are one order: a list read in SQL and one
    sorted in Python never disagree."""
    by_compare = sorted(words, key=functools.cmp_to_key(compare))
    assert [sort_key(w) for w in by_compare] == sorted(sort_key(w) for w in words)


# -- the kindergarten of the issue's eight names -------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """Site's kindergarten plus the eight children in Motylki, added in no order, each with a
    card tapped in a minute ago (so all are on the board); groups Łabędzie and Lisy with a child each."""
    site = Site.make(tmp_path)
    db = site.db()
    readers.add_reader(db, READER, "Wejście główne")
    registry.add_guardian(db, name="Łucja Żak", phone="", children=[], author="test")
    registry.add_guardian(db, name="Adam Ćwik", phone="", children=[], author="test")
    registry.add_guardian(db, name="Celina Czarnecka", phone="", children=[], author="test")
    for group in ("Łabędzie", "Lisy"):
        registry.add_group(db, group, author="test")
        registry.add_child(
            db, first_name="Jan", last_name="Nowak", group=group, active_from="2026-09-01", author="test"
        )
    now = utc_now()
    for number, last in enumerate(SHUFFLED, 1):
        child = registry.add_child(
            db, first_name="Ala", last_name=last, group=site.motylki, active_from="2026-09-01", author="test"
        )
        uid = f"04A0A0A{number}"
        cards.assign_card_from_day(
            db, uid=uid, child_id=child["id"], author="test", day=date(2026, 9, 1), tz=site.settings.tz
        )
        store_tap(db, number, uid, now - timedelta(minutes=1))
    db.close()
    return site


def in_order(text: str, names: list[str]) -> list[str]:
    """The names as they come in `text`, each by its first place."""
    return sorted(names, key=lambda name: text.index(name))


def test_the_group_day_and_the_board(site: Site) -> None:
    teacher = site.client("teacher")
    today = utc_now().astimezone(site.settings.tz).date()
    day = teacher.get(f"/groups/{site.motylki}/days/{today.isoformat()}").text
    assert in_order(day, [f"Ala {last}" for last in POLISH_ORDER]) == [f"Ala {n}" for n in POLISH_ORDER]
    board = site.client("director").get("/presence").text
    motylki = board[board.index("Motylki") :]
    assert in_order(motylki, [f"Ala {n}" for n in POLISH_ORDER]) == [f"Ala {n}" for n in POLISH_ORDER]
    assert in_order(board, ["Lisy", "Łabędzie", "Motylki", "Żabki"]) == [
        "Lisy",
        "Łabędzie",
        "Motylki",
        "Żabki",
    ]


def test_the_register_and_the_card_list(site: Site) -> None:
    secretary = site.client("secretary")
    children = secretary.get("/registry/children").text
    assert in_order(children, [f"{n} Ala" for n in POLISH_ORDER]) == [f"{n} Ala" for n in POLISH_ORDER]
    guardians = secretary.get("/registry/guardians").text
    # A guardian's name is one field, as written ("Łucja Żak"): ordered as written, in Polish.
    assert in_order(guardians, ["Marta Kowalska", "Łucja Żak", "Adam Ćwik", "Celina Czarnecka"]) == [
        "Adam Ćwik", "Celina Czarnecka", "Łucja Żak", "Marta Kowalska",
    ]  # fmt: skip
    groups = secretary.get("/registry/groups").text
    assert in_order(groups, ["Żabki", "Łabędzie", "Motylki", "Lisy"]) == [
        "Lisy",
        "Łabędzie",
        "Motylki",
        "Żabki",
    ]
    card_list = site.client("director").get("/cards").text
    assert in_order(card_list, [f"{n} Ala" for n in POLISH_ORDER]) == [f"{n} Ala" for n in POLISH_ORDER]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_numbered_daily_sheet_pdf_csv_and_xlsx(site: Site, tmp_path: Path) -> None:
    db = site.db()
    today = utc_now().astimezone(site.settings.tz).date()
    sheet = reports.build("daily-sheet", db, site.settings, reports.Period(day=today), group="Motylki")
    text = pdf_text(reports.render(sheet, "pdf"), tmp_path)
    numbered = re.findall(r"^\s*(\d+)\s+(\w+) A(?:la|nia)\b", text, flags=re.MULTILINE)
    assert [name for _, name in numbered] == ["Czarnecki", "Ćwik", "Kowalska", *POLISH_ORDER[2:]]
    assert [int(n) for n, _ in numbered] == list(range(1, 10))
    rows = list(csv.reader(io.StringIO(reports.render(sheet, "csv").decode())))
    assert [row[1].split()[0] for row in rows[1:10]] == ["Czarnecki", "Ćwik", "Kowalska", *POLISH_ORDER[2:]]
    grid = reports.build("monthly-grid", db, site.settings, reports.Period(month=(today.year, today.month)))
    xlsx = load_workbook(io.BytesIO(reports.render(grid, "xlsx"))).active
    cells = list(xlsx.iter_rows(values_only=True))[1:]  # a section column, then the child
    assert list(dict.fromkeys(row[0] for row in cells)) == [
        f"Grupa {g}" for g in ("Lisy", "Łabędzie", "Motylki", "Żabki")
    ]
    motylki = [str(row[1]).split()[0] for row in cells if row[0] == "Grupa Motylki"]
    assert motylki == ["Czarnecki", "Ćwik", "Kowalska", *POLISH_ORDER[2:]]
    db.close()


def test_the_command_lines_lists(site: Site) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["--database", str(site.settings.database), *args], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result.output

    listed = [row["last_name"] for row in json.loads(run("children", "list", "--group", "Motylki", "--json"))]
    assert listed == ["Czarnecki", "Ćwik", "Kowalska", *POLISH_ORDER[2:]]
    plain = run("children", "list")
    assert in_order(plain, [f"{n} Ala" for n in POLISH_ORDER]) == [f"{n} Ala" for n in POLISH_ORDER]
    holders = [row["last_name"] for row in json.loads(run("cards", "list", "--json"))]
    assert [n for n in holders if n in POLISH_ORDER] == POLISH_ORDER
    day = json.loads(run("day", "--group", "Motylki", "--json"))
    assert [entry["name"].split()[-1] for entry in day] == [
        "Czarnecki",
        "Ćwik",
        "Kowalska",
        *POLISH_ORDER[2:],
    ]


def test_every_thread_has_the_collation(site: Site) -> None:
    """The web server reads from its thread pool: a connection opened on another thread
    orders in Polish too."""
    db = site.db()
    found: list[str] = []

    def read() -> None:
        found.extend(c["last_name"] for c in registry.list_children(db, group_id=site.motylki))

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    db.close()
    assert found == ["Czarnecki", "Ćwik", "Kowalska", *POLISH_ORDER[2:]]


def test_the_kitchens_count_lists_groups_in_polish_order(site: Site) -> None:
    db = site.db()
    fee_settings.set_meal_price(db, date(2026, 9, 1), "obiad", "8,50", author="test")
    count = reports.build("meal-count", db, site.settings, reports.Period(day=date(2026, 12, 7)))
    db.close()
    assert [row[0] for row in count.sections[0].rows] == ["Lisy", "Łabędzie", "Motylki", "Żabki"]

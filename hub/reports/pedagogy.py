"""The printouts of the pedagogical records: a group's monthly work plan with its history,
and a child's school-readiness information.

Both are prose, so the text goes into a one-column section, a paragraph a row; the model
and its renderers (`render.py`: the HTML print view, the PDF made from it) are the ones
every report uses. Printed in Polish, like the other reports.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from hub.config import Settings
from hub.reports.model import Report, Section
from hub.rules.school_readiness import readiness_due
from hub.rules.school_year import school_year_label
from hub.services import work_plans
from hub.store import registry
from hub.store import school_readiness as readiness_store
from hub.timefmt import from_db, month_title, utc_now

PLAN_STATES = {"draft": "projekt", "submitted": "przekazany dyrektorowi", "approved": "zatwierdzony",
               "returned": "zwrócony do poprawy"}  # fmt: skip
PLAN_STEPS = {"write": "zapisano wersję", "submit": "przekazano dyrektorowi", "approve": "zatwierdzono",
              "return": "zwrócono do poprawy"}  # fmt: skip
READINESS_STATES = {"draft": "projekt", "final": "ostateczna"}


def paragraphs(text: str) -> tuple[tuple[str], ...]:
    """The text's non-empty lines, each a row of a one-column section."""
    return tuple((line.strip(),) for line in text.splitlines() if line.strip())


def work_plan(db: Database, settings: Settings, plan_id: int) -> Report:
    """The plan as it stands (its latest version), who wrote and approved it, and its steps."""
    kept = work_plans.history(db, plan_id)
    plan, steps = kept["plan"], kept["steps"]
    year, month = (int(part) for part in plan["month"].split("-"))
    approved = [step for step in steps if step["action"] == "approve"]
    facts = [
        ("Grupa", plan["group_name"]),
        ("Miesiąc", month_title(year, month)),
        ("Stan", PLAN_STATES[plan["state"]]),
        ("Wersja", f"{plan['version']}: {plan['author']}, {_local(plan['written_at'], settings)}"),
    ]
    if approved:
        facts.append(("Zatwierdził(a)", f"{approved[-1]['actor']}, {_local(approved[-1]['at'], settings)}"))
    return Report(
        name=f"plan-pracy-{plan['month']}",
        title="Miesięczny plan pracy",
        subtitle=f"{plan['group_name']} — {month_title(year, month)}",
        generated_at=_now(settings),
        facts=tuple(facts),
        sections=(
            Section(title="Plan pracy", columns=("Treść",), rows=paragraphs(plan["text"])),
            Section(
                title="Historia",
                columns=("Kiedy", "Kto", "Krok", "Wersja", "Uwaga dyrektora"),
                rows=tuple(_step_row(step, settings) for step in steps),
            ),
        ),
        signature="Podpis dyrektora",
    )


def readiness(db: Database, settings: Settings, readiness_id: int) -> Report:
    """The information as the parents get it: the child, the school year, the text."""
    info = readiness_store.get(db, readiness_id)
    child = registry.get_child(db, info["child_id"])
    name = f"{child['first_name']} {child['last_name']}"
    year = info["school_year"]
    facts = [
        ("Imię i nazwisko dziecka", name),
        ("Data urodzenia", _day(child["birth_date"])),
        ("Grupa", child["group_name"]),
        ("Rok szkolny", school_year_label(year)),
        ("Stan", READINESS_STATES[info["state"]]),
        ("Termin wydania", f"do {readiness_due(year):%d.%m.%Y}"),
    ]
    if info["given_on"]:
        facts.append(("Wydano rodzicom", _day(info["given_on"])))
    return Report(
        name=f"gotowosc-szkolna-{info['child_id']}-{year}",
        title="Informacja o gotowości dziecka do podjęcia nauki w szkole podstawowej",
        subtitle=f"{name} — rok szkolny {school_year_label(year)}",
        generated_at=_now(settings),
        facts=tuple(facts),
        sections=(Section(title="", columns=("Informacja",), rows=paragraphs(info["text"])),),
        signature="Podpis nauczyciela i dyrektora",
    )


def _step_row(step: dict[str, Any], settings: Settings) -> tuple[str, str, str, int, str]:
    return (
        _local(step["at"], settings),
        step["actor"],
        PLAN_STEPS[step["action"]],
        step["version"],
        step["remark"] or "",
    )


def _local(stored: str, settings: Settings) -> str:
    return from_db(stored).astimezone(settings.tz).strftime("%d.%m.%Y %H:%M")


def _day(stored: str | None) -> str:
    return date.fromisoformat(stored).strftime("%d.%m.%Y") if stored else "—"


def _now(settings: Settings) -> datetime:
    return utc_now().astimezone(settings.tz)

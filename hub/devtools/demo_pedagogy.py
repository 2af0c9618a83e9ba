"""The demo's pedagogical records: Motylki's work plan for the month, submitted to the
director; a few observations of the first child (one addressed to the parents); and that
child's readiness information, drafted for the school year in which the demo's children
(born in 2021) are six."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from hub.services import school_readiness, work_plans
from hub.store import observations

DEMO_TEACHER = "demo"
READINESS_YEAR = 2027
"""The school year 2027/2028, in which children born in 2021 are six."""
PLAN = """Tydzień 1: jesień w parku — liście, kasztany, kolory
Tydzień 2: moja rodzina; zajęcia z rodzicami w piątek
Tydzień 3: zdrowo jemy — warsztaty z kucharką
Tydzień 4: święta tuż-tuż; próby jasełek"""
OBSERVATIONS = (
    ("mowa", "Chętnie opowiada o wydarzeniach z domu, buduje zdania złożone.", True),
    ("motoryka", "Sprawnie wycina po linii, trzyma kredkę trójpalcowo.", False),
    ("emocje", "Czeka na swoją kolej w zabawie; prosi o pomoc, gdy jej potrzebuje.", True),
)


def seed_pedagogy(db: Database, today: date, group_id: int = 1, child_id: int = 1) -> None:
    """Add the demo's plan, observations and readiness draft once (nothing if already there)."""
    if db["work_plans"].count:
        return
    plan = work_plans.write(
        db, group_id=group_id, year=today.year, month=today.month, text=PLAN, author=DEMO_TEACHER
    )
    work_plans.submit(db, plan["id"], actor=DEMO_TEACHER)
    for area, text, for_parents in OBSERVATIONS:
        observations.add(
            db, child_id=child_id, day=today, kind="observation", area=area, text=text, author=DEMO_TEACHER,
            for_parents=for_parents,
        )  # fmt: skip
    school_readiness.write(
        db, child_id=child_id, school_year=READINESS_YEAR,
        text="\n".join(text for _area, text, _for_parents in OBSERVATIONS), author=DEMO_TEACHER,
    )  # fmt: skip

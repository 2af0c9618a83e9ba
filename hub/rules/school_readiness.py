"""Who gets the school-readiness information in a school year, and by when.

"Informacja o gotowości dziecka do podjęcia nauki w szkole podstawowej" is given to the
parents of a child who does the compulsory year of preschool preparation ("roczne
przygotowanie przedszkolne"), written from the teachers' pedagogical observations, by the
end of April of the school year before the one in which the child starts school
(§ 3 ust. 7 of the rozporządzenie MEN of 27 August 2019 "w sprawie świadectw, dyplomów
państwowych i innych druków", Dz.U. 2019 poz. 1700).

The year of preparation is for "dzieci 6-letnie": it begins with the school year that
starts in the calendar year in which the child turns 6 (art. 31 ust. 4 of the ustawa
Prawo oświatowe of 14 December 2016); school follows in the calendar year the child
turns 7 (art. 35 ust. 2). So a child's birthday within the year does not matter, only its
year. Worked example: in the school year 2026/2027 (it starts on 1 September 2026) the
six-year-olds are the children born in 2020 — one born on 31 December 2020 too, one born
on 1 January 2021 not yet; their information is due by 30 April 2027.

(A five-year-old whose parents ask for school a year early also gets the information, on
their request; that case is not covered here.)
"""

from __future__ import annotations

from datetime import date

SIX = 6


def is_six_year_old(birth_date: date, school_year: int) -> bool:
    """Does the child do the year of preschool preparation in the school year starting in
    `school_year` — does it turn 6 in that calendar year?"""
    return birth_date.year + SIX == school_year


def readiness_due(school_year: int) -> date:
    """The last day to give the parents the information: 30 April of the school year."""
    return date(school_year + 1, 4, 30)


def is_late(school_year: int, today: date, given_on: date | None) -> bool:
    """Was the information not given by the deadline (given after it, or still not given)?"""
    due = readiness_due(school_year)
    return given_on > due if given_on is not None else today > due

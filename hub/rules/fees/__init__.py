"""The fee and meal engine: how a child's days become the month's bill, to the grosz.

Pure functions over frozen dataclasses, like `hub.rules.attendance`: no storage, no clock, no
network. Money is `Decimal` złoty (two places), computed in whole grosze, never a float.

How the fee for a stay is computed (for the director and the accountant)
------------------------------------------------------------------------
The gmina's uchwała decides the rules (ustawa o finansowaniu zadań oświatowych, art. 52):
the free time (at least 5 hours a day), the rate for each hour beyond it (at most the legal
cap: 1,44 zł from 1 IX 2024), and exemptions. Every rule is a setting (`FeeSettings`),
dated, so a change takes effect on its own day. For each child and day:

1. **Times** are the arrival and departure as printed (to the minute), measured in real
   elapsed time: on 29 March (23 h) and 25 October (25 h) a stay from 7:00 to 16:00 is 9 h.
2. **Visits.** A child may leave and come back; their visits are added up (time counted
   once). A visit with a missing departure is, by default, *not billed* and flagged for the
   teacher (`missing_scan="flag_only"`); the gmina may instead count it until closing time
   (`"assume_closing"`), and a missing arrival from opening time (`"assume_opening_closing"`).
3. **Free time**: presence inside the free window (e.g. 08:00–13:00) is free, the rest is
   paid; or, with `FirstHours(5)`, the first 5 hours of presence that day are free.
   Always: minutes present = free minutes + paid minutes.
4. **Exemptions**: a child pays no hourly fee from 1 September of the year they turn 6 (the
   compulsory year), nor on a day off; a child's own override (exempt / not exempt) wins.
5. **Grace, then rounding**, once on the day's paid minutes (or per segment of paid time,
   if the uchwała says so): paid time of at most `grace_minutes` is waived; otherwise it is
   billed per full hour (the default: "per started hour" clauses were annulled by the
   wojewoda wielkopolski, only full hours actually used may be charged), per started hour,
   or per minute.
6. **Money**: the month's fee is, for each rate in force that month, billed minutes × rate
   / 60, rounded once, half up, to the grosz ("iloczyn liczby godzin w danym miesiącu i
   stawki"). With hourly rounding this equals the sum of the days' fees.

Worked example. Free window 08:00–13:00, 1,44 zł per hour, per full hour. Ania arrives at
7:40 and leaves at 15:50: present 8 h 10 min; free 5 h 00 min (8:00–13:00); paid 3 h 10 min
(20 min before 8:00, 2 h 50 min after 13:00); billed 3 h; fee 3 × 1,44 = 4,32 zł.
Per started hour: 4 h, 5,76 zł. Per minute: 190 min × 1,44 / 60 = 4,56 zł. Twenty such days
per full hour: 60 h × 1,44 = 86,40 zł.

Meals: the child is charged for each working day they are expected, per meal type they
take, at the day's price; an absence reported before the cut-off (e.g. 8:00 that day)
cancels the day's meals. Billed in advance (default), the month's meals are charged up
front and meals cancelled in time are refunded ("odpis") in the next month's statement.

Closing: a closed month is never changed; a later correction is compared with the closed
statement and the difference becomes adjustment lines in the next month.

Decisions where the law leaves room (sources: research/fees-pl.md in the design workspace, beside DESIGN.md)
-------------------------------------------------------------------------------
- Default rounding per *full* hour: the wojewoda wielkopolski annulled "każda rozpoczęta
  godzina" clauses (only hours of care actually used may be charged; gazetaprawna.pl
  820379). Per started hour and per minute remain settings for gminy whose uchwała says so.
- Money rounded once per month and rate, half up: the monthly fee "stanowi iloczyn liczby
  godzin … w danym miesiącu i stawki" (e.g. p54.lublin.eu). Hours are rounded per day (the
  free time is "5 godzin dziennie"), so a day's rounding never borrows from another day.
- Several visits: their union is billed, rounding on the day's total (the research note's
  "8,5 h − 5 = 3,5 → 4" practice); `rounding_scope="segment"` rounds each paid stretch.
- Grace minutes are a threshold (≤ grace → nothing; above it all the paid time is billed),
  so full hour ≤ per minute ≤ started hour holds with any grace.
- Times are read to the minute as printed; a missing departure is not guessed unless the
  regulamin says so (the parents' top complaint: a forgotten tap billed as a full day).
- Days off are never billed; exempt children's presence is all free time.
- Meals in advance: anything reported in time before the month begins is never charged;
  reported in time during the month, refunded next month at the price of the day missed.

Public API
----------
Settings (`settings`): `FeeSettings`, `HourlyRate`, `StayRules`, `FixedWindow`,
    `FirstHours`, `MealSettings`, `MealPrice`, `Child`, `AbsenceReport`, `DEFAULT_RATES`,
    the literals `Rounding`, `RoundingScope`, `MissingScanPolicy`, `MealBilling`.
Legal cap (`caps`): `LEGAL_CAPS`, `LegalCap`, `cap_on`, `indexed_cap`, `check_rates`,
    `RateWarning`, `check_settings`.
Exemption (`exemption`): `exemption`, `exempt_by_age`, `first_exempt_day`.
Day (`day`): `day_fee(DayResult, Child, FeeSettings, attendance) -> DayFee`, `DayFee`,
    `Span`, `DayFlag`, `day_context`, `round_minutes`.
Meals (`meals`): `MealLine`, `daily_meal_count`, `index_absences`, `reported_in_time`,
    `cutoff_instant`.
Month (`statement`): `month_statement(...) -> MonthStatement`, `MonthStatement`,
    `RateBand`, `Adjustment`, `describe_rules`.
Closing (`closing`): `close_month`, `ClosedMonth`, `BilledMonth` (what a closed month keeps),
    `BilledDay`, `adjustments(closed, now)`.
Accountant (`summary`): `fee_summary(...) -> FeeSummary`, `SummaryRow`, `GroupTotal`.
Money (`money`): `format_amount`, `format_pln`, `format_minutes`.
"""

from hub.rules.fees.caps import (
    LEGAL_CAPS,
    LegalCap,
    RateWarning,
    cap_on,
    check_rates,
    check_settings,
    indexed_cap,
)
from hub.rules.fees.closing import BilledDay, BilledMonth, ClosedMonth, adjustments, close_month
from hub.rules.fees.day import DayFee, DayFlag, Span, day_context, day_fee, round_minutes
from hub.rules.fees.exemption import exempt_by_age, exemption, first_exempt_day
from hub.rules.fees.meals import MealLine, cutoff_instant, daily_meal_count, index_absences, reported_in_time
from hub.rules.fees.money import format_amount, format_minutes, format_pln
from hub.rules.fees.settings import (
    DEFAULT_RATES,
    AbsenceReport,
    Child,
    FeeSettings,
    FirstHours,
    FixedWindow,
    HourlyRate,
    MealBilling,
    MealPrice,
    MealSettings,
    MissingScanPolicy,
    Rounding,
    RoundingScope,
    StayRules,
)
from hub.rules.fees.statement import Adjustment, MonthStatement, RateBand, describe_rules, month_statement
from hub.rules.fees.summary import FeeSummary, GroupTotal, SummaryRow, fee_summary, summarise, summary_rows

__all__ = [
    "DEFAULT_RATES",
    "LEGAL_CAPS",
    "AbsenceReport",
    "Adjustment",
    "BilledDay",
    "BilledMonth",
    "Child",
    "ClosedMonth",
    "DayFee",
    "DayFlag",
    "FeeSettings",
    "FeeSummary",
    "FirstHours",
    "FixedWindow",
    "GroupTotal",
    "HourlyRate",
    "LegalCap",
    "MealBilling",
    "MealLine",
    "MealPrice",
    "MealSettings",
    "MissingScanPolicy",
    "MonthStatement",
    "RateBand",
    "RateWarning",
    "Rounding",
    "RoundingScope",
    "Span",
    "StayRules",
    "SummaryRow",
    "adjustments",
    "cap_on",
    "check_rates",
    "check_settings",
    "close_month",
    "cutoff_instant",
    "daily_meal_count",
    "day_context",
    "day_fee",
    "describe_rules",
    "exempt_by_age",
    "exemption",
    "fee_summary",
    "first_exempt_day",
    "format_amount",
    "format_minutes",
    "format_pln",
    "index_absences",
    "indexed_cap",
    "month_statement",
    "reported_in_time",
    "round_minutes",
    "summarise",
    "summary_rows",
]

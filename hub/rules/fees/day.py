"""One child's fee for one day: `day_fee(DayResult, Child, FeeSettings) -> DayFee`.

The rules, in the order they are applied (see the package docstring for the reasons):

1. **Times.** Each arrival and departure is read to the minute, as the printout shows it
   (07:40:59 is 07:40). Durations are real elapsed time in UTC, so 29 March and 25
   October are right.
2. **Spans.** Each visit is a span from arrival to departure. A visit with a missing end is
   not billed under "flag_only" (flagged); under "assume_closing" a missing departure is
   taken as the closing time (or the next visit's start, if earlier: the child had left by
   then); under "assume_opening_closing" a missing arrival is also taken as the opening time
   (or the previous visit's end, if later). A visit still open on a day not over yet is
   "in progress" and not billed. Marked present without any time: no span, unless the
   policy is "assume_opening_closing" (then opening–closing).
3. **Presence** is the union of the spans (overlaps count once).
4. **Free time.** With a fixed window, presence inside the window is free. With "first N
   hours", the first N hours of presence that day (added up across visits) are free.
   The rest is paid: `paid = present − free`.
5. **Exemptions and days off.** An exempt child (age rule or override) and any day off
   (weekend, holiday, the kindergarten's closed day) pay nothing: all presence counts as
   free.
6. **Grace, then rounding.** Per rounding unit (the day's paid minutes, or each paid
   segment with `rounding_scope="segment"`): at most `grace_minutes` → 0; otherwise
   rounded: per minute (unchanged), per full hour (down), per started hour (up).
7. **Money.** The day's fee is `rate × billed minutes / 60`, rounded half up to the grosz,
   with the rate in force that day. The month's fee is *not* the sum of these (it is
   rounded once per month and rate, see `hub.rules.fees.statement`); with hourly rounding the
   two are always equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from hub.rules.attendance import DEFAULT_SETTINGS, CompleteDay, DayResult, DayStatus, local_instant
from hub.rules.attendance import Settings as AttendanceSettings
from hub.rules.attendance.calendar import clock_minute
from hub.rules.attendance.model import ChildId
from hub.rules.fees.exemption import ExemptionReason, exemption
from hub.rules.fees.money import from_grosz, stay_fee_grosz
from hub.rules.fees.settings import Child, FeeSettings, FixedWindow, HourlyRate, Rounding, StayRules

DayFlag = Literal[
    "day_off",  # a weekend, holiday or closed day: not billed
    "exempt_age",  # the age rule: not billed
    "exempt_override",  # the child's own exemption: not billed
    "missing_departure",  # a visit without a departure at the end of the day
    "missing_arrival",  # a visit that starts with a departure
    "assumed_times",  # the policy filled in a missing arrival/departure (see the spans)
    "unbilled_visit",  # a visit with a missing end was left out of the fee (flag_only)
    "in_progress",  # the child is still in: the day is not over, the open visit is not billed yet
    "no_times",  # marked present without arrival or departure times
    "grace_waived",  # some paid time was within the grace minutes and waived
]

minute_of = clock_minute
"""Whole minutes since the epoch, floored: the instant as the printout shows it (the
attendance rules' clock minute, so a visit's `minutes` and its billed minutes agree)."""


@dataclass(frozen=True)
class Span:
    """One visit as billed: UTC instants read to the minute. `end` None: not billed."""

    start: datetime | None
    end: datetime | None
    start_assumed: bool = False
    end_assumed: bool = False

    @property
    def billed(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def minutes(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return minute_of(self.end) - minute_of(self.start)


@dataclass(frozen=True)
class DayFee:
    """A child's day as billed.

    minutes_present = minutes_free + minutes_paid (always). minutes_paid is before grace and
    rounding; minutes_billed after them (may exceed minutes_paid: per started hour).
    `fee` is rate × minutes_billed / 60 rounded half up; `rate` the rate in force that day.
    `spans` are the visits as billed; `flags` say what to look at.
    """

    child_id: ChildId
    day: date
    status: DayStatus
    day_off: str | None
    spans: tuple[Span, ...]
    minutes_present: int
    minutes_free: int
    minutes_paid: int
    minutes_billed: int
    rate: HourlyRate
    rules: StayRules
    exemption: ExemptionReason | None
    flags: tuple[DayFlag, ...]

    @property
    def fee_grosz(self) -> int:
        return stay_fee_grosz(self.rate.grosz, self.minutes_billed)

    @property
    def fee(self) -> Decimal:
        return from_grosz(self.fee_grosz)

    @property
    def hours_billed(self) -> Decimal:
        """Billed time in hours to two places (display only; money uses minutes)."""
        return (Decimal(self.minutes_billed) / 60).quantize(Decimal("0.01"))

    @property
    def complete(self) -> bool:
        """False when a visit was left out of the fee or the day is still in progress."""
        return "unbilled_visit" not in self.flags and "in_progress" not in self.flags


class DayContext(NamedTuple):
    """What a day's fee needs beyond the child's visits; the same for every child."""

    day: date
    rules: StayRules
    rate: HourlyRate
    rate_grosz: int
    window: tuple[int, int] | None  # free window [start, end) in epoch minutes
    first_minutes: int  # free minutes from the first arrival (FirstHours), else 0
    opening: datetime  # assumed arrival
    closing: datetime | None  # assumed departure (None: the DayResult's closing_at)


def day_context(
    day: date, settings: FeeSettings, attendance: AttendanceSettings = DEFAULT_SETTINGS
) -> DayContext:
    rules = settings.rules_on(day)
    tz: ZoneInfo = attendance.tz
    period = rules.free_period
    window = None
    first = 0
    if isinstance(period, FixedWindow):
        window = (
            minute_of(local_instant(day, period.start, tz)),
            minute_of(local_instant(day, period.end, tz)),
        )
    else:
        first = period.nominal_minutes
    opening = local_instant(day, rules.assumed_arrival or attendance.opening, tz)
    closing = local_instant(day, rules.assumed_departure, tz) if rules.assumed_departure else None
    rate = settings.rate_on(day)
    return DayContext(day, rules, rate, rate.grosz, window, first, opening, closing)


class Minutes(NamedTuple):
    present: int
    free: int
    paid: int
    billed: int
    grace_waived: bool


def round_minutes(minutes: int, rounding: Rounding, grace: int) -> int:
    """Grace, then rounding, of one unit of paid minutes (see the module docstring)."""
    if minutes <= grace:
        return 0
    if rounding == "minute":
        return minutes
    if rounding == "full_hour":
        return minutes // 60 * 60
    return -(-minutes // 60) * 60


def split_minutes(intervals: list[tuple[int, int]], ctx: DayContext, billable: bool) -> Minutes:
    """Free, paid and billed minutes of `intervals` (epoch minutes [start, end)), by interval
    arithmetic: never a loop over minutes."""
    merged: list[list[int]] = []
    if len(intervals) == 1:
        s, e = intervals[0]
        if e > s:
            merged.append([s, e])
    else:
        for s, e in sorted(intervals):
            if e <= s:
                continue
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1][1] = e
            else:
                merged.append([s, e])
    present = sum(e - s for s, e in merged)
    if not billable or present == 0:
        return Minutes(present, present, 0, 0, False)
    pieces: list[int] = []
    free = 0
    if ctx.window is not None:
        ws, we = ctx.window
        for s, e in merged:
            if s < ws:
                pieces.append(min(e, ws) - s)
            if e > we:
                pieces.append(e - max(s, we))
        paid = sum(pieces)
        free = present - paid
    else:
        budget = ctx.first_minutes
        for s, e in merged:
            length = e - s
            used = length if length < budget else budget
            budget -= used
            free += used
            if length > used:
                pieces.append(length - used)
        paid = present - free
    rules = ctx.rules
    grace = rules.grace_minutes
    if rules.rounding_scope == "day":
        billed = round_minutes(paid, rules.rounding, grace)
        waived = 0 < paid <= grace
    else:
        billed = sum(round_minutes(p, rules.rounding, grace) for p in pieces)
        waived = any(0 < p <= grace for p in pieces)
    return Minutes(present, free, paid, billed, waived)


def billed_spans(result: DayResult, ctx: DayContext) -> tuple[tuple[Span, ...], list[DayFlag]]:
    """The day's visits as spans, with the missing-scan policy applied."""
    policy = ctx.rules.missing_scan
    visits = result.visits
    missing = result.flags.missing_departure
    closing = ctx.closing or result.closing_at
    flags: list[DayFlag] = []
    spans: list[Span] = []
    unbilled = False
    for i, visit in enumerate(visits):
        start = visit.arrival.at if visit.arrival else None
        end = visit.departure.at if visit.departure else None
        start_assumed = end_assumed = in_progress = False
        if end is None and visit not in missing:
            flags.append("in_progress")
            in_progress = True
        elif end is None:
            flags.append("missing_departure")
            if policy != "flag_only" and start is not None:
                limit = closing
                following = visits[i + 1] if i + 1 < len(visits) else None
                nxt = (following.arrival or following.departure) if following is not None else None
                if nxt is not None and nxt.at < limit:
                    limit = nxt.at
                end, end_assumed = max(limit, start), True
        if start is None:
            flags.append("missing_arrival")
            if policy == "assume_opening_closing" and end is not None:
                limit = ctx.opening
                before = visits[i - 1] if i > 0 else None
                prev = (before.departure or before.arrival) if before is not None else None
                if prev is not None and prev.at > limit:
                    limit = prev.at
                start, start_assumed = min(limit, end), True
        span = Span(start, end, start_assumed, end_assumed)
        unbilled = unbilled or (not span.billed and not in_progress)
        spans.append(span)
    if not visits and result.status == "present":
        flags.append("no_times")
        if policy == "assume_opening_closing" and ctx.opening < closing:
            spans.append(Span(ctx.opening, closing, True, True))
        else:
            unbilled = True
    if any(s.start_assumed or s.end_assumed for s in spans):
        flags.append("assumed_times")
    if unbilled:
        flags.append("unbilled_visit")
    return tuple(spans), flags


def day_fee(
    result: DayResult,
    child: Child,
    settings: FeeSettings,
    attendance: AttendanceSettings = DEFAULT_SETTINGS,
    *,
    context: DayContext | None = None,
) -> DayFee:
    """The fee for one child's day. `attendance` gives the time zone and opening time (use
    the same settings the `DayResult` was computed with); `context` may be passed to reuse
    one `day_context` across many children."""
    if result.child_id != child.child_id:
        raise ValueError(f"the day is of child {result.child_id}, not {child.child_id}")
    ctx = context if context is not None else day_context(result.day, settings, attendance)
    if ctx.day != result.day:
        raise ValueError(f"the context is for {ctx.day}, the day is {result.day}")
    spans, flags = billed_spans(result, ctx)
    why = exemption(child, result.day, ctx.rules)
    billable = why is None and result.day_off is None
    intervals = [(minute_of(s.start), minute_of(s.end)) for s in spans if s.start and s.end]
    m = split_minutes(intervals, ctx, billable)
    if result.day_off is not None:
        flags.insert(0, "day_off")
    if why is not None:
        flags.insert(0, "exempt_age" if why == "age" else "exempt_override")
    if m.grace_waived:
        flags.append("grace_waived")
    return DayFee(
        child_id=child.child_id,
        day=result.day,
        status=result.status,
        day_off=result.day_off,
        spans=spans,
        minutes_present=m.present,
        minutes_free=m.free,
        minutes_paid=m.paid,
        minutes_billed=m.billed,
        rate=ctx.rate,
        rules=ctx.rules,
        exemption=why,
        flags=tuple(flags),
    )


def day_minutes(
    result: DayResult | CompleteDay, child: Child, ctx: DayContext, exempt: bool | None = None
) -> tuple[Minutes, bool]:
    """The minutes of `day_fee` without building a `DayFee` (for the city-wide summary):
    (minutes, complete). Equal to the corresponding `day_fee` fields by construction; a
    `CompleteDay` is read as the `DayResult` it stands for (every visit has both ends).
    `exempt`: whether `exemption(child, day, rules)` holds, if the caller already knows."""
    if isinstance(result, CompleteDay):
        intervals = [(minute_of(arrival), minute_of(departure)) for arrival, departure in result.visits]
        complete = True
    elif (visits := result.visits) and all(v.arrival is not None and v.departure is not None for v in visits):
        intervals = [(minute_of(v.arrival.at), minute_of(v.departure.at)) for v in visits]  # type: ignore[union-attr]
        complete = True
    else:
        spans, flags = billed_spans(result, ctx)
        intervals = [(minute_of(s.start), minute_of(s.end)) for s in spans if s.start and s.end]
        complete = "unbilled_visit" not in flags and "in_progress" not in flags
    if exempt is None:
        exempt = exemption(child, result.day, ctx.rules) is not None
    return split_minutes(intervals, ctx, result.day_off is None and not exempt), complete

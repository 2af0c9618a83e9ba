"""Worked examples, written out by hand: what the director and a parent would check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import pytest
from fees_support import ANIA, CHILD_ID, MONDAY, correction, day, evening, local, settings

from hub.rules.attendance import Tap, compute_day
from hub.rules.fees import Child, FeeSettings, FirstHours, FixedWindow, HourlyRate, StayRules, day_fee


def fee(result, rules_kw: dict | None = None, child: Child = ANIA, **kw):  # type: ignore[no-untyped-def]
    return day_fee(result, child, settings(**(rules_kw or {}), **kw))


# --- fixed window vs first N hours -----------------------------------------------------


def test_fixed_window_plain_day() -> None:
    """7:40–15:50, free 8:00–13:00: present 8 h 10 min, free 5 h, paid 20 + 170 = 190 min;
    per full hour 3 h × 1,44 = 4,32 zł."""
    f = fee(day("07:40", "15:50"))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid, f.minutes_billed) == (490, 300, 190, 180)
    assert f.rate.per_hour == Decimal("1.44")
    assert f.fee == Decimal("4.32")
    assert f.hours_billed == Decimal("3.00")
    assert f.flags == () and f.complete


def test_stay_inside_the_window_is_free() -> None:
    f = fee(day("08:00", "13:00"))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid, f.fee) == (300, 300, 0, Decimal("0.00"))


def test_first_n_hours_from_arrival() -> None:
    """Stoperek's rule: arrival 7:27, 5 free hours → free until 12:27, paid from then:
    left 14:00 → 93 paid minutes; full hour 1 h (1,44), started 2 h (2,88), minute 2,23."""
    result = day("07:27", "14:00")
    expected = {"full_hour": (60, "1.44"), "started_hour": (120, "2.88"), "minute": (93, "2.23")}
    for rounding, (billed, amount) in expected.items():
        f = fee(result, free_period=FirstHours(5), rounding=rounding)
        assert (f.minutes_present, f.minutes_free, f.minutes_paid) == (393, 300, 93)
        assert (f.minutes_billed, f.fee) == (billed, Decimal(amount)), rounding


def test_two_visits_fixed_window_applies_to_their_union() -> None:
    """7:00–9:00 and 10:00–15:00 with 8:00–13:00 free: free 60 + 180, paid 60 + 120 = 3 h."""
    f = fee(day("07:00", "09:00", "10:00", "15:00"))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid, f.minutes_billed) == (420, 240, 180, 180)
    assert f.fee == Decimal("4.32")
    assert len(f.spans) == 2


def test_two_visits_first_n_hours_counts_presence_not_the_clock() -> None:
    """7:00–9:00 and 10:00–15:00 with 5 free hours: 2 h + the first 3 h of the second visit
    (10:00–13:00) are free; 13:00–15:00 is paid."""
    f = fee(day("07:00", "09:00", "10:00", "15:00"), free_period=FirstHours(5))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid, f.minutes_billed) == (420, 300, 120, 120)


# --- rounding modes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounding", "scope", "billed", "amount"),
    [
        ("started_hour", "segment", 120, "2.88"),  # 20 min → 1 h, and 20 min → 1 h
        ("started_hour", "day", 60, "1.44"),  # 40 min → 1 h
        ("full_hour", "day", 0, "0.00"),
        ("full_hour", "segment", 0, "0.00"),
        ("minute", "day", 40, "0.96"),  # 40 × 1,44 / 60
        ("minute", "segment", 40, "0.96"),
    ],
)
def test_research_note_example(rounding: str, scope: str, billed: int, amount: str) -> None:
    """fees-pl.md § 4: 7:40–13:20 with 8:00–13:00 free: 20 min before, 20 min after."""
    f = fee(day("07:40", "13:20"), rounding=rounding, rounding_scope=scope)
    assert f.minutes_paid == 40
    assert (f.minutes_billed, f.fee) == (billed, Decimal(amount))


def test_exact_hours_are_the_same_in_every_mode() -> None:
    for rounding in ("started_hour", "full_hour", "minute"):
        f = fee(day("07:00", "15:00"), rounding=rounding)
        assert (f.minutes_billed, f.fee) == (180, Decimal("4.32"))


# --- grace minutes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "billed", "flagged"),
    [
        ("07:55", 0, True),  # 5 paid minutes ≤ 10: waived
        ("07:50", 0, True),  # exactly 10: waived
        ("07:49", 60, False),  # 11 minutes: a started hour, all of it billed
    ],
)
def test_grace_minutes_are_a_threshold(arrival: str, billed: int, flagged: bool) -> None:
    f = fee(day(arrival, "13:00"), rounding="started_hour", grace_minutes=10)
    assert f.minutes_billed == billed
    assert ("grace_waived" in f.flags) is flagged


def test_grace_per_minute_bills_all_minutes_above_the_threshold() -> None:
    f = fee(day("07:49", "13:00"), rounding="minute", grace_minutes=10)
    assert (f.minutes_billed, f.fee) == (11, Decimal("0.26"))  # 11 × 1,44 / 60 = 0,264


def test_grace_per_segment() -> None:
    """7:54–13:05: 6 + 5 paid minutes. Day scope: 11 > 10 → 1 h. Segment scope: each ≤ 10."""
    result = day("07:54", "13:05")
    assert fee(result, rounding="started_hour", grace_minutes=10).minutes_billed == 60
    f = fee(result, rounding="started_hour", grace_minutes=10, rounding_scope="segment")
    assert f.minutes_billed == 0 and "grace_waived" in f.flags


# --- exemption by age -----------------------------------------------------------------


def test_age_exemption_starts_on_1_september_of_the_year_the_child_turns_6() -> None:
    """Born 31 XII 2019: turns 6 in 2025; pays up to 31 VIII 2025 (Friday 29 VIII the last
    working day), exempt from Monday 1 IX 2025. Born 1 I 2020 pays a year longer."""
    late_2019 = replace(ANIA, birth_date=date(2019, 12, 31))
    early_2020 = replace(ANIA, birth_date=date(2020, 1, 1))
    friday, monday = date(2025, 8, 29), date(2025, 9, 1)
    before = fee(day("07:00", "15:00", on=friday), child=late_2019)
    after = fee(day("07:00", "15:00", on=monday), child=late_2019)
    assert (before.exemption, before.fee) == (None, Decimal("4.32"))
    assert (after.exemption, after.fee, after.flags) == ("age", Decimal("0.00"), ("exempt_age",))
    assert (after.minutes_present, after.minutes_free, after.minutes_paid) == (480, 480, 0)
    assert fee(day("07:00", "15:00", on=monday), child=early_2020).fee == Decimal("4.32")
    assert fee(day("07:00", "15:00", on=date(2026, 9, 1)), child=early_2020).exemption == "age"


def test_per_child_override_wins_over_the_age_rule() -> None:
    older = replace(ANIA, birth_date=date(2018, 3, 1), exempt=False)
    younger = replace(ANIA, exempt=True, exempt_basis="uchwała: rodzina wielodzietna")
    assert fee(day("07:00", "15:00"), child=older).fee == Decimal("4.32")
    f = fee(day("07:00", "15:00"), child=younger)
    assert (f.exemption, f.fee, f.flags) == ("override", Decimal("0.00"), ("exempt_override",))


def test_age_rule_can_be_switched_off() -> None:
    six = replace(ANIA, birth_date=date(2019, 1, 1))
    assert fee(day("07:00", "15:00"), child=six, age_exemption=False).fee == Decimal("4.32")


# --- rates by date ----------------------------------------------------------------------


def test_rate_change_on_1_september() -> None:
    """The gmina charged 1,00 zł and adopts 1,44 zł from 1 IX 2025: the Friday before is billed
    at 1,00, the 1 September line at 1,44."""
    fs = FeeSettings(
        rates=(HourlyRate(date(2024, 9, 1), Decimal("1.00")), HourlyRate(date(2025, 9, 1), Decimal("1.44")))
    )
    friday = day_fee(day("07:00", "15:00", on=date(2025, 8, 29)), ANIA, fs)
    monday = day_fee(day("07:00", "15:00", on=date(2025, 9, 1)), ANIA, fs)
    assert (friday.rate.per_hour, friday.fee) == (Decimal("1.00"), Decimal("3.00"))
    assert (monday.rate.per_hour, monday.fee) == (Decimal("1.44"), Decimal("4.32"))


def test_rules_change_by_date_too() -> None:
    """Per started hour until 31 VIII 2025, per full hour from 1 IX 2025 (after a ruling)."""
    fs = FeeSettings(
        rules=(
            StayRules(valid_from=date(2024, 9, 1), rounding="started_hour"),
            StayRules(valid_from=date(2025, 9, 1), rounding="full_hour"),
        )
    )
    assert day_fee(day("07:40", "13:20", on=date(2025, 8, 29)), ANIA, fs).minutes_billed == 60
    assert day_fee(day("07:40", "13:20", on=date(2025, 9, 1)), ANIA, fs).minutes_billed == 0


def test_no_rate_in_force_is_an_error() -> None:
    with pytest.raises(ValueError, match="no hourly rate"):
        fee(day("07:00", "15:00", on=date(2024, 8, 30)))


# --- DST days ---------------------------------------------------------------------------


def working(result):  # type: ignore[no-untyped-def]
    """The same day as if the kindergarten were open (both DST days are Sundays)."""
    return replace(result, day_off=None)


def test_dst_spring_day_counts_real_minutes() -> None:
    """29 III 2026, 23 hours: 00:00–05:00 on the wall clock is 4 real hours; a free window
    01:00–04:00 is 2 real hours; so 2 h are paid."""
    sunday = date(2026, 3, 29)
    result = day("00:00", "05:00", on=sunday)
    f = fee(working(result), free_period=FixedWindow(time(1), time(4)))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid, f.minutes_billed) == (240, 120, 120, 120)
    # as the Sunday it is: present, but a day off, so nothing to pay
    off = fee(result)
    assert (off.minutes_present, off.fee) == (240, Decimal("0.00"))
    assert (off.day_off, off.flags) == ("niedziela", ("day_off",))


def test_dst_autumn_day_counts_real_minutes() -> None:
    """25 X 2026, 25 hours: 00:00–05:00 is 6 real hours, the window 01:00–04:00 is 4."""
    result = working(day("00:00", "05:00", on=date(2026, 10, 25)))
    f = fee(result, free_period=FixedWindow(time(1), time(4)))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid) == (360, 240, 120)


@pytest.mark.parametrize("sunday", [date(2026, 3, 29), date(2026, 10, 25)])
def test_dst_day_with_daytime_window(sunday: date) -> None:
    """The change is at night: 7:00–16:00 is 9 h, 8:00–13:00 is 5 h, as on any day."""
    f = fee(working(day("07:00", "16:00", on=sunday)))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid, f.fee) == (540, 300, 240, Decimal("5.76"))


def test_first_hours_across_the_autumn_change() -> None:
    """Arrival 01:30 (first 02:30 on the wall clock is still ahead), 2 free hours: free
    until 02:30 the *second* time; 01:30–03:30 is 3 real hours, so 1 h is paid."""
    sunday = date(2026, 10, 25)
    result = working(day("01:30", "03:30", on=sunday))
    f = fee(result, free_period=FirstHours(2))
    assert (f.minutes_present, f.minutes_free, f.minutes_paid) == (180, 120, 60)


# --- missing scans ----------------------------------------------------------------------


def test_missing_departure_flag_only_is_not_billed() -> None:
    f = fee(day("07:30"))
    assert (f.minutes_present, f.minutes_billed, f.fee) == (0, 0, Decimal("0.00"))
    assert "missing_departure" in f.flags and "unbilled_visit" in f.flags
    assert not f.complete
    assert f.spans[0].end is None and not f.spans[0].billed


@pytest.mark.parametrize("policy", ["assume_closing", "assume_opening_closing"])
def test_missing_departure_assumed_at_closing(policy: str) -> None:
    """7:30 → 17:00 (closing): 570 min, 300 free, 270 paid → 4 full hours, 5,76 zł."""
    f = fee(day("07:30"), missing_scan=policy)
    assert (f.minutes_present, f.minutes_paid, f.minutes_billed, f.fee) == (570, 270, 240, Decimal("5.76"))
    assert f.spans[0].end == local("17:00") and f.spans[0].end_assumed
    assert "missing_departure" in f.flags and "assumed_times" in f.flags and f.complete


def test_missing_departure_at_the_regulamin_time() -> None:
    f = fee(day("07:30"), missing_scan="assume_closing", assumed_departure=time(16, 0))
    assert (f.minutes_present, f.minutes_billed) == (510, 180)


def test_missing_arrival_under_each_policy() -> None:
    """An `out` tap at 15:00 and no arrival. Only "assume_opening_closing" bills it, from
    6:30: 510 min, 90 + 120 paid → 3 h."""
    result = day(("15:00", "out"))
    for policy in ("flag_only", "assume_closing"):
        f = fee(result, missing_scan=policy)
        assert (f.minutes_present, f.fee) == (0, Decimal("0.00"))
        assert "missing_arrival" in f.flags and "unbilled_visit" in f.flags
    f = fee(result, missing_scan="assume_opening_closing")
    assert (f.minutes_present, f.minutes_paid, f.minutes_billed, f.fee) == (510, 210, 180, Decimal("4.32"))
    assert f.spans[0].start == local("06:30") and f.spans[0].start_assumed


def test_visit_cut_short_by_a_later_arrival_ends_at_that_arrival() -> None:
    """Arrival 7:00, no departure, a teacher's arrival at 12:00, departure 15:00. Assumed:
    the first visit ends at 12:00 (the child was out by then), not at closing."""
    result = day("07:00", "15:00", corrections=[correction("c1", "add_arrival", "12:00")])
    assert len(result.visits) == 2 and result.visits[0].departure is None
    flagged = fee(result)
    assert (flagged.minutes_present, flagged.minutes_paid, flagged.minutes_billed) == (180, 120, 120)
    assumed = fee(result, missing_scan="assume_closing")
    assert (assumed.minutes_present, assumed.minutes_paid, assumed.minutes_billed) == (480, 180, 180)
    assert assumed.spans[0].end == local("12:00")


def test_child_still_in_is_in_progress_not_missing() -> None:
    result = day("07:30", now=local("12:00"))
    for policy in ("flag_only", "assume_closing", "assume_opening_closing"):
        f = fee(result, missing_scan=policy)
        assert f.flags == ("in_progress",) and f.fee == Decimal("0.00") and not f.complete


def test_marked_present_without_times() -> None:
    result = day(corrections=[correction("m", "mark_present")])
    assert result.status == "present" and not result.visits
    f = fee(result)
    assert "no_times" in f.flags and not f.complete and f.fee == Decimal("0.00")
    f = fee(result, missing_scan="assume_opening_closing")
    assert (f.minutes_present, f.minutes_billed, f.fee) == (630, 300, Decimal("7.20"))  # 6:30–17:00


# --- days off and absences ----------------------------------------------------------------


def test_saturday_is_not_billed() -> None:
    f = fee(day("07:00", "16:00", on=date(2026, 11, 28)))
    assert f.day_off == "sobota" and f.flags == ("day_off",) and f.fee == Decimal("0.00")
    assert f.minutes_present == f.minutes_free == 540


def test_absent_day_costs_nothing() -> None:
    f = fee(day(on=MONDAY))
    assert f.status == "absent" and f.minutes_present == 0 and f.fee == Decimal("0.00") and f.complete


def test_times_are_read_to_the_minute_as_printed() -> None:
    """7:40:59 counts as 7:40 and 15:50:01 as 15:50, as on the printout."""
    at_in = local("07:40").replace(second=59)
    at_out = local("15:50").replace(second=1)
    result = compute_day(
        CHILD_ID,
        MONDAY,
        [
            Tap("door", 1, CHILD_ID, at_in, "clock", "toggle"),
            Tap("door", 2, CHILD_ID, at_out, "clock", "toggle"),
        ],
        now=evening(MONDAY),
    )
    assert fee(result).minutes_present == 490


def test_a_day_of_another_child_is_refused() -> None:
    with pytest.raises(ValueError, match="child"):
        fee(day("07:00", "15:00"), child=replace(ANIA, child_id=8))

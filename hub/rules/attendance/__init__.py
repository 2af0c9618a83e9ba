"""The attendance rules: how a child's taps and a teacher's corrections become the day.

Pure functions over frozen dataclasses: no storage, no clock, no network. The same inputs,
given in any order and with any duplicates, always give an equal result, so a day can be
recomputed whenever anything for it arrives (a late reader, a correction, a revocation).

What counts as an arrival and a departure
-----------------------------------------
1. **The day.** A child's day is the local calendar day in the kindergarten's time zone
   (default Europe/Warsaw), from midnight to midnight: 24 hours, 23 on the last Sunday of
   March, 25 on the last Sunday of October. A tap at 23:59 and one at 00:01 belong to two
   different days. Times are kept in UTC; durations are real elapsed time, from the
   clock minute printed for the arrival to the one printed for the departure: taps at
   07:42:10 and 15:31:05 are "07:42–15:31", 7 h 49 min everywhere (the day's page, the
   command line, the stay report and the fee), though 7 h 48 min 55 s passed.

2. **Taps with a time and taps without.** A tap whose time comes from the reader's clock
   ("clock") or was worked out by the hub ("derived") is used as it is. A tap with an
   unknown time (a reader that restarted offline without a clock) is never counted on its
   own: it is shown to a teacher, who either confirms it (an "add arrival"/"add departure"
   correction naming the tap, with the right time; the card holder stays on record) or
   dismisses it (a "cancel" naming the tap). Until then the day carries a flag. Such a
   tap is filed under the day it was received; when a teacher confirms it as an event of
   an earlier day, the event is on that day and the day of receipt shows the tap as
   "confirmed_elsewhere".

3. **One tap per burst (debounce).** Taps of the same child less than `debounce_s`
   seconds (default 60) after the *first* tap of a burst are the same tap: only that first
   tap counts, whichever reader and whichever of the child's cards. The window does not
   slide: taps at 7:30:00, 7:30:40 and 7:31:00 count twice (7:30:00 and 7:31:00). Ties at
   the very same instant are broken by reader id, then sequence number.

4. **Reading the taps in time order.** The child starts the day neither in nor out. Going
   through the day's events in time order:
   - an `in` reader's tap is an arrival, an `out` reader's tap a departure;
   - a `toggle` reader's tap is a departure if the child is in at that moment, otherwise an
     arrival; so on a toggle-only day the 1st tap is an arrival, the 2nd a departure, the
     3rd an arrival again (the child left and came back), and so on. With several readers
     (an `in` reader at the door, a toggle reader in the hall) "in at that moment" takes
     every reader into account;
   - an `in` tap while the child is already in, or an `out` tap after a departure, changes
     nothing (it is "redundant": listed, not counted);
   - an `out` tap with no arrival before it makes a visit without an arrival (flagged).
   A visit is an arrival with the departure that follows it. A child may have several.

5. **Corrections** (each with a mandatory reason, an author and a time; a correction can
   be revoked, also with a reason, and then has no effect but stays on record; taps are
   never changed):
   - *add arrival / add departure* at a time of that day (also how an unknown-time tap is
     confirmed, see 2); a teacher's event always counts: an added arrival while the child
     is in ends the open visit without a departure (flagged for review);
   - *move* an arrival or departure to another time of that day; it names the event by
     its tap or by the correction that added it (or by an earlier move of it); when an event
     was moved more than once the latest move (by creation time) wins, and revoking it
     brings back the previous one;
   - *cancel* an arrival or departure (or dismiss an unknown-time tap);
   - *mark absent* / *mark present*: the latest one wins. Marked absent, the day has no
     visits whatever the taps say (their outcome is "overridden"). Marked present, the day
     counts as present even with no times.
   Corrections are applied before step 4: a cancelled toggle tap no longer flips the
   taps after it, an added arrival makes the next toggle tap a departure. A correction
   that cannot be applied (its target does not exist, its time is not on that day…) is
   listed as rejected, with why.

6. **Status.** "present" if the day has a visit or is marked present; "absent" if marked
   absent, or a working day past closing time with no record at all; otherwise "no_data"
   (only unconfirmed taps, a day off, or a day whose closing time has not come yet).

7. **Flags** (for the teacher; they never change the visits): a missing departure (a visit
   still open at closing time, or cut short by a teacher's later arrival), a missing
   arrival, unconfirmed unknown-time taps, taps on a day off (weekend, Polish public
   holiday, the kindergarten's own closed days), taps outside opening hours on a working
   day, redundant taps, rejected corrections.

Modules: `model` (inputs), `calendar` (days, DST, days off), `statutory_holidays` (Poland's
public holidays), `debounce`, `corrections`, `frame` (a day's bounds and hours, the inputs
checked), `day` (`compute_day`), `timed_day` (the fast way for timed taps without
corrections), `result` (outputs), `presence` (who is in now), `door` (each
child's state at the door: in, left, absent, missing…), `inconsistencies` (the
"dziennik niezgodności").
"""

from hub.rules.attendance.calendar import (
    clock_minute,
    day_bounds,
    day_length_minutes,
    day_off_reason,
    elapsed,
    is_day_off,
    local_day,
    local_instant,
    minutes_between,
    public_holidays,
    stay_minutes,
    working_days,
)
from hub.rules.attendance.day import compute_day
from hub.rules.attendance.door import DoorState, door_state
from hub.rules.attendance.inconsistencies import Inconsistency, day_inconsistencies, unknown_card_items
from hub.rules.attendance.model import (
    DEFAULT_SETTINGS,
    ChildId,
    Correction,
    CorrectionKind,
    ReaderMode,
    Settings,
    Tap,
    TapId,
    TimeQuality,
)
from hub.rules.attendance.presence import Presence, presence_at
from hub.rules.attendance.result import (
    CompleteDay,
    CorrectionOutcome,
    DayFlags,
    DayResult,
    DayStatus,
    Event,
    TapOutcome,
    Visit,
)
from hub.rules.attendance.timed_day import complete_day, complete_visits

__all__ = [
    "DEFAULT_SETTINGS",
    "ChildId",
    "CompleteDay",
    "Correction",
    "CorrectionKind",
    "CorrectionOutcome",
    "DayFlags",
    "DayResult",
    "DayStatus",
    "DoorState",
    "Event",
    "Inconsistency",
    "Presence",
    "ReaderMode",
    "Settings",
    "Tap",
    "TapId",
    "TapOutcome",
    "TimeQuality",
    "Visit",
    "clock_minute",
    "complete_day",
    "complete_visits",
    "compute_day",
    "day_bounds",
    "day_inconsistencies",
    "day_length_minutes",
    "day_off_reason",
    "door_state",
    "elapsed",
    "is_day_off",
    "local_day",
    "local_instant",
    "minutes_between",
    "presence_at",
    "public_holidays",
    "stay_minutes",
    "unknown_card_items",
    "working_days",
]

"""Where each child of a group stands this morning, as the teacher at the door sees it.

One word per child, from the child's computed day, the moment, whether a guardian reported
the day absent ahead, and the hour from which a child not yet come counts as missing:

- `in`: in the building now (as the presence board lists them, the uncertain ones too);
- `left`: came today and has gone home;
- `absent`: marked absent by a teacher, or reported absent ahead by a guardian (a child
  who comes anyway is `in`: what happened beats what was announced);
- `day_off`: a weekend, a public holiday or a day the kindergarten is closed;
- `missing`: expected today (none of the above) and not come by the set hour;
- `expected`: not come yet, before the set hour.

Example: with the hour at 09:00, Ania, who has no taps, is `expected` at 08:59 and
`missing` at 09:00; had her mother reported the day absent, she would be `absent` all day.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal

from hub.rules.attendance.model import require_aware
from hub.rules.attendance.presence import presence_at
from hub.rules.attendance.result import DayResult

DoorState = Literal["in", "left", "absent", "day_off", "missing", "expected"]


def door_state(
    day: DayResult, moment: datetime, *, reported_absent: bool, missing_from: time, local_clock: time
) -> DoorState:
    """The child's state at `moment`; `local_clock` is that moment's local time of day
    (the caller knows the kindergarten's time zone)."""
    require_aware(moment, "moment")
    if presence_at([day], moment):
        return "in"
    if day.visits or day.mark == "present":
        return "left"
    if day.mark == "absent" or reported_absent:
        return "absent"
    if day.day_off is not None:
        return "day_off"
    return "missing" if local_clock >= missing_from else "expected"

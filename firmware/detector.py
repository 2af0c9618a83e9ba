# Tap detection and the reader's clock.
#
# Both take `now` as monotonic milliseconds since boot (app.Reader.mono(): the sum
# of ticks_diff between consecutive loop steps, a plain int that never wraps),
# not raw ticks_ms(): ticks_diff is valid for 2**29 ms (6.2 days) only, and a
# reader runs for months, across holidays with no hub to set its clock.


class Detector:
    """One tap per card presence. A card resting on the reader is one tap; it is
    re-armed once absent for `rearm_polls` clean polls. A card seen again within
    `cooldown_ms` of its last tap (lifted and put back) is not a new tap. There
    is no "same UID as last time = ignore": arrival and departure are the same
    card, tapped twice."""

    def __init__(self, rearm_polls=3, cooldown_ms=3000):
        self.rearm = rearm_polls
        self.cooldown = cooldown_ms
        self.present = {}  # uid -> clean polls without it
        self.last = {}  # uid -> ticks of its last tap (pruned after cooldown)

    def update(self, uids, clean, now):
        """uids: cards read this poll; clean: the poll had no error (an error is
        never taken for absence); now: monotonic ms. Returns the list of new taps."""
        taps = []
        for u in uids:
            if u in self.present:
                self.present[u] = 0
                continue
            self.present[u] = 0
            t = self.last.get(u)
            if t is not None and now - t < self.cooldown:
                continue
            self.last[u] = now
            taps.append(u)
        if clean:
            gone = None
            for u in self.present:
                if u not in uids:
                    n = self.present[u] + 1
                    self.present[u] = n
                    if n >= self.rearm:
                        if gone is None:
                            gone = []
                        gone.append(u)
            if gone:
                for u in gone:
                    del self.present[u]
        if self.last and len(self.last) > 8:
            for u in [u for u in self.last if now - self.last[u] >= self.cooldown]:
                del self.last[u]
        return taps


class Clock:
    """Epoch seconds from the hub's `time` topic (or NTP), carried forward by the
    monotonic ms of the loop. now() is None until set: a tap then carries no `t`."""

    def __init__(self, mono):
        self.mono = mono  # fn() -> monotonic ms now
        self.t0: int | None = None
        self.at = 0  # monotonic ms at which the epoch was t0

    def set(self, t, at):
        self.t0 = int(t)
        self.at = at

    def now(self, at=None):
        if self.t0 is None:
            return None
        if at is None:
            at = self.mono()
        # rounded: the hub's `t` is already whole seconds (truncated), do not floor twice
        return self.t0 + (at - self.at + 500) // 1000

# Tap detection and the reader's clock.
import time


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
        never taken for absence). Returns the list of new taps."""
        taps = []
        for u in uids:
            if u in self.present:
                self.present[u] = 0
                continue
            self.present[u] = 0
            t = self.last.get(u)
            if t is not None and time.ticks_diff(now, t) < self.cooldown:
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
            for u in [u for u in self.last if time.ticks_diff(now, self.last[u]) >= self.cooldown]:
                del self.last[u]
        return taps


class Clock:
    """Epoch seconds from the hub's `time` topic (or NTP), kept with ticks_ms.
    now() is None until set: a tap then carries no `t`."""

    def __init__(self):
        self.t0: int | None = None
        self.k0 = time.ticks_ms()

    def set(self, t, now=None):
        self.t0 = int(t)
        self.k0 = time.ticks_ms() if now is None else now

    def now(self, ticks=None):
        if self.t0 is None:
            return None
        if ticks is None:
            ticks = time.ticks_ms()
        # rounded: the hub's `t` is already whole seconds (truncated), do not floor twice
        return self.t0 + (time.ticks_diff(ticks, self.k0) + 500) // 1000

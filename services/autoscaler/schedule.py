"""When to evaluate each HPA: soon after fresh rates for its pods arrive, at most once per resolution.

Pure and clock-free: callers pass `now`. Fresh rates start a short coalescing wait so rates of the HPA's other pods,
scraped moments apart, land in the same evaluation; a spec change is evaluated at once; and an HPA with no fresh
rates is still evaluated every two resolutions, so stabilization windows can end while usage stays flat.

Only rate-triggered evaluations count towards "once per resolution": a periodic or spec evaluation in between must
not hold back the next scrape's rates, or a load change would wait up to a whole extra resolution.
"""

from dataclasses import dataclass, field


@dataclass
class Schedule:
    """Due times per HPA key."""

    resolution_ns: int
    coalesce_ns: int
    _due: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (due at, trigger)
    _last: dict[str, int] = field(default_factory=dict)  # key -> time of its last evaluation
    _last_rates: dict[str, int] = field(default_factory=dict)  # key -> start of the cycle it last evaluated rates of
    _arrived: dict[str, int] = field(default_factory=dict)  # key -> start of the cycle whose rates await evaluation

    def rates_arrived(self, key: str, now_ns: int) -> None:
        """Fresh rates for the HPA's pods: evaluate after the coalescing wait, but not twice in one scrape cycle.

        Cycles are measured between arrivals, so the coalescing wait does not push every cycle's evaluation later.
        """
        if key in self._due:
            return
        cycle = max(now_ns, self._last_rates.get(key, now_ns - self.resolution_ns) + self.resolution_ns)
        self._arrived[key] = cycle  # a straggler of the last cycle waits for the next one
        self._due[key] = (cycle + self.coalesce_ns, "rates")

    def spec_changed(self, key: str, now_ns: int) -> None:
        """A new or edited HPA: evaluate now."""
        self._due[key] = (now_ns, "spec")

    def forget(self, key: str) -> None:
        """A deleted HPA."""
        for times in (self._due, self._last, self._last_rates, self._arrived):
            times.pop(key, None)

    def due(self, now_ns: int, known: set[str]) -> list[tuple[str, str]]:
        """(key, trigger) of every HPA to evaluate now; also HPAs not evaluated for two resolutions."""
        ready = [(key, trigger) for key, (at, trigger) in self._due.items() if at <= now_ns]
        stale = [
            (key, "periodic")
            for key in known - self._due.keys()
            if self._last.get(key, 0) + 2 * self.resolution_ns <= now_ns
        ]
        return ready + stale

    def evaluated(self, key: str, now_ns: int) -> None:
        """Record an evaluation; it used every rate that had arrived."""
        self._due.pop(key, None)
        self._last[key] = now_ns
        if key in self._arrived:
            self._last_rates[key] = self._arrived.pop(key)

    def next_at(self, now_ns: int, known: set[str]) -> int:
        """When `due` may next return something."""
        times = [at for at, _ in self._due.values()]
        times += [self._last.get(key, 0) + 2 * self.resolution_ns for key in known - self._due.keys()]
        return max(now_ns, min(times, default=now_ns + self.resolution_ns))

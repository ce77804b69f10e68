"""When to evaluate each HPA: soon after fresh rates for its pods arrive, at most once per resolution.

Pure and clock-free: callers pass `now`. A mark starts a short coalescing wait so rates of the HPA's other pods,
scraped moments apart, land in the same evaluation; a spec change is evaluated at once; and an HPA with no fresh
rates is still evaluated every two resolutions, so stabilization windows can end while usage stays flat.
"""

from dataclasses import dataclass, field


@dataclass
class Schedule:
    """Due times per HPA key."""

    resolution_ns: int
    coalesce_ns: int
    _due: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (due at, trigger)
    _last: dict[str, int] = field(default_factory=dict)  # key -> time of its last evaluation

    def rates_arrived(self, key: str, now_ns: int) -> None:
        """Fresh rates for the HPA's pods: evaluate after the coalescing wait, but not twice in one resolution."""
        if key in self._due:
            return
        earliest = self._last.get(key, now_ns - self.resolution_ns) + self.resolution_ns
        self._due[key] = (max(now_ns + self.coalesce_ns, earliest), "rates")

    def spec_changed(self, key: str, now_ns: int) -> None:
        """A new or edited HPA: evaluate now."""
        self._due[key] = (now_ns, "spec")

    def forget(self, key: str) -> None:
        """A deleted HPA."""
        self._due.pop(key, None)
        self._last.pop(key, None)

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
        """Record an evaluation."""
        self._due.pop(key, None)
        self._last[key] = now_ns

    def next_at(self, now_ns: int, known: set[str]) -> int:
        """When `due` may next return something."""
        times = [at for at, _ in self._due.values()]
        times += [self._last.get(key, 0) + 2 * self.resolution_ns for key in known - self._due.keys()]
        return max(now_ns, min(times, default=now_ns + self.resolution_ns))

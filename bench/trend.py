"""Is a series growing? Least-squares slopes of what the soak samples, and the verdicts drawn from them.

Pure: a series is a list of (seconds since the start, value) points; nothing here reads a clock or a process.
"""

import statistics
from dataclasses import dataclass

HOUR = 3600.0


@dataclass(frozen=True)
class Trend:
    """A series after its warm-up: the least-squares slope per hour, its first, last and mean value."""

    slope_per_hour: float
    first: float
    last: float
    mean: float
    points: int

    @property
    def change(self) -> float:
        return self.last - self.first


def slope(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of value over time, per second; 0 for fewer than two distinct times."""
    if len({t for t, _ in points}) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in points)
    mean_v = statistics.fmean(v for _, v in points)
    covariance = sum((t - mean_t) * (v - mean_v) for t, v in points)
    variance = sum((t - mean_t) ** 2 for t, _ in points)
    return covariance / variance


def fit(points: list[tuple[float, float]], warmup_seconds: float) -> Trend:
    """The trend of the points at or after `warmup_seconds`; first and last are medians of three, so one noisy
    sample at either end does not count as growth."""
    kept = [(t, v) for t, v in points if t >= warmup_seconds] or points[-1:]
    if not kept:
        raise ValueError("no points to fit")
    values = [v for _, v in kept]
    return Trend(
        slope_per_hour=slope(kept) * HOUR,
        first=statistics.median(values[:3]),
        last=statistics.median(values[-3:]),
        mean=statistics.fmean(values),
        points=len(kept),
    )


@dataclass(frozen=True)
class Limit:
    """When a trend counts as growing: its slope is above both `per_hour` and `share_per_hour` of its mean, and its
    net change after the warm-up is above `change` (so a slope drawn from noise on a flat line does not count)."""

    per_hour: float
    share_per_hour: float = 0.0
    change: float = 0.0

    def exceeded_by(self, trend: Trend) -> bool:
        allowed = max(self.per_hour, self.share_per_hour * abs(trend.mean))
        return trend.slope_per_hour > allowed and trend.change > self.change


def verdicts(trends: dict[str, Trend], limit: Limit, what: str, unit: str) -> list[str]:
    """One line per series that `limit` calls growing, naming it and its figures."""
    return [
        f"{name}: {what} grows {trend.slope_per_hour:+.1f} {unit}/h ({trend.first:.1f} -> {trend.last:.1f} {unit})"
        for name, trend in sorted(trends.items())
        if limit.exceeded_by(trend)
    ]

"""From a raw proposal to the replicas to set: stabilization windows and rate limits (hpa.md §2.2–2.5).

Without `spec.behavior` (legacy): the highest proposal of the last downscale window, then min/max and the old
"double or +4" scale-up cap. With `behavior`: per-direction stabilization windows, then Pods/Percent policies over
their periods counting past scale events. The history (recommendations and scale events) is state upstream keeps in
memory; here it is data in and data out, so a restart can load it and `flowmeter explain` can chain calls.
"""

import math
from dataclasses import dataclass, replace

NS = 1_000_000_000
MAX_INT32, MIN_INT32 = 2**31 - 1, -(2**31)


@dataclass(frozen=True)
class Recommendation:
    replicas: int
    time_ns: int


@dataclass(frozen=True)
class ScaleEvent:
    change: int  # replicas added (up) or removed (down), non-negative
    time_ns: int


@dataclass(frozen=True)
class History:
    """What upstream's controller remembers about one HPA between reconciles."""

    recommendations: tuple[Recommendation, ...] = ()
    up: tuple[ScaleEvent, ...] = ()
    down: tuple[ScaleEvent, ...] = ()


@dataclass(frozen=True)
class Policy:
    type: str  # Pods or Percent
    value: int
    period_seconds: int


@dataclass(frozen=True)
class Rules:
    """One direction of `spec.behavior`, defaults filled in."""

    window_seconds: int
    select: str  # Max, Min or Disabled
    policies: tuple[Policy, ...]


@dataclass(frozen=True)
class Outcome:
    """The normalized replicas, the conditions it sets, and the history to keep."""

    replicas: int
    stabilized: int
    able: tuple[str, str]  # AbleToScale reason and message (status True)
    limited: tuple[bool, str, str]  # ScalingLimited status, reason, message
    history: History


READY = ("ReadyForNewScale", "recommended size matches current size")
DOWN_STABILIZED = (
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
)
UP_STABILIZED = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
)
WITHIN = ("DesiredWithinRange", "the desired count is within the acceptable range")
UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")


def _record(history: History, proposal: int, now_ns: int, old: int | None) -> History:
    """Keep the raw proposal: in place of the last entry that aged out, else appended."""
    entry = Recommendation(proposal, now_ns)
    recommendations = list(history.recommendations)
    if old is None:
        recommendations.append(entry)
    else:
        recommendations[old] = entry
    return replace(history, recommendations=tuple(recommendations))


def legacy(history: History, now_ns: int, current: int, proposal: int, low: int, high: int, window_ns: int) -> Outcome:
    """No `behavior`: max over the downscale window, then min, max and max(2 × current, 4)."""
    cutoff, stabilized, old = now_ns - window_ns, proposal, None
    for index, entry in enumerate(history.recommendations):
        if entry.time_ns < cutoff:
            old = index
        elif entry.replicas > stabilized:
            stabilized = entry.replicas
    able = DOWN_STABILIZED if stabilized != proposal else READY
    scale_up_limit = int(max(2.0 * current, 4.0))
    ceiling, reason = (scale_up_limit, UP_LIMIT) if high > scale_up_limit else (high, TOO_MANY)
    if stabilized < low:
        replicas, reason = low, TOO_FEW
    elif stabilized > ceiling:
        replicas = ceiling
    else:
        replicas, reason = stabilized, WITHIN
    return Outcome(
        replicas, stabilized, able, (replicas != stabilized, *reason), _record(history, proposal, now_ns, old)
    )


def with_behavior(
    history: History, now_ns: int, current: int, proposal: int, low: int, high: int, up: Rules, down: Rules
) -> Outcome:
    """`behavior` present: per-direction stabilization, then the direction's policies over their periods."""
    up_cutoff, down_cutoff = now_ns - up.window_seconds * NS, now_ns - down.window_seconds * NS
    floor = ceiling = proposal
    old = None
    for index, entry in enumerate(history.recommendations):
        if entry.time_ns > up_cutoff:
            floor = min(entry.replicas, floor)
        if entry.time_ns > down_cutoff:
            ceiling = max(entry.replicas, ceiling)
        if entry.time_ns < up_cutoff and entry.time_ns < down_cutoff:
            old = index
    stabilized = min(max(current, floor), ceiling)
    able = READY if stabilized == proposal else UP_STABILIZED if proposal >= current else DOWN_STABILIZED
    replicas, reason = _rate_limited(history, now_ns, current, stabilized, low, high, up, down)
    return Outcome(
        replicas, stabilized, able, (replicas != stabilized, *reason), _record(history, proposal, now_ns, old)
    )


def _rate_limited(
    history: History, now_ns: int, current: int, desired: int, low: int, high: int, up: Rules, down: Rules
) -> tuple[int, tuple[str, str]]:
    if desired > current:
        limit = max(_up_limit(history, now_ns, current, up), current)
        ceiling, reason = (limit, UP_LIMIT) if high > limit else (high, TOO_MANY)
        if desired > ceiling:
            return ceiling, reason
    elif desired < current:
        limit = min(_down_limit(history, now_ns, current, down), current)
        floor, reason = (limit, DOWN_LIMIT) if low < limit else (low, TOO_FEW)
        if desired < floor:
            return floor, reason
    return desired, WITHIN


def _period_start(history: History, now_ns: int, current: int, period_seconds: int) -> int:
    """Replicas at the start of a policy period: undo the scale events younger than the period."""
    cutoff = now_ns - period_seconds * NS
    added = sum(event.change for event in history.up if event.time_ns > cutoff)
    removed = sum(event.change for event in history.down if event.time_ns > cutoff)
    return current - added + removed


def _up_limit(history: History, now_ns: int, current: int, rules: Rules) -> int:
    if rules.select == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        start = _period_start(history, now_ns, current, policy.period_seconds)
        proposals.append(start + policy.value if policy.type == "Pods" else math.ceil(start * (1 + policy.value / 100)))
    if rules.select == "Min":
        return min(proposals, default=MAX_INT32)  # without policies upstream's initial value stands
    return max(proposals, default=MIN_INT32)


def _down_limit(history: History, now_ns: int, current: int, rules: Rules) -> int:
    if rules.select == "Disabled":
        return current
    proposals = []
    for policy in rules.policies:
        start = _period_start(history, now_ns, current, policy.period_seconds)
        proposals.append(start - policy.value if policy.type == "Pods" else int(start * (1 - policy.value / 100)))
    if rules.select == "Min":
        return max(proposals, default=MIN_INT32)
    return min(proposals, default=MAX_INT32)


def record_scale(history: History, now_ns: int, previous: int, new: int, up: Rules, down: Rules) -> History:
    """After a rescale with `behavior`: keep the event, in place of the last one older than the longest period."""
    rising = new > previous
    rules, events = (up, history.up) if rising else (down, history.down)
    cutoff = now_ns - max((p.period_seconds for p in rules.policies), default=0) * NS
    stale = [index for index, event in enumerate(events) if event.time_ns < cutoff]
    event = ScaleEvent(abs(new - previous), now_ns)
    kept = list(events)
    if stale:
        kept[stale[-1]] = event
    else:
        kept.append(event)
    return replace(history, up=tuple(kept)) if rising else replace(history, down=tuple(kept))

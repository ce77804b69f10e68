"""One metric's replica proposal, by the Kubernetes HPA replica calculator's rules (hpa.md §1).

All arithmetic is on milli-values, as upstream's: integer utilization percent and raw average by floor division,
float ratios, `ceil` on the float product. Pods are grouped first (ignored, unready, missing, ready), the fast path
multiplies the ratio by the ready count, and the rebalance path fills missing and unready pods before recomputing.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

GO_ZERO_NS = -62135596800 * 10**9  # Go's zero time.Time, for absent timestamps
MAX_INT32 = 2**31 - 1  # replica counts are int32 upstream: a proposal saturates there
MissingValue = Callable[[str], int | None]  # what a pod without metrics is assumed to use, if anything
Recompute = Callable[[dict[str, int]], float]  # the usage ratio over filled-in values


class MetricError(Exception):
    """The metric yields no proposal; the message is upstream's error text."""


@dataclass(frozen=True)
class Sample:
    """One pod's usage of one resource, in milli-units, with the time and window it was measured over."""

    value: int
    timestamp_ns: int
    window_ns: int


@dataclass(frozen=True)
class PodFacts:
    """What grouping needs to know about one pod; times in ns since the epoch, None when absent."""

    name: str
    deleted: bool
    phase: str
    start_ns: int | None
    ready: str | None  # status of the Ready condition, None without one
    ready_since_ns: int  # its lastTransitionTime (Go's zero time when absent)


@dataclass(frozen=True)
class Settings:
    """Controller settings that shape one calculation."""

    now_ns: int
    tolerance_down: float
    tolerance_up: float
    cpu_initialization_ns: int
    readiness_delay_ns: int

    def within(self, ratio: float) -> bool:
        """Whether a usage ratio is close enough to 1 to leave the replicas alone."""
        return (1.0 - self.tolerance_down) <= ratio <= (1.0 + self.tolerance_up)


@dataclass(frozen=True)
class Groups:
    """Pods by how they count: ready pods produce the ratio, the others are filled in or left out."""

    ready: int
    unready: frozenset[str]
    missing: frozenset[str]
    ignored: frozenset[str]


@dataclass(frozen=True)
class Proposal:
    """A metric's proposal and how it was reached."""

    replicas: int
    average: int  # raw average usage per counted pod, milli-units
    utilization: int | None  # integer percent of request, Utilization targets only
    ratio: float
    groups: Groups
    rebalanced_ratio: float | None  # after filling missing/unready pods, when that path ran
    reason: str  # which rule decided, for the explanation


def group(pods: list[PodFacts], samples: Mapping[str, Sample], cpu: bool, settings: Settings) -> Groups:
    """Ignored (deleted, or finished), unready (Pending; for CPU also not yet trustworthy), missing, ready."""
    ready, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        if pod.deleted or pod.phase in ("Failed", "Succeeded"):
            ignored.add(pod.name)
        elif pod.phase == "Pending":
            unready.add(pod.name)
        elif pod.name not in samples:
            missing.add(pod.name)
        elif cpu and _unready_for_cpu(pod, samples[pod.name], settings):
            unready.add(pod.name)
        else:
            ready += 1
    return Groups(ready, frozenset(unready), frozenset(missing), frozenset(ignored))


def _unready_for_cpu(pod: PodFacts, sample: Sample, settings: Settings) -> bool:
    """CPU samples of pods still starting are not trusted: upstream's initialization period and readiness delay."""
    if pod.ready is None or pod.start_ns is None:
        return True
    if pod.start_ns + settings.cpu_initialization_ns > settings.now_ns:
        return pod.ready == "False" or sample.timestamp_ns < pod.ready_since_ns + sample.window_ns
    return pod.ready == "False" and pod.start_ns + settings.readiness_delay_ns > pod.ready_since_ns


def _utilization(values: Mapping[str, int], requests: Mapping[str, int], target: int) -> tuple[float, int, int]:
    """(ratio, utilization %, raw average) over the pods that have a request."""
    total = requested = counted = 0
    for pod, value in values.items():
        if pod in requests:
            total, requested, counted = total + value, requested + requests[pod], counted + 1
    if requested == 0:
        raise MetricError("no metrics returned matched known pods")
    if target <= 0:
        raise MetricError(f"the target utilization must be above 0, got {target}")
    utilization = total * 100 // requested
    return utilization / target, utilization, total // counted


def _average(values: Mapping[str, int], target: int) -> tuple[float, int]:
    """(ratio, average) of plain values."""
    if target <= 0:
        raise MetricError(f"the target average value must be above 0, got {target}m")
    average = sum(values.values()) // len(values)
    return average / target, average


def _counted(samples: Mapping[str, Sample], groups: Groups) -> dict[str, int]:
    values = {name: s.value for name, s in samples.items() if name not in groups.ignored and name not in groups.unready}
    if not values:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    return values


def utilization_replicas(
    current: int,
    target: int,
    samples: Mapping[str, Sample],
    pods: list[PodFacts],
    read_requests: Callable[[], Mapping[str, int]],
    cpu: bool,
    settings: Settings,
) -> Proposal:
    """Replicas for a Utilization target (percent of request); requests are read once metrics are known good."""
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    groups = group(pods, samples, cpu, settings)
    values = _counted(samples, groups)
    requests = read_requests()
    ratio, utilization, average = _utilization(values, requests, target)
    fill = max(100, target)

    def missing_value(pod: str) -> int | None:
        return requests.get(pod, 0) * fill // 100 if ratio < 1.0 else 0 if ratio > 1.0 else None

    def recompute(filled: dict[str, int]) -> float:
        return _utilization(filled, requests, target)[0]

    return _decide(current, ratio, average, utilization, groups, values, settings, missing_value, recompute)


def average_value_replicas(
    current: int, target: int, samples: Mapping[str, Sample], pods: list[PodFacts], cpu: bool, settings: Settings
) -> Proposal:
    """Replicas for an AverageValue target (milli-units per pod)."""
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    groups = group(pods, samples, cpu, settings)
    values = _counted(samples, groups)
    ratio, average = _average(values, target)

    def missing_value(pod: str) -> int | None:
        return target if ratio < 1.0 else 0 if ratio > 1.0 else None

    def recompute(filled: dict[str, int]) -> float:
        return _average(filled, target)[0]

    return _decide(current, ratio, average, None, groups, values, settings, missing_value, recompute)


def _decide(
    current: int,
    ratio: float,
    average: int,
    utilization: int | None,
    groups: Groups,
    values: dict[str, int],
    settings: Settings,
    missing_value: MissingValue,
    recompute: Recompute,
) -> Proposal:
    """The fast path when nothing needs filling in, else the rebalance path (hpa.md §1.5, §1.6)."""
    up_with_unready = bool(groups.unready) and ratio > 1.0

    def proposal(replicas: int, rebalanced: float | None, reason: str) -> Proposal:
        return Proposal(replicas, average, utilization, ratio, groups, rebalanced, reason)

    if not up_with_unready and not groups.missing:
        if settings.within(ratio):
            return proposal(current, None, "within tolerance")
        return proposal(min(math.ceil(ratio * groups.ready), MAX_INT32), None, "ratio × ready pods")
    filled = dict(values)
    for pod in groups.missing:
        if (value := missing_value(pod)) is not None:
            filled[pod] = value
    if up_with_unready:
        filled.update(dict.fromkeys(groups.unready, 0))
    rebalanced = recompute(filled)
    if settings.within(rebalanced) or (ratio < 1.0 < rebalanced) or (ratio > 1.0 > rebalanced):
        return proposal(current, rebalanced, "within tolerance after filling in missing and unready pods")
    replicas = min(math.ceil(rebalanced * len(filled)), MAX_INT32)
    if (rebalanced < 1.0 and replicas > current) or (rebalanced > 1.0 and replicas < current):
        return proposal(current, rebalanced, "a rebalanced proposal against the direction of the change")
    return proposal(replicas, rebalanced, "rebalanced ratio × pods")

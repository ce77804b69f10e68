"""The decision journal: every HPA evaluation from DECISIONS, kept for the retention, told in plain words."""

from collections import deque
from dataclasses import dataclass

from services import events

MAX_PER_HPA = 2_000  # a bound even when evaluations come faster than one per resolution
RESOURCE_NAMES = {"cpu": "CPU", "memory": "Memory"}
LIMITS = {
    "TooManyReplicas": "capped at the maximum of {max} replicas",
    "TooFewReplicas": "raised to the minimum of {min} replicas",
    "ScaleUpLimit": "the scale-up policies allowed at most {desired} replicas for now",
    "ScaleDownLimit": "the scale-down policies allowed no fewer than {desired} replicas for now",
}
STABILIZED = {
    "ScaleUpStabilized": "the scale-up stabilization window held it at {stabilized}",
    "ScaleDownStabilized": "the scale-down stabilization window held it at {stabilized} "
    "(the highest recommendation of the window)",
}


@dataclass(frozen=True)
class Told:
    """One evaluation in words: what went in, what it proposed, which limits applied, what came out."""

    at_ns: int
    hpa: str
    result: str
    inputs: tuple[str, ...]
    proposal: str
    limits: tuple[str, ...]
    current: int
    desired: int
    scaled: bool


def _metric(metric: events.MetricEvaluated) -> str:
    name = RESOURCE_NAMES.get(metric.resource, metric.resource or metric.type)
    if metric.error:
        return f"{name}: no usable metric ({metric.error})"
    ready = sum(1 for pod in metric.pods if pod.group == "ready")
    if metric.utilization_percent is not None:
        level = f"{metric.utilization_percent}% of requests on average"
    elif metric.average_milli is not None:
        level = f"{_amount(metric.average_milli, metric.resource)} per pod on average"
    else:
        level = "no level"
    wants = f"{metric.proposal} replicas" if metric.proposal is not None else "no proposal"
    return f"{name}: {level} over {ready} ready pods, target {metric.target} → {wants}"


def _amount(milli: int, resource: str) -> str:
    if resource == "memory":
        return f"{milli / 1000 / 2**20:.0f}Mi"
    return f"{milli}m"


def tell(decision: events.ReplicasRecommended) -> Told:
    """One decision in plain words."""
    d = decision
    proposal = (
        f"Raw proposal: {d.proposal} replicas (the largest of the metrics)."
        if d.proposal is not None
        else ("No proposal: no metric could be computed.")
    )
    limits = []
    if d.proposal is not None and d.stabilized is not None and d.stabilized != d.proposal and d.able in STABILIZED:
        limits.append(STABILIZED[d.able].format(stabilized=d.stabilized).capitalize() + ".")
    if d.limited in LIMITS and d.desired_replicas != d.stabilized:
        text = LIMITS[d.limited].format(max=d.max_replicas, min=d.min_replicas, desired=d.desired_replicas)
        limits.append(text[0].upper() + text[1:] + ".")
    if d.scaled:
        result = f"Scaled from {d.current_replicas} to {d.desired_replicas} replicas: {d.reason or 'policy'}."
    else:
        result = f"Kept {d.current_replicas} replicas."
    return Told(
        d.evaluated_at_ns,
        d.hpa,
        result,
        tuple(_metric(m) for m in d.metrics),
        proposal,
        tuple(limits) or ("No limit applied.",),
        d.current_replicas,
        d.desired_replicas,
        d.scaled,
    )


class Journal:
    """Decisions per HPA, oldest first; `apply` is the only writer."""

    def __init__(self, retention_ns: int) -> None:
        self.retention_ns = retention_ns
        self.decisions: dict[tuple[str, str], deque[events.ReplicasRecommended]] = {}

    def apply(self, decision: events.ReplicasRecommended) -> None:
        """Add one evaluation; a replayed duplicate or an older one is ignored; older than the retention go."""
        kept = self.decisions.setdefault((decision.namespace, decision.hpa), deque(maxlen=MAX_PER_HPA))
        if kept and decision.evaluated_at_ns <= kept[-1].evaluated_at_ns:
            return
        kept.append(decision)
        while kept and kept[0].evaluated_at_ns < decision.evaluated_at_ns - self.retention_ns:
            kept.popleft()

    def of_target(self, namespace: str, kind: str, name: str) -> list[events.ReplicasRecommended]:
        """Every kept decision of the HPAs that scale this workload, oldest first."""
        found = [
            d
            for (ns, _), kept in self.decisions.items()
            if ns == namespace
            for d in kept
            if d.target_kind == kind and d.target_name == name
        ]
        return sorted(found, key=lambda d: d.evaluated_at_ns)

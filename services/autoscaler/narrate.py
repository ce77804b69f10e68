"""The plain-language explanation of a reconcile: one sentence per step, with the numbers that decided it."""

from services.autoscaler import metrics, normalize, objects
from services.lib import quantity


def target(spec: objects.HPASpec, current: int, low: int) -> str:
    ref = spec.scale_target_ref
    return f"{ref.kind}/{ref.name} has {current} replicas; this HPA keeps it between {low} and {spec.max_replicas}."


def _milli(value: int, resource: str) -> str:
    return quantity.format_milli(value, binary=resource == "memory")


def metric(result: metrics.Evaluated | metrics.Failed) -> str:
    """What one metric proposed, from which pods and numbers."""
    if isinstance(result, metrics.Failed):
        return f"A metric failed ({result.reason}): {result.event_message}."
    p, g = result.proposal, result.proposal.groups
    resource = result.name.split(" ", 1)[0]
    pods = (
        f"{g.ready} ready, {len(g.unready)} not yet ready, {len(g.missing)} without metrics, {len(g.ignored)} ignored"
    )
    if p.utilization is not None:
        level = f"{p.utilization}% of requests on average ({_milli(p.average, resource)} per pod)"
    else:
        level = f"{_milli(p.average, resource)} per pod on average"
    ratio = f"usage ratio {p.ratio:.3f}"
    if p.rebalanced_ratio is not None:
        ratio += f", {p.rebalanced_ratio:.3f} after filling in pods without usable metrics"
    return f"{result.name}: {pods} pods; {level}; {ratio} → {p.replicas} replicas ({p.reason})."


def normalization(proposal: int, current: int, outcome: normalize.Outcome, has_behavior: bool) -> str:
    """How stabilization and limits turned the proposal into the replicas to set."""
    path = "behavior" if has_behavior else "the default rules (no behavior)"
    steps = [f"Largest proposal: {proposal}."]
    if outcome.stabilized != proposal:
        steps.append(f"Stabilization under {path} holds it at {outcome.stabilized} ({outcome.able[1]}).")
    if outcome.replicas != outcome.stabilized:
        steps.append(f"Limited to {outcome.replicas}: {outcome.limited[2]}.")
    return " ".join(steps)


def result(current: int, desired: int, reason: str) -> str:
    if desired == current:
        return f"Result: stay at {current} replicas."
    return f"Result: scale from {current} to {desired} replicas ({reason})."

"""A reconcile's Decision as the ReplicasRecommended event the autoscaler publishes for every evaluation."""

from services import events
from services.autoscaler import metrics, objects
from services.autoscaler.reconcile import Decision


def _target(spec: objects.MetricSpec) -> tuple[str, str, str]:
    """(resource, container, target text) of a metric spec."""
    source = spec.resource or spec.container_resource
    if source is None:
        return "", "", ""
    container = spec.container_resource.container if spec.container_resource else ""
    target = source.target
    text = f"{target.average_utilization}%" if target.average_value is None else target.average_value
    return source.name, container, text


def _pods(result: metrics.Evaluated) -> tuple[events.PodConsidered, ...]:
    groups = result.proposal.groups
    names = sorted(set(result.samples) | groups.unready | groups.missing | groups.ignored)

    def group(name: str) -> str:
        for label, members in (("ignored", groups.ignored), ("unready", groups.unready), ("missing", groups.missing)):
            if name in members:
                return label
        return "ready"

    return tuple(
        events.PodConsidered(name=name, group=group(name), usage_milli=result.samples.get(name, -1),
                             request_milli=result.requests.get(name, -1))
        for name in names
    )  # fmt: skip


def metric(spec: objects.MetricSpec, result: metrics.Evaluated | metrics.Failed) -> events.MetricEvaluated:
    """One metric's inputs and outcome."""
    resource, container, target = _target(spec)
    if isinstance(result, metrics.Failed):
        return events.MetricEvaluated(type=spec.type, resource=resource, container=container, target=target,
                                      error=result.condition_message)  # fmt: skip
    p = result.proposal
    return events.MetricEvaluated(
        type=spec.type, resource=resource, container=container, target=target, proposal=p.replicas,
        utilization_percent=p.utilization, average_milli=p.average, ratio=p.ratio, rebalanced_ratio=p.rebalanced_ratio,
        rule=p.reason, pods=_pods(result),
    )  # fmt: skip


def decision_event(
    hpa: objects.HPA, specs: list[objects.MetricSpec], decision: Decision, now_ns: int, mode: str, trigger: str
) -> events.ReplicasRecommended:
    """The event for one evaluation."""
    conditions = tuple(
        events.ConditionSet(type=c.type, status=c.status, reason=c.reason, message=c.message)
        for c in decision.status.conditions or []
    )  # fmt: skip
    reasons = {c.type: c.reason for c in conditions}
    spec, rescale = hpa.spec, next((e.message for e in decision.events if e.reason == "SuccessfulRescale"), "")
    return events.ReplicasRecommended(
        namespace=hpa.metadata.namespace, hpa=hpa.metadata.name, evaluated_at_ns=now_ns, mode=mode, trigger=trigger,
        target_kind=spec.scale_target_ref.kind, target_name=spec.scale_target_ref.name,
        current_replicas=decision.current, min_replicas=spec.min_replicas if spec.min_replicas is not None else 1,
        max_replicas=spec.max_replicas, proposal=decision.proposal, stabilized=decision.stabilized,
        desired_replicas=decision.desired, scaled=decision.scaled, reason=rescale.partition("reason: ")[2],
        able=reasons.get("AbleToScale", ""), limited=reasons.get("ScalingLimited", ""), conditions=conditions,
        metrics=tuple(metric(s, r) for s, r in zip(specs, decision.results, strict=False)),
        explanation=decision.explanation,
    )  # fmt: skip

"""One metric of one HPA: from Kubernetes objects to a proposal and a MetricStatus, or upstream's error and reason.

Resource and ContainerResource metrics of any resource are computed from pod metrics and requests; Pods, Object
and External metrics need the custom or external metrics APIs, which we do not serve, so they fail as upstream's
would without them. Error texts and condition reasons are upstream's, including how they nest.
"""

from dataclasses import dataclass
from typing import Any

from services.autoscaler import calculate, objects
from services.lib import quantity, timefmt

CUSTOM = {"Pods": "FailedGetPodsMetric", "Object": "FailedGetObjectMetric", "External": "FailedGetExternalMetric"}


@dataclass(frozen=True)
class Evaluated:
    """A metric that produced a proposal."""

    replicas: int
    name: str  # upstream's metric description, e.g. "cpu resource utilization (percentage of request)"
    status: dict[str, Any]
    proposal: calculate.Proposal
    samples: dict[str, int]  # pod -> usage milli-value, as read
    requests: dict[str, int]


@dataclass(frozen=True)
class Failed:
    """A metric that did not: upstream's condition reason and message, event text, and returned error."""

    reason: str
    condition_message: str
    event_message: str
    error: str


def facts(pod: objects.Pod) -> calculate.PodFacts:
    """What grouping needs from a pod."""
    ready = next((c for c in pod.status.conditions if c.type == "Ready"), None)
    return calculate.PodFacts(
        name=pod.metadata.name,
        deleted=pod.metadata.deletion_timestamp is not None,
        phase=pod.status.phase,
        start_ns=_time(pod.status.start_time) if pod.status.start_time else None,
        ready=ready.status if ready else None,
        ready_since_ns=_time(ready.last_transition_time if ready else None),
    )


def _time(text: str | None) -> int:
    return timefmt.parse_rfc3339(text) if text else calculate.GO_ZERO_NS


def evaluate(
    spec: objects.MetricSpec,
    current: int,
    pods: list[objects.Pod],
    items: list[objects.PodMetrics],
    settings: calculate.Settings,
) -> Evaluated | Failed:
    """The proposal of one metric spec, or why there is none."""
    if spec.type == "Resource" and spec.resource is not None:
        return _resource(spec.resource.name, "", spec.resource.target, current, pods, items, settings)
    if spec.type == "ContainerResource" and spec.container_resource is not None:
        source = spec.container_resource
        return _resource(source.name, source.container, source.target, current, pods, items, settings)
    if spec.type in CUSTOM:
        api = "external" if spec.type == "External" else "custom"
        inner = f"unable to fetch metrics from {api} metrics API: the {api} metrics API is not served by Flowmeter"
        generic = f"unable to get {'external ' if api == 'external' else ''}metric {_metric_name(spec)}: {inner}"
        return _failed(CUSTOM[spec.type], generic, f"failed to get {spec.type.lower()} metric value: {generic}")
    generic = f'unknown metric source type "{spec.type}"'
    return _failed("InvalidMetricSourceType", generic, generic)


def _metric_name(spec: objects.MetricSpec) -> str:
    source = spec.pods or spec.object_ or spec.external or {}
    metric = source.get("metric", {})
    return str(metric.get("name", "")) if isinstance(metric, dict) else ""


def _failed(reason: str, generic: str, error: str) -> Failed:
    return Failed(reason, f"the HPA was unable to compute the replica count: {generic}", generic, error)


INVALID_TARGET = (
    "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set"
)


def _resource(
    resource: str,
    container: str,
    target: objects.MetricTarget,
    current: int,
    pods: list[objects.Pod],
    items: list[objects.PodMetrics],
    settings: calculate.Settings,
) -> Evaluated | Failed:
    reason = "FailedGetContainerResourceMetric" if container else "FailedGetResourceMetric"
    what = f"{container} container" if container else f"{resource} resource"
    if target.average_value is None and target.average_utilization is None:
        return _failed(reason, INVALID_TARGET, f"failed to get {what} metric value: {INVALID_TARGET}")
    kind = "usage" if target.average_value is not None else "utilization"
    try:
        return _compute(resource, container, target, current, pods, items, settings)
    except calculate.MetricError as error:
        generic = f"failed to get {resource} {kind}: {error}"
        return _failed(reason, generic, f"failed to get {what} metric value: {generic}")


def _compute(
    resource: str,
    container: str,
    target: objects.MetricTarget,
    current: int,
    pods: list[objects.Pod],
    items: list[objects.PodMetrics],
    settings: calculate.Settings,
) -> Evaluated:
    samples = _samples(resource, container, items)
    pod_facts = [facts(pod) for pod in pods]
    cpu, binary = resource == "cpu", resource == "memory"
    values = {name: s.value for name, s in samples.items()}
    source_type = "ContainerResource" if container else "Resource"
    if target.average_value is not None:
        goal = quantity.to_milli(target.average_value)
        result = calculate.average_value_replicas(current, goal, samples, pod_facts, cpu, settings)
        current_value: dict[str, Any] = {"averageValue": quantity.format_milli(result.average, binary)}
        status = _status(source_type, resource, container, current_value)
        return Evaluated(result.replicas, f"{resource} resource", status, result, values, {})
    requests: dict[str, int] = {}

    def read_requests() -> dict[str, int]:
        requests.update(_requests(pods, resource, container))
        return requests

    percent = target.average_utilization or 0
    result = calculate.utilization_replicas(current, percent, samples, pod_facts, read_requests, cpu, settings)
    current_value = {
        "averageValue": quantity.format_milli(result.average, binary),
        "averageUtilization": result.utilization,
    }
    name = f"{resource} {'container ' if container else ''}resource utilization (percentage of request)"
    return Evaluated(
        result.replicas, name, _status(source_type, resource, container, current_value), result, values, requests
    )


def _status(source_type: str, resource: str, container: str, current: dict[str, Any]) -> dict[str, Any]:
    if source_type == "ContainerResource":
        return {
            "type": source_type,
            "containerResource": {"name": resource, "container": container, "current": current},
        }
    return {"type": source_type, "resource": {"name": resource, "current": current}}


def _samples(resource: str, container: str, items: list[objects.PodMetrics]) -> dict[str, calculate.Sample]:
    """Per-pod usage as upstream's resource metrics client reads it (sum of containers, or the named one)."""
    if not items:
        raise calculate.MetricError(
            f"unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        )
    samples = {}
    for item in items:
        stamp, window = _time(item.timestamp), timefmt.parse_duration(item.window or "0s")
        value = _container_value(item, resource, container) if container else _pod_value(item, resource)
        if value is not None:
            samples[item.metadata.name] = calculate.Sample(value, stamp, window)
    return samples


def _pod_value(item: objects.PodMetrics, resource: str) -> int | None:
    if not item.containers or any(resource not in c.usage for c in item.containers):
        return None
    return sum(quantity.to_milli(c.usage[resource]) for c in item.containers)


def _container_value(item: objects.PodMetrics, resource: str, container: str) -> int | None:
    for c in item.containers:
        if c.name == container:
            return quantity.to_milli(c.usage[resource]) if resource in c.usage else None
    where = f"{item.metadata.namespace}/{item.metadata.name}"
    raise calculate.MetricError(
        f"unable to get metrics for resource {resource}: failed to get container metrics: "
        f"container {container} not present in metrics for pod {where}"
    )


def _requests(pods: list[objects.Pod], resource: str, container: str) -> dict[str, int]:
    """Each pod's request: pod-level if set (and no container named), else its containers' and sidecars'."""
    requests = {}
    for pod in pods:
        level = pod.spec.resources.requests if pod.spec.resources else {}
        if level and not container:
            if resource not in level:
                raise calculate.MetricError(f"missing pod-level request for {resource} in Pod {pod.metadata.name}")
            requests[pod.metadata.name] = quantity.to_milli(level[resource])
            continue
        requests[pod.metadata.name] = _container_requests(pod, resource, container)
    return requests


def _container_requests(pod: objects.Pod, resource: str, container: str) -> int:
    sidecars = [c for c in pod.spec.init_containers if c.restart_policy == "Always"]
    total = 0
    for c in [*pod.spec.containers, *sidecars]:
        if container in ("", c.name):
            if resource not in c.resources.requests:
                raise calculate.MetricError(
                    f"missing request for {resource} in container {c.name} of Pod {pod.metadata.name}"
                )
            total += quantity.to_milli(c.resources.requests[resource])
        if container == c.name:
            return total
    if container:
        raise calculate.MetricError(f"container {container} not found in Pod {pod.metadata.name}")
    return total

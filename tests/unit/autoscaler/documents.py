"""Builders of `flowmeter explain` documents: an HPA, its target's scale, pods and pod metrics, seen at a fixed `now`.

Times are given in seconds relative to `now` (negative = in the past). A default pod is Running and Ready since long
ago, with one container `app`; a default sample was taken 10 s ago over a 1 minute window, so every CPU readiness
rule counts it.
"""

import json
from typing import Any

from services.autoscaler import explain
from services.lib import timefmt

Json = dict[str, Any]
NOW = "2025-08-04T12:00:00Z"
NOW_NS = timefmt.parse_rfc3339(NOW)
NS = 1_000_000_000


def at(seconds: float) -> str:
    """The RFC 3339 time `seconds` from now."""
    return timefmt.rfc3339_precise(NOW_NS + round(seconds * NS))


def container(name: str = "app", *, cpu: str | None = None, memory: str | None = None, sidecar: bool = False) -> Json:
    """A container requesting `cpu` and `memory` when given; `sidecar` makes it a native sidecar (an init container
    with restartPolicy Always)."""
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    spec: Json = {"name": name, "resources": {"requests": requests}}
    return spec | ({"restartPolicy": "Always"} if sidecar else {})


def pod(
    name: str,
    cpu: str | None = "1",
    memory: str | None = None,
    *,
    phase: str = "Running",
    ready: str | None = "True",
    started: float | None = -3600,
    ready_since: float | None = -3540,
    deleted: bool = False,
    containers: list[Json] | None = None,
    init_containers: list[Json] | None = None,
    pod_requests: dict[str, str] | None = None,
) -> Json:
    """A pod of the target; by default one container `app` requesting `cpu` (and `memory` when given)."""
    specs = containers if containers is not None else [container("app", cpu=cpu, memory=memory)]
    spec: Json = {"containers": specs, "initContainers": init_containers or []}
    if pod_requests is not None:
        spec["resources"] = {"requests": pod_requests}
    status: Json = {"phase": phase, "conditions": []}
    if started is not None:
        status["startTime"] = at(started)
    if ready is not None:
        condition = {"type": "Ready", "status": ready}
        status["conditions"] = [
            condition | ({"lastTransitionTime": at(ready_since)} if ready_since is not None else {})
        ]
    meta: Json = {"name": name, "namespace": "default", "labels": {"app": "web"}}
    if deleted:
        meta["deletionTimestamp"] = at(-1)
    return {"metadata": meta, "spec": spec, "status": status}


def usage(
    name: str,
    cpu: str | None = None,
    memory: str | None = None,
    *,
    taken: float = -10,
    window: str = "1m0s",
    containers: list[Json] | None = None,
) -> Json:
    """A PodMetrics item: container `app` using `cpu` and/or `memory`, or the given `containers` usages."""
    used = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {
        "metadata": {"name": name, "namespace": "default"},
        "timestamp": at(taken),
        "window": window,
        "containers": containers if containers is not None else [{"name": "app", "usage": used}],
    }


def fleet(cpu_milli: list[int | None], request: str = "1000m") -> tuple[list[Json], list[Json]]:
    """Pods web-1…web-n requesting `request` CPU each, using the given millicores (None: no sample)."""
    pods = [pod(f"web-{i}", request) for i in range(1, len(cpu_milli) + 1)]
    usages = [usage(f"web-{i}", f"{m}m") for i, m in enumerate(cpu_milli, 1) if m is not None]
    return pods, usages


def resource(name: str, utilization: int | None = None, value: str | None = None) -> Json:
    """A Resource metric with a Utilization (percent) or AverageValue (quantity) target."""
    target: Json = (
        {"type": "Utilization", "averageUtilization": utilization}
        if value is None
        else {"type": "AverageValue", "averageValue": value}
    )
    return {"type": "Resource", "resource": {"name": name, "target": target}}


def cpu(utilization: int) -> Json:
    return resource("cpu", utilization)


def memory(utilization: int) -> Json:
    return resource("memory", utilization)


def container_resource(name: str, container_name: str, utilization: int) -> Json:
    target = {"type": "Utilization", "averageUtilization": utilization}
    return {
        "type": "ContainerResource",
        "containerResource": {"name": name, "container": container_name, "target": target},
    }


def hpa(
    *metrics: Json,
    min_replicas: int | None = 1,
    max_replicas: int = 10,
    behavior: Json | None = None,
    status: Json | None = None,
) -> Json:
    """An autoscaling/v2 HPA of Deployment/web with the given metrics (CPU at 50 % when none are given)."""
    spec: Json = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "maxReplicas": max_replicas,
        "metrics": list(metrics) or [cpu(50)],
    }
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    if behavior is not None:
        spec["behavior"] = behavior
    return {"metadata": {"name": "web", "namespace": "default"}, "spec": spec, "status": status or {}}


def document(
    autoscaler: Json,
    replicas: int,
    pods: list[Json],
    usages: list[Json],
    *,
    selector: str = "app=web",
    status_replicas: int | None = None,
    history: Json | None = None,
    config: Json | None = None,
    now: str = NOW,
) -> Json:
    """The explain input; `history` None leaves it out (an HPA never seen), {} is an empty history."""
    doc: Json = {
        "now": now,
        "hpa": autoscaler,
        "scale": {
            "spec": {"replicas": replicas},
            "status": {"replicas": replicas if status_replicas is None else status_replicas, "selector": selector},
        },
        "pods": {"items": pods},
        "podMetrics": {"items": usages},
    }
    if history is not None:
        doc["history"] = history
    if config is not None:
        doc["config"] = config
    return doc


def history(
    *recommendations: tuple[int, float],
    up: tuple[tuple[int, float], ...] = (),
    down: tuple[tuple[int, float], ...] = (),
) -> Json:
    """A history: (replicas, seconds from now) recommendations and (replicaChange, seconds from now) scale events."""

    def events(items: tuple[tuple[int, float], ...]) -> list[Json]:
        return [{"replicaChange": n, "time": at(t)} for n, t in items]

    return {
        "recommendations": [{"replicas": n, "time": at(t)} for n, t in recommendations],
        "scaleUpEvents": events(up),
        "scaleDownEvents": events(down),
    }


def run(doc: Json) -> Json:
    """`flowmeter explain` on the document."""
    return explain.run(json.dumps(doc).encode())


def condition(answer: Json, kind: str) -> Json:
    """One condition of the answer's status, by type."""
    return next(c for c in answer["status"]["conditions"] if c["type"] == kind)


def reason(answer: Json, kind: str) -> tuple[str, str]:
    """(status, reason) of one condition."""
    found = condition(answer, kind)
    return found["status"], found["reason"]


def current(answer: Json, index: int = 0) -> Json:
    """The `current` value of one metric status."""
    status = answer["status"]["currentMetrics"][index]
    return dict(status.get("resource", status.get("containerResource", {}))["current"])


def events(answer: Json) -> list[str]:
    """The events upstream would record, as the explanation lists them."""
    return [line.removeprefix("Event ") for line in answer["explanation"] if line.startswith("Event ")]

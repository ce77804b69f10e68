"""What-if: replay a workload's recorded usage through the autoscaler's own reconcile (the code `flowmeter explain`
and the autoscaler service run) with proposed HPA settings, and return the replica curve it would have produced.

The workload's total usage at each point is spread evenly over the replicas the replay has at that moment (as a load
balancer spreads it), every replica is taken as ready with the template's requests, and a scale takes effect at the
next point.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from services.autoscaler import objects, reconcile
from services.console import hpaform
from services.lib import quantity, timefmt

NS = 1_000_000_000
LONG_AGO_NS = 3600 * NS  # replayed pods started this long before the first point: past every initialization period


@dataclass(frozen=True)
class Load:
    """The workload's total usage at one time."""

    at_ns: int
    cpu_milli: int
    memory_bytes: int


@dataclass(frozen=True)
class Requests:
    """What one replica requests, from the workload's pod template (0 when it requests nothing)."""

    cpu_milli: int
    memory_bytes: int


def _pod(index: int, started: str, requests: Requests) -> objects.Pod:
    asked = {}
    if requests.cpu_milli:
        asked["cpu"] = f"{requests.cpu_milli}m"
    if requests.memory_bytes:
        asked["memory"] = str(requests.memory_bytes)
    return objects.Pod(
        metadata=objects.Meta(name=f"replica-{index}", namespace="what-if", labels={"what-if": "yes"}),
        spec=objects.PodSpec(containers=[objects.Container(name="main", resources=objects.Resources(requests=asked))]),
        status=objects.PodStatus(
            phase="Running",
            start_time=started,
            conditions=[objects.PodCondition(type="Ready", status="True", last_transition_time=started)],
        ),
    )


def _metrics(pods: list[objects.Pod], load: Load, stamp: str) -> list[objects.PodMetrics]:
    count = len(pods)
    usage = {"cpu": f"{load.cpu_milli * 1_000_000 // count}n", "memory": str(load.memory_bytes // count)}
    return [
        objects.PodMetrics(
            metadata=objects.Meta(name=pod.metadata.name, namespace="what-if"),
            timestamp=stamp,
            window="15s",
            containers=[objects.ContainerMetrics(name="main", usage=usage)],
        )
        for pod in pods
    ]


def replay(form: hpaform.HpaForm, loads: Sequence[Load], start_replicas: int, requests: Requests) -> list[int]:
    """The replicas after each point of `loads` (oldest first) under the form's settings, from `start_replicas`."""
    if not loads:
        return []
    hpa = msgspec.convert(hpaform.build(form, "what-if"), objects.HPA)
    started = timefmt.rfc3339(loads[0].at_ns - LONG_AGO_NS)
    current, history, curve = max(start_replicas, 1), None, []
    for load in loads:
        pods = [_pod(i, started, requests) for i in range(current)]
        scale = objects.Scale(
            spec=objects.ScaleSpec(replicas=current),
            status=objects.ScaleStatus(replicas=current, selector="what-if=yes"),
        )
        decision = reconcile.reconcile(
            load.at_ns, hpa, scale, pods, _metrics(pods, load, timefmt.rfc3339(load.at_ns)), history
        )
        hpa = msgspec.structs.replace(hpa, status=decision.status)
        history, current = decision.history, decision.desired if decision.scaled else current
        curve.append(current)
    return curve


def template_requests(workload: Any) -> Requests:
    """The summed requests of a Deployment's or StatefulSet's pod template containers."""
    containers = workload.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    cpu = memory = 0
    for container in containers:
        asked = container.get("resources", {}).get("requests", {})
        cpu += quantity.to_milli(asked["cpu"]) if "cpu" in asked else 0
        memory += quantity.to_bytes(asked["memory"]) if "memory" in asked else 0
    return Requests(cpu, memory)

"""Do the workloads HPAs scale have the requests their Utilization targets divide by? Pure: objects in, findings out.

The HPA computes utilization as usage over the sum of the pods' requests, so a Resource metric with a Utilization
target needs that request on every container of the pod (a ContainerResource metric: on its container); without
it the HPA reports "missing request for cpu" and does nothing. AverageValue targets need no requests.
"""

import msgspec

from services.doctor.findings import Finding, ok, warn
from services.doctor.rules import HPA_REQUESTS
from services.lib import kubeobjects

ADD_REQUESTS = ("set resources.requests for these in the pod template, or use AverageValue targets; until then "
                "the HPA reports 'missing request' and does not scale")  # fmt: skip
SCALABLE = {"Deployment": "deployments", "StatefulSet": "statefulsets", "ReplicaSet": "replicasets"}


class MetricTarget(msgspec.Struct, kw_only=True):
    type: str = ""


class ResourceSource(msgspec.Struct, kw_only=True):
    name: str
    target: MetricTarget = msgspec.field(default_factory=MetricTarget)
    container: str = ""  # only for ContainerResource


class MetricSpec(msgspec.Struct, kw_only=True, rename="camel"):
    type: str
    resource: ResourceSource | None = None
    container_resource: ResourceSource | None = None


class ScaleTarget(msgspec.Struct, kw_only=True):
    kind: str
    name: str


class HPASpec(msgspec.Struct, kw_only=True, rename="camel"):
    scale_target_ref: ScaleTarget
    metrics: list[MetricSpec] = []


class HPA(kubeobjects.Object, kw_only=True):
    spec: HPASpec


class Resources(msgspec.Struct, kw_only=True):
    requests: dict[str, str] = {}


class Container(msgspec.Struct, kw_only=True):
    name: str
    resources: Resources = msgspec.field(default_factory=Resources)


class PodSpec(msgspec.Struct, kw_only=True):
    containers: list[Container] = []


class Template(msgspec.Struct, kw_only=True):
    spec: PodSpec = msgspec.field(default_factory=PodSpec)


class WorkloadSpec(msgspec.Struct, kw_only=True):
    template: Template = msgspec.field(default_factory=Template)


class Workload(kubeobjects.Object, kw_only=True):
    spec: WorkloadSpec = msgspec.field(default_factory=WorkloadSpec)


DEFAULT_METRICS = [
    MetricSpec(type="Resource", resource=ResourceSource(name="cpu", target=MetricTarget(type="Utilization")))
]


def needed(hpa: HPA) -> list[tuple[str, str]]:
    """(resource, container or '' for all) whose request a Utilization target of this HPA divides by."""
    result = []
    for metric in hpa.spec.metrics or DEFAULT_METRICS:  # no metrics: the HPA defaults to 80 % CPU utilization
        source = metric.resource if metric.type == "Resource" else metric.container_resource
        if source is not None and source.target.type == "Utilization":
            result.append((source.name, source.container))
    return result


def missing(hpa: HPA, workload: Workload) -> list[str]:
    """'<resource> in container <name>' for every request the HPA needs and the pod template lacks."""
    return [
        f"{resource} in container {c.name}"
        for resource, only in needed(hpa)
        for c in workload.spec.template.spec.containers
        if (not only or c.name == only) and resource not in c.resources.requests
    ]


def check(hpa: HPA, workload: Workload | None) -> Finding | None:
    """A finding for an HPA whose target is missing or lacks requests; None when all is well."""
    ref = hpa.spec.scale_target_ref
    where = f"HPA {hpa.metadata.key} -> {ref.kind} {ref.name}"
    if workload is None:
        return warn(
            HPA_REQUESTS, f"{where}: the target does not exist", "fix the HPA's scaleTargetRef or create the workload"
        )
    lacking = missing(hpa, workload)
    if not lacking:
        return None
    return warn(HPA_REQUESTS, f"{where}: no request for {', '.join(lacking)}", ADD_REQUESTS)


def summary(hpas: int, problems: int) -> Finding:
    """The line shown when every HPA was checked."""
    if hpas == 0:
        return ok(HPA_REQUESTS, "no HorizontalPodAutoscalers yet")
    counted = f"{hpas - problems} of {hpas} HPAs scale workloads with the requests they need"
    return ok(HPA_REQUESTS, counted) if not problems else warn(HPA_REQUESTS, counted, "see the HPAs above")

"""autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as kube's conversion (pkg/apis/autoscaling/v1).

v1 knows one metric, `spec.targetCPUUtilizationPercentage`, and reports `status.currentCPUUtilizationPercentage`.
Everything else rides along in annotations, so a v1 client's read-modify-write keeps it: other metric specs in
`autoscaling.alpha.kubernetes.io/metrics` and every current metric in `.../current-metrics` (both in v1's own
v2beta1-like shape: `targetAverageUtilization`, `metricName`, ...), the conditions in `.../conditions` and the
behavior in `.../behavior` (v2 shape). Reading v1 adds them; writing v1 turns them back into fields and drops them.
"""

from typing import Any

import msgspec

from sim.apiserver import errors, objects
from sim.apiserver.resources import Obj

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
ROUND_TRIP = (METRICS, CURRENT_METRICS, CONDITIONS, BEHAVIOR)
_SOURCES = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods", "Object": "object",
            "External": "external"}  # fmt: skip
_RESOURCE = (("name", "name"), ("targetAverageUtilization", "target.averageUtilization"),
             ("targetAverageValue", "target.averageValue"))  # fmt: skip
_SPEC_FIELDS = {  # type -> (v1 field, v2 path) pairs of the metric source
    "Resource": _RESOURCE,
    "ContainerResource": (*_RESOURCE, ("container", "container")),
    "Pods": (("metricName", "metric.name"), ("targetAverageValue", "target.averageValue"),
             ("selector", "metric.selector")),
    "Object": (("target", "describedObject"), ("metricName", "metric.name"), ("targetValue", "target.value"),
               ("selector", "metric.selector"), ("averageValue", "target.averageValue")),
    "External": (("metricName", "metric.name"), ("metricSelector", "metric.selector"),
                 ("targetValue", "target.value"), ("targetAverageValue", "target.averageValue")),
}  # fmt: skip
_CURRENT = (("name", "name"), ("currentAverageUtilization", "current.averageUtilization"),
            ("currentAverageValue", "current.averageValue"))  # fmt: skip
_STATUS_FIELDS = {
    "Resource": _CURRENT,
    "ContainerResource": (*_CURRENT, ("container", "container")),
    "Pods": (("metricName", "metric.name"), ("currentAverageValue", "current.averageValue"),
             ("selector", "metric.selector")),
    "Object": (("target", "describedObject"), ("metricName", "metric.name"), ("currentValue", "current.value"),
               ("selector", "metric.selector"), ("averageValue", "current.averageValue")),
    "External": (("metricName", "metric.name"), ("metricSelector", "metric.selector"),
                 ("currentValue", "current.value"), ("currentAverageValue", "current.averageValue")),
}  # fmt: skip
_CONDITION_FIELDS = ("type", "status", "lastTransitionTime", "reason", "message", "observedGeneration")
Table = dict[str, tuple[tuple[str, str], ...]]


def _put(obj: Obj, dotted: str, value: Any) -> None:
    """Set a dotted path in a dict being built."""
    *parents, last = dotted.split(".")
    for part in parents:
        obj = obj.setdefault(part, {})
    obj[last] = value


def _moved(source: Obj, pairs: tuple[tuple[str, str], ...], to_v2: bool) -> Obj:
    out: Obj = {}
    for v1, v2 in pairs:
        value = objects.path(source, v2 if not to_v2 else v1)
        if value is not None:
            _put(out, v1 if not to_v2 else v2, value)
    return out


def _metric(metric: Obj, table: Table, to_v2: bool) -> Obj:
    """One metric spec or status in the other version's shape."""
    kind = metric.get("type", "")
    key = _SOURCES.get(kind)
    if key is None or not isinstance(metric.get(key), dict):
        return {"type": kind}
    source = _moved(metric[key], table[kind], to_v2)
    if to_v2 and table is _SPEC_FIELDS:
        source["target"] = {"type": _target_type(kind, metric[key]), **source.get("target", {})}
    return {"type": kind, key: source}


def _target_type(kind: str, source: Obj) -> str:
    """The v2 target type a v1 metric source implies."""
    if kind in ("Resource", "ContainerResource"):
        return "Utilization" if source.get("targetAverageUtilization") is not None else "AverageValue"
    if kind == "Object":
        return "Value" if source.get("averageValue") is None else "AverageValue"
    if kind == "External":
        return "AverageValue" if source.get("targetValue") is None else "Value"
    return "AverageValue"


def _is_cpu(metric: Obj) -> bool:
    return metric.get("type") == "Resource" and objects.path(metric, "resource.name") == "cpu"


def _utilization(metric: Obj, path: str) -> Any:
    return objects.path(metric, f"resource.{path}") if _is_cpu(metric) else None


def _encode(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def to_v1(hpa: Obj) -> Obj:
    """The v1 form of a stored (v2) HPA."""
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    annotations = {k: v for k, v in (hpa["metadata"].get("annotations") or {}).items() if k not in ROUND_TRIP}
    annotations |= {key: _encode(value) for key, value in _round_trip(spec, status).items() if value}
    metadata = {k: v for k, v in hpa["metadata"].items() if k != "annotations"}
    return {"kind": hpa.get("kind", "HorizontalPodAutoscaler"), "apiVersion": "autoscaling/v1",
            "metadata": {**metadata, **({"annotations": annotations} if annotations else {})},
            "spec": _spec_to_v1(spec), "status": _status_to_v1(status)}  # fmt: skip


def _spec_to_v1(spec: Obj) -> Obj:
    v1_spec: Obj = {"scaleTargetRef": spec.get("scaleTargetRef") or {}}
    if spec.get("minReplicas") is not None:
        v1_spec["minReplicas"] = spec["minReplicas"]
    v1_spec["maxReplicas"] = spec.get("maxReplicas", 0)
    cpu = next((metric for metric in spec.get("metrics") or [] if _is_cpu(metric)), None)
    if cpu is not None and _utilization(cpu, "target.averageUtilization") is not None:
        v1_spec["targetCPUUtilizationPercentage"] = _utilization(cpu, "target.averageUtilization")
    return v1_spec


def _round_trip(spec: Obj, status: Obj) -> Obj:
    """What v1 cannot say, by annotation: metrics other than CPU utilization, all current metrics, and so on."""
    metrics = [_metric(metric, _SPEC_FIELDS, False) for metric in spec.get("metrics") or []
               if _utilization(metric, "target.averageUtilization") is None]  # fmt: skip
    current = [_metric(metric, _STATUS_FIELDS, False) for metric in status.get("currentMetrics") or []]
    conditions = [{key: c[key] for key in _CONDITION_FIELDS if key in c} for c in status.get("conditions") or []]
    return {METRICS: metrics, CURRENT_METRICS: current, CONDITIONS: conditions, BEHAVIOR: spec.get("behavior")}


def _status_to_v1(status: Obj) -> Obj:
    result = {key: status[key] for key in ("observedGeneration", "lastScaleTime") if status.get(key) is not None}
    result |= {"currentReplicas": status.get("currentReplicas", 0), "desiredReplicas": status.get("desiredReplicas", 0)}
    for metric in status.get("currentMetrics") or []:  # the last CPU utilization wins, as in kube's loop
        if _utilization(metric, "current.averageUtilization") is not None:
            result["currentCPUUtilizationPercentage"] = _utilization(metric, "current.averageUtilization")
    return result


def _load(annotations: Obj, key: str) -> Any:
    """A round-trip annotation's value, removed from the annotations; None when absent."""
    if key not in annotations:
        return None
    try:
        return msgspec.json.decode(annotations.pop(key))
    except msgspec.DecodeError as error:
        raise errors.bad_request(f"annotation {key} is not valid JSON: {error}") from None


def from_v1(hpa: Obj) -> Obj:
    """The v2 (storage) form of a v1 HPA sent by a client; defaults are applied later, as for v2."""
    metadata = dict(hpa.get("metadata") or {})
    annotations = dict(metadata.pop("annotations", None) or {})
    spec = _spec_from_v1(hpa.get("spec") or {}, annotations)
    status = _status_from_v1(hpa.get("status") or {}, annotations)
    return {**hpa, "apiVersion": "autoscaling/v2", "metadata": {**metadata, **({"annotations": annotations} if
            annotations else {})}, "spec": spec, "status": status}  # fmt: skip


def _spec_from_v1(spec: Obj, annotations: Obj) -> Obj:
    """The other metrics (from the annotation) first, then the CPU target, as kube orders them."""
    metrics = [_metric(metric, _SPEC_FIELDS, True) for metric in _load(annotations, METRICS) or []]
    if spec.get("targetCPUUtilizationPercentage") is not None:
        utilization = spec["targetCPUUtilizationPercentage"]
        metrics.append(_cpu("target", {"type": "Utilization", "averageUtilization": utilization}))
    v2_spec: Obj = {key: spec[key] for key in ("scaleTargetRef", "minReplicas", "maxReplicas") if key in spec}
    v2_spec |= {"metrics": metrics} if metrics else {}
    behavior = _load(annotations, BEHAVIOR)
    return v2_spec | ({"behavior": behavior} if behavior is not None else {})


def _status_from_v1(status: Obj, annotations: Obj) -> Obj:
    current = [_metric(metric, _STATUS_FIELDS, True) for metric in _load(annotations, CURRENT_METRICS) or []]
    if not current and status.get("currentCPUUtilizationPercentage") is not None:
        current = [_cpu("current", {"averageUtilization": status["currentCPUUtilizationPercentage"]})]
    keys = ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
    v2_status = {key: status[key] for key in keys if key in status} | ({"currentMetrics": current} if current else {})
    conditions = _load(annotations, CONDITIONS)
    return v2_status | ({"conditions": conditions} if conditions else {})


def _cpu(key: str, value: Obj) -> Obj:
    return {"type": "Resource", "resource": {"name": "cpu", key: value}}

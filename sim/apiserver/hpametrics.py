"""HorizontalPodAutoscaler metric specs validated as kube-apiserver does (pkg/apis/autoscaling/validation).

Utilization is valid only on Resource and ContainerResource metrics: a Pods, Object or External metric with a
Utilization target fails for its missing value, exactly as kube reports it. Only the first source present is
checked, and any other source is forbidden, as in validateMetricSpec.
"""

from collections.abc import Callable
from typing import Any

from services.lib import quantity
from sim.apiserver.errors import Cause, field_forbidden, field_invalid, field_not_supported, field_required
from sim.apiserver.resources import Obj

SOURCE_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")
_SOURCE_FIELDS = ("object", "external", "pods", "resource", "containerResource")  # the order kube checks them in
_TARGET_TYPES = ("Utilization", "Value", "AverageValue")
_POPULATE = "must populate information for the given metric source"
_RAW_OR_UTILIZATION = "must set either a target raw value or a target utilization"
_NOT_BOTH = "may not set both a target raw value and a target utilization"


def _segment(value: str, path: str) -> list[Cause]:
    """pathvalidation.IsValidPathSegmentName."""
    if value in (".", ".."):
        return [field_invalid(path, value, f"may not be '{value}'")]
    return [field_invalid(path, value, f"may not contain '{bad}'") for bad in ("/", "%") if bad in value]


def reference_causes(ref: Obj, path: str) -> list[Cause]:
    """A CrossVersionObjectReference: kind and name required and usable in a URL path."""
    causes: list[Cause] = []
    for key in ("kind", "name"):
        value = ref.get(key) or ""
        causes += _segment(value, f"{path}.{key}") if value else [field_required(f"{path}.{key}")]
    return causes


def metric_causes(metric: Obj, path: str) -> list[Cause]:
    """One MetricSpec: a known type, its source (only the first present is checked) and no other source."""
    kind = metric.get("type") or ""
    causes = [field_required(f"{path}.type", "must specify a metric source type")] if not kind else []
    if kind not in SOURCE_TYPES:
        causes.append(field_not_supported(f"{path}.type", kind, SOURCE_TYPES))
    present = [key for key in _SOURCE_FIELDS if metric.get(key) is not None]
    if present:
        causes += _SOURCES[present[0]](metric[present[0]], f"{path}.{present[0]}")
    expected = kind[:1].lower() + kind[1:]
    if kind in SOURCE_TYPES and metric.get(expected) is None:
        causes.append(field_required(f"{path}.{expected}", _POPULATE))
    elif kind not in SOURCE_TYPES:
        causes.append(field_not_supported(f"{path}.type", kind, SOURCE_TYPES))
    if len(present) != 1:
        causes += [field_forbidden(f"{path}.{key}", "must populate the given metric source only")
                   for key in sorted(present) if key != expected]  # fmt: skip
    return causes


def _positive(value: Any) -> bool:
    try:
        return quantity.parse(str(value)) > 0
    except quantity.QuantityError:
        return False


def target_causes(target: Obj, path: str) -> list[Cause]:
    """A MetricTarget: a known type, positive values and utilization."""
    kind = target.get("type") or ""
    causes = [field_required(f"{path}.type", "must specify a metric target type")] if not kind else []
    if kind not in _TARGET_TYPES:
        causes.append(field_invalid(f"{path}.type", kind, "must be either Utilization, Value, or AverageValue"))
    for key in ("value", "averageValue"):
        if target.get(key) is not None and not _positive(target[key]):
            causes.append(field_invalid(f"{path}.{key}", target[key], "must be positive"))
    utilization = target.get("averageUtilization")
    if utilization is not None and utilization < 1:
        causes.append(field_invalid(f"{path}.averageUtilization", utilization, "must be greater than 0"))
    return causes


def _identifier(metric: Obj, path: str) -> list[Cause]:
    name = metric.get("name") or ""
    return _segment(name, f"{path}.name") if name else [field_required(f"{path}.name", "must specify a metric name")]


def _resource(source: Obj, path: str, container: bool = False) -> list[Cause]:
    causes = [] if source.get("name") else [field_required(f"{path}.name", "must specify a resource name")]
    if container and not source.get("container"):
        causes.append(field_required(f"{path}.container", "must specify a container"))
    target = source.get("target") or {}
    causes += target_causes(target, f"{path}.target")
    utilization, average = target.get("averageUtilization"), target.get("averageValue")
    if utilization is None and average is None:
        causes.append(field_required(f"{path}.target.averageUtilization", _RAW_OR_UTILIZATION))
    if utilization is not None and average is not None:
        causes.append(field_forbidden(f"{path}.target.averageValue", _NOT_BOTH))
    return causes


def _pods(source: Obj, path: str) -> list[Cause]:
    target = source.get("target") or {}
    causes = _identifier(source.get("metric") or {}, f"{path}.metric") + target_causes(target, f"{path}.target")
    if target.get("averageValue") is None:
        causes.append(field_required(f"{path}.target.averageValue", "must specify a positive target averageValue"))
    return causes


def _object(source: Obj, path: str) -> list[Cause]:
    target = source.get("target") or {}
    causes = reference_causes(source.get("describedObject") or {}, f"{path}.describedObject")
    causes += _identifier(source.get("metric") or {}, f"{path}.metric") + target_causes(target, f"{path}.target")
    if target.get("value") is None and target.get("averageValue") is None:
        causes.append(field_required(f"{path}.target.averageValue", "must set either a target value or averageValue"))
    return causes


def _external(source: Obj, path: str) -> list[Cause]:
    target = source.get("target") or {}
    causes = _identifier(source.get("metric") or {}, f"{path}.metric") + target_causes(target, f"{path}.target")
    value, average = target.get("value"), target.get("averageValue")
    if value is None and average is None:
        causes.append(field_required(f"{path}.target.averageValue",
                                     "must set either a target value for metric or a per-pod target"))  # fmt: skip
    if value is not None and average is not None:
        causes.append(field_forbidden(f"{path}.target.value",
                                      "may not set both a target value for metric and a per-pod target"))  # fmt: skip
    return causes


def _container_resource(source: Obj, path: str) -> list[Cause]:
    return _resource(source, path, container=True)


_SOURCES: dict[str, Callable[[Obj, str], list[Cause]]] = {
    "object": _object, "external": _external, "pods": _pods, "resource": _resource,
    "containerResource": _container_resource,
}  # fmt: skip

"""What kube-apiserver does to an autoscaling/v2 HorizontalPodAutoscaler before storing it: shape, defaults, checks.

Defaults (pkg/apis/autoscaling/v2/defaults.go): minReplicas 1; no metrics -> CPU Utilization 80 %; a present
`behavior` gets both directions filled field by field (scaleUp: window 0, Max, Pods 4/15 s and Percent 100/15 s;
scaleDown: Max, Percent 100/15 s, window left unset for the controller's flag). A create starts with an empty status;
a main-resource update keeps the status, a `/status` update keeps the spec (the registry's strategy does both).
"""

from typing import Any, TypedDict

import msgspec

from sim.apiserver import errors, hpavalidation
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj

DEFAULT_CPU_UTILIZATION = 80
_SCALE_UP: Obj = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
    {"type": "Pods", "value": 4, "periodSeconds": 15},
    {"type": "Percent", "value": 100, "periodSeconds": 15}]}  # fmt: skip
_SCALE_DOWN: Obj = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
Quantity = str | int | float


class _Target(TypedDict, total=False):
    type: str
    value: Quantity | None
    averageValue: Quantity | None
    averageUtilization: int | None


class _Source(TypedDict, total=False):  # the fields of every metric source type together
    name: str
    container: str
    metric: dict[str, Any]
    describedObject: dict[str, str]
    target: _Target


class _Metric(TypedDict, total=False):
    type: str
    resource: _Source | None
    containerResource: _Source | None
    pods: _Source | None
    object: _Source | None
    external: _Source | None


class _Policy(TypedDict, total=False):
    type: str
    value: int
    periodSeconds: int


class _Rules(TypedDict, total=False):
    stabilizationWindowSeconds: int | None
    selectPolicy: str | None
    policies: list[_Policy] | None
    tolerance: Quantity | None


class _Spec(TypedDict, total=False):
    scaleTargetRef: dict[str, str]
    minReplicas: int | None
    maxReplicas: int
    metrics: list[_Metric] | None
    behavior: dict[str, _Rules | None] | None


class _Status(TypedDict, total=False):
    observedGeneration: int | None
    lastScaleTime: str | None
    currentReplicas: int
    desiredReplicas: int
    currentMetrics: list[dict[str, Any]] | None
    conditions: list[dict[str, Any]] | None


class _Shape(TypedDict, total=False):
    spec: _Spec
    status: _Status | None


def check_shape(obj: Obj) -> None:
    """ApiError 400 when a field has the wrong JSON type, as decoding into the Go types would fail."""
    try:
        msgspec.convert(obj, _Shape)
    except msgspec.ValidationError as error:
        raise errors.bad_request(f'HorizontalPodAutoscaler in version "v2" cannot be handled as a '
                                 f"HorizontalPodAutoscaler: {error}") from None  # fmt: skip


def defaulted(hpa: Obj) -> Obj:
    """The HPA with the API defaults filled in."""
    spec = dict(hpa.get("spec") or {})
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]  # fmt: skip
    if spec.get("behavior") is not None:
        behavior = spec["behavior"]
        spec["behavior"] = {**behavior, "scaleUp": _rules(behavior.get("scaleUp"), _SCALE_UP),
                            "scaleDown": _rules(behavior.get("scaleDown"), _SCALE_DOWN)}  # fmt: skip
    return {**hpa, "spec": spec}


def _rules(given: Obj | None, defaults: Obj) -> Obj:
    """copyHPAScalingRules: every field the client set (an empty policy list included) over the defaults."""
    return {**defaults, **{key: value for key, value in (given or {}).items() if value is not None}}


def normalized_status(status: Obj | None) -> Obj:
    """A status as the Go types serialize it: desiredReplicas and currentMetrics always present."""
    status = status or {}
    return {
        **status,
        "currentMetrics": status.get("currentMetrics"),
        "desiredReplicas": status.get("desiredReplicas", 0),
    }


def _raise(name: str, causes: list[errors.Cause]) -> None:
    if causes:
        raise errors.invalid_object(r.HPAS.kind, r.HPAS.group, name, causes)


def admit_create(hpa: Obj) -> Obj:
    """A new HPA as stored: defaulted, checked, with the empty status of a new object."""
    check_shape(hpa)
    created = {**defaulted(hpa), "status": normalized_status(None)}
    _raise(hpa["metadata"]["name"], hpavalidation.spec_causes(created["spec"]))
    return created


def admit_update(old: Obj, new: Obj) -> Obj:
    """A main-resource update: defaulted and checked (minReplicas 0 stays allowed if it was 0); status kept."""
    check_shape(new)
    updated = {**defaulted(new), "status": old.get("status") or normalized_status(None)}
    floor = 0 if (old.get("spec") or {}).get("minReplicas") == 0 else 1
    _raise(old["metadata"]["name"], hpavalidation.spec_causes(updated["spec"], floor))
    return updated


def admit_status(old: Obj, new: Obj) -> Obj:
    """A `/status` update: the new status (replica counts not negative) on the old object."""
    check_shape({"status": new.get("status")})
    status = normalized_status(new.get("status"))
    _raise(old["metadata"]["name"], hpavalidation.status_causes(status))
    return {**old, "status": status}

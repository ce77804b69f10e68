"""HorizontalPodAutoscaler validation as kube-apiserver does it (pkg/apis/autoscaling/validation), on the v2 shape.

Every check returns the field errors it finds, in kube's order, so a 422 lists the same causes with the same
messages: replica bounds, the scale target, each metric (`hpametrics`) and each direction's behavior rules.
"""

from sim.apiserver.errors import Cause, field_forbidden, field_invalid, field_not_supported, field_required
from sim.apiserver.hpametrics import metric_causes, reference_causes
from sim.apiserver.resources import Obj

MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_SECONDS = 3600
_SELECT_POLICIES = ("Disabled", "Max", "Min")
_POLICY_TYPES = ("Percent", "Pods")


def spec_causes(spec: Obj, min_replicas_floor: int = 1) -> list[Cause]:
    """Field errors of a defaulted spec; the floor is 0 on an update of an HPA that already has minReplicas 0."""
    causes = replica_causes(spec, min_replicas_floor)
    causes += reference_causes(spec.get("scaleTargetRef") or {}, "spec.scaleTargetRef")
    metrics = spec.get("metrics") or []
    for index, metric in enumerate(metrics):
        causes += metric_causes(metric, f"spec.metrics[{index}]")
    if spec.get("minReplicas") == 0 and not any(metric.get("type") in ("Object", "External") for metric in metrics):
        causes.append(field_forbidden("spec.metrics", "must specify at least one Object or External metric to "
                                      "support scaling to zero replicas"))  # fmt: skip
    behavior = spec.get("behavior") or {}
    for direction in ("scaleUp", "scaleDown"):
        if behavior.get(direction) is not None:
            causes += rules_causes(behavior[direction], f"spec.behavior.{direction}")
    return causes


def replica_causes(spec: Obj, floor: int) -> list[Cause]:
    """minReplicas at least the floor, maxReplicas at least 1 and at least minReplicas."""
    causes: list[Cause] = []
    minimum, maximum = spec.get("minReplicas"), spec.get("maxReplicas") or 0
    if minimum is not None and minimum < floor:
        causes.append(field_invalid("spec.minReplicas", minimum, f"must be greater than or equal to {floor}"))
    if maximum < 1:
        causes.append(field_invalid("spec.maxReplicas", maximum, "must be greater than 0"))
    if minimum is not None and maximum < minimum:
        causes.append(field_invalid("spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`"))
    return causes


def status_causes(status: Obj) -> list[Cause]:
    """Field errors of a status update: replica counts must not be negative."""
    return [field_invalid(f"status.{key}", status[key], "must be greater than or equal to 0")
            for key in ("currentReplicas", "desiredReplicas") if (status.get(key) or 0) < 0]  # fmt: skip


def rules_causes(rules: Obj, path: str) -> list[Cause]:
    """HPAScalingRules of one direction: window, select policy, at least one valid policy."""
    causes: list[Cause] = []
    window = rules.get("stabilizationWindowSeconds")
    if window is not None and window < 0:
        causes.append(
            field_invalid(f"{path}.stabilizationWindowSeconds", window, "must be greater than or equal to zero")
        )
    if window is not None and window > MAX_STABILIZATION_SECONDS:
        causes.append(field_invalid(f"{path}.stabilizationWindowSeconds", window,
                                    f"must be less than or equal to {MAX_STABILIZATION_SECONDS}"))  # fmt: skip
    select = rules.get("selectPolicy")
    if select is not None and select not in _SELECT_POLICIES:
        causes.append(field_not_supported(f"{path}.selectPolicy", select, _SELECT_POLICIES))
    policies = rules.get("policies") or []
    if not policies:
        causes.append(field_required(f"{path}.policies", "must specify at least one Policy"))
    for index, policy in enumerate(policies):
        causes += policy_causes(policy, f"{path}.policies[{index}]")
    return causes


def policy_causes(policy: Obj, path: str) -> list[Cause]:
    """One HPAScalingPolicy: Pods or Percent, a positive value, a period of 1..1800 seconds."""
    causes: list[Cause] = []
    if policy.get("type") not in _POLICY_TYPES:
        causes.append(field_not_supported(f"{path}.type", policy.get("type") or "", _POLICY_TYPES))
    value, period = policy.get("value") or 0, policy.get("periodSeconds") or 0
    if value <= 0:
        causes.append(field_invalid(f"{path}.value", value, "must be greater than zero"))
    if period <= 0:
        causes.append(field_invalid(f"{path}.periodSeconds", period, "must be greater than zero"))
    if period > MAX_PERIOD_SECONDS:
        causes.append(
            field_invalid(f"{path}.periodSeconds", period, f"must be less than or equal to {MAX_PERIOD_SECONDS}")
        )
    return causes

"""The HPA wizard's form: KubeSphere v1.1.0's three steps as one Struct, every field validated with a message a
person can act on, and the autoscaling/v2 object it stands for (and back, for Edit YAML).

Numbers stay text until validated, so "abc" in a field gets a message instead of a type error.
"""

import re
from typing import Any

import msgspec

ALIAS = "kubesphere.io/alias-name"
DESCRIPTION = "kubesphere.io/description"
TARGET_KIND = "autoscaling.kubesphere.io/scale-target-kind"
TARGET_NAME = "autoscaling.kubesphere.io/scale-target-name"
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
KINDS = ("Deployment", "StatefulSet")
TARGET_TYPES = ("Utilization", "AverageValue", "")  # "" leaves the metric out
SELECT_POLICIES = ("Max", "Min", "Disabled")
POLICY_TYPES = ("Pods", "Percent")
UNITS = {"cpu": "m", "memory": "Mi"}


class Policy(msgspec.Struct, kw_only=True):
    type: str = "Percent"
    value: str = "100"
    period_seconds: str = "15"


class Rules(msgspec.Struct, kw_only=True):
    select_policy: str = "Max"
    stabilization_window_seconds: str = "0"
    policies: list[Policy] = []


def scale_up_defaults() -> Rules:
    """Kubernetes' scaleUp defaults: no window, 100 % or 4 pods per 15 s, whichever is more."""
    return Rules(policies=[Policy(type="Percent", value="100"), Policy(type="Pods", value="4")])


def scale_down_defaults() -> Rules:
    """Kubernetes' scaleDown defaults: a 300 s window, then down to the recommendation at once (100 % per 15 s)."""
    return Rules(stabilization_window_seconds="300", policies=[Policy(type="Percent", value="100")])


class HpaForm(msgspec.Struct, kw_only=True):
    """Everything the wizard asks; defaults as KubeSphere pre-fills them."""

    name: str = ""
    alias: str = ""
    description: str = ""
    namespace: str = ""
    target_kind: str = "Deployment"
    target_name: str = ""
    min_replicas: str = "1"
    max_replicas: str = "1"
    cpu_type: str = "Utilization"
    cpu_value: str = ""
    memory_type: str = "AverageValue"
    memory_value: str = ""
    scale_up: Rules = msgspec.field(default_factory=scale_up_defaults)
    scale_down: Rules = msgspec.field(default_factory=scale_down_defaults)


Errors = dict[str, str]  # field path (e.g. "scale_up.policies.0.value") -> message


def _whole(text: str, low: int, high: int | None) -> int | None:
    """The number when `text` is a whole number in [low, high], else None."""
    if not re.fullmatch(r"\s*\d+\s*", text):
        return None
    number = int(text)
    return number if number >= low and (high is None or number <= high) else None


def _basic(form: HpaForm, errors: Errors) -> None:
    if not form.name:
        errors["name"] = "Name is required."
    elif len(form.name) > 63:
        errors["name"] = "Name must be at most 63 characters."
    elif not DNS_LABEL.fullmatch(form.name):
        errors["name"] = (
            "Name may contain only lowercase letters, digits and '-', and must start and end with a letter or digit."
        )
    if len(form.alias) > 63:
        errors["alias"] = "Alias must be at most 63 characters."
    if len(form.description) > 256:
        errors["description"] = "Description must be at most 256 characters."
    if form.target_kind not in KINDS:
        errors["target_kind"] = "Scale target must be a Deployment or a StatefulSet."
    if not form.target_name:
        errors["target_name"] = "Choose the workload to scale."


def _metric(kind: str, label: str, value: str, resource: str, errors: Errors) -> None:
    if not value.strip():
        return  # an empty target leaves the metric out
    if kind not in TARGET_TYPES:
        errors[f"{resource}_type"] = f"{label} target type must be Utilization or AverageValue."
    elif kind == "Utilization" and _whole(value, 1, 100) is None:
        errors[f"{resource}_value"] = f"{label} target must be a whole percentage from 1 to 100."
    elif kind == "AverageValue" and _whole(value, 1, None) is None:
        errors[f"{resource}_value"] = f"{label} target must be a whole number of {UNITS[resource]}, at least 1."


def _used(kind: str, value: str) -> bool:
    return bool(kind and value.strip())


def _scaling(form: HpaForm, errors: Errors) -> None:
    low, high = _whole(form.min_replicas, 1, None), _whole(form.max_replicas, 1, None)
    if low is None:
        errors["min_replicas"] = "Minimum replicas must be a whole number, at least 1."
    if high is None:
        errors["max_replicas"] = "Maximum replicas must be a whole number, at least 1."
    elif low is not None and high < low:
        errors["max_replicas"] = "Maximum replicas must be at least the minimum replicas."
    _metric(form.cpu_type, "CPU", form.cpu_value, "cpu", errors)
    _metric(form.memory_type, "Memory", form.memory_value, "memory", errors)
    if not _used(form.cpu_type, form.cpu_value) and not _used(form.memory_type, form.memory_value):
        errors["metrics"] = "Set a CPU or a memory target: at least one metric is required."


def _rules(rules: Rules, where: str, errors: Errors) -> None:
    if rules.select_policy not in SELECT_POLICIES:
        errors[f"{where}.select_policy"] = "Policy selection must be Max, Min or Disabled."
    if _whole(rules.stabilization_window_seconds, 0, 3600) is None:
        errors[f"{where}.stabilization_window_seconds"] = "Stabilization window must be 0 to 3600 seconds."
    if not rules.policies:
        errors[f"{where}.policies"] = "Add at least one policy."
    for i, policy in enumerate(rules.policies):
        if policy.type not in POLICY_TYPES:
            errors[f"{where}.policies.{i}.type"] = "Policy type must be Pods or Percent."
        if _whole(policy.value, 1, None) is None:
            errors[f"{where}.policies.{i}.value"] = "Policy value must be a whole number, at least 1."
        if _whole(policy.period_seconds, 1, 1800) is None:
            errors[f"{where}.policies.{i}.period_seconds"] = "Policy period must be 1 to 1800 seconds."


def validate(form: HpaForm, step: int = 3) -> Errors:
    """Messages for every bad field of the steps up to `step` (1 basic, 2 scaling, 3 advanced); empty when fine."""
    errors: Errors = {}
    _basic(form, errors)
    if step >= 2:
        _scaling(form, errors)
    if step >= 3:
        _rules(form.scale_up, "scale_up", errors)
        _rules(form.scale_down, "scale_down", errors)
    return errors


def _target(kind: str, value: str, resource: str) -> dict[str, Any]:
    if kind == "Utilization":
        return {"type": "Utilization", "averageUtilization": int(value)}
    return {"type": "AverageValue", "averageValue": f"{int(value)}{UNITS[resource]}"}


def _rules_out(rules: Rules) -> dict[str, Any]:
    return {
        "stabilizationWindowSeconds": int(rules.stabilization_window_seconds),
        "selectPolicy": rules.select_policy,
        "policies": [
            {"type": p.type, "value": int(p.value), "periodSeconds": int(p.period_seconds)} for p in rules.policies
        ],
    }


def build(form: HpaForm, workload_uid: str) -> dict[str, Any]:
    """The autoscaling/v2 HPA of a valid form, owned by its workload, with KubeSphere's labels and annotations."""
    annotations = {key: value for key, value in ((ALIAS, form.alias), (DESCRIPTION, form.description)) if value}
    metrics = [
        {"type": "Resource", "resource": {"name": resource, "target": _target(kind, value, resource)}}
        for resource, kind, value in (
            ("cpu", form.cpu_type, form.cpu_value),
            ("memory", form.memory_type, form.memory_value),
        )
        if _used(kind, value)
    ]
    target = {"apiVersion": "apps/v1", "kind": form.target_kind, "name": form.target_name}
    metadata: dict[str, Any] = {
        "name": form.name,
        "namespace": form.namespace,
        "labels": {TARGET_KIND: form.target_kind, TARGET_NAME: form.target_name},
        "ownerReferences": [{**target, "uid": workload_uid, "controller": True, "blockOwnerDeletion": True}],
    }
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata,
        "spec": {
            "scaleTargetRef": target,
            "minReplicas": int(form.min_replicas),
            "maxReplicas": int(form.max_replicas),
            "metrics": metrics,
            "behavior": {"scaleUp": _rules_out(form.scale_up), "scaleDown": _rules_out(form.scale_down)},
        },
    }


class FormError(ValueError):
    """An HPA the wizard cannot represent (other metric types, a missing field)."""


def _rules_in(raw: Any, defaults: Rules) -> Rules:
    if not isinstance(raw, dict):
        return defaults
    policies = [
        Policy(
            type=str(p.get("type", "")), value=str(p.get("value", "")), period_seconds=str(p.get("periodSeconds", ""))
        )
        for p in raw.get("policies") or []
    ]
    return Rules(
        select_policy=str(raw.get("selectPolicy", defaults.select_policy)),
        stabilization_window_seconds=str(raw.get("stabilizationWindowSeconds", defaults.stabilization_window_seconds)),
        policies=policies or defaults.policies,
    )


def read(hpa: Any) -> HpaForm:
    """The form for an HPA object (from the cluster, or from Edit YAML); FormError when it is not one the form holds."""
    if not isinstance(hpa, dict) or not isinstance(hpa.get("spec"), dict):
        raise FormError("The YAML must be a HorizontalPodAutoscaler with a spec.")
    meta, spec = hpa.get("metadata") or {}, hpa["spec"]
    ref, annotations = spec.get("scaleTargetRef") or {}, meta.get("annotations") or {}
    form = HpaForm(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "")),
        alias=str(annotations.get(ALIAS, "")),
        description=str(annotations.get(DESCRIPTION, "")),
        target_kind=str(ref.get("kind", "")),
        target_name=str(ref.get("name", "")),
        min_replicas=str(spec.get("minReplicas", 1)),
        max_replicas=str(spec.get("maxReplicas", "")),
        cpu_type="",
        memory_type="",
    )
    for metric in spec.get("metrics") or []:
        resource = (metric.get("resource") or {}) if metric.get("type") == "Resource" else {}
        name, target = resource.get("name"), resource.get("target") or {}
        if name not in UNITS:
            raise FormError("Only CPU and memory Resource metrics can be edited here.")
        if target.get("type") == "Utilization":
            value = str(target.get("averageUtilization", ""))
        else:
            value = str(target.get("averageValue", "")).removesuffix(UNITS[name])
        form = msgspec.structs.replace(form, **{f"{name}_type": str(target.get("type", "")), f"{name}_value": value})
    behavior = spec.get("behavior") or {}
    return msgspec.structs.replace(
        form,
        scale_up=_rules_in(behavior.get("scaleUp"), scale_up_defaults()),
        scale_down=_rules_in(behavior.get("scaleDown"), scale_down_defaults()),
    )

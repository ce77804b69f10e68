"""The `kubectl get hpa` row, as kube-apiserver's printHorizontalPodAutoscaler and formatHPAMetrics compute it.

TARGETS pairs each spec metric with the status metric at the same index: `cpu: 45%/50%` (Utilization),
`memory: 52428800/50Mi` (AverageValue), `<unknown>/50%` parts before the status has a value, `(avg)` after
AverageValue targets of Object and External metrics; two metrics at most, then `+ N more...`. Quantities print in
their canonical form (Quantity.String()).
"""

from decimal import ROUND_CEILING
from typing import Any

from services.lib import quantity
from sim.apiserver import objects
from sim.apiserver.resources import Obj

UNKNOWN = "<unknown>"
SHOWN = 2  # metrics listed before "+ N more..."


def canonical(value: Any) -> str:
    """A quantity as Quantity.String() prints it: '1000m' -> '1', '0.5Gi' -> '512Mi'; '<nil>' for none."""
    if value is None:
        return "<nil>"
    text = str(value).strip()
    try:
        exact = quantity.parse(text)
    except quantity.QuantityError:
        return text
    nanos = int((exact * 10**9).to_integral_value(ROUND_CEILING))
    suffix = text.lstrip("+-.0123456789")
    if suffix[:1] in ("e", "E"):
        return _exponent(nanos)
    if suffix.endswith("i") and nanos % 10**9 == 0 and abs(nanos) >= 1024 * 10**9:
        return quantity.format_memory(nanos // 10**9)
    return quantity.format_cpu(nanos)


def _exponent(nanos: int) -> str:
    """DecimalExponent form, e.g. 1e3, 15e-1 (exponents are multiples of 3, as DecimalSI suffixes are)."""
    text = quantity.format_cpu(nanos)
    suffix = text.lstrip("-0123456789")
    exponent = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}[suffix]
    mantissa = text[: len(text) - len(suffix)]
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _percent(value: Any) -> str:
    return f"{value}%"


def _current(statuses: list[Obj], index: int, key: str) -> Obj | None:
    """The status metric's source at the same index, if it has one."""
    status = statuses[index] if index < len(statuses) else {}
    source = status.get(key)
    return source if isinstance(source, dict) else None


def _resource(spec: Obj, current: Obj | None) -> str:
    target, name = spec.get("target") or {}, spec.get("name", "")
    if target.get("averageValue") is not None:
        now = canonical(objects.path(current, "current.averageValue")) if current is not None else UNKNOWN
        return f"{name}: {now}/{canonical(target['averageValue'])}"
    utilization = objects.path(current, "current.averageUtilization") if current is not None else None
    now = _percent(utilization) if utilization is not None else UNKNOWN
    wanted = _percent(target["averageUtilization"]) if target.get("averageUtilization") is not None else "<auto>"
    return f"{name}: {now}/{wanted}"


def _valued(spec: Obj, current: Obj | None) -> str:
    """Object and External metrics: an average value `(avg)`, else a value."""
    target = spec.get("target") or {}
    if target.get("averageValue") is not None:
        now = objects.path(current, "current.averageValue") if current is not None else None
        return f"{canonical(now) if now is not None else UNKNOWN}/{canonical(target['averageValue'])} (avg)"
    now_text = canonical(objects.path(current, "current.value")) if current is not None else UNKNOWN
    return f"{now_text}/{canonical(target.get('value'))}"


def _metric(spec: Obj, statuses: list[Obj], index: int) -> str:
    kind = spec.get("type")
    key = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods", "Object": "object",
           "External": "external"}.get(kind or "")  # fmt: skip
    if key is None:
        return "<unknown type>"
    source, current = spec.get(key) or {}, _current(statuses, index, key)
    if key in ("resource", "containerResource"):
        return _resource(source, current)
    if key == "pods":
        now = canonical(objects.path(current, "current.averageValue")) if current is not None else UNKNOWN
        return f"{now}/{canonical(objects.path(source, 'target.averageValue'))}"
    return _valued(source, current)


def targets(specs: list[Obj], statuses: list[Obj]) -> str:
    """The TARGETS cell."""
    if not specs:
        return "<none>"
    shown = ", ".join(_metric(spec, statuses, index) for index, spec in enumerate(specs[:SHOWN]))
    return f"{shown} + {len(specs) - SHOWN} more..." if len(specs) > SHOWN else shown


def cells(hpa: Obj, age: str) -> list[Any]:
    """NAME, REFERENCE, TARGETS, MINPODS, MAXPODS, REPLICAS, AGE."""
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    minimum = spec.get("minReplicas")
    return [hpa["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}",
            targets(spec.get("metrics") or [], status.get("currentMetrics") or []),
            "<unset>" if minimum is None else str(minimum), spec.get("maxReplicas", 0),
            status.get("currentReplicas", 0), age]  # fmt: skip

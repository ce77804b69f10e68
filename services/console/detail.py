"""The workload page's data: usage and replica charts on one time axis, the HPA card, events and the journal; pure,
from the History, the Journal and plain JSON objects. Returned as JSON-ready dicts for the page's script."""

from collections.abc import Sequence
from typing import Any

from services import events
from services.console import history, journal, views, whatif

NS = 1_000_000_000
STEP_NS = 15 * NS
STALE_NS = 45 * NS  # a pod's last point stands for this long; after that the pod is counted as gone
CONDITIONS = {  # KubeSphere's names, and the status that is good news
    "AbleToScale": ("Able to Scale", "True"),
    "ScalingActive": ("Metrics Valid", "True"),
    "ScalingLimited": ("Replicas Unrestricted", "False"),
}


def pods_in_history(usage: history.History, namespace: str, kind: str, name: str, current: Sequence[str]) -> list[str]:
    """The workload's pods with a series: those its selector selects now, and earlier ones named like its pods."""
    pattern, now = views.pod_name_pattern(kind, name), set(current)
    return sorted(pod for ns, pod in usage.series if ns == namespace and (pod in now or pattern.fullmatch(pod)))


def _sample(series: history.Series, times: Sequence[int]) -> tuple[list[int | None], list[int | None]]:
    cpu: list[int | None] = []
    memory: list[int | None] = []
    i, count = -1, len(series.at_ns)
    for t in times:
        while i + 1 < count and series.at_ns[i + 1] <= t:
            i += 1
        fresh = i >= 0 and t - series.at_ns[i] <= STALE_NS
        cpu.append(series.cpu_milli[i] if fresh else None)
        memory.append(series.memory_bytes[i] if fresh else None)
    return cpu, memory


def _total(columns: list[list[int | None]], length: int) -> list[int | None]:
    sums: list[int | None] = []
    for j in range(length):
        values = [column[j] for column in columns if column[j] is not None]
        sums.append(sum(v for v in values if v is not None) if values else None)
    return sums


def charts(
    usage: history.History,
    decisions: Sequence[events.ReplicasRecommended],
    pods: Sequence[str],
    namespace: str,
    now_ns: int,
    span_ns: int,
) -> dict[str, Any]:
    """CPU (m) and memory (bytes) per pod and summed, pods reporting and the HPA's desired replicas, per step."""
    start = now_ns - span_ns
    times = list(range(start - start % STEP_NS + STEP_NS, now_ns + 1, STEP_NS))
    cpu: dict[str, list[int | None]] = {}
    memory: dict[str, list[int | None]] = {}
    for pod in pods:
        cpu[pod], memory[pod] = _sample(usage.series[(namespace, pod)], times)
    reporting: list[int | None] = [
        sum(1 for column in cpu.values() if column[j] is not None) or None for j in range(len(times))
    ]
    desired: list[int | None] = []
    k = -1
    for t in times:
        while k + 1 < len(decisions) and decisions[k + 1].evaluated_at_ns <= t:
            k += 1
        desired.append(decisions[k].desired_replicas if k >= 0 else None)
    first = next((j for j in range(len(times)) if reporting[j] is not None or desired[j] is not None), len(times) - 1)
    cpu, memory = {p: v[first:] for p, v in cpu.items()}, {p: v[first:] for p, v in memory.items()}
    times, reporting, desired = times[first:], reporting[first:], desired[first:]  # the axis starts with the data
    return {
        "t": [t // NS for t in times],
        "cpu": {"sum": _total(list(cpu.values()), len(times)), "pods": cpu},
        "memory": {"sum": _total(list(memory.values()), len(times)), "pods": memory},
        "replicas": {"reporting": reporting, "desired": desired},
    }


def loads(chart: dict[str, Any]) -> tuple[list[whatif.Load], list[int]]:
    """The workload's total usage at each step with data, and the pods reporting at those steps (the actual curve)."""
    points, actual = [], []
    for t, cpu, memory, count in zip(
        chart["t"], chart["cpu"]["sum"], chart["memory"]["sum"], chart["replicas"]["reporting"], strict=True
    ):
        if cpu is not None:
            points.append(whatif.Load(t * NS, cpu, memory or 0))
            actual.append(count)
    return points, actual


def _target_text(target: dict[str, Any]) -> str:
    if target.get("type") == "Utilization":
        return f"{target.get('averageUtilization')}%"
    return str(target.get("averageValue") or target.get("value") or "")


def _current_text(current: dict[str, Any], kind: str) -> str:
    if kind == "Utilization" and current.get("averageUtilization") is not None:
        return f"{current['averageUtilization']}%"
    return str(current.get("averageValue") or "unknown")


def hpa_card(hpa: dict[str, Any]) -> dict[str, Any]:
    """Targets against current values per resource, replicas, range and conditions with KubeSphere's names."""
    spec, status = hpa.get("spec", {}), hpa.get("status", {})
    currents = {
        m.get("resource", {}).get("name"): m.get("resource", {}).get("current", {})
        for m in status.get("currentMetrics") or []
        if m.get("type") == "Resource"
    }
    targets = []
    for metric in spec.get("metrics") or []:
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        current = currents.get(resource.get("name"))
        targets.append(
            {
                "resource": journal.RESOURCE_NAMES.get(resource.get("name", ""), resource.get("name")),
                "target": _target_text(target),
                "current": _current_text(current, target.get("type", "")) if current else "unknown",
            }
        )
    conditions = []
    for condition in status.get("conditions") or []:
        label, good = CONDITIONS.get(condition.get("type", ""), (condition.get("type", ""), "True"))
        conditions.append(
            {
                "name": label,
                "ok": condition.get("status") == good,
                "reason": condition.get("reason", ""),
                "message": condition.get("message", ""),
            }
        )
    annotations = hpa["metadata"].get("annotations") or {}
    return {
        "name": hpa["metadata"]["name"],
        "alias": annotations.get("kubesphere.io/alias-name", ""),
        "min": spec.get("minReplicas", 1),
        "max": spec.get("maxReplicas"),
        "current": status.get("currentReplicas", 0),
        "desired": status.get("desiredReplicas", 0),
        "targets": targets,
        "conditions": conditions,
    }


def recent_events(items: list[dict[str, Any]], names: set[str], limit: int = 20) -> list[dict[str, str]]:
    """Events about the workload or its HPA, newest first."""
    found = [e for e in items if (e.get("involvedObject") or {}).get("name") in names]
    found.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
    return [
        {
            "time": e.get("lastTimestamp") or e.get("eventTime") or "",
            "type": e.get("type", ""),
            "reason": e.get("reason", ""),
            "message": e.get("message", ""),
            "object": f"{e['involvedObject'].get('kind', '')}/{e['involvedObject'].get('name', '')}",
        }
        for e in found[:limit]
    ]


def journal_entries(decisions: Sequence[events.ReplicasRecommended], limit: int = 50) -> list[dict[str, Any]]:
    """The latest decisions in words, newest first; evaluations that changed nothing are folded into a count."""
    told = [journal.tell(d) for d in decisions]
    entries: list[dict[str, Any]] = []
    for entry in reversed(told):
        last = entries[-1] if entries else None
        if last and not entry.scaled and not last["scaled"] and last["result"] == entry.result:
            last["repeats"] += 1
            continue
        entries.append(
            {
                "at": entry.at_ns // NS,
                "hpa": entry.hpa,
                "result": entry.result,
                "inputs": entry.inputs,
                "proposal": entry.proposal,
                "limits": entry.limits,
                "scaled": entry.scaled,
                "repeats": 1,
            }
        )
        if len(entries) >= limit:
            break
    return entries

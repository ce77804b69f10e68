"""`kubectl get` columns, as kube-apiserver's printers compute them for Table output (pkg/printers/internalversion).

Each printer is (columns, cells): columns as (name, type, priority), cells(object, now_ns) -> one row's cells.
Priority-1 columns are those kubectl shows only with `-o wide`.
"""

from collections.abc import Callable
from typing import Any

from services.lib import timefmt
from sim.apiserver import hpatable, objects, podtable, rbactable
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource

Column = tuple[str, str, int]  # (name, type, priority)
Cells = Callable[[Obj, int], list[Any]]
NAME: Column = ("Name", "string", 0)
AGE: Column = ("Age", "string", 0)
_ROLE = "node-role.kubernetes.io/"


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery duration.HumanDuration: '45s', '5m3s', '3h20m', '4d2h', '2y30d'."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 120:
        return f"{max(s, 0)}s"
    minutes, hours = s // 60, s // 3600
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = hours // 24 % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def age(timestamp: str | None, now_ns: int) -> str:
    """Time since an RFC 3339 timestamp, or <unknown>."""
    if not timestamp:
        return "<unknown>"
    return human_duration((now_ns - timefmt.parse_rfc3339(timestamp)) / 1e9)


def _created(obj: Obj, now_ns: int) -> str:
    return age(obj["metadata"].get("creationTimestamp"), now_ns)


def _containers(obj: Obj) -> list[str]:
    containers = objects.path(obj, "spec.template.spec.containers", [])
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def _pod(pod: Obj, now_ns: int) -> list[Any]:
    ready, reason, restarts = podtable.columns(pod, now_ns, age)
    spec, status = pod.get("spec", {}), pod.get("status", {})
    ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    true = {c["type"] for c in status.get("conditions", ()) if c.get("status") == "True"}
    return [pod["metadata"]["name"], ready, reason, restarts, _created(pod, now_ns), ips[0]["ip"] if ips else "<none>",
            spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>",
            f"{sum(g['conditionType'] in true for g in gates)}/{len(gates)}" if gates else "<none>"]  # fmt: skip


def _node(node: Obj, now_ns: int) -> list[Any]:
    status, labels = node.get("status", {}), node["metadata"].get("labels", {})
    ready = next((c for c in status.get("conditions", ()) if c.get("type") == "Ready"), None)
    state = ["Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"]
    if node.get("spec", {}).get("unschedulable"):
        state.append("SchedulingDisabled")
    roles = {key.removeprefix(_ROLE) for key in labels if key.startswith(_ROLE)} | {
        labels.get("kubernetes.io/role", "")
    }
    roles.discard("")
    addresses = {a.get("type"): a.get("address") for a in reversed(status.get("addresses", []))}
    info = status.get("nodeInfo", {})
    return [node["metadata"]["name"], ",".join(state), ",".join(sorted(roles)) or "<none>", _created(node, now_ns),
            info.get("kubeletVersion", ""), addresses.get("InternalIP", "<none>"),
            addresses.get("ExternalIP", "<none>"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]  # fmt: skip


def _deployment(obj: Obj, now_ns: int) -> list[Any]:
    status = obj.get("status", {})
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{obj['spec'].get('replicas', 1)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), _created(obj, now_ns),
            *_containers(obj), objects.format_selector(obj["spec"].get("selector"))]  # fmt: skip


def _replica_set(obj: Obj, now_ns: int) -> list[Any]:
    status = obj.get("status", {})
    return [obj["metadata"]["name"], obj["spec"].get("replicas", 1), status.get("replicas", 0),
            status.get("readyReplicas", 0), _created(obj, now_ns), *_containers(obj),
            objects.format_selector(obj["spec"].get("selector"))]  # fmt: skip


def _stateful_set(obj: Obj, now_ns: int) -> list[Any]:
    ready = obj.get("status", {}).get("readyReplicas", 0)
    return [
        obj["metadata"]["name"],
        f"{ready}/{obj['spec'].get('replicas', 1)}",
        _created(obj, now_ns),
        *_containers(obj),
    ]


def _namespace(obj: Obj, now_ns: int) -> list[Any]:
    return [obj["metadata"]["name"], obj.get("status", {}).get("phase", ""), _created(obj, now_ns)]


def _event(obj: Obj, now_ns: int) -> list[Any]:
    first = age(obj.get("firstTimestamp") or obj.get("eventTime"), now_ns)
    last = age(obj["lastTimestamp"], now_ns) if obj.get("lastTimestamp") else first
    involved, source = obj.get("involvedObject", {}), obj.get("source", {})
    kind = involved.get("kind", "").lower()
    component = source.get("component") or obj.get("reportingComponent", "")
    host = source.get("host") or obj.get("reportingInstance", "")
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source_cell = f"{component}, {host}" if host else component
    return [last, obj.get("type", ""), obj.get("reason", ""), target, involved.get("fieldPath", ""), source_cell,
            obj.get("message", "").strip(), first, obj.get("count") or 1, obj["metadata"]["name"]]  # fmt: skip


def _hpa(obj: Obj, now_ns: int) -> list[Any]:
    return hpatable.cells(obj, _created(obj, now_ns))


def _binding(obj: Obj, now_ns: int) -> list[Any]:
    return rbactable.binding_cells(obj, _created(obj, now_ns))


def _config_map(obj: Obj, now_ns: int) -> list[Any]:
    return rbactable.config_map_cells(obj, _created(obj, now_ns))


_WORKLOAD_WIDE: list[Column] = [("Containers", "string", 1), ("Images", "string", 1)]
PRINTERS: dict[Resource, tuple[list[Column], Cells]] = {
    r.PODS: ([NAME, ("Ready", "string", 0), ("Status", "string", 0), ("Restarts", "string", 0), AGE,
              ("IP", "string", 1), ("Node", "string", 1), ("Nominated Node", "string", 1),
              ("Readiness Gates", "string", 1)], _pod),
    r.NODES: ([NAME, ("Status", "string", 0), ("Roles", "string", 0), AGE, ("Version", "string", 0),
               ("Internal-IP", "string", 1), ("External-IP", "string", 1), ("OS-Image", "string", 1),
               ("Kernel-Version", "string", 1), ("Container-Runtime", "string", 1)], _node),
    r.DEPLOYMENTS: ([NAME, ("Ready", "string", 0), ("Up-to-date", "string", 0), ("Available", "string", 0), AGE,
                     *_WORKLOAD_WIDE, ("Selector", "string", 1)], _deployment),
    r.REPLICASETS: ([NAME, ("Desired", "integer", 0), ("Current", "integer", 0), ("Ready", "integer", 0), AGE,
                     *_WORKLOAD_WIDE, ("Selector", "string", 1)], _replica_set),
    r.STATEFULSETS: ([NAME, ("Ready", "string", 0), AGE, *_WORKLOAD_WIDE], _stateful_set),
    r.NAMESPACES: ([NAME, ("Status", "string", 0), AGE], _namespace),
    r.EVENTS: ([("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0), ("Object", "string", 0),
                ("Subobject", "string", 1), ("Source", "string", 1), ("Message", "string", 0),
                ("First Seen", "string", 1), ("Count", "string", 1), ("Name", "string", 1)], _event),
    r.HPAS: ([NAME, ("Reference", "string", 0), ("Targets", "string", 0), ("MinPods", "string", 0),
              ("MaxPods", "integer", 0), ("Replicas", "integer", 0), AGE], _hpa),
    r.CONFIGMAPS: ([NAME, ("Data", "integer", 0), AGE], _config_map),
    **{roles: ([NAME, ("Created At", "date", 0)], lambda obj, _: rbactable.role_cells(obj))
       for roles in (r.ROLES, r.CLUSTER_ROLES)},
    **{bindings: ([NAME, ("Role", "string", 0), AGE, ("Users", "string", 1), ("Groups", "string", 1),
                   ("ServiceAccounts", "string", 1)], _binding)
       for bindings in (r.ROLE_BINDINGS, r.CLUSTER_ROLE_BINDINGS)},
}  # fmt: skip

"""Rates into `metrics.k8s.io` objects, byte for byte as upstream serves them; and Kubernetes Status errors.

Field order follows the Go structs; map keys (labels) are sorted by the encoder; quantities, durations and times are
in their canonical Kubernetes forms.
"""

import msgspec

from services.api.readmodel import NodeRow, PodRow
from services.lib import quantity, timefmt

GROUP = "metrics.k8s.io"
ENCODER = msgspec.json.Encoder(order="deterministic")


class Empty(msgspec.Struct):
    """`{}`, as list and Status metadata are printed."""


class Usage(msgspec.Struct):
    cpu: str
    memory: str


class Meta(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    name: str
    namespace: str = ""
    creation_timestamp: str
    labels: dict[str, str] = {}


class NodeMetrics(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    kind: str = ""  # set on a single object, empty (omitted) in list items
    api_version: str = ""
    metadata: Meta
    timestamp: str | None
    window: str
    usage: Usage


class ContainerMetrics(msgspec.Struct):
    name: str
    usage: Usage


class PodMetrics(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    kind: str = ""
    api_version: str = ""
    metadata: Meta
    timestamp: str | None
    window: str
    containers: list[ContainerMetrics]


class MetricsList(msgspec.Struct, kw_only=True, rename="camel"):
    kind: str
    api_version: str
    metadata: Empty
    items: list[NodeMetrics] | list[PodMetrics]


class StatusDetails(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str = ""
    group: str = ""
    kind: str = ""


class Status(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    kind: str
    api_version: str
    metadata: Empty
    status: str
    message: str
    reason: str
    details: StatusDetails | None = None
    code: int


def _usage(cpu_nanocores: int, memory_bytes: int) -> Usage:
    return Usage(cpu=quantity.format_cpu(cpu_nanocores), memory=quantity.format_memory(memory_bytes))


def _time(ns: int) -> str | None:
    return timefmt.rfc3339(ns) if ns else None  # Go prints a zero metav1.Time as null


def node_metrics(row: NodeRow, now_ns: int, version: str, item: bool = False) -> NodeMetrics:
    """One NodeMetrics; `item` leaves out kind and apiVersion, as list items do."""
    u = row.usage
    return NodeMetrics(
        kind="" if item else "NodeMetrics",
        api_version="" if item else f"{GROUP}/{version}",
        metadata=Meta(name=row.name, creation_timestamp=timefmt.rfc3339(now_ns), labels=row.labels),
        timestamp=_time(u.timestamp_ns),
        window=timefmt.format_duration(u.window_ns),
        usage=_usage(u.cpu_nanocores, u.memory_bytes),
    )


def pod_metrics(row: PodRow, now_ns: int, version: str, item: bool = False) -> PodMetrics:
    """One PodMetrics; `item` leaves out kind and apiVersion, as list items do."""
    u = row.usage
    return PodMetrics(
        kind="" if item else "PodMetrics",
        api_version="" if item else f"{GROUP}/{version}",
        metadata=Meta(
            name=row.name, namespace=row.namespace, creation_timestamp=timefmt.rfc3339(now_ns), labels=row.labels
        ),
        timestamp=_time(u.timestamp_ns),
        window=timefmt.format_duration(u.window_ns),
        containers=[ContainerMetrics(c.name, _usage(c.cpu_nanocores, c.memory_bytes)) for c in u.containers],
    )


def node_list(rows: list[NodeRow], now_ns: int, version: str) -> MetricsList:
    """A NodeMetricsList; an empty one has `items: []`."""
    items = [node_metrics(row, now_ns, version, item=True) for row in rows]
    return MetricsList(kind="NodeMetricsList", api_version=f"{GROUP}/{version}", metadata=Empty(), items=items)


def pod_list(rows: list[PodRow], now_ns: int, version: str) -> MetricsList:
    """A PodMetricsList; an empty one has `items: []`."""
    items = [pod_metrics(row, now_ns, version, item=True) for row in rows]
    return MetricsList(kind="PodMetricsList", api_version=f"{GROUP}/{version}", metadata=Empty(), items=items)


def status(code: int, reason: str, message: str, details: StatusDetails | None = None) -> Status:
    """A failure Status as kube-apiserver prints it."""
    return Status(
        kind="Status",
        api_version="v1",
        metadata=Empty(),
        status="Failure",
        message=message,
        reason=reason,
        details=details,
        code=code,
    )


def not_found(resource: str, name: str, group: str = "") -> Status:
    """`<resource>[.<group>] "<name>" not found`, e.g. podmetrics.metrics.k8s.io "default/web" not found."""
    qualified = f"{resource}.{group}" if group else resource
    details = StatusDetails(name=name, group=group, kind=resource)
    return status(404, "NotFound", f'{qualified} "{name}" not found', details)

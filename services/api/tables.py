"""Table output for `kubectl get nodemetrics|podmetrics`, as upstream's table conversion builds it.

Columns: Name, one per usage resource sorted by name (cpu, memory), then Window. A pod's row sums its containers.
Each row carries the object's metadata as a PartialObjectMetadata, which kubectl needs for -A and -o wide.
"""

from dataclasses import dataclass
from typing import Any

from services.api import views
from services.api.readmodel import NodeRow, PodRow
from services.lib import quantity, timefmt

_NAME = {"name": "Name", "type": "string", "format": "name", "description": "Name of the resource", "priority": 0}
_WINDOW = {"name": "Window", "type": "string", "format": "duration", "description": "", "priority": 0}
_RESOURCES = ("cpu", "memory")


@dataclass(frozen=True)
class TableRequest:
    """What the client asked for: a Table of this meta.k8s.io version, with row objects of this kind."""

    version: str  # v1 or v1beta1
    include_object: str  # None, Metadata or Object


def wanted(accept: str, include_object: str) -> TableRequest | None:
    """The Table the Accept header asks for first, if it asks for one (`application/json;as=Table;g=...;v=...`)."""
    for media in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media.split(";")[1:])
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return TableRequest(params["v"], include_object or "Metadata")
        if media.strip().split(";")[0] in ("application/json", "*/*", "application/*"):
            return None
    return None


def _columns(rows: bool) -> list[dict[str, Any]] | None:
    if not rows:
        return None  # upstream derives columns from the first item; an empty table has none (null)
    resources = [
        {"name": r, "type": "string", "format": "quantity", "description": "", "priority": 0} for r in _RESOURCES
    ]
    return [_NAME, *resources, _WINDOW]


def _object(request: TableRequest, metadata: views.Meta, full: Any) -> Any:
    if request.include_object == "None":
        return None
    if request.include_object == "Object":
        return full
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}


def _table(request: TableRequest, rows: list[dict[str, Any]], has_rows: bool) -> dict[str, Any]:
    return {
        "kind": "Table",
        "apiVersion": f"meta.k8s.io/{request.version}",
        "metadata": {},
        "columnDefinitions": _columns(has_rows),
        "rows": rows or None,
    }


def nodes(request: TableRequest, rows: list[NodeRow], now_ns: int, version: str) -> dict[str, Any]:
    """A Table of node metrics."""
    cells = []
    for row in rows:
        item = views.node_metrics(row, now_ns, version)
        usage = [quantity.format_cpu(row.usage.cpu_nanocores), quantity.format_memory(row.usage.memory_bytes)]
        cells.append(
            {
                "cells": [row.name, *usage, timefmt.format_duration(row.usage.window_ns)],
                "object": _object(request, item.metadata, item),
            }
        )
    return _table(request, cells, bool(rows))


def pods(request: TableRequest, rows: list[PodRow], now_ns: int, version: str) -> dict[str, Any]:
    """A Table of pod metrics; each row sums the pod's containers."""
    cells = []
    for row in rows:
        item = views.pod_metrics(row, now_ns, version)
        cpu = sum(c.cpu_nanocores for c in row.usage.containers)
        memory = sum(c.memory_bytes for c in row.usage.containers)
        usage = [quantity.format_cpu(cpu), quantity.format_memory(memory)]
        cells.append(
            {
                "cells": [row.name, *usage, timefmt.format_duration(row.usage.window_ns)],
                "object": _object(request, item.metadata, item),
            }
        )
    return _table(request, cells, bool(rows))

"""Page data for the overview and workloads pages, from Kubernetes objects (as the user may see them) and the usage
history: pure functions of plain JSON objects and the History."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from services.console import history
from services.lib import quantity, selectors

T = TypeVar("T")
NS = 1_000_000_000
PAGE_SIZE = 50
STALE_AFTER_NS = 45 * NS  # three scrapes at 15 s: a node whose rates are older has a scraping problem


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    count: int  # pages in all, at least 1
    total: int  # items in all


def paginate(items: Sequence[T], number: int, size: int = PAGE_SIZE) -> tuple[list[T], Page]:
    """One page of items; a page number out of range shows the nearest page."""
    count = max(1, math.ceil(len(items) / size))
    number = min(max(number, 1), count)
    return list(items[(number - 1) * size : number * size]), Page(number, count, len(items))


def percent(used: int | None, total: int) -> int | None:
    return None if used is None or total <= 0 else round(100 * used / total)


@dataclass(frozen=True)
class NodeRow:
    name: str
    cpu_milli: int | None
    cpu_allocatable_milli: int
    memory_bytes: int | None
    memory_allocatable_bytes: int
    age_seconds: int | None  # since the rates' scrape; None when never seen
    problem: str  # why there is no fresh usage, or ""

    @property
    def cpu_percent(self) -> int | None:
        return percent(self.cpu_milli, self.cpu_allocatable_milli)

    @property
    def memory_percent(self) -> int | None:
        return percent(self.memory_bytes, self.memory_allocatable_bytes)


def _allocatable(node: dict[str, Any], resource: str) -> int:
    value = node.get("status", {}).get("allocatable", {}).get(resource)
    if value is None:
        return 0
    return quantity.to_milli(value) if resource == "cpu" else quantity.to_bytes(value)


def node_rows(nodes: list[dict[str, Any]], usage: history.History, now_ns: int) -> list[NodeRow]:
    """Every node with its usage against allocatable, sorted by name; a problem names stale or missing rates."""
    rows = []
    for node in nodes:
        name = node["metadata"]["name"]
        view = usage.nodes.get(name)
        age = None if view is None else max(0, (now_ns - view.scraped_at_ns) // NS)
        if view is None:
            problem = "not scraped yet"
        elif now_ns - view.scraped_at_ns > STALE_AFTER_NS:
            problem = f"no fresh rates for {age}s: scrapes are failing"
        elif view.cpu_milli is None:
            problem = "the kubelet reported no node usage"
        else:
            problem = ""
        rows.append(
            NodeRow(
                name,
                view.cpu_milli if view else None,
                _allocatable(node, "cpu"),
                view.memory_bytes if view else None,
                _allocatable(node, "memory"),
                age,
                problem,
            )
        )
    return sorted(rows, key=lambda row: row.name)


@dataclass(frozen=True)
class Totals:
    nodes: int
    problems: int
    cpu_milli: int
    cpu_allocatable_milli: int
    memory_bytes: int
    memory_allocatable_bytes: int


def totals(rows: list[NodeRow]) -> Totals:
    return Totals(
        len(rows),
        sum(1 for r in rows if r.problem),
        sum(r.cpu_milli or 0 for r in rows),
        sum(r.cpu_allocatable_milli for r in rows),
        sum(r.memory_bytes or 0 for r in rows),
        sum(r.memory_allocatable_bytes for r in rows),
    )


@dataclass(frozen=True)
class WorkloadRow:
    namespace: str
    kind: str
    name: str
    ready: int
    desired: int
    cpu_milli: int
    memory_bytes: int
    hpa: str  # the HPA scaling it, or ""


def selector_of(workload: dict[str, Any]) -> selectors.LabelSelector | None:
    """The workload's spec.selector (matchLabels and matchExpressions) as a label selector; None when it has none."""
    selector = workload.get("spec", {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        parts.append(
            {
                "In": f"{key} in ({','.join(values)})",
                "NotIn": f"{key} notin ({','.join(values)})",
                "Exists": key,
                "DoesNotExist": f"!{key}",
            }[operator]
        )
    return selectors.parse_labels(",".join(parts)) if parts else None


def pods_of(workload: dict[str, Any], pods: list[dict[str, Any]]) -> list[str]:
    """Names of the pods (in the workload's namespace) its selector selects."""
    selector, namespace = selector_of(workload), workload["metadata"]["namespace"]
    if selector is None:
        return []
    return [
        p["metadata"]["name"]
        for p in pods
        if p["metadata"].get("namespace") == namespace and selector.matches(p["metadata"].get("labels") or {})
    ]


def hpa_of(workload: dict[str, Any], kind: str, hpas: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The HPA whose scale target is this workload, if any."""
    meta = workload["metadata"]
    for hpa in hpas:
        ref = hpa.get("spec", {}).get("scaleTargetRef", {})
        if (
            hpa["metadata"].get("namespace") == meta["namespace"]
            and ref.get("kind") == kind
            and ref.get("name") == meta["name"]
        ):
            return hpa
    return None


def workload_rows(
    workloads: list[tuple[str, dict[str, Any]]],
    pods: list[dict[str, Any]],
    hpas: list[dict[str, Any]],
    usage: history.History,
) -> list[WorkloadRow]:
    """Each (kind, object) with replicas, current usage summed over its pods and its HPA, by namespace and name."""
    rows = []
    for kind, workload in workloads:
        meta, status = workload["metadata"], workload.get("status", {})
        latest = [usage.latest.get((meta["namespace"], name)) for name in pods_of(workload, pods)]
        hpa = hpa_of(workload, kind, hpas)
        rows.append(
            WorkloadRow(
                meta["namespace"],
                kind,
                meta["name"],
                status.get("readyReplicas", 0),
                workload.get("spec", {}).get("replicas", 1),
                sum(u.cpu_milli for u in latest if u),
                sum(u.memory_bytes for u in latest if u),
                hpa["metadata"]["name"] if hpa else "",
            )
        )
    return sorted(rows, key=lambda row: (row.namespace, row.name, row.kind))


def matches(row: WorkloadRow, namespace: str, name: str) -> bool:
    """The workloads filter: exact namespace (empty for all), name containing the text."""
    return (not namespace or row.namespace == namespace) and name.lower() in row.name.lower()


def pod_name_pattern(kind: str, name: str) -> re.Pattern[str]:
    """Names the workload's pods get: `<name>-<template hash>-<suffix>` for a Deployment, `<name>-<ordinal>` else."""
    if kind == "Deployment":
        return re.compile(re.escape(name) + r"-[a-z0-9]{1,10}-[a-z0-9]{5}")
    return re.compile(re.escape(name) + r"-\d+")

"""Decode a kubelet `GET /metrics/resource` body into one node's points, with upstream metrics-server's rules.

Only five series are read: node and container CPU counters, node and container working sets, container start times.
A line that does not parse fails the whole node (upstream drops the node's batch). A node point needs non-zero CPU
and memory; a pod is kept only if every container it reported has non-zero CPU and memory. NaN, ±Inf and negative
values are treated as missing, which upstream leaves undefined. A series that appears twice takes its last value, as
upstream's map assignment does; `decode` also says how many lines repeated a series and what it dropped as incomplete.
"""

import math
import re
from dataclasses import dataclass, field

from services import events

_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
_METRIC_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_NODE_CPU, _NODE_MEMORY = "node_cpu_usage_seconds_total", "node_memory_working_set_bytes"
_CONTAINER_CPU, _CONTAINER_MEMORY = "container_cpu_usage_seconds_total", "container_memory_working_set_bytes"
_CONTAINER_START = "container_start_time_seconds"
_CONTAINER_SERIES = frozenset((_CONTAINER_CPU, _CONTAINER_MEMORY, _CONTAINER_START))
# The lines a kubelet writes (labels sorted, none escaped) are recognised by splitting them at their quotes, which
# costs a third of matching them with a regular expression; any other shape takes the general path.
# container_*{container="C",namespace="NS",pod="P"} V T -> [prefix, C, ',namespace=', NS, ',pod=', P, '} V T']
_CONTAINER_PREFIXES = {f"{name}{{container=": name for name in _CONTAINER_SERIES}
# pod_*{namespace="NS",pod="P"} V T, series we do not read but still check
_POD_PREFIXES = frozenset(("pod_cpu_usage_seconds_total{namespace=", "pod_memory_working_set_bytes{namespace="))
# A well-formed line of any other series we do not read (scrape_error, ...): checked, then skipped.
_SKIPPED_LINE = re.compile(
    r"(?!node_cpu_usage_seconds_total|node_memory_working_set_bytes|container_)[A-Za-z_:][A-Za-z0-9_:]*"
    r'(?:\{[A-Za-z_][A-Za-z0-9_]*="[^"\\]*"(?:,[A-Za-z_][A-Za-z0-9_]*="[^"\\]*")*\})? (\S+)(?: \d+)?'
)


class ParseError(ValueError):
    """A body that is not valid Prometheus text; the node contributes nothing this cycle."""


@dataclass
class _Point:
    start_time_ns: int = 0
    timestamp_ns: int = 0
    cpu_ns: int = 0
    memory_bytes: int = 0


@dataclass
class _Body:
    node: _Point = field(default_factory=_Point)
    containers: dict[tuple[str, str], dict[str, _Point]] = field(default_factory=dict)
    duplicates: int = 0  # lines of a series read before in this body


@dataclass(frozen=True)
class Decoded:
    """One body's points and what decoding noticed about it."""

    node: events.NodePoint | None
    pods: tuple[events.PodPoint, ...]
    duplicate_series: int  # lines repeating a node or container series (the last one counts)
    incomplete_node: bool  # the node's series were there but zero or missing
    incomplete_pods: int  # pods dropped because a container lacked CPU or memory


def parse(text: str, default_time_ns: int) -> tuple[events.NodePoint | None, tuple[events.PodPoint, ...]]:
    """The node point (None if incomplete) and the complete pods of one body; ParseError if a line is invalid."""
    decoded = decode(text, default_time_ns)
    return decoded.node, decoded.pods


def decode(text: str, default_time_ns: int) -> Decoded:
    """A body's points and notes; ParseError if a line is invalid.

    `default_time_ns` stamps samples that carry no timestamp: the time the request was sent, as upstream does.
    """
    body = _Body()
    containers, pods, skipped = _CONTAINER_PREFIXES.get, _POD_PREFIXES, _SKIPPED_LINE.fullmatch
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or line[0] == "#" or line.isspace():
            continue
        try:
            parts = line.split('"')
            if len(parts) == 7 and (name := containers(parts[0])) and parts[2] == ",namespace=" and parts[4] == ",pod=":
                tail = parts[6]
                value, _, stamp = tail[2:].partition(" ")
                if tail[:2] == "} " and value and (not stamp or (stamp.isdigit() and stamp.isascii())):
                    _read_container_line(body, name, parts[1], parts[3], parts[5], float(value), stamp, default_time_ns)
                    continue
            elif len(parts) == 5 and parts[0] in pods and parts[2] == ",pod=":
                tail = parts[4]
                value, _, stamp = tail[2:].partition(" ")
                if tail[:2] == "} " and value and (not stamp or (stamp.isdigit() and stamp.isascii())):
                    float(value)  # a series we do not read still fails the node if its value is no number
                    continue
            if match := skipped(line):
                float(match.group(1))
            else:
                _read_line(body, line, default_time_ns)
        except (ValueError, IndexError, OverflowError) as error:  # OverflowError: 1e300 s of CPU in ns
            raise ParseError(f"line {number}: {error}: {line[:120]!r}") from None
    node, complete = _node_point(body.node), _complete_pods(body.containers)
    incomplete_node = node is None and body.node.timestamp_ns != 0
    return Decoded(node, complete, body.duplicates, incomplete_node, len(body.containers) - len(complete))


def _read_line(body: _Body, line: str, default_time_ns: int) -> None:
    name, labels, rest = _split_series(line)
    value = float(rest[0])
    timestamp_ns = int(rest[1]) * 1_000_000 if len(rest) > 1 else default_time_ns
    if timestamp_ns < 0 or len(rest) > 2:
        raise ValueError("invalid timestamp")
    if not math.isfinite(value) or value < 0:
        return  # treated as missing: the point stays incomplete
    if name in _CONTAINER_SERIES:
        _read_container(body, name, labels, value, timestamp_ns)
    elif name == _NODE_CPU:
        body.duplicates += body.node.cpu_ns != 0
        body.node.cpu_ns, body.node.timestamp_ns = int(value * 1e9), timestamp_ns
    elif name == _NODE_MEMORY:
        body.duplicates += body.node.memory_bytes != 0
        body.node.memory_bytes, body.node.timestamp_ns = int(value), timestamp_ns


def _read_container_line(
    body: _Body, name: str, container: str, namespace: str, pod: str, value: float, stamp: str, default_ns: int
) -> None:
    if not math.isfinite(value) or value < 0:
        return  # treated as missing: the point stays incomplete
    _store(body, name, (namespace, pod), container, value, int(stamp) * 1_000_000 if stamp else default_ns)


def _split_series(line: str) -> tuple[str, str, list[str]]:
    """(metric name, raw label text, [value, timestamp?]) of a sample line."""
    brace = line.find("{")
    if brace < 0:
        name, *rest = line.split()
    else:
        close = line.rfind("}")
        if close < brace:
            raise ValueError("unterminated label set")
        name, rest = line[:brace], line[close + 1 :].split()
    if not _METRIC_NAME.fullmatch(name) or not rest:
        raise ValueError("expected a metric name and a value")
    return name, line[brace + 1 : line.rfind("}")] if brace >= 0 else "", rest


def _read_container(body: _Body, name: str, labels: str, value: float, timestamp_ns: int) -> None:
    found = dict(_LABEL.findall(labels))
    try:
        key, container = (found["namespace"], found["pod"]), found["container"]
    except KeyError as missing:
        raise ValueError(f"series {name} lacks label {missing}") from None
    _store(body, name, key, container, value, timestamp_ns)


def _store(body: _Body, name: str, key: tuple[str, str], container: str, value: float, timestamp_ns: int) -> None:
    pod = body.containers.get(key)
    if pod is None:
        pod = body.containers[key] = {}
    point = pod.get(container)
    if point is None:  # not setdefault: that would build a point for every line
        point = pod[container] = _Point()
    if name == _CONTAINER_START:
        body.duplicates += point.start_time_ns != 0
        point.start_time_ns = int(value * 1e9)
    elif name == _CONTAINER_CPU:
        body.duplicates += point.cpu_ns != 0
        point.cpu_ns, point.timestamp_ns = int(value * 1e9), timestamp_ns
    else:
        body.duplicates += point.memory_bytes != 0
        point.memory_bytes, point.timestamp_ns = int(value), timestamp_ns


def _node_point(point: _Point) -> events.NodePoint | None:
    if not (point.timestamp_ns and point.cpu_ns and point.memory_bytes):
        return None
    return events.NodePoint(
        timestamp_ns=point.timestamp_ns,
        cpu_core_nanoseconds_total=point.cpu_ns,
        memory_working_set_bytes=point.memory_bytes,
    )


def _complete_pods(containers: dict[tuple[str, str], dict[str, _Point]]) -> tuple[events.PodPoint, ...]:
    pods = []
    for (namespace, pod), points in containers.items():
        complete = [
            events.ContainerPoint(
                name=name,
                start_time_ns=p.start_time_ns,
                timestamp_ns=p.timestamp_ns,
                cpu_core_nanoseconds_total=p.cpu_ns,
                memory_working_set_bytes=p.memory_bytes,
            )
            for name, p in points.items()
            if p.cpu_ns and p.memory_bytes
        ]
        if complete and len(complete) == len(points):
            pods.append(events.PodPoint(namespace=namespace, name=pod, containers=tuple(complete)))
    return tuple(pods)

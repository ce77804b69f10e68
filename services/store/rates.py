"""The store's fold: kubelet samples in, CPU rates and working sets out, with upstream metrics-server's rules.

Per node and per container the state keeps exactly two points, `last` and `prev`. A newer point moves `last` to
`prev`; a point that is not newer keeps an older `prev` if there is one, else drops it; a container whose start time
is not before the previous sample restarted and has no `prev`; a container between 10 s and one resolution old gets
a synthetic `prev` at its start time with zero CPU, so it is served after one sample. A failed scrape forgets the
node, as upstream's per-cycle rebuild forgets a node missing from the batch. A scrape no newer than the last one
applied is ignored, which makes redelivery harmless.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from services import events

FRESH_CONTAINER_MIN_NS = 10_000_000_000  # upstream's freshContainerMinMetricsResolution


@dataclass(frozen=True, slots=True)
class Point:
    """One cumulative sample; nodes have no start time (0)."""

    start_time_ns: int
    timestamp_ns: int
    cpu_ns: int
    memory_bytes: int


@dataclass(frozen=True, slots=True)
class Window:
    """The newest point and the point a rate is computed against, if any."""

    last: Point
    prev: Point | None


@dataclass(frozen=True, slots=True)
class NodeState:
    """Everything the store keeps for one node."""

    scraped_at_ns: int
    node: Window | None
    pods: Mapping[tuple[str, str], Mapping[str, Window]]


class RateError(ValueError):
    """Two points that yield no rate: the counter or the start time went backwards."""


def apply(state: NodeState | None, event: events.SampleEvent, resolution_ns: int) -> NodeState | None:
    """The node's state after one event; None when the node has nothing left."""
    if state is not None and event.scraped_at_ns <= state.scraped_at_ns:
        return state
    match event:
        case events.NodeScrapeFailed():
            return None
        case events.NodeSampled():
            old_pods = state.pods if state else {}
            return NodeState(
                scraped_at_ns=event.scraped_at_ns,
                node=_node_window(state.node if state else None, event.node_point),
                pods={
                    (p.namespace, p.name): _pod_windows(old_pods.get((p.namespace, p.name), {}), p, resolution_ns)
                    for p in event.pods
                },
            )


def _node_window(old: Window | None, new: events.NodePoint | None) -> Window | None:
    if new is None:
        return None
    point = Point(0, new.timestamp_ns, new.cpu_core_nanoseconds_total, new.memory_working_set_bytes)
    return Window(point, _prev(old, point))


def _prev(old: Window | None, new: Point) -> Point | None:
    """The point to compute against: the old last if the new point is newer, else an older prev, else none."""
    if old is None:
        return None
    if new.timestamp_ns > old.last.timestamp_ns:
        return old.last
    if old.prev is not None and old.prev.timestamp_ns < new.timestamp_ns:
        return old.prev
    return None


def _pod_windows(old: Mapping[str, Window], pod: events.PodPoint, resolution_ns: int) -> dict[str, Window]:
    windows = {}
    for c in pod.containers:
        point = Point(c.start_time_ns, c.timestamp_ns, c.cpu_core_nanoseconds_total, c.memory_working_set_bytes)
        windows[c.name] = Window(point, _container_prev(old.get(c.name), point, resolution_ns))
    return windows


def _container_prev(old: Window | None, new: Point, resolution_ns: int) -> Point | None:
    age_ns = new.timestamp_ns - new.start_time_ns
    if new.start_time_ns < new.timestamp_ns and FRESH_CONTAINER_MIN_NS <= age_ns < resolution_ns:
        return Point(new.start_time_ns, new.start_time_ns, 0, new.memory_bytes)  # served after one sample
    if old is not None and new.start_time_ns < old.last.timestamp_ns:
        return _prev(old, new)
    return None  # restarted, or first seen


def usage(window: Window) -> tuple[int, int, int, int] | None:
    """(timestamp, window, CPU nanocores, memory bytes) of a window with a prev; RateError if it went backwards."""
    last, prev = window.last, window.prev
    if prev is None:
        return None
    if last.start_time_ns < prev.start_time_ns:
        raise RateError("unexpected decrease in start time")
    if last.cpu_ns < prev.cpu_ns:
        raise RateError("unexpected decrease in cumulative CPU usage value")
    window_ns = last.timestamp_ns - prev.timestamp_ns
    return last.timestamp_ns, window_ns, int((last.cpu_ns - prev.cpu_ns) / (window_ns / 1e9)), last.memory_bytes


def rates(node: str, state: NodeState | None, scraped_at_ns: int) -> events.NodeRatesComputed:
    """Everything servable for the node: its usage if it has a rate, and every pod whose containers all have one."""
    node_usage = _node_usage(state.node) if state and state.node else None
    pods = tuple(
        pod
        for (namespace, name), windows in (state.pods.items() if state else ())
        if (pod := _pod_usage(namespace, name, windows)) is not None
    )
    return events.NodeRatesComputed(node=node, scraped_at_ns=scraped_at_ns, node_usage=node_usage, pods=pods)


def _node_usage(window: Window) -> events.NodeUsage | None:
    try:
        result = usage(window)
    except RateError:
        return None
    if result is None:
        return None
    timestamp_ns, window_ns, cpu, memory = result
    return events.NodeUsage(timestamp_ns=timestamp_ns, window_ns=window_ns, cpu_nanocores=cpu, memory_bytes=memory)


def _pod_usage(namespace: str, name: str, windows: Mapping[str, Window]) -> events.PodUsage | None:
    """A pod only when every container has a prev; containers whose rate fails are left out, as upstream does."""
    if not windows or any(w.prev is None for w in windows.values()):
        return None
    containers, earliest = [], (0, 0)
    for container, window in windows.items():
        try:
            result = usage(window)
        except RateError:
            continue
        assert result is not None  # every window has a prev here
        timestamp_ns, window_ns, cpu, memory = result
        containers.append(events.ContainerUsage(name=container, cpu_nanocores=cpu, memory_bytes=memory))
        if earliest[0] == 0 or timestamp_ns < earliest[0]:
            earliest = (timestamp_ns, window_ns)
    return events.PodUsage(
        namespace=namespace, name=name, timestamp_ns=earliest[0], window_ns=earliest[1], containers=tuple(containers)
    )


def points(state: NodeState | None) -> tuple[int, int]:
    """(nodes, containers) of one node's state that have a prev point: its share of metrics_server_storage_points."""
    if state is None:
        return 0, 0
    node = 1 if state.node and state.node.prev else 0
    return node, sum(1 for pod in state.pods.values() for window in pod.values() if window.prev)

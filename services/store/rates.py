"""The store's fold: kubelet samples in, CPU rates and working sets out, with upstream metrics-server's rules.

Per node and per container the state keeps exactly two points, `last` and `prev`. A newer point moves `last` to
`prev`; a point that is not newer keeps an older `prev` if there is one, else drops it; a container whose start time
is not before the previous sample restarted and has no `prev`; a container between 10 s and one resolution old gets
a synthetic `prev` at its start time with zero CPU, so it is served after one sample. A failed scrape forgets the
node, as upstream's per-cycle rebuild forgets a node missing from the batch; the state keeps the failure's time, so
a sample from before it that is delivered late cannot start a window across the failure. A scrape no newer than the
last one applied is ignored: a redelivered event changes nothing, and once the newest scrape is applied the state is
the one in-order delivery gives.

A window longer than three resolutions is not a window: the point before it is no `prev`. Upstream rebuilds its
storage every cycle, so a node missing from one cycle has no previous point; here the previous point stays until a
failed scrape forgets it, and without this bound a node whose samples stopped with no failure in between (its
scraper was down, it was deselected and selected again, its kubelet's clock jumped an hour ahead) would be served a
rate averaged over the whole gap as if it were one window. Three resolutions allow a cycle or two skipped by an
overloaded or restarting scraper and a kubelet housekeeping interval longer than the resolution. Every new point
becomes `last`, so a sample from the future (a kubelet clock corrected back) blinds the node for one cycle, not until
its clock catches up.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from services import events

FRESH_CONTAINER_MIN_NS = 10_000_000_000  # upstream's freshContainerMinMetricsResolution
MAX_WINDOW_RESOLUTIONS = 3  # a longer gap between two points is no window (module docstring)

# The sample events' own points are kept as they arrive: a window is a plain (last, prev) pair, so folding a node
# allocates one tuple per container and nothing else.
NodeWindow = tuple[events.NodePoint, events.NodePoint | None]
Window = tuple[events.ContainerPoint, events.ContainerPoint | None]


@dataclass(frozen=True, slots=True)
class NodeState:
    """Everything the store keeps for one node; after a failed scrape, only the time of that scrape."""

    scraped_at_ns: int
    node: NodeWindow | None
    pods: Mapping[tuple[str, str], Mapping[str, Window]]


def apply(state: NodeState | None, event: events.SampleEvent, resolution_ns: int) -> NodeState:
    """The node's state after one event."""
    if state is not None and event.scraped_at_ns <= state.scraped_at_ns:
        return state
    match event:
        case events.NodeScrapeFailed():
            return NodeState(scraped_at_ns=event.scraped_at_ns, node=None, pods={})
        case events.NodeSampled():
            old_pods = state.pods if state else {}
            return NodeState(
                scraped_at_ns=event.scraped_at_ns,
                node=_node_window(state.node if state else None, event.node_point, resolution_ns),
                pods={
                    (p.namespace, p.name): _pod_windows(old_pods.get((p.namespace, p.name)), p, resolution_ns)
                    for p in event.pods
                },
            )


def _node_window(old: NodeWindow | None, new: events.NodePoint | None, resolution_ns: int) -> NodeWindow | None:
    if new is None:
        return None
    if old is None:
        return new, None
    last, prev = old
    if new.timestamp_ns > last.timestamp_ns:
        prev = last
    elif prev is not None and prev.timestamp_ns >= new.timestamp_ns:
        prev = None
    if prev is not None and new.timestamp_ns - prev.timestamp_ns > MAX_WINDOW_RESOLUTIONS * resolution_ns:
        prev = None
    return new, prev


def _pod_windows(old: Mapping[str, Window] | None, pod: events.PodPoint, resolution_ns: int) -> dict[str, Window]:
    """Each container's new window. The point to compute against: the old last if the new point is newer, else an
    older prev, else none, and none across more than three resolutions; a container that started after the old last
    restarted and has none, and a fresh one (between 10 s and one resolution old) gets a synthetic prev at its start
    with zero CPU, served after one sample."""
    windows: dict[str, Window] = {}
    for c in pod.containers:
        start, at = c.start_time_ns, c.timestamp_ns
        prev: events.ContainerPoint | None = None
        if start < at and FRESH_CONTAINER_MIN_NS <= at - start < resolution_ns:
            prev = events.ContainerPoint(
                name=c.name,
                start_time_ns=start,
                timestamp_ns=start,
                cpu_core_nanoseconds_total=0,
                memory_working_set_bytes=c.memory_working_set_bytes,
            )
        elif old is not None and (window := old.get(c.name)) is not None and start < window[0].timestamp_ns:
            last, older = window
            if at > last.timestamp_ns:
                prev = last
            elif older is not None and older.timestamp_ns < at:
                prev = older
            if prev is not None and at - prev.timestamp_ns > MAX_WINDOW_RESOLUTIONS * resolution_ns:
                prev = None
        windows[c.name] = (c, prev)
    return windows


def rates(node: str, state: NodeState | None, scraped_at_ns: int) -> events.NodeRatesComputed:
    """Everything servable for the node: its usage if it has a rate, and every pod whose containers all have one."""
    node_usage = _node_usage(*state.node) if state and state.node else None
    pods = []
    for (namespace, name), windows in state.pods.items() if state else ():
        if (pod := _pod_usage(namespace, name, windows)) is not None:
            pods.append(pod)
    return events.NodeRatesComputed(node=node, scraped_at_ns=scraped_at_ns, node_usage=node_usage, pods=tuple(pods))


def _node_usage(last: events.NodePoint, prev: events.NodePoint | None) -> events.NodeUsage | None:
    """The node's rate; none when it has no prev or its counter went backwards."""
    if prev is None or last.cpu_core_nanoseconds_total < prev.cpu_core_nanoseconds_total:
        return None
    window_ns = last.timestamp_ns - prev.timestamp_ns
    cpu = int((last.cpu_core_nanoseconds_total - prev.cpu_core_nanoseconds_total) / (window_ns / 1e9))
    return events.NodeUsage(
        timestamp_ns=last.timestamp_ns,
        window_ns=window_ns,
        cpu_nanocores=cpu,
        memory_bytes=last.memory_working_set_bytes,
    )


def _pod_usage(namespace: str, name: str, windows: Mapping[str, Window]) -> events.PodUsage | None:
    """A pod only when every container has a rate; the pod's window is its earliest container's.

    A container whose start time or CPU counter went backwards has no rate, so its pod is left out until the next
    sample. Upstream serves such a pod without that container (with none at all, a PodMetrics with a zero timestamp),
    and an HPA then counts the pod's usage short: a decision on partial data.
    """
    containers, earliest = [], (0, 0)
    for container, (last, prev) in windows.items():
        if prev is None:
            return None
        cpu, prev_cpu = last.cpu_core_nanoseconds_total, prev.cpu_core_nanoseconds_total
        if last.start_time_ns < prev.start_time_ns or cpu < prev_cpu:
            return None
        window_ns = last.timestamp_ns - prev.timestamp_ns
        rate = int((cpu - prev_cpu) / (window_ns / 1e9))
        containers.append(
            events.ContainerUsage(name=container, cpu_nanocores=rate, memory_bytes=last.memory_working_set_bytes)
        )
        if earliest[0] == 0 or last.timestamp_ns < earliest[0]:
            earliest = (last.timestamp_ns, window_ns)
    if not windows:
        return None
    return events.PodUsage(
        namespace=namespace, name=name, timestamp_ns=earliest[0], window_ns=earliest[1], containers=tuple(containers)
    )


def points(state: NodeState | None) -> tuple[int, int]:
    """(nodes, containers) of one node's state that have a prev point: its share of metrics_server_storage_points."""
    if state is None:
        return 0, 0
    node = 1 if state.node and state.node[1] is not None else 0
    return node, sum(1 for pod in state.pods.values() for _, prev in pod.values() if prev is not None)

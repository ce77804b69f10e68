"""Usage history folded from RATES events: every node's latest view, every pod's latest usage, and a bounded time
series per pod (CPU millicores, memory bytes) for the charts.

Bounded twice: points older than the retention are dropped, and only `max_pods` pods get a series (the first ones
seen keep theirs until they go away). Three parallel arrays of 64-bit ints per pod: 24 bytes a point. The points a
series gains are recorded to USAGE (see `recording`), and `restore` folds them back in after a restart.
"""

from array import array
from dataclasses import dataclass, field

from services import events

NS = 1_000_000_000
MS = 1_000_000
SWEEP_EVERY_NS = 60 * NS  # how often series of pods that went away are dropped


@dataclass(frozen=True)
class NodeView:
    """A node's latest rates: when it was scraped, its own usage (None when the kubelet gave none) and pod count."""

    scraped_at_ns: int
    cpu_milli: int | None
    memory_bytes: int | None
    pods: int


@dataclass(frozen=True)
class Usage:
    """One pod's usage at one time."""

    at_ns: int
    cpu_milli: int
    memory_bytes: int


@dataclass
class Series:
    """One pod's usage over time, oldest first."""

    at_ns: array = field(default_factory=lambda: array("q"))  # type: ignore[type-arg]
    cpu_milli: array = field(default_factory=lambda: array("q"))  # type: ignore[type-arg]
    memory_bytes: array = field(default_factory=lambda: array("q"))  # type: ignore[type-arg]

    def add(self, usage: Usage) -> bool:
        """Append a newer point; an older or repeated one (a replayed event) is ignored: False."""
        if self.at_ns and usage.at_ns <= self.at_ns[-1]:
            return False
        self.at_ns.append(usage.at_ns)
        self.cpu_milli.append(usage.cpu_milli)
        self.memory_bytes.append(usage.memory_bytes)
        return True

    def drop_before(self, cutoff_ns: int) -> None:
        """Forget points older than the cutoff."""
        keep = next((i for i, at in enumerate(self.at_ns) if at >= cutoff_ns), len(self.at_ns))
        if keep:
            del self.at_ns[:keep], self.cpu_milli[:keep], self.memory_bytes[:keep]

    def points(self) -> list[Usage]:
        return [Usage(*p) for p in zip(self.at_ns, self.cpu_milli, self.memory_bytes, strict=True)]


PodKey = tuple[str, str]  # (namespace, name)


class History:
    """The console's usage model; `apply` is the only writer."""

    def __init__(self, retention_ns: int, max_pods: int) -> None:
        self.retention_ns, self.max_pods = retention_ns, max_pods
        self.nodes: dict[str, NodeView] = {}
        self.latest: dict[PodKey, Usage] = {}
        self.series: dict[PodKey, Series] = {}
        self.newest_ns = 0
        self._pods_of_node: dict[str, set[PodKey]] = {}
        self._swept_ns = 0

    def apply(self, event: events.NodeRatesComputed) -> list[tuple[PodKey, Usage]]:
        """Fold one node's rates in: its view replaces the previous one, each pod's usage extends its series.
        Returns the points the series gained (times in whole ms, as USAGE records them), for the recorder."""
        usage = event.node_usage
        self.nodes[event.node] = NodeView(
            event.scraped_at_ns,
            None if usage is None else usage.cpu_nanocores // 1_000_000,
            None if usage is None else usage.memory_bytes,
            len(event.pods),
        )
        keys, gained = set(), []
        for pod in event.pods:
            key = (pod.namespace, pod.name)
            keys.add(key)
            point = Usage(
                pod.timestamp_ns - pod.timestamp_ns % MS,
                sum(c.cpu_nanocores for c in pod.containers) // 1_000_000,
                sum(c.memory_bytes for c in pod.containers),
            )
            self.latest[key] = point
            if self._extend(key, point):
                gained.append((key, point))
        for gone in self._pods_of_node.get(event.node, set()) - keys:
            self.latest.pop(gone, None)  # its history stays until the retention drops it
        self._pods_of_node[event.node] = keys
        self.newest_ns = max(self.newest_ns, event.scraped_at_ns)
        if self.newest_ns - self._swept_ns >= SWEEP_EVERY_NS:
            self.sweep(self.newest_ns)
        return gained

    def restore(self, record: events.UsageRecorded) -> None:
        """Fold a recorded minute back into the series (after a restart); points already known are ignored."""
        for pod in record.pods:
            key = (record.namespace, pod.name)
            for offset_ms, cpu_milli, memory_bytes in pod.points:
                self._extend(key, Usage(record.minute_ns + offset_ms * MS, cpu_milli, memory_bytes))

    def _extend(self, key: PodKey, point: Usage) -> bool:
        series = self.series.get(key)
        if series is None:
            if len(self.series) >= self.max_pods:
                return False
            series = self.series[key] = Series()
        return series.add(point)

    def sweep(self, now_ns: int) -> None:
        """Drop points older than the retention, and the series left empty."""
        cutoff = now_ns - self.retention_ns
        for key in list(self.series):
            series = self.series[key]
            series.drop_before(cutoff)
            if not series.at_ns:
                del self.series[key]
        self._swept_ns = now_ns

"""The autoscaler's view of pod usage: the latest rates of every pod from RATES, as PodMetrics objects.

The same data the metrics API serves, read straight from the stream so an evaluation needs no HTTP round trip;
rates from a scrape older than three resolutions are left out, as the api leaves them out.
"""

from services import events
from services.autoscaler import objects
from services.lib import quantity, timefmt

PodKey = tuple[str, str]


class Usage:
    """Latest PodUsage of every pod, with the node and scrape time it came from."""

    def __init__(self, max_age_ns: int) -> None:
        self.max_age_ns = max_age_ns
        self._pods: dict[PodKey, tuple[str, events.PodUsage]] = {}
        self._of_node: dict[str, list[PodKey]] = {}
        self._scraped_at: dict[str, int] = {}

    def apply(self, event: events.NodeRatesComputed) -> list[PodKey]:
        """Take a node's new rates; the pods whose usage changed or went away. Rates of an older scrape than the ones
        held change nothing, as in the api's read model."""
        node = event.node
        if event.scraped_at_ns < self._scraped_at.get(node, 0):
            return []
        self._scraped_at[node] = event.scraped_at_ns
        touched = []
        for key in self._of_node.pop(node, ()):
            if self._pods.get(key, ("",))[0] == node:
                del self._pods[key]
                touched.append(key)
        keys = [(pod.namespace, pod.name) for pod in event.pods]
        for key, pod in zip(keys, event.pods, strict=True):
            self._pods[key] = (node, pod)
        self._of_node[node] = keys
        return [*touched, *keys]

    def pod_metrics(self, namespace: str, names: list[str], now_ns: int) -> list[objects.PodMetrics]:
        """PodMetrics of the named pods that have fresh rates, as the metrics API would list them."""
        found = []
        for name in sorted(names):
            entry = self._pods.get((namespace, name))
            if entry is None or self._scraped_at.get(entry[0], 0) < now_ns - self.max_age_ns:
                continue
            usage = entry[1]
            containers = [
                objects.ContainerMetrics(name=c.name, usage={"cpu": quantity.format_cpu(c.cpu_nanocores),
                                                             "memory": quantity.format_memory(c.memory_bytes)})
                for c in usage.containers
            ]  # fmt: skip
            found.append(objects.PodMetrics(
                metadata=objects.Meta(name=name, namespace=namespace),
                timestamp=timefmt.rfc3339(usage.timestamp_ns) if usage.timestamp_ns else None,
                window=timefmt.format_duration(usage.window_ns), containers=containers,
            ))  # fmt: skip
        return found

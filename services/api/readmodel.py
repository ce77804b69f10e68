"""The api's read model: the latest rates of every node and pod, and the labels of Nodes and Running Pods.

One object owned by the api process; changed only by the RATES handler and the informer callbacks, all on one loop.
Rates from a scrape older than `max_age_ns` are not served: a node nobody scrapes any more must not look alive.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from services import events
from services.lib import kubeobjects
from services.lib.selectors import FieldSelector, LabelSelector

PodKey = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True)
class NodeRow:
    """A node that can be served."""

    name: str
    labels: dict[str, str]
    usage: events.NodeUsage


@dataclass(frozen=True)
class PodRow:
    """A Running pod that can be served."""

    namespace: str
    name: str
    labels: dict[str, str]
    usage: events.PodUsage


class ReadModel:
    """Rates by node and pod, labels by node and Running pod."""

    def __init__(self, max_age_ns: int) -> None:
        self.max_age_ns = max_age_ns
        self.scraped_at: dict[str, int] = {}  # node -> ns of the scrape its rates follow
        self.node_usage: dict[str, events.NodeUsage] = {}
        self.pod_usage: dict[PodKey, tuple[str, events.PodUsage]] = {}  # key -> (reporting node, usage)
        self._pods_of_node: dict[str, list[PodKey]] = {}
        self.node_labels: dict[str, dict[str, str]] = {}
        self.running_pods: dict[str, dict[str, dict[str, str]]] = {}  # namespace -> name -> labels
        self._labelled: dict[tuple[str, str, str], set[str]] = {}  # (namespace, key, value) -> Running pod names

    def apply(self, event: events.NodeRatesComputed) -> None:
        """Replace everything the node reported before with what it reports now; rates of an older scrape than the ones
        held (a redelivery, or two stores handing a partition over) change nothing."""
        node = event.node
        if event.scraped_at_ns < self.scraped_at.get(node, 0):
            return
        self.scraped_at[node] = event.scraped_at_ns
        for key in self._pods_of_node.pop(node, ()):
            if self.pod_usage.get(key, (None,))[0] == node:
                del self.pod_usage[key]
        if event.node_usage is None:
            self.node_usage.pop(node, None)
        else:
            self.node_usage[node] = event.node_usage
        keys = []
        for pod in event.pods:
            key = (pod.namespace, pod.name)
            self.pod_usage[key] = (node, pod)
            keys.append(key)
        self._pods_of_node[node] = keys

    def on_node(self, old: kubeobjects.Object | None, new: kubeobjects.Object | None) -> None:
        """Informer callback for Nodes."""
        if new is None:
            if old is not None:
                self.node_labels.pop(old.metadata.name, None)
        else:
            self.node_labels[new.metadata.name] = new.metadata.labels

    def on_pod(self, old: kubeobjects.Object | None, new: kubeobjects.Object | None) -> None:
        """Informer callback for Running Pods."""
        if old is not None:
            namespace, name = old.metadata.namespace, old.metadata.name
            for key, value in self.running_pods.get(namespace, {}).pop(name, {}).items():
                names = self._labelled.get((namespace, key, value), set())
                names.discard(name)
                if not names:
                    self._labelled.pop((namespace, key, value), None)
        if new is not None:
            namespace, name = new.metadata.namespace, new.metadata.name
            self.running_pods.setdefault(namespace, {})[name] = new.metadata.labels
            for key, value in new.metadata.labels.items():
                self._labelled.setdefault((namespace, key, value), set()).add(name)

    def knows_node(self, name: str) -> bool:
        """Whether the Node exists."""
        return name in self.node_labels

    def knows_pod(self, namespace: str, name: str) -> bool:
        """Whether the Pod exists and is Running."""
        return name in self.running_pods.get(namespace, {})

    @property
    def ready(self) -> bool:
        """Upstream's storage readiness: at least one node and one pod can be served."""
        return bool(self.node_usage) and bool(self.pod_usage)

    def _fresh(self, node: str, now_ns: int) -> bool:
        return self.scraped_at.get(node, 0) >= now_ns - self.max_age_ns

    def nodes(self, labels: LabelSelector, fields: FieldSelector, now_ns: int) -> list[NodeRow]:
        """Known nodes matching both selectors that have fresh usage, sorted by name."""
        rows = []
        for name in sorted(self._candidate_nodes(fields)):
            node_labels, usage = self.node_labels.get(name), self.node_usage.get(name)
            if node_labels is None or usage is None or not labels.matches(node_labels) or not self._fresh(name, now_ns):
                continue
            if fields.matches({"metadata.name": name}):
                rows.append(NodeRow(name, node_labels, usage))
        return rows

    def _candidate_nodes(self, fields: FieldSelector) -> Iterator[str]:
        name = fields.value("metadata.name")
        return iter([name] if name is not None else self.node_labels)

    def pods(self, namespace: str, labels: LabelSelector, fields: FieldSelector, now_ns: int) -> list[PodRow]:
        """Running pods in the namespace ('' for all) matching both selectors that have fresh usage, sorted."""
        rows = []
        for ns in sorted([namespace] if namespace else self.running_pods):
            running = self.running_pods.get(ns, {})
            for name in sorted(self._candidate_pods(ns, labels)):
                pod_labels, reported = running[name], self.pod_usage.get((ns, name))
                if reported is None or not labels.matches(pod_labels) or not self._fresh(reported[0], now_ns):
                    continue
                if fields.matches({"metadata.name": name, "metadata.namespace": ns}):
                    rows.append(PodRow(ns, name, pod_labels, reported[1]))
        return rows

    def _candidate_pods(self, namespace: str, labels: LabelSelector) -> Iterable[str]:
        """Names that may match: with `key=value` requirements (what an HPA sends), the smallest indexed set of
        them, so a workload's pods are found without a walk over the whole namespace."""
        equal = labels.equalities()
        if not equal:
            return self.running_pods.get(namespace, {})
        return min((self._labelled.get((namespace, k, v), set()) for k, v in equal.items()), key=len)

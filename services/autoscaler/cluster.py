"""The autoscaler's view of the cluster: HPAs and pods from informers, pods indexed by namespace.

Changed only by informer callbacks on the service's one loop. Selectors come from the targets' scale subresources
as evaluations read them, so fresh rates of a pod can be mapped to the HPAs that count it.
"""

from services.autoscaler import objects
from services.lib import selectors


class Cluster:
    """HPAs, pods by namespace, and the last known selector of each HPA's target."""

    def __init__(self) -> None:
        self.hpas: dict[str, objects.HPA] = {}  # "namespace/name" -> HPA
        self.pods: dict[str, dict[str, objects.Pod]] = {}  # namespace -> name -> pod
        self.selectors: dict[str, selectors.LabelSelector] = {}  # HPA key -> its target's pod selector

    def on_pod(self, old: objects.Pod | None, new: objects.Pod | None) -> None:
        """Informer callback for pods."""
        if new is not None:
            self.pods.setdefault(new.metadata.namespace, {})[new.metadata.name] = new
        elif old is not None:
            self.pods.get(old.metadata.namespace, {}).pop(old.metadata.name, None)

    def on_hpa(self, old: objects.HPA | None, new: objects.HPA | None) -> bool:
        """Informer callback for HPAs; True when the spec changed (or the HPA is new or gone)."""
        if new is None:
            if old is not None:
                self.hpas.pop(old.metadata.key, None)
                self.selectors.pop(old.metadata.key, None)
            return True
        self.hpas[new.metadata.key] = new
        return old is None or old.spec != new.spec

    def selected(self, namespace: str, selector: str) -> list[objects.Pod]:
        """The pods of a namespace that a scale's selector string selects."""
        parsed = selectors.parse_labels(selector)
        return [pod for pod in self.pods.get(namespace, {}).values() if parsed.matches(pod.metadata.labels)]

    def hpas_counting(self, namespace: str, pod: str) -> list[str]:
        """The HPAs whose targets select a pod, by the selectors seen so far."""
        found = self.pods.get(namespace, {}).get(pod)
        if found is None:
            return []
        labels = found.metadata.labels
        return [
            key
            for key, selector in self.selectors.items()
            if key.startswith(f"{namespace}/") and selector.matches(labels)
        ]

"""What the console's handlers share: the usage history, the journal, the cluster and the clock; and the reads
every page makes with the person's identity."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.console import history, journal, kubeclient

RESOURCES = {"Deployment": "deployments", "StatefulSet": "statefulsets"}
HPAS = "/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers"


class Cluster(Protocol):
    async def request(
        self, who: kubeclient.Identity, method: str, path: str, params: dict[str, str] | None = None, body: Any = None
    ) -> Any: ...

    async def items(self, who: kubeclient.Identity, path: str, params: dict[str, str] | None = None) -> list[Any]: ...


@dataclass
class Console:
    usage: history.History
    journal: journal.Journal
    cluster: Cluster
    now_ns: Callable[[], int]
    retention_ns: int

    async def workload(self, who: kubeclient.Identity, namespace: str, kind: str, name: str) -> Any:
        """The Deployment or StatefulSet; KubeError 404 for a kind the console does not show."""
        if kind not in RESOURCES:
            raise kubeclient.KubeError(404, f"the console shows Deployments and StatefulSets, not {kind}")
        return await self.cluster.request(who, "GET", f"/apis/apps/v1/namespaces/{namespace}/{RESOURCES[kind]}/{name}")

    async def hpa_of(self, who: kubeclient.Identity, namespace: str, kind: str, name: str) -> Any:
        """The HPA that scales this workload, or None."""
        for hpa in await self.cluster.items(who, HPAS.format(namespace=namespace)):
            ref = hpa.get("spec", {}).get("scaleTargetRef", {})
            if ref.get("kind") == kind and ref.get("name") == name:
                return hpa
        return None

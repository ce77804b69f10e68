"""The autoscaler's writes to the Kubernetes API: read and set a target's scale, an HPA's status, events, labels."""

import time

import msgspec

from services.autoscaler import objects
from services.autoscaler.reconcile import Event
from services.lib import kube, timefmt

MERGE = "application/merge-patch+json"
HPA_PATH = "/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers/{name}"
REPEAT_WINDOW_NS = 10 * 60 * 10**9  # an identical event within this window bumps the count, as the event recorder does


def target_path(namespace: str, ref: objects.TargetRef) -> str:
    """The URL path of a scale target, from its apiVersion and kind (plural: kind in lower case plus s)."""
    group_version = ref.api_version or "apps/v1"
    prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    return f"{prefix}/namespaces/{namespace}/{ref.kind.lower()}s/{ref.name}"


class Writer:
    """Kubernetes writes on behalf of the HPA controller."""

    def __init__(self, api: kube.Kube) -> None:
        self.api = api
        self._recent: dict[tuple[str, str, str, str], tuple[str, int, int]] = {}  # event identity -> (name, count, at)

    async def scale(self, hpa: objects.HPA) -> objects.Scale:
        """GET the target's scale subresource; KubeError when it cannot be read."""
        path = target_path(hpa.metadata.namespace, hpa.spec.scale_target_ref) + "/scale"
        return msgspec.json.decode(await self.api.request("GET", path), type=objects.Scale)

    async def set_replicas(self, hpa: objects.HPA, replicas: int) -> None:
        """Write spec.replicas of the target's scale subresource."""
        path = target_path(hpa.metadata.namespace, hpa.spec.scale_target_ref) + "/scale"
        body = msgspec.json.encode({"spec": {"replicas": replicas}})
        await self.api.request("PATCH", path, body=body, content_type=MERGE)

    async def status(self, hpa: objects.HPA, status: objects.HPAStatus) -> None:
        """Replace the HPA's status through its status subresource."""
        path = HPA_PATH.format(namespace=hpa.metadata.namespace, name=hpa.metadata.name) + "/status"
        await self.api.request("PATCH", path, body=msgspec.json.encode({"status": status}), content_type=MERGE)

    async def patch_hpa(self, hpa: objects.HPA, patch: dict[str, object]) -> None:
        path = HPA_PATH.format(namespace=hpa.metadata.namespace, name=hpa.metadata.name)
        await self.api.request("PATCH", path, body=msgspec.json.encode(patch), content_type=MERGE)

    async def patch_workload(self, namespace: str, kind: str, name: str, patch: dict[str, object]) -> None:
        ref = objects.TargetRef(kind=kind, name=name, api_version="apps/v1")
        await self.api.request(
            "PATCH", target_path(namespace, ref), body=msgspec.json.encode(patch), content_type=MERGE
        )

    async def event(self, hpa: objects.HPA, event: Event) -> None:
        """Record an event on the HPA; a repeat of a recent identical event increments its count instead."""
        now = time.time_ns()
        identity = (hpa.metadata.namespace, hpa.metadata.name, event.reason, event.message)
        namespace, stamp = hpa.metadata.namespace, timefmt.rfc3339(now)
        recent = self._recent.get(identity)
        if recent is not None and now - recent[2] < REPEAT_WINDOW_NS:
            name, count = recent[0], recent[1] + 1
            body = msgspec.json.encode({"count": count, "lastTimestamp": stamp})
            await self.api.request(
                "PATCH", f"/api/v1/namespaces/{namespace}/events/{name}", body=body, content_type=MERGE
            )
            self._recent[identity] = (name, count, recent[2])
            return
        name = f"{hpa.metadata.name}.{now:x}"
        involved = {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "name": hpa.metadata.name,
            "namespace": namespace,
            "uid": hpa.metadata.uid,
            "resourceVersion": hpa.metadata.resource_version,
        }
        body = msgspec.json.encode({
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": namespace},
            "involvedObject": involved, "reason": event.reason, "message": event.message, "type": event.type,
            "count": 1,
            "firstTimestamp": stamp, "lastTimestamp": stamp, "source": {"component": "horizontal-pod-autoscaler"},
            "reportingComponent": "horizontal-pod-autoscaler",
        })  # fmt: skip
        await self.api.request("POST", f"/api/v1/namespaces/{namespace}/events", body=body)
        self._recent[identity] = (name, 1, now)

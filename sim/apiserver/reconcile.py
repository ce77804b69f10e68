"""One reconcile pass per object kind: Deployments to ReplicaSets, ReplicaSets and StatefulSets to pods.

Synchronous and driven by the current store contents, so a pass can run any number of times: when nothing
differs it writes nothing. Rollouts are instant (the old ReplicaSet goes to 0 as the new one goes to the desired
count); StatefulSets create and remove their pods all at once. Pods are removed by graceful deletes, so they stay
Terminating for their grace period; like kube's controllers these passes count only active pods (neither
terminating nor finished), and a StatefulSet recreates an ordinal once its terminating pod is gone.
"""

import random

from sim.apiserver import lifecycle, podspec, podstatus, workloads
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj


def _sorted_for_removal(pods: list[Obj]) -> list[Obj]:
    """Pods in the order a ReplicaSet removes them: not ready first, then newest first."""
    newest_first = sorted(pods, key=lambda pod: (pod["metadata"].get("creationTimestamp", ""), pod["metadata"]["name"]),
                          reverse=True)  # fmt: skip
    return sorted(newest_first, key=podstatus.is_ready)  # stable, so newest first within each group


class Reconciler:
    """Reconcile functions writing through the registry."""

    def __init__(self, registry: Registry, rng: random.Random) -> None:
        self.registry, self.store, self.rng = registry, registry.store, rng

    def _pods(self, owner: Obj) -> list[Obj]:
        """The owner's active pods."""
        return [pod for pod in self._all_pods(owner) if lifecycle.is_active(pod)]

    def _all_pods(self, owner: Obj) -> list[Obj]:
        return self.store.collections[r.PODS].dependents(owner["metadata"]["uid"])

    def deployment(self, namespace: str, name: str) -> None:
        """Give a Deployment one ReplicaSet per template, the current one scaled to spec.replicas, and a status."""
        deployment = self.store.get(r.DEPLOYMENTS, namespace, name)
        if deployment is None:
            return
        current_name, owned = self._replica_sets(deployment)
        for rs in owned:
            target = workloads.replicas(deployment) if rs["metadata"]["name"] == current_name else 0
            if rs["spec"].get("replicas") != target:
                self.registry.update(r.REPLICASETS, namespace, rs["metadata"]["name"],
                                     {**rs, "spec": {**rs["spec"], "replicas": target}})  # fmt: skip
        pods = {rs["metadata"]["name"]: self._pods(rs) for rs in owned}
        status = workloads.deployment_status(deployment, current_name, pods, self.registry.now())
        self._set_status(r.DEPLOYMENTS, deployment, status)

    def _replica_sets(self, deployment: Obj) -> tuple[str, list[Obj]]:
        """The name of the ReplicaSet for the current template (created if missing) and all owned ReplicaSets."""
        hash_ = workloads.template_hash(deployment["spec"]["template"])
        owned = self.store.collections[r.REPLICASETS].dependents(deployment["metadata"]["uid"])
        current = f"{deployment['metadata']['name']}-{hash_}"
        if not any(rs["metadata"]["name"] == current for rs in owned):
            revision = 1 + max((_revision(rs) for rs in owned), default=0)
            rs = workloads.replica_set(deployment, hash_, uid="", created="", revision=revision)
            self.registry.create(r.REPLICASETS, deployment["metadata"]["namespace"], rs)
            owned = self.store.collections[r.REPLICASETS].dependents(deployment["metadata"]["uid"])
        return current, owned

    def _taken(self, namespace: str, name: str) -> bool:
        return self.store.get(r.PODS, namespace, name) is not None

    def _set_status(self, resource: r.Resource, obj: Obj, status: Obj) -> None:
        if obj.get("status") != status:
            metadata = obj["metadata"]
            self.registry.update(resource, metadata.get("namespace", ""), metadata["name"], {**obj, "status": status},
                                 "status")  # fmt: skip

    def replica_set(self, namespace: str, name: str) -> None:
        """Create or remove pods until a ReplicaSet has spec.replicas of them; keep its status."""
        rs = self.store.get(r.REPLICASETS, namespace, name)
        if rs is None:
            return
        pods = self._pods(rs)
        missing = workloads.replicas(rs) - len(pods)
        if missing > 0:
            shape = workloads.replica_set_shape(rs)
            for _ in range(missing):
                pod_name = workloads.pod_name(name, self.rng, lambda candidate: self._taken(namespace, candidate))
                pod = podspec.pod(shape, namespace, pod_name, uid="", created="", node="", status={},
                                  generate_name=f"{name}-")  # fmt: skip
                self.registry.create(r.PODS, namespace, pod)
        for pod in _sorted_for_removal(pods)[: max(-missing, 0)]:
            self.registry.delete(r.PODS, namespace, pod["metadata"]["name"])
        self._set_status(r.REPLICASETS, rs, workloads.replica_set_status(rs, self._pods(rs)))

    def stateful_set(self, namespace: str, name: str) -> None:
        """Pods <name>-0 … <name>-(replicas-1), removing higher ordinals first; keep its status."""
        sts = self.store.get(r.STATEFULSETS, namespace, name)
        if sts is None:
            return
        desired = workloads.replicas(sts)
        existing = {pod["metadata"]["name"]: pod for pod in self._all_pods(sts)}
        shape = workloads.statefulset_shape(sts)
        for ordinal in range(desired):
            pod_name = f"{name}-{ordinal}"
            if pod_name not in existing and self.store.get(r.PODS, namespace, pod_name) is None:
                labels = workloads.statefulset_pod_labels(shape, pod_name, ordinal)
                pod = podspec.pod(shape, namespace, pod_name, uid="", created="", node="", status={}, labels=labels)
                self.registry.create(r.PODS, namespace, pod)
        active = [pod["metadata"]["name"] for pod in self._pods(sts)]
        extra = sorted((n for n in active if _ordinal(n, name) >= desired), key=lambda n: -_ordinal(n, name))
        for pod_name in extra:
            self.registry.delete(r.PODS, namespace, pod_name)
        self._set_status(r.STATEFULSETS, sts, workloads.statefulset_status(sts, self._pods(sts)))


def _revision(rs: Obj) -> int:
    value = rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "0")
    return int(value) if value.isdigit() else 0


def _ordinal(pod_name: str, sts_name: str) -> int:
    suffix = pod_name.removeprefix(f"{sts_name}-")
    return int(suffix) if suffix.isdigit() else 1 << 30

"""The workload controller, scheduler and garbage collector of the simulated control plane, with its kubelets.

It listens to the store, notes what needs work and does the work in its own task, never inside the write that
triggered it. New pods are bound to the least-loaded Ready node and handed to `kubelet`, which starts them and
keeps their lifecycle; deleting an owner deletes its dependents (pods gracefully, as kube's garbage collector does),
deleting a namespace removes everything in it at once. A changed ClusterRole re-aggregates the ClusterRoles with an
aggregationRule (kube's clusterrole-aggregation controller).
"""

import asyncio
import logging
import random

from sim.apiserver import errors, lifecycle, placement, podspec, podstatus, rbac
from sim.apiserver import resources as r
from sim.apiserver.kubelet import Kubelet
from sim.apiserver.reconcile import Reconciler
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj
from sim.apiserver.store import Change

Work = tuple[str, str, str]  # (kind of work, namespace, name)
_OWNERS = {"ReplicaSet": "replicaset", "StatefulSet": "statefulset", "Deployment": "deployment"}


class Controller:
    """Reconciles workloads and pods; `run` is its task."""

    def __init__(self, registry: Registry, startup_seconds: float, rng: random.Random, logger: logging.Logger) -> None:
        self.registry, self.store, self.rng, self.logger = registry, registry.store, rng, logger
        self.reconciler = Reconciler(registry, rng)
        self.kubelet = Kubelet(registry, startup_seconds, rng, self.mark)
        self.placement = placement.Placement()
        by_node = self.store.collections[r.PODS].index["spec.nodeName"]
        for node in self.store.collections[r.NODES].scan(None):
            self.placement.add(node, len(by_node.get(node["metadata"]["name"], ())))
        self.pending: dict[Work, None] = {}  # an ordered set
        self.waiting: dict[tuple[str, str], None] = {}  # pods no node had room for
        self.wakeup = asyncio.Event()
        self.store.listeners.append(self.observe)

    def mark(self, kind: str, namespace: str, name: str) -> None:
        """Queue work for the controller task."""
        self.pending[(kind, namespace, name)] = None
        self.wakeup.set()

    def observe(self, change: Change) -> None:
        """Note the work a change calls for (listener of the store)."""
        obj, resource = change.object, change.resource
        namespace, name = obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
        if change.type == "DELETED":
            self.mark("collect", "", obj["metadata"]["uid"])
            if resource is r.NAMESPACES:
                self.mark("purge", "", name)
        if resource is r.PODS:
            self._count(change)
            self.kubelet.observe_pod(change)
        elif resource is r.NODES:
            self._track_node(change)
            self.kubelet.observe_node(change)
        elif resource in (r.DEPLOYMENTS, r.REPLICASETS, r.STATEFULSETS) and change.type != "DELETED":
            self.mark(_OWNERS[resource.kind], namespace, name)
        elif resource is r.CLUSTER_ROLES:
            self.mark("aggregate", "", "")
        for ref in obj["metadata"].get("ownerReferences", ()):
            if ref.get("controller") and ref.get("kind") in _OWNERS:
                self.mark(_OWNERS[ref["kind"]], namespace, ref["name"])

    def _count(self, change: Change) -> None:
        pod, before = change.object, (change.previous or {}).get("spec", {}).get("nodeName")
        after = None if change.type == "DELETED" else pod.get("spec", {}).get("nodeName")
        if before != after:
            self.placement.adjust(before or "", -1)
            self.placement.adjust(after or "", +1)
            if before and self.waiting:
                self._retry_waiting()  # a node has room again
        pending = pod.get("status", {}).get("phase", "Pending") == "Pending"
        if change.type != "DELETED" and pending and not self.kubelet.starting(pod["metadata"]["uid"]):
            self.mark("schedule", pod["metadata"].get("namespace", ""), pod["metadata"]["name"])

    def _track_node(self, change: Change) -> None:
        if change.type == "DELETED":
            self.placement.remove(change.object["metadata"]["name"])
        else:
            self.placement.add(change.object)
            self._retry_waiting()

    async def run(self) -> None:
        """Do queued work forever, yielding to the server between batches."""
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            batch, self.pending = list(self.pending), {}
            for work in batch:
                try:
                    self.do(*work)
                except errors.ApiError as error:  # e.g. a workload edited into an invalid state: skip it, go on
                    self.logger.warning("reconcile work=%s failed: %s", work, error)
            await asyncio.sleep(0)

    def do(self, kind: str, namespace: str, name: str) -> None:
        """One unit of work."""
        handlers = {
            "deployment": self.reconciler.deployment, "replicaset": self.reconciler.replica_set,
            "statefulset": self.reconciler.stateful_set, "schedule": self.schedule, "collect": self.collect,
            "purge": self.purge, "restart": self.kubelet.restart, "node-ready": self.kubelet.node_ready,
            "aggregate": self.aggregate,
        }  # fmt: skip
        handlers[kind](namespace, name)

    def aggregate(self, namespace: str, name: str) -> None:
        """Bring the rules of every aggregated ClusterRole up to date."""
        del namespace, name  # one work item covers every ClusterRole
        for role in rbac.aggregate(self.store.collections[r.CLUSTER_ROLES].scan(None)):
            self.store.replace(r.CLUSTER_ROLES, role)

    def collect(self, namespace: str, uid: str) -> None:
        """Delete the dependents of a deleted owner: pods gracefully, with their own grace period."""
        del namespace  # owners are found by uid
        for resource, collection in self.store.collections.items():
            for dependent in collection.dependents(uid):
                metadata = dependent["metadata"]
                if resource is r.PODS:
                    self.registry.delete(resource, metadata.get("namespace", ""), metadata["name"])
                else:
                    self.store.delete(resource, metadata.get("namespace", ""), metadata["name"])

    def purge(self, namespace: str, name: str) -> None:
        """Remove everything in a deleted namespace at once (the namespace itself is already gone)."""
        del namespace  # the work item names the namespace in `name`
        for resource, collection in self.store.collections.items():
            if resource.namespaced:
                for obj in list(collection.scan(name)):
                    self.store.delete(resource, name, obj["metadata"]["name"])

    def schedule(self, namespace: str, name: str) -> None:
        """Bind a Pending pod to the least-loaded node (unless bound) and start it after the start-up delay."""
        pod = self.store.get(r.PODS, namespace, name)
        if pod is None or pod.get("status", {}).get("phase") != "Pending" or lifecycle.is_terminating(pod):
            return
        if self.kubelet.starting(pod["metadata"]["uid"]):
            return
        node = pod["spec"].get("nodeName") or self.placement.choose()
        if node is None:
            self._unschedulable(pod)
            return
        if node not in self.placement.nodes:
            return  # bound to a node we do not know: it stays Pending
        host_ip, pod_ip = self.placement.assign_ip(node)
        shape = podspec.shape({"metadata": pod["metadata"], "spec": pod["spec"]}, {}, [])
        bound = {**pod, "spec": {**pod["spec"], "nodeName": node},
                 "status": podstatus.pending_status(shape, host_ip, self.registry.now())}  # fmt: skip
        self.kubelet.start(namespace, name, pod["metadata"]["uid"], pod_ip)
        self.store.replace(r.PODS, bound)

    def _unschedulable(self, pod: Obj) -> None:
        """Every node is full: say so in the pod's status and retry once a node has room."""
        metadata = pod["metadata"]
        self.waiting[(metadata.get("namespace", ""), metadata["name"])] = None
        status = podstatus.unschedulable_status(pod["status"], self.placement.unschedulable(), self.registry.now())
        if status != pod["status"]:
            self.store.replace(r.PODS, {**pod, "status": status})

    def _retry_waiting(self) -> None:
        for namespace, name in self.waiting:
            self.mark("schedule", namespace, name)
        self.waiting.clear()

    def close(self) -> None:
        """Cancel the kubelets' pending timers."""
        self.kubelet.close()

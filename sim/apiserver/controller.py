"""The workload controller, scheduler, pod lifecycle and garbage collector of the simulated control plane.

It listens to the store, notes what needs work and does the work in its own task, never inside the write that
triggered it. New pods are bound to the least-loaded node, go Running at half of --pod-startup-seconds and Ready at
the full delay; deleting an owner deletes its dependents, deleting a namespace deletes everything in it.
"""

import asyncio
import logging
import random

from sim.apiserver import errors, placement, podspec
from sim.apiserver import resources as r
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
        self.startup_seconds = startup_seconds
        self.reconciler = Reconciler(registry, rng)
        self.placement = placement.Placement()
        by_node = self.store.collections[r.PODS].index["spec.nodeName"]
        for node in self.store.collections[r.NODES].scan(None):
            self.placement.add(node, len(by_node.get(node["metadata"]["name"], ())))
        self.pending: dict[Work, None] = {}  # an ordered set
        self.waiting: dict[tuple[str, str], None] = {}  # pods no node had room for
        self.wakeup = asyncio.Event()
        self.timers: dict[str, list[asyncio.TimerHandle]] = {}
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
        elif resource is r.NODES:
            self._track_node(change)
        elif resource in (r.DEPLOYMENTS, r.REPLICASETS, r.STATEFULSETS) and change.type != "DELETED":
            self.mark(_OWNERS[resource.kind], namespace, name)
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
        if change.type == "DELETED":
            for timer in self.timers.pop(pod["metadata"]["uid"], []):
                timer.cancel()
        elif pod.get("status", {}).get("phase", "Pending") == "Pending" and pod["metadata"]["uid"] not in self.timers:
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
        if kind == "deployment":
            self.reconciler.deployment(namespace, name)
        elif kind == "replicaset":
            self.reconciler.replica_set(namespace, name)
        elif kind == "statefulset":
            self.reconciler.stateful_set(namespace, name)
        elif kind == "schedule":
            self.schedule(namespace, name)
        elif kind == "collect":
            self.collect(name)
        elif kind == "purge":
            self.purge(name)

    def collect(self, uid: str) -> None:
        """Delete the dependents of a deleted owner."""
        for resource, collection in self.store.collections.items():
            for dependent in collection.dependents(uid):
                metadata = dependent["metadata"]
                self.store.delete(resource, metadata.get("namespace", ""), metadata["name"])

    def purge(self, namespace: str) -> None:
        """Delete everything in a deleted namespace."""
        for resource, collection in self.store.collections.items():
            if resource.namespaced:
                for obj in list(collection.scan(namespace)):
                    self.store.delete(resource, namespace, obj["metadata"]["name"])

    def schedule(self, namespace: str, name: str) -> None:
        """Bind a Pending pod to the least-loaded node (unless bound) and start it after the start-up delay."""
        pod = self.store.get(r.PODS, namespace, name)
        if pod is None or pod["metadata"]["uid"] in self.timers or pod.get("status", {}).get("phase") != "Pending":
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
                 "status": podspec.pending_status(shape, host_ip, self.registry.now())}  # fmt: skip
        loop, uid = asyncio.get_running_loop(), pod["metadata"]["uid"]
        half, full = self.startup_seconds / 2, self.startup_seconds
        self.timers[uid] = [loop.call_later(half, self.run_containers, namespace, name, uid, pod_ip),
                            loop.call_later(full, self.make_ready, namespace, name, uid, pod_ip)]  # fmt: skip
        self.store.replace(r.PODS, bound)

    def _unschedulable(self, pod: Obj) -> None:
        """Every node is full: say so in the pod's status and retry once a node has room."""
        metadata = pod["metadata"]
        self.waiting[(metadata.get("namespace", ""), metadata["name"])] = None
        status = podspec.unschedulable_status(pod["status"], len(self.placement.nodes), self.registry.now())
        if status != pod["status"]:
            self.store.replace(r.PODS, {**pod, "status": status})

    def _retry_waiting(self) -> None:
        for namespace, name in self.waiting:
            self.mark("schedule", namespace, name)
        self.waiting.clear()

    def _same(self, namespace: str, name: str, uid: str) -> Obj | None:
        pod = self.store.get(r.PODS, namespace, name)
        return pod if pod is not None and pod["metadata"]["uid"] == uid else None

    def run_containers(self, namespace: str, name: str, uid: str, pod_ip: str) -> None:
        """The pod's containers have started (not ready yet)."""
        pod = self._same(namespace, name, uid)
        if pod is not None and pod["status"].get("phase") == "Pending":
            now = self.registry.now()
            shape = podspec.shape({"metadata": pod["metadata"], "spec": pod["spec"]}, {}, [])
            times = (pod["status"].get("startTime", now), now, now)
            status = podspec.running_status(shape, pod["status"].get("hostIP", ""), pod_ip, times, False, self.rng)
            self.store.replace(r.PODS, {**pod, "status": status})

    def make_ready(self, namespace: str, name: str, uid: str, pod_ip: str) -> None:
        """The pod's containers pass their readiness checks (starting them first if their timer has not fired)."""
        self.timers.pop(uid, None)
        self.run_containers(namespace, name, uid, pod_ip)
        pod = self._same(namespace, name, uid)
        if pod is not None and pod["status"].get("phase") == "Running":
            self.store.replace(r.PODS, {**pod, "status": podspec.ready_status(pod["status"], self.registry.now())})

    def close(self) -> None:
        """Cancel pending start-up timers."""
        for timers in self.timers.values():
            for timer in timers:
                timer.cancel()
        self.timers.clear()

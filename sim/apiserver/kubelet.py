"""The status half of every node's kubelet, inside the control plane: what a kubelet would write to the API.

A bound pod goes Running at half of --pod-startup-seconds and Ready at the full delay; afterwards it restarts, exits
or leaves the API as `lifecycle` says (restarts and exit-after annotations, the grace period of a graceful delete),
and nodes post Ready or NotReady as their ready annotation asks. Statuses come from the pure `podstatus` and
`lifecycle`; this class only keeps the timers. Metrics are not its business: `sim.kubelets` serves those.
"""

import asyncio
import random
from collections.abc import Callable

from sim.apiserver import lifecycle, nodestatus, podspec, podstatus
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj
from sim.apiserver.store import Change

Mark = Callable[[str, str, str], None]  # queue work for the controller task: (kind, namespace, name)


class Kubelet:
    """Pod start-up, restarts, exits and removals on their timers; node readiness as work for the controller."""

    def __init__(self, registry: Registry, startup_seconds: float, rng: random.Random, mark: Mark) -> None:
        self.registry, self.store, self.rng, self.mark = registry, registry.store, rng, mark
        self.startup_seconds = startup_seconds
        self.timers: dict[str, list[asyncio.TimerHandle]] = {}  # start-up, per pod uid
        self.exits: dict[str, tuple[int, asyncio.TimerHandle]] = {}  # (due ns, timer) per pod uid
        self.removals: dict[str, tuple[str, asyncio.TimerHandle]] = {}  # (deletionTimestamp, timer) per pod uid

    def starting(self, uid: str) -> bool:
        """Whether the pod's start-up is under way."""
        return uid in self.timers

    def start(self, namespace: str, name: str, uid: str, pod_ip: str) -> None:
        """Start a pod just bound to a node: Running at half the start-up delay, Ready at the full delay."""
        loop, half, full = asyncio.get_running_loop(), self.startup_seconds / 2, self.startup_seconds
        self.timers[uid] = [loop.call_later(half, self.run_containers, namespace, name, uid, pod_ip),
                            loop.call_later(full, self.make_ready, namespace, name, uid, pod_ip)]  # fmt: skip

    def observe_pod(self, change: Change) -> None:
        """Plan what a pod change calls for (listener, via the controller)."""
        pod, metadata = change.object, change.object["metadata"]
        if change.type == "DELETED":
            self._forget(metadata["uid"])
            return
        if lifecycle.needs_restart(pod):
            self.mark("restart", metadata.get("namespace", ""), metadata["name"])
        self._plan_exit(pod)
        self._plan_removal(pod)

    def observe_node(self, change: Change) -> None:
        """Plan a Ready condition change a node's annotation asks for."""
        if change.type != "DELETED" and nodestatus.wanted_node_ready(change.object) is not None:
            self.mark("node-ready", "", change.object["metadata"]["name"])

    def _plan_exit(self, pod: Obj) -> None:
        uid, due = pod["metadata"]["uid"], lifecycle.exit_due_ns(pod)
        planned = self.exits.get(uid)
        if planned is not None and planned[0] == due:
            return
        if planned is not None:
            planned[1].cancel()
            del self.exits[uid]
        if due is not None:
            delay = max(due - self.registry.clock(), 0) / 1e9
            timer = asyncio.get_running_loop().call_later(delay, self.exit, *_identity(pod))
            self.exits[uid] = (due, timer)

    def _plan_removal(self, pod: Obj) -> None:
        """A graceful delete: the pod goes once its grace period is over (again, if a later delete shortened it)."""
        metadata = pod["metadata"]
        uid, deleting = metadata["uid"], metadata.get("deletionTimestamp")
        planned = self.removals.get(uid)
        if not deleting or (planned is not None and planned[0] == deleting):
            return
        if planned is not None:
            planned[1].cancel()
        grace = metadata.get("deletionGracePeriodSeconds") or 0
        self.removals[uid] = (deleting, asyncio.get_running_loop().call_later(grace, self.remove, *_identity(pod)))

    def _same(self, namespace: str, name: str, uid: str) -> Obj | None:
        pod = self.store.get(r.PODS, namespace, name)
        return pod if pod is not None and pod["metadata"]["uid"] == uid else None

    def run_containers(self, namespace: str, name: str, uid: str, pod_ip: str) -> None:
        """The pod's containers have started (not ready yet); its init containers have run."""
        pod = self._same(namespace, name, uid)
        if pod is not None and pod["status"].get("phase") == "Pending" and not lifecycle.is_terminating(pod):
            now = self.registry.now()
            shape = podspec.shape({"metadata": pod["metadata"], "spec": pod["spec"]}, {}, [])
            times = (pod["status"].get("startTime", now), now, now)
            status = podstatus.running_status(shape, pod["status"].get("hostIP", ""), pod_ip, times, False, self.rng)
            self.store.replace(r.PODS, {**pod, "status": status})

    def make_ready(self, namespace: str, name: str, uid: str, pod_ip: str) -> None:
        """The pod's containers pass their readiness checks (starting them first if their timer has not fired)."""
        self.timers.pop(uid, None)
        self.run_containers(namespace, name, uid, pod_ip)
        pod = self._same(namespace, name, uid)
        if pod is not None and pod["status"].get("phase") == "Running" and not lifecycle.is_terminating(pod):
            self.store.replace(r.PODS, {**pod, "status": podstatus.ready_status(pod["status"], self.registry.now())})

    def restart(self, namespace: str, name: str) -> None:
        """Restart the containers whose restartCount differs from the restarts annotation."""
        pod = self.store.get(r.PODS, namespace, name)
        wanted = None if pod is None or not lifecycle.needs_restart(pod) else lifecycle.wanted_restarts(pod)
        if pod is not None and wanted is not None:
            new_id = lambda: f"containerd://{self.rng.getrandbits(256):064x}"  # noqa: E731
            status = lifecycle.restarted_status(pod["status"], wanted, self.registry.now(), new_id)
            self.store.replace(r.PODS, {**pod, "status": status})

    def exit(self, namespace: str, name: str, uid: str) -> None:
        """The containers of a pod whose exit-after is due exit with its exit code."""
        self.exits.pop(uid, None)
        pod = self._same(namespace, name, uid)
        if pod is not None and lifecycle.exit_due_ns(pod) is not None:
            status = lifecycle.completed_status(pod["status"], lifecycle.exit_code(pod), self.registry.now())
            self.store.replace(r.PODS, {**pod, "status": status})

    def remove(self, namespace: str, name: str, uid: str) -> None:
        """The grace period is over: the kubelet deletes the pod for good."""
        self.removals.pop(uid, None)
        pod = self._same(namespace, name, uid)
        if pod is not None and lifecycle.is_terminating(pod):
            self.store.delete(r.PODS, namespace, name)

    def node_ready(self, namespace: str, name: str) -> None:
        """Post the Ready condition the node's annotation asks for."""
        del namespace  # nodes are cluster-scoped; the signature is the controller's work item
        node = self.store.get(r.NODES, "", name)
        wanted = None if node is None else nodestatus.wanted_node_ready(node)
        if node is not None and wanted is not None:
            status = nodestatus.node_ready_status(node, wanted, self.registry.now())
            self.store.replace(r.NODES, {**node, "status": status})

    def _forget(self, uid: str) -> None:
        timers = [*self.timers.pop(uid, []), *(planned[1] for planned in (self.exits.pop(uid, None),
                  self.removals.pop(uid, None)) if planned is not None)]  # fmt: skip
        for timer in timers:
            timer.cancel()

    def close(self) -> None:
        """Cancel every pending timer."""
        for uid in {*self.timers, *self.exits, *self.removals}:
            self._forget(uid)


def _identity(pod: Obj) -> tuple[str, str, str]:
    metadata = pod["metadata"]
    return metadata.get("namespace", ""), metadata["name"], metadata["uid"]

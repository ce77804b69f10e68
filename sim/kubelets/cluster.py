"""Every node's usage model, kept in step with the control plane's Nodes, Pods, ReplicaSets, Deployments and
StatefulSets as the informers report changes. Pure state: time comes in with each change.

Pods are modelled on the node in their spec.nodeName while they are Running, even before that Node is known (the
informers sync in any order). An owner index finds the pods under a workload whose annotations changed. After a
restart, a node model starts from its saved counters (`checkpoint`) until the informers have listed everything.
"""

from collections.abc import Mapping

from services.lib import timefmt
from sim.kubelets import checkpoint, faults, node, objects, targets

DAY_NS = 86_400 * 10**9
OwnerKey = tuple[str, str, str]  # (kind, namespace, name)
Workloads = Mapping[str, Mapping[str, objects.Owned]]  # kind -> namespace/name -> object, the informers' caches


class Cluster:
    """Owns the node models; one method per kind of informer change."""

    def __init__(
        self, period_ns: int, pods: Mapping[str, objects.Pod], workloads: Workloads,
        saved: Mapping[str, checkpoint.SavedNode] | None = None,
    ) -> None:  # fmt: skip
        self.nodes: dict[str, node.NodeUsage] = {}
        self.saved = dict(saved or {})  # node name -> its counters before a restart, until its model is built
        self.known: dict[str, objects.Node] = {}  # Node objects the control plane has, by name
        self._period_ns, self._pods, self._workloads = period_ns, pods, workloads
        self._placed: dict[str, str] = {}  # pod key -> node it is modelled on
        self._children: dict[OwnerKey, set[tuple[str, str]]] = {}  # owner -> (kind, key) of what it controls

    def node_changed(self, old: objects.Node | None, new: objects.Node | None, now_ns: int) -> None:
        """A Node was added, updated (fault annotation, address) or deleted."""
        if new is None:
            assert old is not None
            self.known.pop(old.metadata.name, None)
            self._forget_if_idle(old.metadata.name)
            return
        self.known[new.metadata.name] = new
        model = self._node(new.metadata.name, now_ns)
        if model.counter.index < 0 and new.metadata.creation_timestamp:  # boot when the Node was created
            boot_ns = timefmt.parse_rfc3339(new.metadata.creation_timestamp)
            model.counter.sample_ns = model.counter.start_ns = boot_ns
        fault = faults.parse(new.metadata.annotations.get(faults.ANNOTATION, ""))
        if fault.kind == "restart" and old is not None and model.fault.kind != "restart":
            node.restart_all(model, now_ns)  # once, when the annotation is set on a node already known
        model.fault = fault

    def pod_changed(self, old: objects.Pod | None, new: objects.Pod | None, now_ns: int) -> None:
        """A Pod was added, updated (phase, restarts, annotations, node) or deleted."""
        if old is not None:
            self._index("Pod", old, add=False)
        if new is not None:
            self._index("Pod", new, add=True)
        key = (new or old).metadata.key  # type: ignore[union-attr]
        was_serving = old is not None and key in self._placed and old.metadata.deletion_timestamp is None
        self._place(key, new, now_ns)
        shared = targets.shares_a_total(self._annotation_chain(new or old))  # type: ignore[arg-type]
        if shared and was_serving != self._serving(key):  # the workload's share of a cpu-total changed for every pod
            for sibling in self._siblings(new or old):  # type: ignore[arg-type]
                if sibling != key:
                    self._place(sibling, self._pods.get(sibling), now_ns)

    def workload_changed(self, kind: str, old: objects.Owned | None, new: objects.Owned | None, now_ns: int) -> None:
        """A ReplicaSet, Deployment or StatefulSet changed: its pods' targets may have too."""
        if old is not None:
            self._index(kind, old, add=False)
        if new is not None:
            self._index(kind, new, add=True)
        before = targets.relevant(old.metadata.annotations) if old else None
        after = targets.relevant(new.metadata.annotations) if new else None
        if before != after or old is None or new is None:
            meta = (new or old).metadata  # type: ignore[union-attr]
            for key in self._pods_under((kind, meta.namespace, meta.name)):
                self._place(key, self._pods.get(key), now_ns)

    def targets(self, pod: objects.Pod) -> targets.Targets:
        """A pod's per-container targets from its own annotations, then its owners' (RS -> Deployment, STS)."""
        chain = self._annotation_chain(pod)
        peers = 1
        if targets.shares_a_total(chain):  # counting peers costs a walk over the workload's pods: only when needed
            peers += sum(1 for key in self._siblings(pod) if self._serving(key) and key != pod.metadata.key)
        serving = pod.metadata.deletion_timestamp is None
        return targets.resolve(chain, len(pod.spec.reporting), peers if serving else 0)

    def _annotation_chain(self, pod: objects.Pod) -> list[Mapping[str, str]]:
        """The annotations of the pod, then of its owners (RS -> Deployment, STS), nearest first."""
        chain: list[Mapping[str, str]] = [pod.metadata.annotations]
        owner, namespace = pod.metadata.controller, pod.metadata.namespace
        while owner is not None and len(chain) < 4:
            found = self._workloads.get(owner.kind, {}).get(f"{namespace}/{owner.name}")
            if found is None:
                break
            chain.append(found.metadata.annotations)
            owner = found.metadata.controller
        return chain

    def _serving(self, key: str) -> bool:
        """Whether a pod takes its share of a workload's load: running and not terminating (load balancers skip it)."""
        pod = self._pods.get(key)
        return key in self._placed and pod is not None and pod.metadata.deletion_timestamp is None

    def _siblings(self, pod: objects.Pod) -> list[str]:
        """Keys of the pods of the pod's workload (itself included), found through its owners."""
        owner, namespace, root = pod.metadata.controller, pod.metadata.namespace, None
        while owner is not None:
            root = (owner.kind, namespace, owner.name)
            found = self._workloads.get(owner.kind, {}).get(f"{namespace}/{owner.name}")
            owner = found.metadata.controller if found is not None else None
        return self._pods_under(root) if root else [pod.metadata.key]

    def endpoint(self, name: str) -> tuple[str, int] | None:
        """Where the node's kubelet should listen now: None when the Node is gone, has no address, or is down."""
        known, model = self.known.get(name), self.nodes.get(name)
        if known is None or model is None or model.fault.kind == "down" or not known.internal_ip:
            return None
        return known.internal_ip, known.kubelet_port

    def certificate(self, name: str) -> str:
        """Which serving certificate the node's kubelet presents: '' (a good one), 'bad-cert' or 'wrong-ca'."""
        model = self.nodes.get(name)
        return model.fault.kind if model is not None and model.fault.kind in faults.TLS_KINDS else ""

    def _place(self, key: str, pod: objects.Pod | None, now_ns: int) -> None:
        """Model the pod on its node while it runs; take it off the node it was on when it stops or moves."""
        target_node = pod.spec.node_name if pod is not None and node.running(pod) else ""
        placed = self._placed.get(key, "")
        if placed and placed != target_node:
            node.remove_pod(self.nodes[placed], key, now_ns)
            del self._placed[key]
            self._forget_if_idle(placed)
        if pod is not None and target_node:
            node.put_pod(self._node(target_node, now_ns), pod, self.targets(pod), now_ns)
            self._placed[key] = target_node

    def _node(self, name: str, now_ns: int) -> node.NodeUsage:
        if name not in self.nodes:
            self.nodes[name] = node.new_node(name, now_ns - DAY_NS, self._period_ns)
            if name in self.saved:
                checkpoint.restore(self.nodes[name], self.saved.pop(name))
        return self.nodes[name]

    def forget_saved(self, now_ns: int) -> None:
        """Every informer has listed: what the checkpoint holds beyond the models built is of the past."""
        self.saved = {}
        for model in self.nodes.values():
            node.forget_saved(model, now_ns)

    def _forget_if_idle(self, name: str) -> None:
        """Drop the model of a node the control plane no longer has, once no pod runs there."""
        model = self.nodes.get(name)
        if model is not None and name not in self.known and not model.pods:
            del self.nodes[name]

    def _index(self, kind: str, item: objects.Pod | objects.Owned, add: bool) -> None:
        owner = item.metadata.controller
        if owner is None:
            return
        parent, child = (owner.kind, item.metadata.namespace, owner.name), (kind, item.metadata.key)
        if add:
            self._children.setdefault(parent, set()).add(child)
        elif parent in self._children:
            self._children[parent].discard(child)
            if not self._children[parent]:
                del self._children[parent]

    def _pods_under(self, root: OwnerKey) -> list[str]:
        """Keys of the pods owned by a workload, directly or through its ReplicaSets."""
        found, pending = [], [root]
        while pending:
            for kind, key in self._children.get(pending.pop(), ()):
                if kind == "Pod":
                    found.append(key)
                else:
                    namespace, _, name = key.partition("/")
                    pending.append((kind, namespace, name))
        return found

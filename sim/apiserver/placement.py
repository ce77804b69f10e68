"""The scheduler's bookkeeping: pods per node, the least-loaded Ready node with room, each node's next pod IP.

A node whose Ready condition is not True takes no new pods, as if it carried the node.kubernetes.io/not-ready
NoSchedule taint the node lifecycle controller adds; the pods already on it stay.
"""

import heapq
from dataclasses import dataclass

from sim.apiserver.resources import Obj


@dataclass
class Slot:
    """One node as the scheduler sees it."""

    host_ip: str
    cidr_prefix: str  # first three octets of the node's pod CIDR, e.g. '10.244.3'
    capacity: int  # status.allocatable.pods
    pods: int = 0
    next_ip: int = 0
    ready: bool = True  # Ready condition True: new pods may go there


NOT_READY_TAINT = "node(s) had untolerated taint {node.kubernetes.io/not-ready: }"


def is_ready(node: Obj) -> bool:
    """Whether the node's Ready condition is True."""
    conditions = node.get("status", {}).get("conditions", ())
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def host_ip(node: Obj) -> str:
    """The node's InternalIP, or '' if it has none."""
    addresses = node.get("status", {}).get("addresses", ())
    return next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")


class Placement:
    """Pods per node; `choose` picks the node with the fewest pods that still has room (ties: lowest name)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Slot] = {}
        self._heap: list[tuple[int, str]] = []  # (pods, node); stale entries are skipped lazily

    def add(self, node: Obj, pods: int = 0) -> None:
        """Track a node (again, if it changed), with the pods already bound to it."""
        name = node["metadata"]["name"]
        cidr = node.get("spec", {}).get("podCIDR", "10.244.0.0/24")
        capacity = int(node.get("status", {}).get("allocatable", {}).get("pods", "110"))
        old = self.nodes.get(name)
        self.nodes[name] = Slot(host_ip(node), cidr.rsplit(".", 1)[0], capacity, old.pods if old else pods,
                                old.next_ip if old else pods, is_ready(node))  # fmt: skip
        self._push(name)

    def _push(self, name: str) -> None:
        if len(self._heap) > 4 * len(self.nodes) + 1024:  # drop stale entries before they pile up
            self._heap = [(slot.pods, node) for node, slot in self.nodes.items()]
            heapq.heapify(self._heap)
        else:
            heapq.heappush(self._heap, (self.nodes[name].pods, name))

    def remove(self, name: str) -> None:
        """Stop scheduling onto a node."""
        self.nodes.pop(name, None)

    def choose(self) -> str | None:
        """The node a new pod should go to, or None when every Ready node is full."""
        while self._heap:
            pods, name = self._heap[0]
            slot = self.nodes.get(name)
            if slot is None or slot.pods != pods or not slot.ready:
                heapq.heappop(self._heap)  # stale: node gone, its count changed since, or not Ready (pushed again)
            elif pods >= slot.capacity:
                return None  # the emptiest node is full
            else:
                return name
        return None

    def unschedulable(self) -> str:
        """The scheduler's message when no node can take a pod: reasons counted and sorted, as kube-scheduler does."""
        if not self.nodes:
            return "no nodes available to schedule pods"
        not_ready = sum(not slot.ready for slot in self.nodes.values())
        reasons = [f"{not_ready} {NOT_READY_TAINT}"] if not_ready else []
        if len(self.nodes) > not_ready:
            reasons.append(f"{len(self.nodes) - not_ready} Too many pods")
        return f"0/{len(self.nodes)} nodes are available: {', '.join(sorted(reasons))}."

    def adjust(self, name: str, delta: int) -> None:
        """Count pods onto (delta > 0) or off (delta < 0) a node; unknown nodes are ignored."""
        slot = self.nodes.get(name)
        if slot is not None:
            slot.pods = max(slot.pods + delta, 0)
            self._push(name)

    def assign_ip(self, name: str) -> tuple[str, str]:
        """The node's InternalIP and the next pod IP in its pod CIDR."""
        slot = self.nodes[name]
        slot.next_ip += 1
        return slot.host_ip, f"{slot.cidr_prefix}.{2 + (slot.next_ip - 1) % 252}"

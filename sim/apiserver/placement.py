"""The scheduler's bookkeeping: pods per node, the least-loaded node with room, each node's next pod IP."""

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
                                old.next_ip if old else pods)  # fmt: skip
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
        """The node a new pod should go to, or None when every node is full."""
        while self._heap:
            pods, name = self._heap[0]
            slot = self.nodes.get(name)
            if slot is None or slot.pods != pods:
                heapq.heappop(self._heap)  # stale: node gone or its count changed since
            elif pods >= slot.capacity:
                return None  # the emptiest node is full
            else:
                return name
        return None

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

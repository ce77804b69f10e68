"""Kubelet faults injected with the real kubectl on a schedule while what the api serves is recorded, so faults on
different nodes run side by side and each is judged afterwards from the same recording."""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from services.lib import quantity, timefmt
from tests.e2e.test_health_and_telemetry import get, probe
from tests.faults.conftest import NODES, RESOLUTION_SECONDS
from tests.stack import Stack

FAULT = "sim.flowmeter.dev/fault"
CYCLE = RESOLUTION_SECONDS


@dataclass(frozen=True)
class Usage:
    """One served node or container: CPU in millicores, memory in MiB, the timestamp in seconds since the epoch."""

    millicores: float
    mebibytes: float
    timestamp_s: float


@dataclass
class Poll:
    """What the api served at `at_s` seconds after the timeline started (`wall_s` since the epoch)."""

    at_s: float
    wall_s: float
    nodes: dict[str, Usage]
    containers: dict[tuple[str, str, str], Usage]  # (namespace, pod, container)


def usage(item: dict[str, str], timestamp: str) -> Usage:
    cpu, memory = quantity.to_nanocores(item["cpu"]) / 1e6, quantity.to_bytes(item["memory"]) / 2**20
    return Usage(cpu, memory, timefmt.parse_rfc3339(timestamp) / 1e9)


def served(stack: Stack, pods: bool = False) -> tuple[dict[str, Usage], dict[tuple[str, str, str], Usage]]:
    """Every node the api serves now, and every container when asked."""
    items = stack.json("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")["items"]
    nodes = {i["metadata"]["name"]: usage(i["usage"], i["timestamp"]) for i in items}
    containers = {}
    for pod in stack.json("get", "--raw", "/apis/metrics.k8s.io/v1beta1/pods")["items"] if pods else ():
        for c in pod["containers"]:
            key = (pod["metadata"]["namespace"], pod["metadata"]["name"], c["name"])
            containers[key] = usage(c["usage"], pod["timestamp"])
    return nodes, containers


def annotate(stack: Stack, node: str, fault: str) -> None:
    """Set (or with '' remove) a node's kubelet fault."""
    stack.kubectl("annotate", "node", node, f"{FAULT}={fault}" if fault else f"{FAULT}-", "--overwrite")


@dataclass
class Timeline:
    """Scheduled fault changes and the api's answers in between."""

    stack: Stack
    pods: bool = False
    polls: list[Poll] = field(default_factory=list)
    changes: dict[str, list[float]] = field(default_factory=dict)  # node -> when its fault changed, in order
    started: float = field(default_factory=time.monotonic)
    started_wall_s: float = field(default_factory=time.time)

    def run(self, actions: list[tuple[float, Callable[[], None]]], until_s: float) -> None:
        """Do each action at its time (seconds from the start) and poll the api until `until_s`."""
        pending = sorted(actions, key=lambda action: action[0])
        while (now := time.monotonic() - self.started) < until_s:
            while pending and pending[0][0] <= now:
                pending.pop(0)[1]()
            nodes, containers = served(self.stack, self.pods)
            self.polls.append(Poll(time.monotonic() - self.started, time.time(), nodes, containers))
            time.sleep(0.5)  # the api is another process: poll it

    def fault(self, node: str, value: str) -> Callable[[], None]:
        """An action setting a node's fault and noting when."""

        def act() -> None:
            annotate(self.stack, node, value)
            self.changes.setdefault(node, []).append(time.monotonic() - self.started)

        return act

    def since(self, at_s: float) -> list[Poll]:
        return [poll for poll in self.polls if poll.at_s >= at_s]

    def first(self, at_s: float, check: Callable[[Poll], bool]) -> float | None:
        """Seconds from `at_s` to the first poll after it for which `check` holds."""
        return next((poll.at_s - at_s for poll in self.since(at_s) if check(poll)), None)

    def gone(self, node: str, at_s: float) -> float | None:
        """Seconds from `at_s` until the api stopped serving the node."""
        return self.first(at_s, lambda poll: node not in poll.nodes)

    def back(self, node: str, at_s: float) -> float | None:
        """Seconds from `at_s` until the api served the node from a kubelet sample taken after `at_s` by a clock that
        is right (not from the future)."""
        wall_s = self.started_wall_s + at_s

        def right(poll: Poll) -> bool:
            return node in poll.nodes and wall_s < poll.nodes[node].timestamp_s < poll.wall_s + 5

        return self.first(at_s, right)


@contextmanager
def healed(stack: Stack, *nodes: str) -> Iterator[None]:
    """Leave every node healthy, whatever the test did, for the modules that share the stack."""
    try:
        yield
    finally:
        for node in nodes:
            annotate(stack, node, "")


def scraper_metrics(stack: Stack) -> str:
    status, text = get(probe(stack, "scraper") + "/metrics")
    assert status == 200
    return text


def counter(metrics: str, name: str, reason: str) -> float:
    """A counter by reason; 0 before its first increment."""
    match = re.search(rf'^{name}{{reason="{reason}"}} (\S+)$', metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


class ScraperLog:
    """The scraper's log from now on, by node."""

    def __init__(self, stack: Stack) -> None:
        self.path = stack.run_dir / "logs" / "scraper.log"
        self.offset = self.path.stat().st_size

    def lines(self, node: str) -> list[str]:
        return [line for line in self.all() if f"node={node} " in line]

    def all(self) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace").splitlines()


def assert_only_these_nodes_were_affected(timeline: Timeline, faulty: set[str]) -> None:
    """Every other node was served in every poll, from a kubelet sample no older than three cycles."""
    others = {f"node-{i:04d}" for i in range(1, NODES + 1)} - faulty
    for poll in timeline.polls:
        stale = sorted(n for n in others if n not in poll.nodes or poll.wall_s - poll.nodes[n].timestamp_s > 3 * CYCLE)
        assert not stale, f"healthy nodes not served fresh at {poll.at_s:.0f}s: {stale}"

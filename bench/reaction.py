"""How fast a load change becomes a scale write: annotate a workload's load, time until its replicas change.

`python -m bench.reaction [changes]` runs the embedded stack at the default 15 s resolution, makes a Deployment
whose total CPU is shared by its pods and an HPA at 50%, then repeatedly drops the load (and lets it settle) and
raises it, timing from the annotation write to the moment the Deployment's spec.replicas changes.
"""

import random
import sys
import time
from collections.abc import Callable

from bench.harness import Stack, percentile, stack

NS, RESOLUTION = "bench", 15.0


def setup(s: Stack) -> None:
    s.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    labels = {"app": "load"}
    container = {"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "200m"}}}
    s.apply({"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": "load", "namespace": NS, "annotations": {"sim.flowmeter.dev/cpu-total": "200m"}},
             "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                      "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}})  # fmt: skip
    target = {"type": "Utilization", "averageUtilization": 50}
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "load"}, "minReplicas": 1,
            "maxReplicas": 20, "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}}}  # fmt: skip
    meta = {"name": "load", "namespace": NS}
    s.apply({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta, "spec": spec})


def replicas(s: Stack) -> int:
    return int(s.json("get", "deployment", "load", "-n", NS)["spec"]["replicas"])


def terminating(s: Stack) -> int:
    pods = s.json("get", "pods", "-n", NS)["items"]
    return sum(1 for pod in pods if pod["metadata"].get("deletionTimestamp"))


def wait_for(s: Stack, check: Callable[[int], bool], timeout: float) -> float:
    """Poll every 50 ms until check(replicas) holds; the time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check(replicas(s)):
            return time.monotonic()
        time.sleep(0.05)
    raise TimeoutError("no scale change")


def main(changes: int) -> None:
    with stack(metric_resolution="15s") as s:
        setup(s)
        wait_for(s, lambda n: n == 2, 10 * RESOLUTION)
        delays = []
        for round_ in range(changes):
            time.sleep(random.uniform(0, RESOLUTION))  # changes land anywhere in the scrape cycle, as real ones do
            s.kubectl("annotate", "deployment", "load", "-n", NS, "sim.flowmeter.dev/cpu-total=1200m", "--overwrite")
            changed = time.monotonic()
            delays.append(wait_for(s, lambda n: n > 2, 6 * RESOLUTION) - changed)
            print(f"change {round_ + 1}: scale write {delays[-1]:.2f}s after the usage change", flush=True)
            s.kubectl("annotate", "deployment", "load", "-n", NS, "sim.flowmeter.dev/cpu-total=200m", "--overwrite")
            wait_for(s, lambda n: n == 2, 20 * RESOLUTION)
            wait_for(s, lambda n: terminating(s) == 0, 120)
    p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
    print(f"\nusage change -> /scale write over {len(delays)} changes at a {RESOLUTION:g}s resolution: "
          f"p50 {p50:.2f}s, p99 {p99:.2f}s, max {max(delays):.2f}s (target: within {RESOLUTION + 1:g}s)")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)

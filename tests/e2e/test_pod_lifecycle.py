"""Pods and nodes the way real clusters have them: restarts, completions, terminating pods, NotReady and odd nodes."""

import json
from typing import Any

import pytest

from tests.e2e.conftest import NODES, RESOLUTION_SECONDS, Stack
from tests.e2e.test_health_and_telemetry import get, probe, sample
from tests.stack import eventually

pytestmark = pytest.mark.e2e


def pod_metrics(stack: Stack, namespace: str, name: str) -> Any:
    result = stack.kubectl("get", "--raw", f"/apis/metrics.k8s.io/v1/namespaces/{namespace}/pods/{name}", check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def create(stack: Stack, document: Any) -> None:
    stack.kubectl("create", "-f", "-", input_text=json.dumps(document))


def bare_pod(name: str, annotations: dict[str, str]) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", "annotations": annotations},
            "spec": {"containers": [{"name": "main", "image": "busybox", "resources": {"requests": {"cpu": "100m"}}}]}}  # fmt: skip


def running_pod(stack: Stack, namespace: str, prefix: str) -> str:
    pods = stack.json("get", "pods", "-n", namespace, "--field-selector=status.phase=Running", "-o", "json")["items"]
    names = [p["metadata"]["name"] for p in pods if "deletionTimestamp" not in p["metadata"]]
    return str(next(name for name in names if name.startswith(prefix)))


def test_a_restarted_container_comes_back_with_a_rate_from_after_its_restart(stack: Stack) -> None:
    name = running_pod(stack, "shop", "checkout-")
    before = eventually(lambda: pod_metrics(stack, "shop", name), RESOLUTION_SECONDS, "metrics before the restart")
    stack.kubectl("annotate", "pod", "-n", "shop", name, "sim.flowmeter.dev/restarts=1", "--overwrite")
    started = stack.json("get", "pod", "-n", "shop", name, "-o", "json")["status"]["containerStatuses"][0]["state"][
        "running"
    ]["startedAt"]

    def served_after_restart() -> Any:
        metrics = pod_metrics(stack, "shop", name)
        return metrics if metrics and str(metrics["timestamp"]) > started and metrics != before else None

    after = eventually(served_after_restart, 3 * RESOLUTION_SECONDS, "a rate from samples after the restart")
    usage = after["containers"][0]["usage"]
    cpu_m = int(usage["cpu"].rstrip("n")) / 1e6 if usage["cpu"].endswith("n") else float(usage["cpu"].rstrip("m"))
    assert 0 < cpu_m < 1000, f"no spike across the restart: {usage}"


def test_a_completed_pod_is_no_longer_served(stack: Stack) -> None:
    create(stack, bare_pod("one-shot", {"sim.flowmeter.dev/exit-after": "40s", "sim.flowmeter.dev/cpu": "200m"}))
    try:
        eventually(lambda: pod_metrics(stack, "default", "one-shot"), 3 * RESOLUTION_SECONDS, "the job pod served")
        eventually(
            lambda: stack.json("get", "pod", "one-shot", "-o", "json")["status"]["phase"] == "Succeeded",
            30,
            "completion",
        )
        gone = stack.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1/namespaces/default/pods/one-shot", check=False)
        assert 'pods \\"one-shot\\" not found' in gone.stderr or "NotFound" in gone.stderr
    finally:
        stack.kubectl("delete", "pod", "one-shot", "--grace-period=0", "--force", check=False)


def test_a_terminating_pod_is_served_until_it_is_gone(stack: Stack) -> None:
    name = running_pod(stack, "monitoring", "grafana-")
    stack.kubectl("delete", "pod", "-n", "monitoring", name, "--grace-period=20", "--wait=false")
    status = stack.json("get", "pod", "-n", "monitoring", name, "-o", "json")
    assert "deletionTimestamp" in status["metadata"] and status["status"]["phase"] == "Running"
    assert pod_metrics(stack, "monitoring", name) is not None, "a terminating pod is still Running and still served"
    eventually(lambda: pod_metrics(stack, "monitoring", name) is None, 40, "the pod gone from the metrics API")


def test_a_notready_node_is_still_scraped_and_served(stack: Stack) -> None:
    stack.kubectl("annotate", "node", "node-0001", "sim.flowmeter.dev/ready=false", "--overwrite")
    try:
        eventually(lambda: "NotReady" in stack.kubectl("get", "node", "node-0001").stdout, 30, "node-0001 NotReady")
        before = stack.json("get", "--raw", "/apis/metrics.k8s.io/v1/nodes/node-0001")["timestamp"]
        eventually(lambda: stack.json("get", "--raw", "/apis/metrics.k8s.io/v1/nodes/node-0001")["timestamp"] > before,
                   2 * RESOLUTION_SECONDS, "fresh metrics of the NotReady node")  # fmt: skip
    finally:
        stack.kubectl("annotate", "node", "node-0001", "sim.flowmeter.dev/ready-")


def test_a_node_without_a_preferred_address_type_fails_alone_with_reason_no_address(stack: Stack) -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "odd-node", "labels": {"kubernetes.io/hostname": "odd-node"}},
            "status": {"addresses": [{"type": "InternalDNS", "address": "odd-node.internal"}]}}  # fmt: skip
    create(stack, node)
    try:

        def failures() -> float:
            metrics = get(f"{probe(stack, 'scraper')}/metrics")[1]
            return (
                sample(metrics, "flowmeter_scrape_failures_total", reason="NoAddress")
                if 'reason="NoAddress"' in metrics
                else 0
            )

        eventually(lambda: failures() >= 1, 2 * RESOLUTION_SECONDS, "a NoAddress failure counted")
        assert len(stack.json("get", "--raw", "/apis/metrics.k8s.io/v1/nodes")["items"]) == NODES
    finally:
        stack.kubectl("delete", "node", "odd-node", check=False)

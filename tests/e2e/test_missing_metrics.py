"""When metrics are missing, the api and `kubectl top` say so as on a real cluster, and recover by themselves."""

import json
import time

import pytest

from tests.e2e.conftest import NODES, RESOLUTION_SECONDS, Stack
from tests.e2e.test_kubectl_top import table
from tests.stack import eventually

pytestmark = pytest.mark.e2e
SKIP = "metrics-server-skip"  # the stack runs with --node-selector=metrics-server-skip!=true, as upstream's e2e does


def node_served(stack: Stack, node: str) -> bool:
    return stack.kubectl("get", "--raw", f"/apis/metrics.k8s.io/v1/nodes/{node}", check=False).returncode == 0


def test_a_node_excluded_by_the_node_selector_is_not_served_until_it_is_selected_again(stack: Stack) -> None:
    node = "node-0003"
    stack.kubectl("label", "node", node, f"{SKIP}=true")
    try:
        eventually(lambda: not node_served(stack, node), RESOLUTION_SECONDS, f"{node} dropping out")
        missing = stack.kubectl("get", "--raw", f"/apis/metrics.k8s.io/v1/nodes/{node}", check=False)
        assert f'nodemetrics.metrics.k8s.io \\"{node}\\" not found' in missing.stderr or "NotFound" in missing.stderr
        rows = {row["NAME"]: row for row in table(stack.kubectl("top", "nodes").stdout)}
        assert rows[node]["CPU(cores)"] == "<unknown>" and len(rows) == NODES
    finally:
        stack.kubectl("label", "node", node, f"{SKIP}-")
    eventually(lambda: node_served(stack, node), 3 * RESOLUTION_SECONDS, f"{node} served again")


def pods_on(stack: Stack, node: str) -> list[dict[str, str]]:
    pods = stack.json("get", "pods", "-A", f"--field-selector=spec.nodeName={node},status.phase=Running", "-o", "json")
    return [{"namespace": p["metadata"]["namespace"], "name": p["metadata"]["name"]} for p in pods["items"]]


def oldest_pod_on(stack: Stack, node: str) -> dict[str, str]:
    """kubectl calls a pod without metrics old past two minutes; other tests on this stack start pods of their own."""
    pods = stack.json("get", "pods", "-A", f"--field-selector=spec.nodeName={node},status.phase=Running", "-o", "json")
    oldest = min(pods["items"], key=lambda p: p["metadata"]["creationTimestamp"])
    return {"namespace": oldest["metadata"]["namespace"], "name": oldest["metadata"]["name"]}


def test_kubectl_top_explains_pods_without_metrics_old_and_new(stack: Stack) -> None:
    node = "node-0002"
    old = oldest_pod_on(stack, node)
    stack.kubectl("annotate", "node", node, "sim.flowmeter.dev/fault=down", "--overwrite")
    try:
        eventually(lambda: not node_served(stack, node), 2 * RESOLUTION_SECONDS, f"{node}'s kubelet going away")
        named = stack.kubectl("top", "pod", old["name"], "-n", old["namespace"], check=False)
        assert f'podmetrics.metrics.k8s.io "{old["namespace"]}/{old["name"]}" not found' in named.stderr
        listed = stack.kubectl(
            "top", "pod", "-n", old["namespace"], f"--field-selector=metadata.name={old['name']}", check=False
        )
        assert listed.returncode != 0
        assert f"error: Metrics not available for pod {old['namespace']}/{old['name']}, age:" in listed.stderr
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}
        stack.kubectl("create", "-f", "-", input_text=json.dumps(namespace))
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "newcomer", "namespace": "fresh"},
               "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox"}]}}  # fmt: skip
        stack.kubectl("create", "-f", "-", input_text=json.dumps(pod))
        eventually(
            lambda: pods_on(stack, node) and any(p["name"] == "newcomer" for p in pods_on(stack, node)),
            30,
            "newcomer running",
        )
        fresh = stack.kubectl("top", "pods", "-n", "fresh", check=False)
        assert fresh.returncode != 0 and "error: metrics not available yet" in fresh.stderr
    finally:
        stack.kubectl("annotate", "node", node, "sim.flowmeter.dev/fault-")
        stack.kubectl("delete", "namespace", "fresh", "--wait=false", check=False)
    started = time.monotonic()
    eventually(lambda: node_served(stack, node), 3 * RESOLUTION_SECONDS, f"{node} served again")
    print(f"{node} served again {time.monotonic() - started:.1f}s after its kubelet came back")


def test_a_kubelet_certificate_without_the_nodes_ip_drops_that_node_and_the_log_says_how_to_fix_it(
    stack: Stack,
) -> None:
    node, log = "node-0001", stack.run_dir / "logs" / "scraper.log"
    stack.kubectl("annotate", "node", node, "sim.flowmeter.dev/fault=bad-cert", "--overwrite")
    try:
        eventually(lambda: not node_served(stack, node), 3 * RESOLUTION_SECONDS, f"{node} failing verification")
        failures = [line for line in log.read_text().splitlines() if node in line and "SANs" in line]
        assert failures and "--kubelet-insecure-tls" in failures[-1]
        assert "--kubelet-preferred-address-types=Hostname" in failures[-1]
        assert node_served(stack, "node-0002"), "only the faulty node is affected"
    finally:
        stack.kubectl("annotate", "node", node, "sim.flowmeter.dev/fault-")
    eventually(lambda: node_served(stack, node), 3 * RESOLUTION_SECONDS, f"{node} served again")

"""`./just up`, then the real `kubectl top` and `kubectl get --raw` work against the simulated cluster."""

import re
import time
from typing import Any

import pytest

from services.lib import quantity
from tests.e2e.conftest import NODES, RESOLUTION_SECONDS, Stack
from tests.stack import eventually

pytestmark = pytest.mark.e2e
CPU, MEMORY = "sim.flowmeter.dev/cpu", "sim.flowmeter.dev/memory"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
GO_DURATION = re.compile(r"^(\d+m)?\d+(\.\d+)?s$|^\d+(\.\d+)?ms$")


def table(output: str) -> list[dict[str, str]]:
    """kubectl's aligned columns as dicts keyed by header."""
    header, *rows = output.strip().splitlines()
    names = header.split()
    return [dict(zip(names, row.split(), strict=True)) for row in rows]


def expected_usage(stack: Stack) -> dict[tuple[str, str, str], tuple[float, float] | None]:
    """(namespace, pod, container) -> (millicores, MiB) the simulator was told per pod, from pod or owner annotations;
    None for pods other tests made without per-pod usage (their values are not checked, their presence is)."""
    owners: dict[tuple[str, str, str], dict[str, Any]] = {}
    for kind in ("deployments", "replicasets", "statefulsets"):
        for item in stack.json("get", kind, "-A", "-o", "json")["items"]:
            owners[(item["kind"], item["metadata"]["namespace"], item["metadata"]["name"])] = item

    def annotation(obj: dict[str, Any], key: str) -> str | None:
        found: str | None = obj["metadata"].get("annotations", {}).get(key)
        for ref in obj["metadata"].get("ownerReferences", []):
            owner = owners.get((ref["kind"], obj["metadata"]["namespace"], ref["name"]))
            if owner and not found:
                found = annotation(owner, key)
        return found

    expected: dict[tuple[str, str, str], tuple[float, float] | None] = {}
    for pod in stack.json("get", "pods", "-A", "--field-selector=status.phase=Running", "-o", "json")["items"]:
        sidecars = [c for c in pod["spec"].get("initContainers", []) if c.get("restartPolicy") == "Always"]
        containers = pod["spec"]["containers"] + sidecars  # what a kubelet reports: running containers only
        cpu, memory = annotation(pod, CPU), annotation(pod, MEMORY)
        for container in containers:
            expected[(pod["metadata"]["namespace"], pod["metadata"]["name"], container["name"])] = (
                (quantity.to_nanocores(cpu) / 1e6 / len(containers), quantity.to_bytes(memory) / 2**20 / len(containers))
                if cpu and memory else None
            )  # fmt: skip
    return expected


def assert_canonical(usage: dict[str, str]) -> None:
    """CPU and memory in Kubernetes' canonical forms, e.g. 123456789n and 1578392Ki."""
    assert re.fullmatch(r"\d+[num]?", usage["cpu"]) and re.fullmatch(r"\d+(Ki|Mi|Gi)?", usage["memory"]), usage
    assert quantity.format_cpu(quantity.to_nanocores(usage["cpu"])) == usage["cpu"]
    assert quantity.format_memory(quantity.to_bytes(usage["memory"])) == usage["memory"]


def close(measured: float, wanted: float, tolerance: float = 0.05) -> bool:
    return abs(measured - wanted) <= tolerance * wanted


def test_kubectl_top_nodes_lists_every_node_with_usage(stack: Stack) -> None:
    nodes = stack.kubectl("get", "nodes", "-o", "name").stdout.split()
    assert len(nodes) == NODES
    rows = table(stack.kubectl("top", "nodes").stdout)
    assert sorted(row["NAME"] for row in rows) == sorted(n.removeprefix("node/") for n in nodes)
    for row in rows:
        assert re.fullmatch(r"\d+m", row["CPU(cores)"]) and re.fullmatch(r"\d+Mi", row["MEMORY(bytes)"]), row
        assert int(row["CPU(cores)"][:-1]) > 0 and int(row["MEMORY(bytes)"][:-2]) > 0


def test_kubectl_top_pods_shows_every_running_container_at_its_annotated_usage(stack: Stack) -> None:
    expected = expected_usage(stack)
    assert len({key[:2] for key, value in expected.items() if value}) == NODES * 10  # the seeded scenario

    def all_match() -> bool:
        rows = table(stack.kubectl("top", "pods", "-A", "--containers").stdout)
        measured = {
            (r["NAMESPACE"], r["POD"], r["NAME"]): (float(r["CPU(cores)"][:-1]), float(r["MEMORY(bytes)"][:-2]))
            for r in rows
        }
        assert measured.keys() == expected.keys(), (
            f"missing {set(expected) - set(measured)}, extra {set(measured) - set(expected)}"
        )
        wrong = {
            k: (measured[k], v)
            for k, v in expected.items()
            if v is not None and not (close(measured[k][0], v[0]) and close(measured[k][1], v[1]))
        }
        assert not wrong, f"measured vs annotated: {wrong}"
        return True

    eventually(all_match, 2 * RESOLUTION_SECONDS, "every container matching its annotation within 5%")


def test_kubectl_annotate_changes_what_top_shows_within_two_resolutions(stack: Stack) -> None:
    pod = stack.json("get", "pods", "-n", "default", "--field-selector=status.phase=Running", "-o", "json")["items"][0]
    name, containers = pod["metadata"]["name"], len(pod["spec"]["containers"])
    stack.kubectl("annotate", "pod", "-n", "default", name, f"{CPU}=1200m", "--overwrite")
    changed = time.monotonic()

    def shows_new_usage() -> bool:
        rows = table(stack.kubectl("top", "pod", "-n", "default", name, "--containers").stdout)
        assert len(rows) == containers
        assert all(close(float(r["CPU(cores)"][:-1]), 1200 / containers) for r in rows), rows
        return True

    eventually(shows_new_usage, 2 * RESOLUTION_SECONDS + 5, "kubectl top reflecting the new annotation")
    print(f"annotation reflected after {time.monotonic() - changed:.1f}s")


def test_raw_metrics_bodies_have_upstreams_exact_shapes(stack: Stack) -> None:
    nodes = stack.json("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")
    assert list(nodes) == ["kind", "apiVersion", "metadata", "items"] and nodes["metadata"] == {}
    assert (nodes["kind"], nodes["apiVersion"]) == ("NodeMetricsList", "metrics.k8s.io/v1beta1")
    for item in nodes["items"]:
        assert list(item) == ["metadata", "timestamp", "window", "usage"]
        assert list(item["metadata"]) == ["name", "creationTimestamp", "labels"]
        assert RFC3339.match(item["timestamp"]) and RFC3339.match(item["metadata"]["creationTimestamp"])
        assert GO_DURATION.match(item["window"]), item["window"]
        assert_canonical(item["usage"])
    name = nodes["items"][0]["metadata"]["name"]
    node = stack.json("get", "--raw", f"/apis/metrics.k8s.io/v1beta1/nodes/{name}")
    assert list(node) == ["kind", "apiVersion", "metadata", "timestamp", "window", "usage"]
    assert node["kind"] == "NodeMetrics" and node["metadata"]["labels"]["kubernetes.io/hostname"] == name

    pods = stack.json("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")
    keys = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods["items"]]
    assert keys == sorted(keys) and keys
    pod = pods["items"][0]
    assert list(pod) == ["metadata", "timestamp", "window", "containers"]
    assert list(pod["metadata"]) == ["name", "namespace", "creationTimestamp", "labels"]
    for container in pod["containers"]:
        assert list(container) == ["name", "usage"] and list(container["usage"]) == ["cpu", "memory"]
        assert_canonical(container["usage"])

    missing = stack.kubectl(
        "get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/no-such-pod", check=False
    )
    assert missing.returncode != 0 and "not found" in missing.stderr

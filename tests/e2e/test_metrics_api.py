"""metrics.k8s.io through the control plane's aggregation layer: both versions, tables, every `kubectl top` flag."""

import base64
import json
import ssl
import urllib.request

import pytest

from tests.e2e.conftest import NODES, Stack
from tests.e2e.test_kubectl_top import table

pytestmark = pytest.mark.e2e


def millicores(cell: str) -> int:
    return int(cell.removesuffix("m"))


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
def test_both_api_versions_are_served_through_the_aggregation_layer(stack: Stack, version: str) -> None:
    nodes = stack.json("get", "--raw", f"/apis/metrics.k8s.io/{version}/nodes")
    assert nodes["apiVersion"] == f"metrics.k8s.io/{version}" and len(nodes["items"]) == NODES
    pods = stack.json("get", "--raw", f"/apis/metrics.k8s.io/{version}/namespaces/kube-system/pods")
    assert pods["kind"] == "PodMetricsList" and pods["items"]
    resources = stack.json("get", "--raw", f"/apis/metrics.k8s.io/{version}")
    assert [r["name"] for r in resources["resources"]] == ["nodes", "pods"]


def test_kubectl_get_nodemetrics_and_podmetrics_print_upstreams_table(stack: Stack) -> None:
    nodes = table(stack.kubectl("get", "nodemetrics").stdout)
    assert len(nodes) == NODES and list(nodes[0]) == ["NAME", "CPU", "MEMORY", "WINDOW"]
    pods = table(stack.kubectl("get", "podmetrics", "-A", "-o", "wide").stdout)
    assert list(pods[0]) == ["NAMESPACE", "NAME", "CPU", "MEMORY", "WINDOW"] and len(pods) >= NODES
    selected = table(stack.kubectl("get", "podmetrics", "-n", "kube-system", "-l", "app=coredns").stdout)
    assert selected and all(row["NAME"].startswith("coredns-") for row in selected)
    one = stack.kubectl("get", "nodemetrics", nodes[0]["NAME"], "-o", "json").stdout
    assert json.loads(one)["kind"] == "NodeMetrics"


def test_kubectl_top_nodes_honours_its_flags(stack: Stack) -> None:
    rows = table(stack.kubectl("top", "nodes", "--sort-by=cpu").stdout)
    assert [millicores(r["CPU(cores)"]) for r in rows] == sorted(
        (millicores(r["CPU(cores)"]) for r in rows), reverse=True
    )
    name = rows[0]["NAME"]
    (one,) = table(stack.kubectl("top", "node", name, "--use-protocol-buffers=false").stdout)
    assert one["NAME"] == name
    headless = stack.kubectl("top", "nodes", "--no-headers").stdout.strip().splitlines()
    assert len(headless) == NODES and not headless[0].startswith("NAME")
    allocatable = table(stack.kubectl("top", "node", name).stdout)[0]
    capacity = table(stack.kubectl("top", "node", name, "--show-capacity").stdout)[0]
    assert int(capacity["MEMORY(%)"].rstrip("%")) <= int(allocatable["MEMORY(%)"].rstrip("%"))
    labelled = table(stack.kubectl("top", "nodes", "-l", f"kubernetes.io/hostname={name}").stdout)
    assert [r["NAME"] for r in labelled] == [name]


def test_kubectl_top_pods_honours_its_flags(stack: Stack) -> None:
    everything = table(stack.kubectl("top", "pods", "-A", "--sort-by=memory").stdout)
    memory = [int(r["MEMORY(bytes)"].removesuffix("Mi")) for r in everything]
    assert memory == sorted(memory, reverse=True)
    web = table(stack.kubectl("top", "pods", "-n", "default", "-l", "app=web", "--sort-by=cpu").stdout)
    assert web and all(r["NAME"].startswith("web-") for r in web)
    name = web[0]["NAME"]
    (by_name,) = table(stack.kubectl("top", "pod", name, "-n", "default").stdout)
    (by_field,) = table(stack.kubectl("top", "pods", "-n", "default", f"--field-selector=metadata.name={name}").stdout)
    assert by_name["NAME"] == by_field["NAME"] == name
    containers = table(stack.kubectl("top", "pod", name, "-n", "default", "--containers").stdout)
    assert {r["POD"] for r in containers} == {name} and len(containers) == 2
    summed = stack.kubectl("top", "pods", "-n", "default", "-l", "app=web", "--sum").stdout.strip().splitlines()
    total = sum(millicores(r["CPU(cores)"]) for r in web)
    assert summed[-2].strip().startswith("_") and abs(millicores(summed[-1].split()[0]) - total) <= len(web)


def test_kubectl_top_reports_what_is_not_there_as_a_real_cluster_does(stack: Stack) -> None:
    missing = stack.kubectl("top", "pod", "no-such-pod", "-n", "default", check=False)
    assert missing.returncode != 0 and 'pods "no-such-pod" not found' in missing.stderr
    empty = stack.kubectl("top", "pods", "-n", "no-such-namespace", check=False)
    assert empty.returncode == 0 and "No resources found in no-such-namespace namespace." in empty.stderr


def test_an_hpa_style_request_gets_json_it_can_decode(stack: Stack) -> None:
    """The HPA controller lists pods by its target's selector and accepts protobuf or anything else."""
    config = json.loads(stack.kubeconfig.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
    request = urllib.request.Request(
        f"{cluster['server']}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb",
        headers={
            "Accept": "application/vnd.kubernetes.protobuf, */*",
            "Authorization": f"Bearer {user['token']}",
            "User-Agent": "kube-controller-manager/v1.37.0 (linux/amd64) kubernetes/horizontal-pod-autoscaler",
        },
    )
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        assert response.headers["Content-Type"] == "application/json"
        body = json.loads(response.read())
    assert body["kind"] == "PodMetricsList" and body["items"]
    for item in body["items"]:
        assert item["metadata"]["labels"]["app"] == "web" and item["containers"]

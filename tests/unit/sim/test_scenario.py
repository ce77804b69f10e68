"""The default scenario and its seeding: sizes add up, every node is filled evenly, usages are measurable."""

import random
from decimal import Decimal
from typing import Any

import pytest

from services.lib import quantity
from sim import scenario
from sim.apiserver import objects, podspec, podstatus, seed, workloads
from sim.apiserver import resources as r
from tests.unit.sim.conftest import NOW_NS


@pytest.mark.parametrize(("nodes", "per_node"), [(1, 1), (3, 10), (2, 3), (40, 70), (7, 0)])
def test_replicas_add_up_and_every_node_gets_exactly_pods_per_node(nodes: int, per_node: int) -> None:
    plan = scenario.build(nodes, per_node, now_ns=NOW_NS)
    assert sum(w["spec"]["replicas"] for w in plan.workloads) == nodes * per_node

    pods = seed.seed(plan, NOW_NS, random.Random(1))[r.PODS]
    assert len({(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods}) == len(pods)

    per_node_count = {node["metadata"]["name"]: 0 for node in plan.nodes}
    for pod in pods:
        per_node_count[pod["spec"]["nodeName"]] += 1
    assert set(per_node_count.values()) == {per_node}


def test_large_clusters_get_more_workloads_not_bigger_ones_spread_over_load_namespaces() -> None:
    workloads = scenario.plan(5000 * 70)

    assert sum(w.replicas for w in workloads) == 350_000
    assert max(w.replicas for w in workloads) == scenario.MAX_REPLICAS
    assert len({w.namespace for w in workloads}) == 4 + 70  # default, kube-system, shop, monitoring, load-01..70
    assert {w.kind for w in workloads} == {"Deployment", "StatefulSet"}


def test_every_reporting_container_gets_at_least_50m_and_32mi_whether_split_evenly_or_by_requests() -> None:
    for workload in scenario.plan(1000 * 10):
        cpu, memory = quantity.parse(workload.cpu), quantity.parse(workload.memory)
        cpu_requests = [quantity.parse(c.cpu[0]) for c in workload.reporting]
        memory_requests = [quantity.parse(c.memory[0]) for c in workload.reporting]
        for share in (*(each / sum(cpu_requests) for each in cpu_requests), Decimal(1) / len(cpu_requests)):
            assert cpu * share >= quantity.parse("50m"), workload.name
        for share in (*(each / sum(memory_requests) for each in memory_requests), Decimal(1) / len(memory_requests)):
            assert memory * share >= quantity.parse("32Mi"), workload.name


def test_nodes_are_named_addressed_and_sized_like_kubelets_report_them() -> None:
    node = scenario.build(300, 1, subnet="127.42", kubelet_port=10250, now_ns=NOW_NS).nodes[251]

    assert node["metadata"]["name"] == "node-0252"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == "node-0252"
    assert node["status"]["addresses"][0] == {"type": "InternalIP", "address": "127.42.2.2"}
    assert node["status"]["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    assert node["status"]["capacity"]["cpu"] == "8" and node["status"]["capacity"]["memory"] == "32Gi"
    assert quantity.parse(node["status"]["allocatable"]["memory"]) < quantity.parse("32Gi")
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.37.0-sim"
    assert node["spec"]["podCIDR"] == "10.244.251.0/24"


def owner_uid(obj: dict[str, Any]) -> str:
    owner = objects.controller_of(obj)
    return "" if owner is None else str(owner["uid"])


def test_seeded_workloads_own_their_pods_through_replicasets_and_statefulsets() -> None:
    seeded = seed.seed(scenario.build(3, 10, now_ns=NOW_NS), NOW_NS, random.Random(1))
    web = next(d for d in seeded[r.DEPLOYMENTS] if d["metadata"]["name"] == "web")
    rs = next(rs for rs in seeded[r.REPLICASETS] if owner_uid(rs) == web["metadata"]["uid"])
    web_pods = [p for p in seeded[r.PODS] if owner_uid(p) == rs["metadata"]["uid"]]
    cart = [p for p in seeded[r.PODS] if p["metadata"]["name"].startswith("cart-")]

    assert web["metadata"]["annotations"] == {scenario.CPU_ANNOTATION: "300m", scenario.MEMORY_ANNOTATION: "192Mi"}
    assert rs["metadata"]["name"] == f"web-{rs['metadata']['labels']['pod-template-hash']}"
    assert len(web_pods) == web["spec"]["replicas"] == web["status"]["readyReplicas"]
    assert all(p["metadata"]["name"].startswith(rs["metadata"]["name"] + "-") for p in web_pods)
    assert all(p["metadata"]["labels"]["pod-template-hash"] == rs["metadata"]["labels"]["pod-template-hash"]
               for p in web_pods)  # fmt: skip
    assert sorted(p["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] for p in cart) == [
        f"cart-{i}" for i in range(len(cart))
    ]


def test_seeded_pods_are_running_and_ready_since_a_while_with_ips_and_container_ids() -> None:
    pod = seed.seed(scenario.build(2, 2, now_ns=NOW_NS), NOW_NS, random.Random(1))[r.PODS][0]
    status = pod["status"]

    assert status["phase"] == "Running" and status["qosClass"] == "Burstable"
    assert status["hostIP"] == "127.10.1.1" and status["podIP"].startswith("10.244.0.")
    assert {c["type"]: c["status"] for c in status["conditions"]} == {
        "PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True", "ContainersReady": "True",
        "PodScheduled": "True"}  # fmt: skip
    container = status["containerStatuses"][0]
    assert container["ready"] and container["restartCount"] == 0
    assert container["containerID"].startswith("containerd://") and "@sha256:" in container["imageID"]
    assert status["startTime"] < container["state"]["running"]["startedAt"] < "2026-05-28T20:16:40Z"


def test_generated_pod_names_are_drawn_again_when_taken() -> None:
    taken = {f"web-abc-{suffix}" for suffix in ("bcdfg", "hjklm")}
    rng = random.Random(5)
    first = workloads.pod_name("web-abc", random.Random(5), lambda name: False)

    name = workloads.pod_name("web-abc", rng, lambda candidate: candidate in taken | {first})

    assert name.startswith("web-abc-") and name not in taken and name != first


def test_the_shop_has_a_deployment_with_an_init_container_and_one_with_a_native_sidecar() -> None:
    seeded = seed.seed(scenario.build(3, 10, now_ns=NOW_NS), NOW_NS, random.Random(1))
    orders = next(p for p in seeded[r.PODS] if p["metadata"]["labels"]["app"] == "orders")
    payments = next(p for p in seeded[r.PODS] if p["metadata"]["labels"]["app"] == "payments")

    assert [c["name"] for c in orders["spec"]["initContainers"]] == ["migrate"]
    assert "restartPolicy" not in orders["spec"]["initContainers"][0]
    assert payments["spec"]["initContainers"][0]["restartPolicy"] == "Always"
    [migrate] = orders["status"]["initContainerStatuses"]
    [proxy] = payments["status"]["initContainerStatuses"]
    main = orders["status"]["containerStatuses"][0]
    assert migrate["state"]["terminated"] | {"containerID": ""} == {"exitCode": 0, "reason": "Completed",
        "startedAt": orders["status"]["startTime"], "finishedAt": main["state"]["running"]["startedAt"],
        "containerID": ""}  # fmt: skip
    assert (migrate["ready"], migrate["started"]) == (True, False)
    assert (proxy["ready"], proxy["started"], list(proxy["state"])) == (True, True, ["running"])
    initialized = next(c for c in orders["status"]["conditions"] if c["type"] == "Initialized")
    assert initialized["lastTransitionTime"] == main["state"]["running"]["startedAt"]


def test_a_pending_pod_with_init_containers_waits_for_them() -> None:
    payments = next(w for w in scenario.plan(30) if w.name == "payments")
    shape = podspec.shape(scenario.workload(payments)["spec"]["template"], {}, [])

    status = podstatus.pending_status(shape, "127.10.1.1", "2026-05-28T20:26:00Z")

    assert [c["state"] for c in status["initContainerStatuses"] + status["containerStatuses"]] == [
        {"waiting": {"reason": "PodInitializing"}}
    ] * 2
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Initialized"]["message"] == "containers with incomplete status: [istio-proxy]"
    assert conditions["Ready"]["message"] == "containers with unready status: [istio-proxy payments]"
    assert status["qosClass"] == "Burstable"

"""The control plane's kubelet as stories: start-up with init containers, restarts, exits, NotReady nodes."""

from sim.apiserver import lifecycle, podstatus
from sim.apiserver import resources as r
from sim.apiserver.controller import Controller
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj
from tests.unit.sim.conftest import until

MERGE = "application/merge-patch+json"


def phase(registry: Registry, namespace: str, name: str) -> str:
    pod = registry.store.get(r.PODS, namespace, name)
    return "" if pod is None else str(pod["status"].get("phase", ""))


def container_statuses(registry: Registry, namespace: str, name: str) -> list[Obj]:
    return list(registry.get(r.PODS, namespace, name)["status"]["containerStatuses"])


async def test_a_pod_with_an_init_container_and_a_sidecar_starts_both_ways(
    registry: Registry, controller: Controller
) -> None:
    spec = {"initContainers": [{"name": "setup", "image": "busybox"},
                               {"name": "proxy", "image": "envoy", "restartPolicy": "Always"}],
            "containers": [{"name": "app", "image": "nginx"}]}  # fmt: skip
    registry.create(r.PODS, "default", {"metadata": {"name": "layered"}, "spec": spec})

    await until(registry.store, lambda: podstatus.is_ready(registry.get(r.PODS, "default", "layered")))
    setup, proxy = registry.get(r.PODS, "default", "layered")["status"]["initContainerStatuses"]

    assert setup["state"]["terminated"]["reason"] == "Completed" and (setup["ready"], setup["started"]) == (True, False)
    assert list(proxy["state"]) == ["running"] and (proxy["ready"], proxy["started"]) == (True, True)


async def test_annotating_restarts_restarts_the_containers_now(registry: Registry, controller: Controller) -> None:
    registry.patch(r.PODS, "shop", "cart-1", MERGE, b'{"metadata":{"annotations":{"sim.flowmeter.dev/restarts":"3"}}}')

    await until(registry.store, lambda: container_statuses(registry, "shop", "cart-1")[0]["restartCount"] == 3)
    statuses = container_statuses(registry, "shop", "cart-1")

    assert {c["state"]["running"]["startedAt"] for c in statuses} == {registry.now()}
    assert all(c["restartCount"] == 3 and "terminated" in c["lastState"] for c in statuses)


async def test_a_bare_pod_with_exit_after_completes_and_stops_being_ready(
    registry: Registry, controller: Controller
) -> None:
    annotations = {lifecycle.EXIT_AFTER: "50ms", lifecycle.EXIT_CODE: "0"}
    registry.create(r.PODS, "default", {"metadata": {"name": "job", "annotations": annotations},
                                        "spec": {"containers": [{"name": "work", "image": "busybox"}]}})  # fmt: skip

    await until(registry.store, lambda: phase(registry, "default", "job") == "Succeeded")
    pod = registry.get(r.PODS, "default", "job")

    assert not podstatus.is_ready(pod)
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    registry.delete(r.PODS, "default", "job")  # a finished pod goes at once
    assert registry.store.get(r.PODS, "default", "job") is None


async def test_a_not_ready_node_takes_no_new_pods_until_it_is_ready_again(
    registry: Registry, controller: Controller
) -> None:
    for name in ("node-0001", "node-0002"):
        registry.patch(r.NODES, "", name, MERGE, b'{"metadata":{"annotations":{"sim.flowmeter.dev/ready":"false"}}}')
    await until(registry.store, lambda: all(
        not _ready(registry.get(r.NODES, "", name)) for name in ("node-0001", "node-0002")))  # fmt: skip

    registry.create(r.PODS, "default", {"metadata": {"name": "placed"}, "spec": {"containers": [{"name": "c"}]}})
    await until(registry.store, lambda: phase(registry, "default", "placed") == "Running")
    registry.patch(r.NODES, "", "node-0003", MERGE, b'{"metadata":{"annotations":{"sim.flowmeter.dev/ready":"false"}}}')
    await until(registry.store, lambda: not _ready(registry.get(r.NODES, "", "node-0003")))
    registry.create(r.PODS, "default", {"metadata": {"name": "waiting"}, "spec": {"containers": [{"name": "c"}]}})
    await until(registry.store, lambda: bool(registry.get(r.PODS, "default", "waiting")["status"].get("conditions")))

    assert registry.get(r.PODS, "default", "placed")["spec"]["nodeName"] == "node-0003"
    message = registry.get(r.PODS, "default", "waiting")["status"]["conditions"][0]["message"]
    assert message == "0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."
    registry.patch(r.NODES, "", "node-0001", MERGE, b'{"metadata":{"annotations":{"sim.flowmeter.dev/ready":null}}}')
    await until(registry.store, lambda: phase(registry, "default", "waiting") == "Running")
    assert registry.get(r.PODS, "default", "waiting")["spec"]["nodeName"] == "node-0001"


def _ready(node: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])

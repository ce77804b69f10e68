"""Pod and node lifecycles caused with the real kubectl, as the simulated kubelets serve them (bodies fetched over TLS
verified against the cluster CA): sidecars and init containers, restarts, exits, graceful deletion, NotReady nodes,
nodes without an InternalIP, and the restart fault."""

import re
import time
from pathlib import Path

import msgspec

from sim.kubelets import faults, objects
from tests.integration.kubelets.conftest import CPU, Families, Sim, eventually

START = "container_start_time_seconds"


async def pod_of(sim: Sim, app: str) -> objects.Pod:
    """A running pod of the app."""
    return next(p for p in await sim.running_pods() if p.metadata.name.startswith(f"{app}-"))


async def body_of(sim: Sim, pod: objects.Pod) -> Families:
    """The body of the kubelet of the pod's node."""
    return await sim.scrape((await sim.nodes())[pod.spec.node_name])


async def get_pod(sim: Sim, namespace: str, name: str) -> objects.Pod:
    return msgspec.json.decode(await sim.kubectl("get", "pod", "-n", namespace, name, "-o", "json"), type=objects.Pod)


async def test_a_native_sidecar_is_reported_and_a_finished_init_container_is_not(sim: Sim) -> None:
    payments, orders = await pod_of(sim, "payments"), await pod_of(sim, "orders")

    payments_body, orders_body = await body_of(sim, payments), await body_of(sim, orders)
    table = (await sim.kubectl("get", "pods", "-n", "shop", "--no-headers")).decode()

    assert {("istio-proxy", "shop", payments.metadata.name), ("payments", "shop", payments.metadata.name)} <= set(
        payments_body[CPU]
    )
    assert ("orders", "shop", orders.metadata.name) in orders_body[CPU]
    assert not [key for key in orders_body[CPU] if key[0] == "migrate"]
    assert re.search(rf"^{payments.metadata.name}\s+2/2\s+Running\s", table, re.MULTILINE)
    assert re.search(rf"^{orders.metadata.name}\s+1/1\s+Running\s", table, re.MULTILINE)


async def test_annotating_restarts_gives_a_new_start_time_and_a_counter_from_zero(sim: Sim) -> None:
    web = await pod_of(sim, "web")
    key = ("nginx", web.metadata.namespace, web.metadata.name)
    before = (await body_of(sim, web))[CPU][key].value
    asked = time.time()

    await sim.kubectl("annotate", "pod", "-n", "default", web.metadata.name, "sim.flowmeter.dev/restarts=1")

    async def restarted() -> bool:
        body = await body_of(sim, web)
        return key in body[CPU] and body[START][key].value >= int(asked) and body[CPU][key].value < before

    await eventually(restarted)
    status = (await get_pod(sim, "default", web.metadata.name)).status.container_statuses
    assert {container.restart_count for container in status} == {1}


async def test_an_exit_after_pod_succeeds_and_leaves_the_body(sim: Sim, tmp_path: Path) -> None:
    manifest = tmp_path / "once.json"
    manifest.write_bytes(msgspec.json.encode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "once",
        "annotations": {"sim.flowmeter.dev/exit-after": "2s"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "job", "image": "busybox:1.36"}]}}))  # fmt: skip
    key = ("job", "default", "once")
    await sim.kubectl("create", "-f", str(manifest))

    async def phase_is(phase: str) -> bool:
        return (await get_pod(sim, "default", "once")).status.phase == phase

    await eventually(lambda: phase_is("Running"))
    once = await get_pod(sim, "default", "once")
    await eventually(lambda: has_series(sim, once, key))
    await eventually(lambda: phase_is("Succeeded"))
    assert not await has_series(sim, once, key)
    ready = (
        await sim.kubectl("get", "pod", "once", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')]}")
    ).decode()
    assert msgspec.json.decode(ready)["status"] == "False"


async def has_series(sim: Sim, pod: objects.Pod, key: tuple[str, ...]) -> bool:
    """Whether the kubelet of the pod's node reports the container now."""
    return key in (await body_of(sim, pod)).get(START, {})


async def test_a_graceful_delete_keeps_the_pod_terminating_and_reported_then_it_is_gone(sim: Sim) -> None:
    web = await pod_of(sim, "web")
    key = ("nginx", "default", web.metadata.name)

    await sim.kubectl("delete", "pod", web.metadata.name, "--grace-period=3", "--wait=false")
    shown = (await sim.kubectl("get", "pod", web.metadata.name, "--no-headers")).decode()
    assert shown.split()[2] == "Terminating" and await has_series(sim, web, key)

    async def gone() -> bool:
        names = (await sim.kubectl("get", "pods", "-o", "name")).decode().split()
        return f"pod/{web.metadata.name}" not in names and not await has_series(sim, web, key)

    await eventually(gone)


async def test_a_not_ready_node_shows_not_ready_and_its_kubelet_keeps_serving(sim: Sim) -> None:
    name, ip = sorted((await sim.nodes()).items())[0]

    async def status_is(wanted: str) -> bool:
        return (await sim.kubectl("get", "node", name, "--no-headers")).decode().split()[1] == wanted

    await sim.kubectl("annotate", "node", name, "sim.flowmeter.dev/ready=false")
    await eventually(lambda: status_is("NotReady"))
    assert "node_cpu_usage_seconds_total" in await sim.scrape(ip)

    await sim.kubectl("annotate", "node", name, "sim.flowmeter.dev/ready-")
    await eventually(lambda: status_is("Ready"))


async def test_a_node_with_only_a_hostname_address_is_accepted_and_not_served(sim: Sim, tmp_path: Path) -> None:
    manifest = tmp_path / "node.json"
    manifest.write_bytes(msgspec.json.encode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "bare"},
        "status": {"addresses": [{"type": "Hostname", "address": "bare"}]}}))  # fmt: skip

    await sim.kubectl("create", "-f", str(manifest))

    assert (await sim.kubectl("get", "node", "bare", "-o", "name")).decode().strip() == "node/bare"
    for ip in (await sim.nodes()).values():
        if ip:  # the other nodes' kubelets still answer
            assert "node_cpu_usage_seconds_total" in await sim.scrape(ip)


async def test_the_restart_fault_restarts_every_container_on_the_node_once(sim: Sim) -> None:
    name, ip = sorted((await sim.nodes()).items())[0]
    before = (await sim.scrape(ip))[CPU]
    asked = time.time()

    await sim.kubectl("annotate", "node", name, f"{faults.ANNOTATION}=restart")

    async def restarted() -> bool:
        body = await sim.scrape(ip)
        return set(body.get(CPU, {})) == set(before) and all(
            body[START][key].value >= asked - 1 and body[CPU][key].value < before[key].value for key in before
        )

    await eventually(restarted)

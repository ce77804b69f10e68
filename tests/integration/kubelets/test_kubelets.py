"""`python -m sim.kubelets` against the real `python -m sim.apiserver`, driven by the real kubectl: TLS bodies per
node verified against the cluster CA, `kubectl annotate` changing the measured usage, faults, nodes added later."""

import asyncio
import time
from pathlib import Path

import msgspec

from sim.kubelets import faults, service, targets
from tests.integration.kubelets.conftest import CPU, Sim, eventually, refused


async def test_each_node_serves_its_running_pods_over_tls_verified_by_the_cluster_ca(sim: Sim) -> None:
    nodes, pods = await sim.nodes(), await sim.running_pods()

    for name, ip in nodes.items():
        families = await sim.scrape(ip)
        expected = {(c.name, p.metadata.namespace, p.metadata.name) for p in pods if p.spec.node_name == name
                    for c in p.spec.reporting}  # fmt: skip
        assert set(families.get(CPU, {})) == expected
        assert families["resource_scrape_error"][()].text == "0"
    assert service.ready_file(sim.layout).exists()
    assert (await sim.session.get(sim.url(next(iter(nodes.values())), "/metrics"))).status_code == 404


async def measured_rate(sim: Sim, ip: str, key: tuple[str, ...]) -> float:
    """Cores between two scrapes half a second apart, as metrics-server computes it."""
    first = (await sim.scrape(ip))[CPU][key]
    await asyncio.sleep(0.5)  # a rate needs time to pass; there is nothing to await
    second = (await sim.scrape(ip))[CPU][key]
    assert first.timestamp_ms is not None and second.timestamp_ms is not None
    return (second.value - first.value) / ((second.timestamp_ms - first.timestamp_ms) / 1000)


async def eventually_rate(sim: Sim, ip: str, key: tuple[str, ...], cores: float) -> None:
    rates: list[float] = []

    async def close_enough() -> bool:
        rates.append(await measured_rate(sim, ip, key))
        return abs(rates[-1] - cores) <= 0.1 * cores

    await eventually(close_enough)


async def test_kubectl_annotate_on_a_pod_and_its_deployment_changes_the_measured_rate(sim: Sim) -> None:
    web = next(p for p in await sim.running_pods() if p.metadata.controller and p.metadata.name.startswith("web-"))
    ip, share = (await sim.nodes())[web.spec.node_name], len(web.spec.reporting)
    key = (web.spec.containers[0].name, web.metadata.namespace, web.metadata.name)
    pod_ref = ("-n", web.metadata.namespace, "pod", web.metadata.name)

    await sim.kubectl("annotate", "--overwrite", *pod_ref, f"{targets.CPU_ANNOTATION}=1200m")
    await eventually_rate(sim, ip, key, 1.2 / share)

    await sim.kubectl("annotate", *pod_ref, f"{targets.CPU_ANNOTATION}-")
    await sim.kubectl("annotate", "--overwrite", "-n", web.metadata.namespace, "deployment", "web",
                      f"{targets.CPU_ANNOTATION}=100m")  # fmt: skip
    await eventually_rate(sim, ip, key, 0.1 / share)


async def test_the_down_fault_refuses_connections_until_it_is_lifted(sim: Sim) -> None:
    (down, down_ip), (_, up_ip) = sorted((await sim.nodes()).items())

    async def is_down() -> bool:
        return await refused(sim, down_ip)

    async def is_up() -> bool:
        return not await refused(sim, down_ip)

    await sim.kubectl("annotate", "node", down, f"{faults.ANNOTATION}=down")
    await eventually(is_down)
    assert not await refused(sim, up_ip), "other nodes are untouched"

    await sim.kubectl("annotate", "node", down, f"{faults.ANNOTATION}-")
    await eventually(is_up)


async def test_the_zero_malformed_skew_and_duplicate_faults_change_the_body(sim: Sim) -> None:
    name, ip = sorted((await sim.nodes()).items())[0]

    async def zeroed() -> bool:
        return (await sim.scrape(ip))["node_cpu_usage_seconds_total"][()].text == "0"

    async def garbled() -> bool:
        return b"garbled" in (await sim.session.get(sim.url(ip))).content

    async def an_hour_ahead() -> bool:
        stamp = (await sim.scrape(ip))["node_cpu_usage_seconds_total"][()].timestamp_ms or 0
        return 3590 < stamp / 1000 - time.time() < 3610

    async def duplicated() -> bool:
        text = (await sim.session.get(sim.url(ip))).text
        return text.count("\nnode_memory_working_set_bytes ") == 2

    await sim.kubectl("annotate", "node", name, f"{faults.ANNOTATION}=zero")
    await eventually(zeroed)
    await sim.kubectl("annotate", "--overwrite", "node", name, f"{faults.ANNOTATION}=malformed")
    await eventually(garbled)
    await sim.kubectl("annotate", "--overwrite", "node", name, f"{faults.ANNOTATION}=skew=+1h")
    await eventually(an_hour_ahead)
    await sim.kubectl("annotate", "--overwrite", "node", name, f"{faults.ANNOTATION}=duplicate")
    await eventually(duplicated)


async def test_a_node_created_later_starts_listening(sim: Sim, tmp_path: Path) -> None:
    ip = f"{sim.subnet}.200.1"
    manifest = tmp_path / "node.json"
    manifest.write_bytes(msgspec.json.encode({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "late"},
        "status": {"addresses": [{"type": "InternalIP", "address": ip}],
                   "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}}))  # fmt: skip

    async def listening() -> bool:
        return not await refused(sim, ip)

    await sim.kubectl("create", "-f", str(manifest))
    await eventually(listening)
    assert "node_cpu_usage_seconds_total" in await sim.scrape(ip)

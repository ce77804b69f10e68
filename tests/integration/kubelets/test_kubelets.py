"""`python -m sim.kubelets` against the real `python -m sim.apiserver`, driven by the real kubectl: TLS bodies per
node verified against the cluster CA, `kubectl annotate` changing the measured usage, faults, nodes added later."""

import asyncio
import contextlib
import random
import re
import ssl
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import msgspec
import pytest

from services.lib import kubeobjects
from sim import pki
from sim.kubelets import faults, objects, service, targets
from tests.unit.kubelets import exposition

ROOT = Path(__file__).resolve().parents[3]
CPU = "container_cpu_usage_seconds_total"
Families = dict[str, dict[tuple[str, ...], exposition.Sample]]


class Stderr:
    """The lines a subprocess writes to stderr, read as they come so its pipe never fills."""

    def __init__(self, stream: asyncio.StreamReader, name: str) -> None:
        self.lines: list[str] = []
        self._stream, self._grew = stream, asyncio.Condition()
        self.task = asyncio.create_task(self._read(), name=f"{name}-stderr")

    async def _read(self) -> None:
        while line := await self._stream.readline():
            async with self._grew:
                self.lines.append(line.decode(errors="replace").rstrip())
                self._grew.notify_all()
        async with self._grew:
            self._grew.notify_all()

    async def wait_for(self, pattern: str, timeout: float = 60) -> str:
        """The first line matching `pattern`; fails after `timeout` or when the process closed stderr."""

        def found() -> str | None:
            return next((line for line in self.lines if re.search(pattern, line)), None)

        async with asyncio.timeout(timeout), self._grew:
            await self._grew.wait_for(lambda: found() is not None or self.task.done())
        line = found()
        assert line is not None, f"no line matches {pattern!r}:\n" + "\n".join(self.lines)
        return line


@contextlib.asynccontextmanager
async def module(name: str, *args: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, Stderr]]:
    """`python -m name args` from the repository root, terminated (SIGTERM) and reaped at the end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", name, *args, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    stderr = Stderr(process.stderr, name)
    try:
        yield process, stderr
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await process.wait()
        await stderr.task


class Sim:
    """The running cluster, kubectl against it, and an HTTPS client trusting the cluster CA."""

    def __init__(self, layout: pki.Layout, subnet: str, session: aiohttp.ClientSession) -> None:
        self.layout, self.subnet, self.session = layout, subnet, session

    async def kubectl(self, *args: str) -> bytes:
        process = await asyncio.create_subprocess_exec(
            "kubectl", "--kubeconfig", str(self.layout.admin_kubeconfig), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out

    async def nodes(self) -> dict[str, str]:
        """Node name -> InternalIP."""
        listed = msgspec.json.decode(await self.kubectl("get", "nodes", "-o", "json"), type=NodeList)
        return {item.metadata.name: item.internal_ip for item in listed.items}

    async def running_pods(self) -> list[objects.Pod]:
        listed = msgspec.json.decode(await self.kubectl("get", "pods", "-A", "-o", "json"), type=PodList)
        return [item for item in listed.items if item.status.phase == "Running" and item.spec.node_name]

    def url(self, ip: str, path: str = "/metrics/resource") -> str:
        return f"https://{ip}:10250{path}"

    async def scrape(self, ip: str) -> Families:
        async with self.session.get(self.url(ip)) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
            families = exposition.parse(await response.text())
        return {name: {s.key: s for s in family} for name, family in families.items()}


NodeList = kubeobjects.ObjectList[objects.Node]
PodList = kubeobjects.ObjectList[objects.Pod]


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    """`python -m sim.apiserver` with 2 nodes × 3 pods on a random subnet, and `python -m sim.kubelets` on it."""
    layout, subnet = pki.Layout(tmp_path), f"127.{random.randint(20, 250)}"
    api_args = ("--run-dir", str(tmp_path), "--port", "0", "--nodes", "2", "--pods-per-node", "3",
                "--kubelet-subnet", subnet, "--kubelet-port", "10250")  # fmt: skip
    async with module("sim.apiserver", *api_args) as (_, api_stderr):
        await api_stderr.wait_for(r"apiserver listening on")
        kubelet_args = ("--run-dir", str(tmp_path), "--housekeeping-interval", "100ms")
        async with module("sim.kubelets", *kubelet_args) as (kubelets, stderr):
            await stderr.wait_for(r"kubelets serving 2 nodes")
            context = ssl.create_default_context(cafile=layout.ca[0])
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
                yield Sim(layout, subnet, session)
        assert kubelets.returncode == 0, "\n".join(stderr.lines)
    assert not service.ready_file(layout).exists()


async def test_each_node_serves_its_running_pods_over_tls_verified_by_the_cluster_ca(sim: Sim) -> None:
    nodes, pods = await sim.nodes(), await sim.running_pods()

    for name, ip in nodes.items():
        families = await sim.scrape(ip)
        expected = {(c.name, p.metadata.namespace, p.metadata.name) for p in pods if p.spec.node_name == name
                    for c in p.spec.containers}  # fmt: skip
        assert set(families.get(CPU, {})) == expected
        assert families["resource_scrape_error"][()].text == "0"
    assert service.ready_file(sim.layout).exists()
    async with sim.session.get(sim.url(next(iter(nodes.values())), "/metrics")) as response:
        assert response.status == 404


async def measured_rate(sim: Sim, ip: str, key: tuple[str, ...]) -> float:
    """Cores between two scrapes half a second apart, as metrics-server computes it."""
    first = (await sim.scrape(ip))[CPU][key]
    await asyncio.sleep(0.5)  # a rate needs time to pass; there is nothing to await
    second = (await sim.scrape(ip))[CPU][key]
    assert first.timestamp_ms is not None and second.timestamp_ms is not None
    return (second.value - first.value) / ((second.timestamp_ms - first.timestamp_ms) / 1000)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    """Poll until `check` holds: the change crosses into other processes, so there is no event to await."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def eventually_rate(sim: Sim, ip: str, key: tuple[str, ...], cores: float) -> None:
    rates: list[float] = []

    async def close_enough() -> bool:
        rates.append(await measured_rate(sim, ip, key))
        return abs(rates[-1] - cores) <= 0.1 * cores

    await eventually(close_enough)


async def test_kubectl_annotate_on_a_pod_and_its_deployment_changes_the_measured_rate(sim: Sim) -> None:
    web = next(p for p in await sim.running_pods() if p.metadata.controller and p.metadata.name.startswith("web-"))
    ip, share = (await sim.nodes())[web.spec.node_name], len(web.spec.containers)
    key = (web.spec.containers[0].name, web.metadata.namespace, web.metadata.name)
    pod_ref = ("-n", web.metadata.namespace, "pod", web.metadata.name)

    await sim.kubectl("annotate", "--overwrite", *pod_ref, f"{targets.CPU_ANNOTATION}=1200m")
    await eventually_rate(sim, ip, key, 1.2 / share)

    await sim.kubectl("annotate", *pod_ref, f"{targets.CPU_ANNOTATION}-")
    await sim.kubectl("annotate", "--overwrite", "-n", web.metadata.namespace, "deployment", "web",
                      f"{targets.CPU_ANNOTATION}=100m")  # fmt: skip
    await eventually_rate(sim, ip, key, 0.1 / share)


async def refused(sim: Sim, ip: str) -> bool:
    """Whether connecting to the kubelet at `ip` is refused now."""
    try:
        await sim.scrape(ip)
    except aiohttp.ClientConnectorError:
        return True
    return False


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


async def test_the_zero_and_malformed_faults_change_the_body(sim: Sim) -> None:
    name, ip = sorted((await sim.nodes()).items())[0]

    async def zeroed() -> bool:
        return (await sim.scrape(ip))["node_cpu_usage_seconds_total"][()].text == "0"

    async def garbled() -> bool:
        async with sim.session.get(sim.url(ip)) as response:
            return b"garbled" in await response.read()

    await sim.kubectl("annotate", "node", name, f"{faults.ANNOTATION}=zero")
    await eventually(zeroed)
    await sim.kubectl("annotate", "--overwrite", "node", name, f"{faults.ANNOTATION}=malformed")
    await eventually(garbled)


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

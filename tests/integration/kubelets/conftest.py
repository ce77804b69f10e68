"""`python -m sim.apiserver` and `python -m sim.kubelets` as subprocesses on a random kubelet subnet, the real kubectl
against them, and an HTTPS client that verifies every kubelet against the cluster CA and presents the scraper's
token, as the scraper does."""

import asyncio
import contextlib
import random
import re
import ssl
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import msgspec
import pytest

from services.lib import kubeobjects
from sim import pki
from sim.kubelets import objects, service
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

    def __init__(self, layout: pki.Layout, subnet: str, session: httpx.AsyncClient) -> None:
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
        response = await self.session.get(self.url(ip))
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        families = exposition.parse(response.text)
        return {name: {s.key: s for s in family} for name, family in families.items()}


NodeList = kubeobjects.ObjectList[objects.Node]
PodList = kubeobjects.ObjectList[objects.Pod]


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[Sim]:
    """`python -m sim.apiserver` with 2 nodes × 5 pods on a random subnet (every base workload has a pod), and
    `python -m sim.kubelets` on it."""
    async with simulated(tmp_path, nodes=2, pods_per_node=5) as running:
        yield running


@contextlib.asynccontextmanager
async def control_plane(run_dir: Path, nodes: int, pods_per_node: int) -> AsyncIterator[Sim]:
    """The simulated control plane of this size, and a client for its kubelets (not started), until the block ends."""
    layout, subnet = pki.Layout(run_dir), f"127.{random.randint(20, 250)}"
    api_args = ("--run-dir", str(run_dir), "--port", "0", "--nodes", str(nodes), "--pods-per-node",
                str(pods_per_node), "--kubelet-subnet", subnet, "--kubelet-port", "10250")  # fmt: skip
    async with module("sim.apiserver", *api_args) as (_, api_stderr):
        await api_stderr.wait_for(r"apiserver listening on")
        context = ssl.create_default_context(cafile=layout.ca[0])
        scraper = {"Authorization": f"Bearer {pki.token_of(layout, 'scraper')}"}
        # httpx rather than aiohttp: it closes its TLS sockets before the test's event loop ends
        async with httpx.AsyncClient(verify=context, headers=scraper) as session:
            yield Sim(layout, subnet, session)


@contextlib.asynccontextmanager
async def simulated(run_dir: Path, nodes: int, pods_per_node: int) -> AsyncIterator[Sim]:
    """The simulated control plane and kubelets of this size until the block ends."""
    async with control_plane(run_dir, nodes, pods_per_node) as sim:
        kubelet_args = ("--run-dir", str(run_dir), "--housekeeping-interval", "100ms")
        async with module("sim.kubelets", *kubelet_args) as (kubelets, stderr):
            await stderr.wait_for(rf"kubelets serving {nodes} nodes")
            yield sim
        assert kubelets.returncode == 0, "\n".join(stderr.lines)
    assert not service.ready_file(sim.layout).exists()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    """Poll until `check` holds: the change crosses into other processes, so there is no event to await."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def refused(sim: Sim, ip: str) -> bool:
    """Whether connecting to the kubelet at `ip` is refused now."""
    try:
        await sim.scrape(ip)
    except httpx.ConnectError:
        return True
    except httpx.RemoteProtocolError:  # a kept-alive connection closed as the listener went away: not refused yet
        return False
    return False

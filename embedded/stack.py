"""The embedded stack: which processes run, in what order, and when it counts as serving."""

import asyncio
import json
import re
import shutil
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from embedded.processes import Child
from embedded.settings import Settings
from services.lib import kube, natsaccess, timefmt
from sim.pki import Layout

BIN = Path(sys.executable).parent
PYTHON = (sys.executable, "-m")
START_TIMEOUT_SECONDS = 120.0
LISTENING = r"Listening for client connections on (\S+)"  # nats-server's line once it accepts clients
APISERVER = r"apiserver listening on (\S+)"
KUBELETS = r"(kubelets serving)"


def replica(name: str, index: int) -> str:
    """The first replica keeps the plain name (`scraper`); the others are numbered from 2 (`scraper-2`)."""
    return name if index == 0 else f"{name}-{index + 1}"


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stack:
    """nats-server, the simulated cluster and the services, started in dependency order."""

    def __init__(self, settings: Settings, on_line: Callable[[str, str], None]) -> None:
        self.settings, self.on_line = settings, on_line
        self.run_dir = Path(settings.run_dir).resolve()
        self.layout = Layout(self.run_dir)
        self.nats_dir = self.run_dir / "nats"  # its configuration, one credentials file per service, and its data
        self.children: list[Child] = []
        self.waiters: dict[str, tuple[re.Pattern[str], asyncio.Future[str]]] = {}
        self.supervisors: list[asyncio.Task[None]] = []
        self.nats_url = self.apiserver_url = self.api_url = self.console_url = ""
        self.api_urls: list[str] = []  # every api replica, all behind the control plane; the first is api_url
        self.probes: dict[str, str] = {}  # service -> host:port of its /metrics, /livez and /readyz

    def _line(self, name: str, line: str) -> None:
        self.on_line(name, line)
        waiter = self.waiters.get(name)
        if waiter and not waiter[1].done() and (match := waiter[0].search(line)):
            waiter[1].set_result(match.group(1))

    async def _start(self, name: str, argv: list[str], ready: str | None = None) -> str:
        """Start a supervised child; with `ready`, wait for an output line matching it and return its group 1."""
        if ready:
            self.waiters[name] = (re.compile(ready), asyncio.get_running_loop().create_future())
        child = Child(name, argv, self.run_dir / "logs", self._line, self.write_status)
        self.children.append(child)
        await child.start()
        self.supervisors.append(asyncio.create_task(child.supervise(), name=f"{name}-supervisor"))
        if not ready:
            return ""
        return await asyncio.wait_for(self.waiters[name][1], START_TIMEOUT_SECONDS)

    async def up(self) -> float:
        """Start everything and wait until metrics are served; the seconds that took."""
        started = time.monotonic()
        shutil.rmtree(self.run_dir, ignore_errors=True)  # a fresh cluster each time: no rates from another run
        self.run_dir.mkdir(parents=True)
        s, run_dir = self.settings, str(self.run_dir)
        # Ports are fixed before the first start, so a restarted process keeps its address, and the control plane
        # knows every api replica's before they start, as a Service knows its endpoints.
        nats_port = s.nats_port if s.nats_port > 0 else free_port()
        api_ports = [s.api_port or free_port(), *(free_port() for _ in range(s.apis - 1))]
        nats_config = natsaccess.provision(self.nats_dir, "127.0.0.1", nats_port, self.run_dir / "nats" / "data")
        address = await self._start("nats", [str(BIN / "nats-server"), "-c", str(nats_config)], ready=LISTENING)
        self.api_urls = [f"https://127.0.0.1:{port}" for port in api_ports]
        self.nats_url, self.api_url = f"nats://{address}", self.api_urls[0]
        sim = [
            "--run-dir",
            run_dir,
            "--port",
            str(s.apiserver_port or free_port()),
            "--nodes",
            str(s.sim_nodes),
            "--pods-per-node",
            str(s.sim_pods_per_node),
            "--kubelet-subnet",
            s.kubelet_subnet,
            "--kubelet-port",
            str(s.kubelet_port),
            "--metrics-api-url",
            ",".join(self.api_urls),
        ]
        self.apiserver_url = await self._start("apiserver", [*PYTHON, "sim.apiserver", *sim], ready=APISERVER)
        await self._start("kubelets", [*PYTHON, "sim.kubelets", "--run-dir", run_dir], ready=KUBELETS)
        await self._start_services(api_ports)
        await self._start_console()
        await self._wait_for_metrics()
        (self.run_dir / "kubeconfig").write_bytes(self.layout.users_kubeconfig.read_bytes())  # admin, viewer, nobody
        return time.monotonic() - started

    async def _start_services(self, api_ports: list[int]) -> None:
        s = self.settings
        timeout_ms = int(min(10.0, 0.9 * self._resolution()) * 1000)  # upstream: timeout <= 0.9 × resolution
        scrapers = [replica("scraper", i) for i in range(s.scrapers)]
        stores = [replica("store", i) for i in range(s.stores)]
        self.probes = {name: f"127.0.0.1:{free_port()}" for name in (*stores, *scrapers, "autoscaler")}
        selector = [f"--node-selector={s.node_selector}"] if s.node_selector else []
        for name in stores:
            await self._start_service(name, f"--metrics-bind-address={self.probes[name]}", f"--replica-name={name}")
        for i, port in enumerate(api_ports):
            await self._start_service(
                replica("api", i), *selector, f"--kubeconfig={self._kubeconfig('api')}", "--bind-address=127.0.0.1",
                f"--secure-port={port}", f"--cert-dir={self.run_dir / replica('api-certs', i)}",
            )  # fmt: skip
        for name in scrapers:
            await self._start_service(
                name, *selector, f"--kubeconfig={self._kubeconfig('scraper')}",
                f"--kubelet-request-timeout={timeout_ms}ms", "--kubelet-use-node-status-port",
                "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                f"--metrics-bind-address={self.probes[name]}", f"--replica-name={name}",
            )  # fmt: skip
        if not s.autoscaler:
            return
        await self._start_service(
            "autoscaler", f"--kubeconfig={self._kubeconfig('autoscaler')}",
            f"--metrics-bind-address={self.probes['autoscaler']}", *s.autoscaler_flags.split(),
        )  # fmt: skip

    async def _start_service(self, name: str, *flags: str) -> None:
        """`python -m services.<service>` logged in to NATS as its service, at the stack's resolution; `name` is the
        service or one of its replicas (`scraper-2`)."""
        service = name.split("-", maxsplit=1)[0]
        await self._start(name, [
            *PYTHON, f"services.{service}", f"--nats-url={self.nats_url}",
            f"--nats-credentials-file={self.nats_dir / f'{service}.creds'}",
            f"--metric-resolution={self.settings.metric_resolution}", *flags,
        ])  # fmt: skip

    async def _start_console(self) -> None:
        """The console, with the cluster's address and CA but no credentials: people sign in with their own token."""
        if not self.settings.console:
            return
        document = json.loads(self.layout.admin_kubeconfig.read_text())
        cluster = document["clusters"][0]["name"]
        context = {"name": "console", "context": {"cluster": cluster, "user": "anonymous"}}
        document |= {"users": [{"name": "anonymous", "user": {}}], "contexts": [context], "current-context": "console"}
        kubeconfig = self.run_dir / "console.kubeconfig"
        kubeconfig.write_text(json.dumps(document, indent=2) + "\n")
        port = self.settings.console_port or free_port()
        self.console_url = f"http://127.0.0.1:{port}/"
        await self._start("console", [
            *PYTHON, "services.console", f"--nats-url={self.nats_url}",
            f"--nats-credentials-file={self.nats_dir / 'console.creds'}", f"--bind-address=127.0.0.1:{port}",
            f"--kubeconfig={kubeconfig}", *self.settings.console_flags.split(),
        ])  # fmt: skip

    def _kubeconfig(self, service: str) -> Path:
        """The service's own ServiceAccount identity, with only the RBAC that deploy/ grants it."""
        return self.layout.service_kubeconfig(service)

    async def _wait_for_metrics(self) -> None:
        """Until every node and at least one pod is served through the control plane's aggregation layer."""
        client = await kube.Kube.connect(str(self.layout.admin_kubeconfig))
        try:
            async with asyncio.timeout(START_TIMEOUT_SECONDS + 4 * self._resolution()):
                while not await self._serving(client):  # noqa: ASYNC110 - polling another process's HTTP API
                    await asyncio.sleep(0.5 if self.settings.sim_nodes <= 1000 else 3.0)  # a 5,000-node list is work
        finally:
            await client.close()

    async def _serving(self, client: kube.Kube) -> bool:
        # Listing every pod of a 5,000-node cluster twice a second would keep the api busy with nothing but this
        # check: past a small size, coredns's pods in kube-system stand for all of them.
        total = self.settings.sim_nodes * self.settings.sim_pods_per_node
        pods_path = "/apis/metrics.k8s.io/v1beta1/" + ("pods" if total <= 1000 else "namespaces/kube-system/pods")
        try:
            nodes = json.loads(await client.request("GET", "/apis/metrics.k8s.io/v1beta1/nodes"))["items"]
            pods = json.loads(await client.request("GET", pods_path))["items"]
        except (kube.KubeError, OSError, ValueError):
            return False
        return len(nodes) == self.settings.sim_nodes and (bool(pods) or self.settings.sim_pods_per_node == 0)

    def _resolution(self) -> float:
        return timefmt.parse_duration(self.settings.metric_resolution) / 1e9

    def write_status(self) -> None:
        """`<run dir>/stack.json`: URLs and process ids, for tests and curious operators."""
        status = {
            "nats_url": self.nats_url,
            "apiserver_url": self.apiserver_url,
            "api_url": self.api_url,
            "api_urls": self.api_urls,
            "console_url": self.console_url,
            "probes": self.probes,
            "pids": {child.name: child.pid for child in self.children},
        }
        (self.run_dir / "stack.json").write_text(json.dumps(status, indent=2) + "\n")

    async def down(self) -> None:
        """Stop the services first and nats-server last, so nothing loses its peers while draining."""
        for child in reversed(self.children):
            await child.stop()

"""`./just up` run by tests: the README's own command on a simulated cluster, and how to talk to it."""

import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from services.lib import natsaccess
from tests.processes import Process

ROOT = Path(__file__).resolve().parents[1]
START_DEADLINE_SECONDS = 180


@dataclass
class Stack:
    """A running `./just up` and how to talk to it."""

    process: Process
    run_dir: Path
    cache_dir: Path

    @property
    def kubeconfig(self) -> Path:
        return self.run_dir / "kubeconfig"

    @property
    def console_url(self) -> str:
        return str(self.status()["console_url"]).rstrip("/")

    def status(self) -> dict[str, object]:
        result: dict[str, object] = json.loads((self.run_dir / "stack.json").read_text())
        return result

    def pid(self, name: str) -> int:
        pids = self.status()["pids"]
        assert isinstance(pids, dict)
        return int(pids[name])

    def kubectl(
        self, *args: str, check: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The real kubectl against the simulated cluster."""
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig), "KUBECACHEDIR": str(self.cache_dir)}
        result = subprocess.run(
            ["kubectl", *args], check=False, capture_output=True, text=True, env=env, timeout=60, input=input_text
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        """`kubectl ... -o json` or `get --raw` output, parsed."""
        return json.loads(self.kubectl(*args).stdout)

    def apply(self, document: dict[str, Any]) -> None:
        """`kubectl apply` of one object."""
        self.kubectl("apply", "-f", "-", input_text=json.dumps(document))

    def autoscaled(self, namespace: str, name: str, cpu_total: str, replicas: int, **behavior: Any) -> None:
        """A namespace with a Deployment whose total CPU load is shared by its pods (200m requested each), and an HPA
        at 50 % CPU on it (1 to 20 replicas) with `behavior`."""
        self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        labels, meta = {"app": name}, {"name": name, "namespace": namespace}
        container = {"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "200m", "memory": "64Mi"}}}
        self.apply({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {**meta, "annotations": {"sim.flowmeter.dev/cpu-total": cpu_total}},
                    "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                             "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}})  # fmt: skip
        target = {"type": "Utilization", "averageUtilization": 50}
        self.apply({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta,
                    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                             "minReplicas": 1, "maxReplicas": 20, **({"behavior": behavior} if behavior else {}),
                             "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]}})  # fmt: skip

    async def nats(self, user: str = "console") -> Client:
        """A NATS connection as one of the stack's users (the console's reads rates and decisions, writes only USAGE)."""
        name, password = natsaccess.read_credentials(str(self.run_dir / "nats" / f"{user}.creds")) or ("", "")
        url = str(self.status()["nats_url"])
        return await nats.connect(url, user=name, password=password, inbox_prefix=natsaccess.inbox_prefix(name))


def _wait_for(path: Path, process: Process, deadline: float) -> None:
    while not path.exists():
        if process.popen.poll() is not None:
            raise AssertionError(f"./just up exited with {process.popen.returncode}:\n{process.log}")
        if time.monotonic() > deadline:
            raise AssertionError(f"./just up did not write {path} in time:\n{process.log}")
        time.sleep(0.2)  # another process's file: nothing to await in-process


def run_stack(
    tmp_path_factory: pytest.TempPathFactory, nodes: int, pods_per_node: int, resolution_seconds: int, **env: str
) -> Iterator[Stack]:
    """`./just up` with its own run directory, ports and kubelet subnet, until the generator is closed; `env` adds
    FLOWMETER_* settings."""
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is required for the end-to-end tests (the README lists it as a prerequisite)")
    run_dir = tmp_path_factory.mktemp("run")
    settings = {
        "FLOWMETER_RUN_DIR": str(run_dir),
        "FLOWMETER_METRIC_RESOLUTION": f"{resolution_seconds}s",
        "FLOWMETER_SIM_NODES": str(nodes),
        "FLOWMETER_SIM_PODS_PER_NODE": str(pods_per_node),
        "FLOWMETER_APISERVER_PORT": "0",
        "FLOWMETER_API_PORT": "0",
        "FLOWMETER_NATS_PORT": "-1",
        "FLOWMETER_KUBELET_SUBNET": f"127.{random.randint(20, 250)}",
        "FLOWMETER_CONSOLE_PORT": "0",
        **{f"FLOWMETER_{name.upper()}": value for name, value in env.items()},
    }
    process = Process([str(ROOT / "just"), "up"], settings)
    started = time.monotonic()
    try:
        _wait_for(run_dir / "kubeconfig", process, started + START_DEADLINE_SECONDS)
        print(f"./just up served metrics after {time.monotonic() - started:.1f}s")
        yield Stack(process, run_dir, tmp_path_factory.mktemp("kubecache"))
    except BaseException:
        print(process.log)
        raise
    finally:
        process.kill(signal.SIGINT)
        process.output.unlink(missing_ok=True)


def eventually(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll another process until `check` returns something truthy; the last failure explains a timeout."""
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except AssertionError as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {seconds}s: {last}")

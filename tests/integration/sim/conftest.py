"""`python -m sim.apiserver` as a subprocess on a random kubelet subnet, driven by the real kubectl."""

import asyncio
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim import pki
from tests.processes import Process, module

START_SECONDS = 30


def rows(output: str) -> list[list[str]]:
    """kubectl's table output, split into cells (header row included)."""
    return [re.split(r"\s{2,}", line.strip()) for line in output.strip().splitlines()]


@dataclass
class Cluster:
    """A running simulated control plane and the real kubectl against it."""

    layout: pki.Layout
    process: Process
    subnet: str

    @property
    def kubeconfig(self) -> Path:
        return self.layout.admin_kubeconfig

    async def run(self, *args: str, kubeconfig: Path | None = None) -> tuple[int, str, str]:
        """kubectl's exit code, stdout and stderr (with the admin kubeconfig unless another is given); run
        asynchronously so servers in this loop keep answering."""
        env = {**os.environ, "KUBECACHEDIR": str(self.layout.run_dir / "kube-cache")}
        process = await asyncio.create_subprocess_exec(
            "kubectl", "--kubeconfig", str(kubeconfig or self.kubeconfig), *args, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    async def kubectl(self, *args: str, kubeconfig: Path | None = None) -> str:
        """kubectl's stdout; fails the test if kubectl fails."""
        code, out, err = await self.run(*args, kubeconfig=kubeconfig)
        assert code == 0, f"kubectl {' '.join(args)} failed: {err}"
        return out

    async def eventually(self, check: Callable[[str], bool], *args: str, timeout: float = 20) -> str:
        """kubectl's stdout once `check` accepts it: the change happens in another process, so poll with a deadline."""
        deadline = time.monotonic() + timeout
        while not check(output := await self.kubectl(*args)):
            assert time.monotonic() < deadline, f"kubectl {' '.join(args)} still shows:\n{output}"
            await asyncio.sleep(0.1)
        return output


@contextmanager
def apiserver(run_dir: Path, *flags: str) -> Iterator[Cluster]:
    """The API server on a free port until the block ends; then SIGTERM must stop it cleanly."""
    subnet = f"127.{random.randint(20, 250)}"
    layout = pki.Layout(run_dir)
    argv = (
        "--run-dir",
        str(run_dir),
        "--port",
        "0",
        "--kubelet-subnet",
        subnet,
        "--pod-startup-seconds",
        "0.2",
        *flags,
    )
    with module("sim.apiserver", *argv) as process:
        deadline = time.monotonic() + START_SECONDS
        while not layout.admin_kubeconfig.exists():  # an external process: poll with a deadline
            assert process.popen.poll() is None, f"sim.apiserver exited:\n{process.log}"
            assert time.monotonic() < deadline, f"sim.apiserver did not start:\n{process.log}"
            time.sleep(0.05)
        yield Cluster(layout, process, subnet)
        assert process.stop() == 0, process.log
        assert "Traceback" not in process.log, process.log


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One default 3 × 10 cluster shared by a module's tests (each test uses its own objects)."""
    with apiserver(tmp_path_factory.mktemp("apiserver")) as running:
        yield running

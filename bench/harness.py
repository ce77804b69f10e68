"""Run the embedded stack (`python -m embedded`) for a benchmark and talk to it with real kubectl."""

import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim import pki

# What kube-apiserver's aggregation layer adds for an administrator, besides the front proxy's client certificate.
FRONT_PROXY_HEADERS = {"X-Remote-User": "admin", "X-Remote-Group": "system:masters"}


class Stack:
    """A running embedded stack in its own run directory."""

    def __init__(self, run_dir: Path, process: subprocess.Popen[bytes], started: float) -> None:
        self.run_dir, self.process, self.started = run_dir, process, started
        self.cache = Path(tempfile.mkdtemp(prefix="flowmeter-bench-kubecache-"))

    def kubectl(self, *args: str, input_text: str | None = None) -> str:
        env = {**os.environ, "KUBECONFIG": str(self.run_dir / "kubeconfig"), "KUBECACHEDIR": str(self.cache)}
        result = subprocess.run(
            ["kubectl", *args], capture_output=True, text=True, env=env, input=input_text, check=False
        )
        if result.returncode:
            raise RuntimeError(f"kubectl {' '.join(args)}: {result.stderr}")
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json"))

    def apply(self, document: dict[str, Any]) -> None:
        self.kubectl("apply", "-f", "-", input_text=json.dumps(document))


@contextmanager
def stack(**settings: str) -> Iterator[Stack]:
    """`python -m embedded` with FLOWMETER_<NAME> settings, until metrics are served; stopped afterwards."""
    run_dir = Path(tempfile.mkdtemp(prefix="flowmeter-bench-"))
    env = {**os.environ, "FLOWMETER_RUN_DIR": str(run_dir), "FLOWMETER_APISERVER_PORT": "0", "FLOWMETER_API_PORT": "0",
           "FLOWMETER_NATS_PORT": "-1", "FLOWMETER_KUBELET_SUBNET": f"127.{random.randint(20, 250)}",
           **{f"FLOWMETER_{k.upper()}": v for k, v in settings.items()}}  # fmt: skip
    log = (run_dir.parent / f"{run_dir.name}.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "embedded"], stdout=log, stderr=subprocess.STDOUT, env=env,
                               start_new_session=True)  # fmt: skip
    try:
        while not (run_dir / "kubeconfig").exists():
            if process.poll() is not None:
                raise RuntimeError(f"the stack exited with {process.returncode}; see {log.name}")
            time.sleep(0.2)
        yield Stack(run_dir, process, started)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        log.close()


def front_proxy_certificate(run_dir: Path) -> tuple[str, str]:
    """The front proxy's client certificate and key: with FRONT_PROXY_HEADERS, how the aggregator calls the api."""
    cert, key = pki.Layout(run_dir).front_proxy_client
    return str(cert), str(key)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]

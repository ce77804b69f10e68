"""`flowmeter doctor` against the simulated cluster and its kubelets, driven as an operator would: the real kubectl
applies deploy/overlays/single, then doctor passes; each fault it knows about, switched on, makes it say so."""

import asyncio
import base64
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sim.kubelets import service
from tests.conftest import NatsServer, run_nats_server
from tests.integration.manifests import ROOT, rendered
from tests.integration.sim.conftest import START_SECONDS, Cluster, apiserver
from tests.processes import module

FLOWMETER = str(Path(sys.executable).parent / "flowmeter")
FAULT = "sim.flowmeter.dev/fault"
Report = dict[str, Any]


@contextmanager
def cluster_with_kubelets(run_dir: Path) -> Iterator[Cluster]:
    """The simulated control plane (2 nodes × 2 pods) and its kubelets, until the block ends."""
    with apiserver(run_dir, "--nodes", "2", "--pods-per-node", "2") as cluster, \
            module("sim.kubelets", "--run-dir", str(run_dir)) as kubelets:  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while not service.ready_file(cluster.layout).exists():  # another process: poll its ready file
            assert kubelets.popen.poll() is None and time.monotonic() < deadline, kubelets.log
            time.sleep(0.05)
        yield cluster


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster shared by the fault tests; each test switches its fault off again."""
    with cluster_with_kubelets(tmp_path_factory.mktemp("doctor")) as cluster:
        yield cluster


async def doctor(cluster: Cluster, *flags: str) -> tuple[int, Report]:
    """doctor's exit code and JSON report."""
    process = await asyncio.create_subprocess_exec(
        FLOWMETER, "doctor", "--kubeconfig", str(cluster.kubeconfig), "--output", "json", *flags,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None and out, err.decode()
    return process.returncode, json.loads(out)


def finding(report: Report, check: str) -> dict[str, str]:
    (found,) = [f for f in report["findings"] if f["check"] == check]
    return {key: str(value) for key, value in found.items()}


async def eventually(cluster: Cluster, check: str, accept: Callable[[dict[str, str]], bool]) -> tuple[int, Report]:
    """doctor's result once its `check` finding is accepted: the kubelets change in another process."""
    deadline = time.monotonic() + 20
    while not accept(finding((result := await doctor(cluster))[1], check)):
        assert time.monotonic() < deadline, finding(result[1], check)
        await asyncio.sleep(0.2)
    return result


async def test_the_single_overlay_applies_to_the_simulated_cluster_and_doctor_passes_there(tmp_path: Path) -> None:
    with cluster_with_kubelets(tmp_path / "run") as cluster, run_nats_server(tmp_path / "nats") as nats_url:
        await cluster.kubectl("create", "namespace", "flowmeter")
        secrets = await asyncio.create_subprocess_exec(FLOWMETER, "nats-secrets", stdout=asyncio.subprocess.PIPE)
        for item in json.loads((await secrets.communicate())[0])["items"]:
            # one by one: kubectl validates a List on the client, against OpenAPI v2, which the simulator lacks
            (tmp_path / "secret.json").write_text(json.dumps(item))
            await cluster.kubectl("apply", "-f", str(tmp_path / "secret.json"))
        await cluster.kubectl("apply", "-k", str(ROOT / "deploy" / "overlays" / "single"))
        applied = await cluster.kubectl("get", "-k", str(ROOT / "deploy" / "overlays" / "single"), "-o", "name")
        for name in ("v1beta1.metrics.k8s.io", "v1.metrics.k8s.io"):
            service = await cluster.kubectl("get", "apiservice", name, "-o", "jsonpath={.spec.service}")
            assert json.loads(service) == {"name": "flowmeter-api", "namespace": "flowmeter", "port": 443}
        password = base64.b64decode(json.loads(await cluster.kubectl(
            "get", "secret", "-n", "flowmeter", "flowmeter-nats-users", "-o", "json"))["data"]["api.creds"])  # fmt: skip
        code, report = await doctor(cluster, "--nats-url", nats_url)
    assert len(applied.split()) == len(rendered("single"))
    assert password.startswith(b"api:")
    assert code == 0 and report["ok"], report
    assert {f["level"] for f in report["findings"]} == {"ok"}, report
    assert (
        finding(report, "APIService v1beta1.metrics.k8s.io")["summary"]
        == "already Flowmeter's (flowmeter/flowmeter-api)"
    )


@pytest.mark.parametrize(
    ("fault", "flag"),
    [("bad-cert", "--kubelet-preferred-address-types"), ("wrong-ca", "--kubelet-certificate-authority")],
)
async def test_a_kubelet_certificate_fault_fails_and_names_the_flag_that_fixes_it(
    sim: Cluster, fault: str, flag: str
) -> None:
    node = (await sim.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}")).strip()
    await sim.kubectl("annotate", "node", node, f"{FAULT}={fault}", "--overwrite")
    try:
        code, report = await eventually(sim, "kubelet TLS", lambda f: f["level"] == "fail")
        _, tolerated = await doctor(sim, "--kubelet-insecure-tls")
    finally:
        await sim.kubectl("annotate", "node", node, f"{FAULT}-")
    kubelet = finding(report, "kubelet TLS")
    assert code == 1 and not report["ok"]
    assert node in kubelet["summary"] and flag in kubelet["remedy"] and "--kubelet-insecure-tls" in kubelet["remedy"]
    assert finding(tolerated, "kubelet TLS")["level"] == "warn"
    await eventually(sim, "kubelet TLS", lambda f: f["level"] == "ok")


async def test_a_metrics_apiservice_kept_by_an_addon_manager_fails_and_names_its_owner(
    sim: Cluster, tmp_path: Path
) -> None:
    foreign = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
               "metadata": {"name": "v1beta1.metrics.k8s.io", "labels": {"addonmanager.kubernetes.io/mode": "Reconcile"}},
               "spec": {"service": {"name": "metrics-server", "namespace": "kube-system"}, "group": "metrics.k8s.io",
                        "version": "v1beta1", "insecureSkipTLSVerify": True, "groupPriorityMinimum": 100,
                        "versionPriority": 100}}  # fmt: skip
    (tmp_path / "apiservice.json").write_text(json.dumps(foreign))
    await sim.kubectl("apply", "-f", str(tmp_path / "apiservice.json"))
    try:
        code, report = await doctor(sim)
    finally:
        await sim.kubectl("delete", "apiservice", "v1beta1.metrics.k8s.io")
    found = finding(report, "APIService v1beta1.metrics.k8s.io")
    assert code == 1 and found["level"] == "fail"
    assert "kube-system/metrics-server" in found["summary"] and "addon" in found["remedy"]
    assert finding(report, "APIService v1.metrics.k8s.io")["level"] == "ok"


async def test_an_hpa_whose_target_has_no_cpu_request_is_named_with_the_container(sim: Cluster) -> None:
    await sim.kubectl("create", "namespace", "checkout")
    try:
        await sim.kubectl("create", "deployment", "cart", "-n", "checkout", "--image=registry.example/cart:1")
        await sim.kubectl("autoscale", "deployment", "cart", "-n", "checkout", "--cpu-percent=60", "--max=4")
        code, report = await doctor(sim)
    finally:
        await sim.kubectl("delete", "namespace", "checkout")
    (problem,) = [f for f in report["findings"] if f["check"] == "HPA requests" and "checkout/cart" in f["summary"]]
    assert problem["level"] == "warn" and "no request for cpu in container cart" in problem["summary"]
    assert code == 0, "a user's HPA without requests does not stop an install"


async def test_nats_down_or_without_jetstream_fails(sim: Cluster, tmp_path: Path) -> None:
    with run_nats_server(tmp_path / "nats") as url:
        pass  # it stopped: its port is closed now
    down_code, down = await doctor(sim, "--nats-url", url)
    plain = tmp_path / "plain.conf"
    plain.write_text('host: "127.0.0.1"\nport: -1\n')  # a nats-server without JetStream
    server = NatsServer(tmp_path, config=plain)
    try:
        plain_code, without = await doctor(sim, "--nats-url", server.url)
    finally:
        server.stop()
    assert down_code == 1 and finding(down, "NATS")["level"] == "fail"
    assert "cannot connect" in finding(down, "NATS")["summary"]
    assert plain_code == 1 and finding(without, "NATS")["level"] == "fail"
    assert "no JetStream" in finding(without, "NATS")["summary"] and "jetstream" in finding(without, "NATS")["remedy"]


async def test_a_context_without_rights_warns_for_each_read_it_may_not_do(sim: Cluster) -> None:
    code, report = await doctor(sim, "--kubeconfig", str(sim.layout.users_kubeconfig), "--context", "nobody")
    forbidden = [f for f in report["findings"] if "not allowed" in f["summary"]]
    assert {f["check"] for f in forbidden} == {"aggregation layer", "APIService", "kubelet TLS", "HPA requests"}
    assert all(f["level"] == "warn" and "cluster-admin" in f["remedy"] for f in forbidden)
    assert code == 0, "nothing was found broken, only not seen"

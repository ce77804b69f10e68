"""Pod lifecycles through the real kubectl against `python -m sim.apiserver`: init containers and sidecars as
`get` and `describe` show them, graceful and forced deletion, scaling down, restarts and exits."""

import json
import re
from pathlib import Path

from tests.integration.sim.conftest import Cluster, rows


def bare_pod(path: Path, name: str, annotations: dict[str, str], grace: int = 30) -> str:
    """A manifest of a bare pod, written to `path`; its path as a string."""
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name,
        "annotations": annotations}, "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": grace,
        "containers": [{"name": "main", "image": "busybox:1.36"}]}}))  # fmt: skip
    return str(path)


def status_of(output: str, name: str) -> list[str]:
    """The row of one pod in `kubectl get pods` output."""
    return next((row for row in rows(output)[1:] if row[0] == name), ["", "", "", ""])


async def test_ready_counts_containers_and_sidecars_and_describe_shows_init_containers(cluster: Cluster) -> None:
    table = rows(await cluster.kubectl("get", "pods", "-n", "shop", "-l", "app in (orders,payments)"))
    orders = next(row[0] for row in table if row[0].startswith("orders-"))
    payments = next(row[0] for row in table if row[0].startswith("payments-"))

    described_orders = await cluster.kubectl("describe", "pod", "-n", "shop", orders)
    described_payments = await cluster.kubectl("describe", "pod", "-n", "shop", payments)

    assert {(row[0].split("-")[0], row[1], row[2]) for row in table[1:]} == {
        ("orders", "1/1", "Running"), ("payments", "2/2", "Running")}  # fmt: skip
    assert re.search(r"Init Containers:\s+migrate:.*?State:\s+Terminated\s+Reason:\s+Completed\s+Exit Code:\s+0",
                     described_orders, re.DOTALL)  # fmt: skip
    assert re.search(r"Init Containers:\s+istio-proxy:.*?State:\s+Running.*?Ready:\s+True", described_payments,
                     re.DOTALL)  # fmt: skip


async def test_a_graceful_delete_shows_terminating_then_the_pod_is_gone_and_watches_see_both(cluster: Cluster) -> None:
    manifest = bare_pod(cluster.layout.run_dir / "slow.json", "slow", {})
    await cluster.kubectl("create", "-f", manifest)
    await cluster.eventually(lambda out: status_of(out, "slow")[2] == "Running", "get", "pods")
    version = json.loads(await cluster.kubectl("get", "pod", "slow", "-o", "json"))["metadata"]["resourceVersion"]

    await cluster.kubectl("delete", "pod", "slow", "--grace-period=3", "--wait=false")
    terminating = json.loads(await cluster.kubectl("get", "pod", "slow", "-o", "json"))
    shown = status_of(await cluster.kubectl("get", "pods"), "slow")
    await cluster.eventually(lambda out: "pod/slow" not in out.split(), "get", "pods", "-o", "name")
    path = f"/api/v1/namespaces/default/pods?watch=1&resourceVersion={version}&fieldSelector=metadata.name%3Dslow"
    events = [json.loads(line) for line in (await cluster.kubectl("get", "--raw", path + "&timeoutSeconds=1")).split()]

    assert shown[2] == "Terminating" and terminating["status"]["phase"] == "Running"
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 3 and terminating["metadata"]["deletionTimestamp"]
    assert [event["type"] for event in events] == ["MODIFIED", "DELETED"]


async def test_a_forced_delete_removes_the_pod_at_once(cluster: Cluster) -> None:
    await cluster.kubectl("create", "-f", bare_pod(cluster.layout.run_dir / "stuck.json", "stuck", {}, grace=3600))
    await cluster.eventually(lambda out: status_of(out, "stuck")[2] == "Running", "get", "pods")

    await cluster.kubectl("delete", "pod", "stuck", "--grace-period=0", "--force")

    assert "pod/stuck" not in (await cluster.kubectl("get", "pods", "-o", "name")).split()


async def test_scaling_down_leaves_terminating_pods_while_the_deployment_converges(cluster: Cluster) -> None:
    await cluster.kubectl("scale", "deployment", "-n", "monitoring", "grafana", "--replicas=1")
    await cluster.kubectl("rollout", "status", "deployment", "-n", "monitoring", "grafana", "--timeout=20s")

    statuses = [row[2] for row in rows(await cluster.kubectl("get", "pods", "-n", "monitoring", "-l", "app=grafana"))]
    deployment = rows(await cluster.kubectl("get", "deployment", "-n", "monitoring", "grafana"))[1]
    assert sorted(statuses[1:]) == ["Running", "Terminating", "Terminating"] and deployment[1] == "1/1"


async def test_restarts_and_a_failing_exit_show_in_the_pod_table(cluster: Cluster) -> None:
    annotations = {"sim.flowmeter.dev/exit-after": "1s", "sim.flowmeter.dev/exit-code": "3"}
    await cluster.kubectl("create", "-f", bare_pod(cluster.layout.run_dir / "crash.json", "crash", annotations))
    await cluster.kubectl("annotate", "pod", "-n", "shop", "cart-0", "sim.flowmeter.dev/restarts=1")

    await cluster.eventually(lambda out: status_of(out, "crash")[1:3] == ["0/1", "Error"], "get", "pods")
    cart = await cluster.eventually(lambda out: status_of(out, "cart-0")[3] != "0", "get", "pods", "-n", "shop")

    assert json.loads(await cluster.kubectl("get", "pod", "crash", "-o", "json"))["status"]["phase"] == "Failed"
    assert re.fullmatch(r"2 \(\d+s ago\)", status_of(cart, "cart-0")[3])  # both containers restarted once

"""Table output as kubectl prints it: the columns kube-apiserver serves and each resource's row cells."""

import pytest

from sim.apiserver import lifecycle, podspec, podstatus, printers, tables
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj
from tests.unit.sim.conftest import NOW_NS


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (185, "3m5s"), (600, "10m"),
     (3 * 3600 - 1, "179m"), (3 * 3600 + 300, "3h5m"), (8 * 3600, "8h"), (50 * 3600, "2d2h"), (9 * 86400, "9d"),
     (800 * 86400, "2y70d"), (3000 * 86400, "8y")],
)  # fmt: skip
def test_ages_read_like_kubectl_prints_them(seconds: int, text: str) -> None:
    assert printers.human_duration(seconds) == text


def _columns(resource: r.Resource, wide: bool = False) -> list[str]:
    return [c["name"] for c in tables.column_definitions(resource) if wide or c["priority"] == 0]


def test_columns_match_kube_apiserver_and_wide_ones_have_priority_one() -> None:
    assert _columns(r.NODES) == ["Name", "Status", "Roles", "Age", "Version"]
    assert _columns(r.NODES, wide=True)[5:] == ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version",
                                                "Container-Runtime"]  # fmt: skip
    assert _columns(r.PODS) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert _columns(r.PODS, wide=True)[5:] == ["IP", "Node", "Nominated Node", "Readiness Gates"]
    assert _columns(r.DEPLOYMENTS, wide=True) == ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers",
                                                  "Images", "Selector"]  # fmt: skip
    assert _columns(r.STATEFULSETS) == ["Name", "Ready", "Age"]
    assert _columns(r.NAMESPACES) == ["Name", "Status", "Age"]
    assert tables.column_definitions(r.NODES)[0]["format"] == "name"


def test_node_rows_show_readiness_version_and_addresses(registry: Registry) -> None:
    node = registry.get(r.NODES, "", "node-0002")

    assert printers.PRINTERS[r.NODES][1](node, NOW_NS) == [
        "node-0002", "Ready", "<none>", "7d", "v1.37.0-sim", "127.10.1.2", "<none>", "Ubuntu 24.04.1 LTS",
        "6.8.0-45-generic", "containerd://1.7.22"]  # fmt: skip


def test_pod_rows_count_ready_containers_and_show_waiting_reasons(registry: Registry) -> None:
    pod = registry.get(r.PODS, "shop", "cart-0")
    creating = {**pod, "status": {**pod["status"], "phase": "Pending", "containerStatuses": [
        {**c, "ready": False, "state": {"waiting": {"reason": "ContainerCreating"}}}
        for c in pod["status"]["containerStatuses"]]}}  # fmt: skip

    name, ready, status, restarts, _, ip, node, nominated, gates = printers.PRINTERS[r.PODS][1](pod, NOW_NS)
    assert (name, ready, status, restarts, nominated, gates) == ("cart-0", "2/2", "Running", "0", "<none>", "<none>")
    assert ip == pod["status"]["podIP"] and node == pod["spec"]["nodeName"]
    assert printers.PRINTERS[r.PODS][1](creating, NOW_NS)[1:3] == ["0/2", "ContainerCreating"]


def pod_cells(pod: Obj) -> list[str]:
    """READY, STATUS and RESTARTS of a pod's row."""
    return [str(cell) for cell in printers.PRINTERS[r.PODS][1](pod, NOW_NS)[1:4]]


def of_app(registry: Registry, namespace: str, app: str) -> Obj:
    return next(p for p in registry.store.collections[r.PODS].scan(namespace) if p["metadata"]["labels"]["app"] == app)


def test_ready_counts_containers_and_native_sidecars_but_not_finished_init_containers(registry: Registry) -> None:
    assert pod_cells(of_app(registry, "shop", "orders")) == ["1/1", "Running", "0"]
    assert pod_cells(of_app(registry, "shop", "payments")) == ["2/2", "Running", "0"]


def test_a_pod_waiting_for_its_init_containers_shows_init_progress(registry: Registry) -> None:
    orders = of_app(registry, "shop", "orders")
    shape = podspec.shape({"metadata": orders["metadata"], "spec": orders["spec"]}, {}, [])
    pending = {**orders, "status": podstatus.pending_status(shape, "127.10.1.1", "2026-05-28T20:26:00Z")}
    failed = {**pending, "status": {**pending["status"], "initContainerStatuses": [
        {"name": "migrate", "state": {"terminated": {"exitCode": 2, "reason": "Error"}}, "restartCount": 3}]}}  # fmt: skip

    assert pod_cells(pending) == ["0/1", "Init:0/1", "0"]
    assert pod_cells(failed) == ["0/1", "Init:Error", "3"]


def test_restarts_read_with_the_age_of_the_last_one_and_sidecars_count(registry: Registry) -> None:
    payments = of_app(registry, "shop", "payments")
    sidecar = {**payments["status"]["initContainerStatuses"][0], "restartCount": 2,
               "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-05-28T20:26:35Z"}}}  # fmt: skip
    restarted = {**payments, "status": {**payments["status"], "initContainerStatuses": [sidecar]}}

    assert pod_cells(restarted) == ["2/2", "Running", "2 (5s ago)"]


def test_terminating_and_finished_pods(registry: Registry) -> None:
    pod = registry.get(r.PODS, "shop", "cart-0")
    deleting = {**pod, "metadata": {**pod["metadata"], "deletionTimestamp": "2026-05-28T20:27:10Z"}}
    done = {**pod, "status": lifecycle.completed_status(pod["status"], 0, "2026-05-28T20:26:40Z")}
    crashed = {**pod, "status": lifecycle.completed_status(pod["status"], 1, "2026-05-28T20:26:40Z")}
    half = {**pod, "status": {**pod["status"], "containerStatuses": [
        done["status"]["containerStatuses"][0], pod["status"]["containerStatuses"][1]]}}  # fmt: skip

    assert pod_cells(deleting) == ["2/2", "Terminating", "0"]
    assert pod_cells(done) == ["0/2", "Completed", "0"] and pod_cells(crashed) == ["0/2", "Error", "0"]
    assert pod_cells({**done, "metadata": deleting["metadata"]})[1] == "Completed"  # finished pods never terminate
    assert pod_cells(half) == ["1/2", "Running", "0"]  # one container completed, another still running


def test_workload_rows_show_ready_over_desired_with_containers_images_and_selector(registry: Registry) -> None:
    web = registry.get(r.DEPLOYMENTS, "default", "web")
    cart = registry.get(r.STATEFULSETS, "shop", "cart")

    assert printers.PRINTERS[r.DEPLOYMENTS][1](web, NOW_NS) == [
        "web", "4/4", 4, 4, "3d", "nginx,log-shipper", "nginx:1.27,fluent/fluent-bit:3.1", "app=web"]  # fmt: skip
    assert printers.PRINTERS[r.STATEFULSETS][1](cart, NOW_NS) == [
        "cart", "3/3", "3d", "redis,redis-exporter", "redis:7.4,oliver006/redis_exporter:v1.62.0"]  # fmt: skip


def test_event_rows_name_the_involved_object() -> None:
    event = {"metadata": {"name": "web.1"}, "type": "Normal", "reason": "ScalingReplicaSet",
             "involvedObject": {"kind": "Deployment", "name": "web"}, "source": {"component": "deployment-controller"},
             "message": "Scaled up ", "firstTimestamp": "2026-05-28T20:26:00Z", "count": 2}  # fmt: skip

    assert printers.PRINTERS[r.EVENTS][1](event, NOW_NS) == [
        "40s", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller", "Scaled up", "40s", 2,
        "web.1"]  # fmt: skip


def test_a_table_carries_partial_object_metadata_rows_and_can_leave_out_objects_or_headers(registry: Registry) -> None:
    pods = [registry.get(r.PODS, "shop", "cart-0")]

    table = tables.table(r.PODS, pods, NOW_NS, list_meta={"resourceVersion": "9"})
    bare = tables.table(r.PODS, pods, NOW_NS, include="None", headers=False)

    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "9"}
    assert table["rows"][0]["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                          "metadata": pods[0]["metadata"]}  # fmt: skip
    assert "columnDefinitions" not in bare and "object" not in bare["rows"][0]
    assert tables.table(r.PODS, pods, NOW_NS, include="Object")["rows"][0]["object"] is pods[0]

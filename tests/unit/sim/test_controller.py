"""The workload controller as stories: scale up and down, roll out, schedule, start pods, collect garbage.

Removed pods stay Terminating for their grace period (30 s for the seeded ones), so stories about what remains
look at active pods; the stories that wait for pods to go give them a short grace period.
"""

from sim.apiserver import lifecycle, objects, podstatus
from sim.apiserver import resources as r
from sim.apiserver.controller import Controller
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj
from tests.unit.sim.conftest import until

MERGE = "application/merge-patch+json"


def pods_of(registry: Registry, namespace: str, app: str, *, terminating: bool = False) -> list[Obj]:
    """The app's pods: only the active ones unless terminating pods are asked for too."""
    pods = registry.store.collections[r.PODS].scan(namespace)
    return [pod for pod in pods if pod["metadata"].get("labels", {}).get("app") == app
            and (terminating or lifecycle.is_active(pod))]  # fmt: skip


def ready(registry: Registry, namespace: str, app: str) -> int:
    return sum(podstatus.is_ready(pod) for pod in pods_of(registry, namespace, app))


async def test_scaling_a_deployment_up_starts_new_pods_on_the_emptiest_nodes(
    registry: Registry, controller: Controller
) -> None:
    seen: list[tuple[str, str]] = []
    registry.store.listeners.append(
        lambda change: seen.append((change.object["metadata"]["name"], change.object.get("status", {}).get("phase", "")))
        if change.resource is r.PODS else None)  # fmt: skip

    registry.patch(r.DEPLOYMENTS, "default", "web", MERGE, b'{"spec":{"replicas":7}}')
    await until(
        registry.store, lambda: registry.get(r.DEPLOYMENTS, "default", "web")["status"].get("readyReplicas") == 7
    )

    new = [
        pod
        for pod in pods_of(registry, "default", "web")
        if pod["metadata"]["creationTimestamp"].startswith("2026-05-28T20:26")
    ]
    assert len(new) == 3 and ready(registry, "default", "web") == 7
    assert sorted(pod["spec"]["nodeName"] for pod in new) == ["node-0001", "node-0002", "node-0003"]
    phases = [phase for name, phase in seen if name == new[0]["metadata"]["name"]]
    assert phases[:3] == ["Pending", "Pending", "Running"]  # created, bound, started; then Ready
    owner = objects.controller_of(new[0])
    assert owner is not None
    rs = registry.get(r.REPLICASETS, "default", owner["name"])
    assert rs["spec"]["replicas"] == 7 and rs["status"]["readyReplicas"] == 7


async def test_scaling_down_removes_the_newest_pods_first(registry: Registry, controller: Controller) -> None:
    oldest = sorted(pods_of(registry, "shop", "frontend"), key=lambda pod: pod["metadata"]["creationTimestamp"])[:2]

    registry.patch(r.DEPLOYMENTS, "shop", "frontend", MERGE, b'{"spec":{"replicas":2}}')
    await until(registry.store, lambda: registry.get(r.DEPLOYMENTS, "shop", "frontend")["status"].get("replicas") == 2)

    assert {pod["metadata"]["name"] for pod in pods_of(registry, "shop", "frontend")} == {
        pod["metadata"]["name"] for pod in oldest}  # fmt: skip
    leaving = [pod for pod in pods_of(registry, "shop", "frontend", terminating=True) if lifecycle.is_terminating(pod)]
    assert len(leaving) == 2 and all(pod["metadata"]["deletionGracePeriodSeconds"] == 30 for pod in leaving)


async def test_a_statefulset_adds_ordinals_and_removes_the_highest(registry: Registry, controller: Controller) -> None:
    registry.patch(r.STATEFULSETS, "shop", "cart", MERGE, b'{"spec":{"replicas":6}}', "scale")
    await until(registry.store, lambda: ready(registry, "shop", "cart") == 6)
    assert sorted(pod["metadata"]["name"] for pod in pods_of(registry, "shop", "cart")) == [
        f"cart-{i}" for i in range(6)
    ]

    registry.patch(r.STATEFULSETS, "shop", "cart", MERGE, b'{"spec":{"replicas":1}}')
    await until(registry.store, lambda: registry.get(r.STATEFULSETS, "shop", "cart")["status"]["replicas"] == 1)
    assert [pod["metadata"]["name"] for pod in pods_of(registry, "shop", "cart")] == ["cart-0"]


async def test_a_new_template_rolls_out_through_a_new_replicaset(registry: Registry, controller: Controller) -> None:
    body = b'{"spec":{"template":{"spec":{"containers":[{"name":"grafana","image":"grafana/grafana:12.0.0"}]}}}}'
    registry.patch(r.DEPLOYMENTS, "monitoring", "grafana", "application/strategic-merge-patch+json", body)

    def rolled_out() -> bool:
        pods = pods_of(registry, "monitoring", "grafana")
        return len(pods) == 3 and all(p["spec"]["containers"][0]["image"].endswith("12.0.0") for p in pods)

    await until(registry.store, rolled_out)
    sets = registry.store.collections[r.REPLICASETS].scan("monitoring")
    revisions = {
        rs["spec"]["replicas"]: rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in sets
    }
    assert revisions == {0: "1", 3: "2"}


async def test_deleting_an_owner_deletes_its_dependents_pods_gracefully(
    registry: Registry, controller: Controller
) -> None:
    registry.delete(r.DEPLOYMENTS, "kube-system", "coredns")

    await until(registry.store, lambda: not pods_of(registry, "kube-system", "coredns"))
    assert list(registry.store.collections[r.REPLICASETS].scan("kube-system")) == []
    assert len(pods_of(registry, "kube-system", "coredns", terminating=True)) == 4  # Terminating for 30 s


async def test_pods_leave_once_their_grace_period_is_over(registry: Registry, controller: Controller) -> None:
    template = {
        "metadata": {"labels": {"app": "brief"}},
        "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "c", "image": "busybox"}]},
    }
    registry.create(
        r.DEPLOYMENTS,
        "default",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "brief"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "brief"}}, "template": template},
        },
    )
    await until(registry.store, lambda: ready(registry, "default", "brief") == 2)
    seen: list[tuple[str, bool]] = []
    registry.store.listeners.append(lambda change: seen.append((change.type, lifecycle.is_terminating(change.object)))
                                    if change.resource is r.PODS else None)  # fmt: skip

    registry.delete(r.DEPLOYMENTS, "default", "brief")

    await until(registry.store, lambda: not pods_of(registry, "default", "brief", terminating=True))
    assert seen == [("MODIFIED", True), ("MODIFIED", True), ("DELETED", True), ("DELETED", True)]


async def test_deleting_a_namespace_deletes_everything_in_it(registry: Registry, controller: Controller) -> None:
    registry.delete(r.NAMESPACES, "", "shop")

    await until(
        registry.store, lambda: not any(registry.store.collections[res].objects.get("shop") for res in r.STORED)
    )


async def test_a_bare_pod_is_scheduled_and_started(registry: Registry, controller: Controller) -> None:
    registry.create(r.PODS, "default", {"metadata": {"name": "debug", "labels": {"app": "debug"}},
                                        "spec": {"containers": [{"name": "sh", "image": "busybox:1.36"}]}})  # fmt: skip

    await until(registry.store, lambda: ready(registry, "default", "debug") == 1)
    pod = registry.get(r.PODS, "default", "debug")
    assert pod["spec"]["nodeName"].startswith("node-") and pod["status"]["podIP"].startswith("10.244.")


async def test_pods_wait_unschedulable_while_every_node_is_full_then_start_when_room_appears(
    registry: Registry, controller: Controller
) -> None:
    for name in ("node-0001", "node-0002", "node-0003"):  # 10 pods each already
        registry.patch(r.NODES, "", name, MERGE, b'{"status":{"allocatable":{"pods":"10"}}}', "status")
    registry.patch(r.DEPLOYMENTS, "default", "web", MERGE, b'{"spec":{"replicas":5}}')

    def waiting() -> Obj | None:
        return next((p for p in pods_of(registry, "default", "web") if not p["spec"].get("nodeName")), None)

    await until(registry.store, lambda: (pod := waiting()) is not None and bool(pod["status"].get("conditions")))
    pod = waiting()
    assert pod is not None and pod["status"]["conditions"][0] | {"lastTransitionTime": ""} == {
        "type": "PodScheduled", "status": "False", "lastProbeTime": None, "lastTransitionTime": "",
        "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Too many pods."}  # fmt: skip

    registry.patch(r.DEPLOYMENTS, "shop", "frontend", MERGE, b'{"spec":{"replicas":3}}')
    await until(registry.store, lambda: len(pods_of(registry, "shop", "frontend")) == 3)
    leaving = next(p for p in pods_of(registry, "shop", "frontend", terminating=True) if lifecycle.is_terminating(p))
    assert waiting() is not None, "a terminating pod still takes its node's slot"
    registry.delete(r.PODS, "shop", leaving["metadata"]["name"], grace=0)  # --grace-period=0 --force frees it
    await until(registry.store, lambda: ready(registry, "default", "web") == 5)


async def test_a_clusterrole_labelled_for_view_is_aggregated_into_view_edit_and_admin(
    registry: Registry, controller: Controller
) -> None:
    labels = {"rbac.authorization.k8s.io/aggregate-to-view": "true"}
    granted = {"verbs": ["get"], "apiGroups": ["example.io"], "resources": ["widgets"]}
    registry.create(r.CLUSTER_ROLES, "", {"metadata": {"name": "widgets", "labels": labels}, "rules": [granted]})

    def has(name: str) -> bool:
        return granted in registry.get(r.CLUSTER_ROLES, "", name)["rules"]

    await until(registry.store, lambda: has("view") and has("edit") and has("admin"))
    registry.delete(r.CLUSTER_ROLES, "", "widgets")
    await until(registry.store, lambda: not has("view") and not has("admin"))

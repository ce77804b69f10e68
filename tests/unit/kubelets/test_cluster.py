"""Stories of the cluster model following the control plane: placement, owners' annotations, nodes and faults."""

from sim.kubelets import cluster, faults, objects, targets
from tests.unit.kubelets.pods import T0, node, pod, workload

SECOND = 10**9
CPU, MEMORY = targets.CPU_ANNOTATION, targets.MEMORY_ANNOTATION


class World:
    """The informers' caches and the cluster model fed from them, as the service wires them."""

    def __init__(self) -> None:
        self.pods: dict[str, objects.Pod] = {}
        self.workloads: dict[str, dict[str, objects.Owned]] = {"ReplicaSet": {}, "Deployment": {}, "StatefulSet": {}}
        self.model = cluster.Cluster(SECOND, self.pods, self.workloads)

    def put_pod(self, item: objects.Pod) -> None:
        old = self.pods.get(item.metadata.key)
        self.pods[item.metadata.key] = item
        self.model.pod_changed(old, item, T0)

    def delete_pod(self, key: str) -> None:
        self.model.pod_changed(self.pods.pop(key), None, T0)

    def put_workload(self, kind: str, item: objects.Owned) -> None:
        old = self.workloads[kind].get(item.metadata.key)
        self.workloads[kind][item.metadata.key] = item
        self.model.workload_changed(kind, old, item, T0)

    def rates(self, node_name: str = "node-1") -> dict[str, int]:
        usage = self.model.nodes[node_name]
        return {f"{p.name}/{c.name}": c.cpu.rate_nanocores for p in usage.pods.values() for c in p.containers}


def test_only_running_pods_are_modelled_on_the_node_they_are_bound_to() -> None:
    world = World()
    world.put_pod(pod("a"))
    world.put_pod(pod("b", node="node-2"))
    world.put_pod(pod("pending", phase="Pending"))
    world.put_pod(pod("done", phase="Succeeded"))

    assert set(world.model.nodes["node-1"].pods) == {"default/a"}
    assert set(world.model.nodes["node-2"].pods) == {"default/b"}


def test_a_pod_leaves_its_node_when_it_stops_running_or_is_deleted() -> None:
    world = World()
    world.put_pod(pod("a"))
    world.put_pod(pod("b"))
    world.model.node_changed(None, node(), T0)

    world.put_pod(pod("a", phase="Failed"))
    world.delete_pod("default/b")

    assert world.model.nodes["node-1"].pods == {}


def test_a_pod_of_an_unknown_node_is_forgotten_with_its_node_model() -> None:
    world = World()
    world.put_pod(pod("a", node="ghost"))

    world.delete_pod("default/a")

    assert "ghost" not in world.model.nodes


def test_usage_comes_from_the_pod_then_its_replicaset_then_its_deployment() -> None:
    world = World()
    world.put_workload("Deployment", workload("web", annotations={CPU: "400m", MEMORY: "256Mi"}))
    world.put_workload("ReplicaSet", workload("web-1", annotations={MEMORY: "128Mi"}, owner=("Deployment", "web")))
    world.put_pod(pod("web-1-a", ("app", "log"), owner=("ReplicaSet", "web-1")))
    world.put_pod(pod("web-1-b", owner=("ReplicaSet", "web-1"), annotations={CPU: "1"}))

    usage = world.model.nodes["node-1"].pods
    assert [(c.cpu.rate_nanocores, c.memory_target_bytes) for c in usage["default/web-1-a"].containers] == [
        (200_000_000, 64 * 2**20),
        (200_000_000, 64 * 2**20),
    ]
    assert usage["default/web-1-b"].containers[0].cpu.rate_nanocores == 1_000_000_000


def test_a_statefulset_annotation_applies_to_its_pods_and_unannotated_pods_get_the_default() -> None:
    world = World()
    world.put_workload("StatefulSet", workload("db", annotations={CPU: "300m"}))
    world.put_pod(pod("db-0", owner=("StatefulSet", "db")))
    world.put_pod(pod("lonely"))

    assert world.rates() == {"db-0/main": 300_000_000, "lonely/main": targets.DEFAULT_CPU_NANOCORES}


def test_annotating_a_deployment_retargets_its_running_pods_and_the_node() -> None:
    world = World()
    world.put_workload("Deployment", workload("web"))
    world.put_workload("ReplicaSet", workload("web-1", owner=("Deployment", "web")))
    world.put_pod(pod("web-1-a", owner=("ReplicaSet", "web-1")))
    world.put_pod(pod("other"))
    before = world.model.nodes["node-1"].counter.rate_nanocores

    world.put_workload("Deployment", workload("web", annotations={CPU: "750m"}))

    assert world.rates() == {"web-1-a/main": 750_000_000, "other/main": targets.DEFAULT_CPU_NANOCORES}
    assert world.model.nodes["node-1"].counter.rate_nanocores == before + 750_000_000 - targets.DEFAULT_CPU_NANOCORES


def test_pods_seen_before_their_owner_pick_up_its_annotations_when_it_arrives() -> None:
    world = World()
    world.put_pod(pod("db-0", owner=("StatefulSet", "db")))

    world.put_workload("StatefulSet", workload("db", annotations={CPU: "2"}))

    assert world.rates() == {"db-0/main": 2_000_000_000}


def test_a_node_listens_on_its_internal_ip_and_kubelet_port_unless_down_or_gone() -> None:
    world = World()
    up = node(ip="127.10.0.7", port=10250)
    world.model.node_changed(None, up, T0)
    assert world.model.endpoint("node-1") == ("127.10.0.7", 10250)

    down = node(ip="127.10.0.7", fault="down")
    world.model.node_changed(up, down, T0)
    assert world.model.endpoint("node-1") is None
    assert world.model.nodes["node-1"].fault == faults.Fault(kind="down")

    world.model.node_changed(down, None, T0)
    assert world.model.endpoint("node-1") is None
    assert world.model.endpoint("never-seen") is None


def test_the_certificate_faults_change_the_certificate_but_not_the_endpoint() -> None:
    world = World()
    healthy = node(ip="127.10.0.7")
    world.model.node_changed(None, healthy, T0)
    assert world.model.certificate("node-1") == ""

    for fault in ("bad-cert", "wrong-ca"):
        world.model.node_changed(healthy, node(ip="127.10.0.7", fault=fault), T0)
        assert (world.model.endpoint("node-1"), world.model.certificate("node-1")) == (("127.10.0.7", 10250), fault)
    world.model.node_changed(healthy, node(ip="127.10.0.7", fault="zero"), T0)
    assert world.model.certificate("node-1") == "" and world.model.certificate("never-seen") == ""


def test_native_sidecars_are_modelled_with_the_containers_and_finished_init_containers_are_not() -> None:
    world = World()
    world.put_workload("Deployment", workload("pay", annotations={CPU: "300m"}))
    world.put_pod(pod("pay-1", ("app",), sidecars=("proxy",), inits=("migrate",), owner=("Deployment", "pay")))

    assert world.rates() == {"pay-1/proxy": 150_000_000, "pay-1/app": 150_000_000}  # split over the two that run


def starts(world: World) -> dict[str, str]:
    return {f"{p.name}/{c.name}": c.start_text for p in world.model.nodes["node-1"].pods.values() for c in p.containers}


def test_the_restart_fault_restarts_every_container_once_when_it_is_set() -> None:
    world = World()
    healthy = node()
    world.model.node_changed(None, healthy, T0)
    world.put_pod(pod("a", ("x", "y")))
    before = starts(world)

    faulty = node(fault="restart")
    world.model.node_changed(healthy, faulty, T0 + 5 * SECOND)
    restarted = starts(world)
    world.model.node_changed(faulty, faulty, T0 + 9 * SECOND)  # still set: nothing more happens

    assert set(restarted.values()) == {"1.754300405e+09\n"} and restarted != before
    assert starts(world) == restarted
    assert all(c.cpu.value_ns == 0 for p in world.model.nodes["node-1"].pods.values() for c in p.containers)
    world.put_pod(pod("a", ("x", "y"), annotations={CPU: "1"}))  # a later pod update keeps the new runs
    assert starts(world) == restarted


def test_a_node_first_seen_with_the_restart_fault_does_not_restart_its_containers() -> None:
    world = World()
    world.put_pod(pod("a"))
    before = starts(world)

    world.model.node_changed(None, node(fault="restart"), T0)

    assert starts(world) == before and world.model.nodes["node-1"].fault == faults.Fault(kind="restart")

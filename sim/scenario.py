"""The default simulated cluster for a size: namespaces, nodes and workloads (pure: sizes in, objects out).

A few recognisable workloads (coredns; web = nginx + log-shipper; a shop with a cart/redis StatefulSet, orders with a
`migrate` init container and payments with an `istio-proxy` native sidecar; monitoring) whose replicas add up to
exactly nodes × pods_per_node. Past 50 replicas each, more workloads are generated in `load-NN` namespaces rather
than making any one huge. Every workload carries the usage annotations the simulated kubelets read (pod totals, split
over the containers that report: containers and sidecars); per container they stay at or above 50m CPU and 32Mi
memory however the kubelets split them (evenly, or in proportion to requests).
"""

from dataclasses import dataclass, replace
from typing import Any

from services.lib import timefmt
from sim import nodes as node_objects

Obj = dict[str, Any]
CPU_ANNOTATION = "sim.flowmeter.dev/cpu"  # pod total CPU usage, a quantity such as 250m
MEMORY_ANNOTATION = "sim.flowmeter.dev/memory"  # pod total working set, a quantity such as 64Mi
MAX_REPLICAS = 50  # per workload; larger clusters get more workloads
FILLERS_PER_NAMESPACE = 100
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Container:
    """A container of a workload's pod template: (request, limit) pairs as quantities."""

    name: str
    image: str
    cpu: tuple[str, str]
    memory: tuple[str, str]
    sidecar: bool = False  # as an init container: restartPolicy Always, running next to the containers


@dataclass(frozen=True)
class Workload:
    """A Deployment or StatefulSet of the scenario."""

    namespace: str
    name: str
    kind: str
    containers: tuple[Container, ...]
    cpu: str  # usage annotation: the pod's total CPU
    memory: str  # usage annotation: the pod's total working set
    replicas: int = 0
    init_containers: tuple[Container, ...] = ()  # run before the containers; sidecars keep running

    @property
    def reporting(self) -> tuple[Container, ...]:
        """The containers a kubelet reports metrics for: sidecars and containers (not finished init containers)."""
        return (*(c for c in self.init_containers if c.sidecar), *self.containers)


_WEB = (
    Container("nginx", "nginx:1.27", ("100m", "500m"), ("64Mi", "256Mi")),
    Container("log-shipper", "fluent/fluent-bit:3.1", ("50m", "200m"), ("32Mi", "128Mi")),
)
_CART = (
    Container("redis", "redis:7.4", ("100m", "500m"), ("128Mi", "512Mi")),
    Container("redis-exporter", "oliver006/redis_exporter:v1.62.0", ("50m", "100m"), ("32Mi", "64Mi")),
)
BASE = (
    Workload("kube-system", "coredns", "Deployment",
             (Container("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", ("100m", ""), ("70Mi", "170Mi")),),
             "60m", "48Mi"),
    Workload("default", "web", "Deployment", _WEB, "300m", "192Mi"),
    Workload("shop", "frontend", "Deployment",
             (Container("frontend", "node:22-alpine", ("200m", "1"), ("128Mi", "512Mi")),), "150m", "160Mi"),
    Workload("shop", "checkout", "Deployment",
             (Container("checkout", "ghcr.io/flowmeter-sim/checkout:1.4.2", ("100m", "500m"), ("64Mi", "256Mi")),),
             "120m", "96Mi"),
    Workload("shop", "cart", "StatefulSet", _CART, "200m", "256Mi"),
    Workload("monitoring", "prometheus", "StatefulSet",
             (Container("prometheus", "prom/prometheus:v2.54.1", ("250m", "1"), ("512Mi", "2Gi")),), "400m", "900Mi"),
    Workload("monitoring", "grafana", "Deployment",
             (Container("grafana", "grafana/grafana:11.2.0", ("100m", "500m"), ("128Mi", "512Mi")),), "80m", "150Mi"),
    Workload("shop", "orders", "Deployment",
             (Container("orders", "ghcr.io/flowmeter-sim/orders:3.2.0", ("100m", "500m"), ("64Mi", "256Mi")),),
             "110m", "80Mi", init_containers=(Container("migrate", "ghcr.io/flowmeter-sim/orders-migrate:3.2.0",
                                                        ("50m", "200m"), ("32Mi", "64Mi")),)),
    Workload("shop", "payments", "Deployment",
             (Container("payments", "ghcr.io/flowmeter-sim/payments:1.9.1", ("100m", "500m"), ("64Mi", "256Mi")),),
             "160m", "128Mi", init_containers=(
                 Container("istio-proxy", "docker.io/istio/proxyv2:1.23.2", ("50m", "200m"), ("40Mi", "128Mi"),
                           sidecar=True),)),
)  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    """Objects as a user would create them (no uid, resourceVersion or creationTimestamp yet)."""

    namespaces: list[Obj]
    nodes: list[Obj]
    workloads: list[Obj]


def build(nodes: int, pods_per_node: int, subnet: str = "127.10", kubelet_port: int = 10250, now_ns: int = 0,
          ) -> Scenario:  # fmt: skip
    """The default cluster with `nodes` nodes and exactly nodes × pods_per_node pods' worth of replicas."""
    planned = plan(nodes * pods_per_node)
    names = dict.fromkeys([*SYSTEM_NAMESPACES, *(w.namespace for w in planned)])
    since, now = timefmt.rfc3339(now_ns - 7 * DAY_NS), timefmt.rfc3339(now_ns)
    return Scenario([namespace(name) for name in names],
                    [node_objects.node(i, subnet, kubelet_port, since, now) for i in range(nodes)],
                    [workload(w) for w in planned])  # fmt: skip


def plan(total: int) -> list[Workload]:
    """Workloads whose replicas add up to total: the base set first, then generated ones of MAX_REPLICAS each."""
    base = len(BASE)
    if total <= base * MAX_REPLICAS:
        return [replace(w, replicas=total // base + (i < total % base)) for i, w in enumerate(BASE)]
    extra, rest = divmod(total - base * MAX_REPLICAS, MAX_REPLICAS)
    fillers = [filler(i, MAX_REPLICAS) for i in range(extra)] + ([filler(extra, rest)] if rest else [])
    return [replace(w, replicas=MAX_REPLICAS) for w in BASE] + fillers


def filler(i: int, replicas: int) -> Workload:
    """The i-th generated workload: every fifth a StatefulSet, every third with a sidecar of equal requests."""
    stateful = i % 5 == 4
    count = 2 if i % 3 == 0 else 1
    app = Container("app", f"ghcr.io/flowmeter-sim/{'cache' if stateful else 'api'}:2.{i % 7}", ("50m", "500m"),
                    ("48Mi", "256Mi"))  # fmt: skip
    sidecar = Container("sidecar", "envoyproxy/envoy:v1.31.2", ("50m", "200m"), ("48Mi", "128Mi"))
    namespace, name = f"load-{i // FILLERS_PER_NAMESPACE + 1:02d}", f"{'cache' if stateful else 'api'}-{i + 1:04d}"
    cpu, memory = f"{count * 50 + 10 + (i * 37) % 60}m", f"{count * 32 + 16 + (i * 13) % 64}Mi"
    kind = "StatefulSet" if stateful else "Deployment"
    return Workload(namespace, name, kind, (app, sidecar)[:count], cpu, memory, replicas)


def namespace(name: str) -> Obj:
    """A namespace object."""
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}  # fmt: skip


def _container(container: Container) -> Obj:
    requests = {"cpu": container.cpu[0], "memory": container.memory[0]}
    limits = {name: limit for name, limit in (("cpu", container.cpu[1]), ("memory", container.memory[1])) if limit}
    result: Obj = {"name": container.name, "image": container.image,
                   "resources": {"requests": requests, "limits": limits}}  # fmt: skip
    return {**result, "restartPolicy": "Always"} if container.sidecar else result


def workload(w: Workload) -> Obj:
    """The Deployment or StatefulSet object of a planned workload."""
    labels = {"app": w.name}
    pod_spec: Obj = {"containers": [_container(c) for c in w.containers]}
    if w.init_containers:
        pod_spec = {"initContainers": [_container(c) for c in w.init_containers], **pod_spec}
    template = {"metadata": {"labels": labels}, "spec": pod_spec}
    spec: Obj = {"replicas": w.replicas, "selector": {"matchLabels": labels}, "template": template,
                 "revisionHistoryLimit": 10}  # fmt: skip
    if w.kind == "Deployment":
        spec |= {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                 "progressDeadlineSeconds": 600}  # fmt: skip
    else:
        spec |= {"serviceName": w.name, "podManagementPolicy": "OrderedReady",
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}}  # fmt: skip
    annotations = {CPU_ANNOTATION: w.cpu, MEMORY_ANNOTATION: w.memory}
    return {"apiVersion": "apps/v1", "kind": w.kind,
            "metadata": {"name": w.name, "namespace": w.namespace, "labels": labels, "annotations": annotations},
            "spec": spec}  # fmt: skip

"""The scenario turned into stored objects at start: workloads with their ReplicaSets and Running, Ready pods.

Pure and fast (no JSON round trips, shared sub-objects): pod k of the whole cluster goes to node k mod N, so with
nodes × pods_per_node replicas every node holds exactly pods_per_node pods. Start times are spread over the past
hours so metrics are servable at once.
"""

import functools
import random
from collections.abc import Iterator

from services.lib import timefmt
from sim import scenario
from sim.apiserver import objects, placement, podspec, podstatus, strategy, workloads
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj

HOUR_NS = 3600 * 10**9
MINUTE_NS = 60 * 10**9
WEEK_NS = 7 * 24 * HOUR_NS  # the age of the cluster: its namespaces, nodes and bootstrap objects


def seed(plan: scenario.Scenario, now_ns: int, rng: random.Random) -> dict[r.Resource, list[Obj]]:
    """Every object of the scenario, ready to load into the store, by resource."""
    created = timefmt.rfc3339(now_ns - 3 * 24 * HOUR_NS)
    result: dict[r.Resource, list[Obj]] = {resource: [] for resource in r.STORED}
    result[r.NAMESPACES] = [
        _created(r.NAMESPACES, ns, rng, timefmt.rfc3339(now_ns - WEEK_NS)) for ns in plan.namespaces
    ]
    result[r.NODES] = [_created(r.NODES, node, rng, timefmt.rfc3339(now_ns - WEEK_NS)) for node in plan.nodes]
    nodes = _node_ring(result[r.NODES])
    for spec in plan.workloads:
        workload = _created(r.DEPLOYMENTS if spec["kind"] == "Deployment" else r.STATEFULSETS, spec, rng, created)
        if spec["kind"] == "Deployment":
            _deployment(workload, nodes, now_ns, rng, result)
        else:
            _stateful_set(workload, nodes, now_ns, rng, result)
    return result


def _created(resource: r.Resource, obj: Obj, rng: random.Random, created: str) -> Obj:
    namespace = obj["metadata"].get("namespace", "")
    return strategy.prepare_create(resource, obj, namespace, uid=objects.new_uid(rng), now=created)


def _node_ring(nodes: list[Obj]) -> Iterator[tuple[str, placement.Placement]]:
    """Nodes in round-robin order, forever, with a placement that hands out their pod IPs."""
    place = placement.Placement()
    for node in nodes:
        place.add(node)
    while nodes:
        for node in nodes:
            yield node["metadata"]["name"], place


@functools.lru_cache(maxsize=1024)
def _times(start_ns: int) -> tuple[str, str, str]:
    """Start, containers started, ready: shared by every pod seeded in the same minute."""
    return tuple(timefmt.rfc3339(start_ns + offset * 10**9) for offset in (0, 2, 4))  # type: ignore[return-value]


def _running(shape: podspec.Shape, node: tuple[str, placement.Placement], now_ns: int, rng: random.Random,
             ) -> tuple[str, str, Obj]:  # fmt: skip
    name, place = node
    host_ip, pod_ip = place.assign_ip(name)
    times = _times(now_ns - now_ns % MINUTE_NS - rng.randrange(10, 6 * 60) * MINUTE_NS)
    return name, times[0], podstatus.running_status(shape, host_ip, pod_ip, times, True, rng)


def _deployment(deployment: Obj, nodes: Iterator[tuple[str, placement.Placement]], now_ns: int, rng: random.Random,
                result: dict[r.Resource, list[Obj]]) -> None:  # fmt: skip
    hash_ = workloads.template_hash(deployment["spec"]["template"])
    rs = workloads.replica_set(
        deployment, hash_, uid=objects.new_uid(rng), created=deployment["metadata"]["creationTimestamp"]
    )
    shape = workloads.replica_set_shape(rs)
    pods: list[Obj] = []
    names: set[str] = set()
    for _ in range(workloads.replicas(deployment)):
        node, start, status = _running(shape, next(nodes), now_ns, rng)
        names.add(name := workloads.pod_name(rs["metadata"]["name"], rng, names.__contains__))
        pods.append(podspec.pod(shape, rs["metadata"]["namespace"], name, uid=objects.new_uid(rng), created=start,
                                node=node, status=status, generate_name=f"{rs['metadata']['name']}-"))  # fmt: skip
    rs["status"] = workloads.replica_set_status(rs, pods)
    now = timefmt.rfc3339(now_ns)
    deployment["status"] = workloads.deployment_status(
        deployment, rs["metadata"]["name"], {rs["metadata"]["name"]: pods}, now
    )
    result[r.DEPLOYMENTS].append(deployment)
    result[r.REPLICASETS].append(rs)
    result[r.PODS].extend(pods)


def _stateful_set(sts: Obj, nodes: Iterator[tuple[str, placement.Placement]], now_ns: int, rng: random.Random,
                  result: dict[r.Resource, list[Obj]]) -> None:  # fmt: skip
    shape = workloads.statefulset_shape(sts)
    name, namespace = sts["metadata"]["name"], sts["metadata"]["namespace"]
    pods = []
    for ordinal in range(workloads.replicas(sts)):
        node, start, status = _running(shape, next(nodes), now_ns, rng)
        pod_name = f"{name}-{ordinal}"
        labels = workloads.statefulset_pod_labels(shape, pod_name, ordinal)
        pods.append(podspec.pod(shape, namespace, pod_name, uid=objects.new_uid(rng), created=start, node=node,
                                status=status, labels=labels))  # fmt: skip
    sts["status"] = workloads.statefulset_status(sts, pods)
    result[r.STATEFULSETS].append(sts)
    result[r.PODS].extend(pods)

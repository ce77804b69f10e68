"""Builders for the Kubernetes objects the kubelet simulator reads."""

import msgspec

from sim.kubelets import objects

T0 = 1_754_300_400 * 10**9  # 2025-08-04T09:40:00Z, in ns
STARTED = "2025-08-04T09:00:00Z"


def pod(
    name: str, containers: tuple[str, ...] = ("main",), *, namespace: str = "default", node: str = "node-1",
    phase: str = "Running", started: str = STARTED, restarts: int = 0, annotations: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None, sidecars: tuple[str, ...] = (), inits: tuple[str, ...] = (),
) -> objects.Pod:  # fmt: skip
    """A pod whose containers and native sidecars all run since `started`; its init containers have completed."""
    running = objects.ContainerState(running=objects.Running(started_at=started))
    done = objects.ContainerState()  # terminated: no `running` state
    init_specs = [objects.Container(name=c) for c in inits] + [
        objects.Container(name=c, restart_policy="Always") for c in sidecars]  # fmt: skip
    init_statuses = [objects.ContainerStatus(name=c, state=done) for c in inits] + [
        objects.ContainerStatus(name=c, restart_count=restarts, state=running) for c in sidecars]  # fmt: skip
    return objects.Pod(
        metadata=objects.Meta(name=name, namespace=namespace, uid=f"uid-{namespace}-{name}",
                              annotations=annotations or {}, owner_references=_owners(owner)),
        spec=objects.PodSpec(node_name=node, containers=[objects.Container(name=c) for c in containers],
                             init_containers=init_specs),
        status=objects.PodStatus(phase=phase, container_statuses=[
            objects.ContainerStatus(name=c, restart_count=restarts, state=running) for c in containers],
            init_container_statuses=init_statuses),
    )  # fmt: skip


def workload(
    kind_name: str, *, namespace: str = "default", annotations: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
) -> objects.Owned:  # fmt: skip
    """A ReplicaSet, Deployment or StatefulSet (the kind is only in the owner references pointing at it)."""
    meta = objects.Meta(name=kind_name, namespace=namespace, annotations=annotations or {},
                        owner_references=_owners(owner))  # fmt: skip
    return objects.Owned(metadata=meta)


def node(name: str = "node-1", ip: str = "127.10.0.1", port: int = 10250, fault: str = "") -> objects.Node:
    """A Node with an InternalIP and a kubelet port."""
    raw = {"metadata": {"name": name, "annotations": {"sim.flowmeter.dev/fault": fault} if fault else {},
                        "creationTimestamp": "2025-08-01T00:00:00Z"},
           "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                      "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}}  # fmt: skip
    return msgspec.convert(raw, objects.Node)


def _owners(owner: tuple[str, str] | None) -> list[objects.OwnerReference]:
    return [objects.OwnerReference(kind=owner[0], name=owner[1], controller=True)] if owner else []

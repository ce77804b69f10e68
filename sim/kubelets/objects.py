"""The Kubernetes object fields a simulated kubelet reads, beyond `services.lib.kubeobjects`."""

import msgspec

from services.lib import kubeobjects


class OwnerReference(msgspec.Struct, kw_only=True):
    """One entry of metadata.ownerReferences."""

    kind: str = ""
    name: str = ""
    controller: bool = False


class Meta(kubeobjects.ObjectMeta, kw_only=True, rename="camel"):
    """metadata with identity, age and owners."""

    uid: str = ""
    creation_timestamp: str = ""
    owner_references: list[OwnerReference] = msgspec.field(default_factory=list)

    @property
    def controller(self) -> OwnerReference | None:
        """The managing owner (the one with controller: true), if any."""
        return next((owner for owner in self.owner_references if owner.controller), None)


class Owned(kubeobjects.Object, kw_only=True):
    """A ReplicaSet, Deployment or StatefulSet: only its annotations and owners matter here."""

    metadata: Meta = msgspec.field(default_factory=Meta)


class Container(msgspec.Struct, kw_only=True, rename="camel"):
    """One entry of pod.spec.containers or pod.spec.initContainers."""

    name: str
    restart_policy: str = ""  # "Always" on an init container: a native sidecar


class PodSpec(msgspec.Struct, kw_only=True, rename="camel"):
    """pod.spec."""

    node_name: str = ""
    containers: list[Container] = []
    init_containers: list[Container] = []

    @property
    def reporting(self) -> list[Container]:
        """The containers a kubelet reports while they run: native sidecars, then the containers."""
        return [*(c for c in self.init_containers if c.restart_policy == "Always"), *self.containers]


class Running(msgspec.Struct, kw_only=True, rename="camel"):
    """containerStatuses[].state.running."""

    started_at: str = ""


class ContainerState(msgspec.Struct, kw_only=True):
    """containerStatuses[].state; only `running` matters."""

    running: Running | None = None


class ContainerStatus(msgspec.Struct, kw_only=True, rename="camel"):
    """One entry of pod.status.containerStatuses."""

    name: str
    restart_count: int = 0
    state: ContainerState = msgspec.field(default_factory=ContainerState)


class PodStatus(msgspec.Struct, kw_only=True, rename="camel"):
    """pod.status."""

    phase: str = ""
    container_statuses: list[ContainerStatus] = []
    init_container_statuses: list[ContainerStatus] = []


class Pod(kubeobjects.Object, kw_only=True):
    """A Pod: where it runs, its containers and their start times."""

    metadata: Meta = msgspec.field(default_factory=Meta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
    status: PodStatus = msgspec.field(default_factory=PodStatus)


class Node(kubeobjects.Node, kw_only=True):
    """A Node with its creation time (the simulated boot time)."""

    metadata: Meta = msgspec.field(default_factory=Meta)

    @property
    def internal_ip(self) -> str:
        """The node's InternalIP address, or '' when it has none."""
        return next((a.address for a in self.status.addresses if a.type == "InternalIP"), "")

    @property
    def kubelet_port(self) -> int:
        """The kubelet port from node status, 10250 when unset."""
        return self.status.daemon_endpoints.kubelet_endpoint.port or 10250

"""The few Kubernetes object fields the services read, as msgspec Structs with Kubernetes' camelCase names."""

from typing import Generic, TypeVar

import msgspec


class ObjectMeta(msgspec.Struct, kw_only=True, rename="camel"):
    """metadata of any object."""

    name: str = ""
    namespace: str = ""
    uid: str = ""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    resource_version: str = ""
    generation: int = 0
    deletion_timestamp: str | None = None

    @property
    def key(self) -> str:
        """namespace/name, or name for cluster-scoped objects."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


class Object(msgspec.Struct, kw_only=True):
    """Any object: only its metadata."""

    metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)


class NodeAddress(msgspec.Struct, kw_only=True):
    """One entry of node.status.addresses."""

    type: str
    address: str


class DaemonEndpoint(msgspec.Struct, kw_only=True):
    """node.status.daemonEndpoints.kubeletEndpoint; Kubernetes spells its field 'Port'."""

    port: int = msgspec.field(default=0, name="Port")


class NodeDaemonEndpoints(msgspec.Struct, kw_only=True, rename="camel"):
    """node.status.daemonEndpoints."""

    kubelet_endpoint: DaemonEndpoint = msgspec.field(default_factory=DaemonEndpoint)


class NodeStatus(msgspec.Struct, kw_only=True, rename="camel"):
    """The parts of node.status the scraper uses."""

    addresses: list[NodeAddress] = []
    daemon_endpoints: NodeDaemonEndpoints = msgspec.field(default_factory=NodeDaemonEndpoints)


class Node(Object, kw_only=True):
    """A Node: where and how to reach its kubelet."""

    status: NodeStatus = msgspec.field(default_factory=NodeStatus)


class ListMeta(msgspec.Struct, kw_only=True, rename="camel"):
    """metadata of a list."""

    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")  # set when more pages follow a limited list


T = TypeVar("T")


class ObjectList(msgspec.Struct, Generic[T], kw_only=True):
    """Any list response."""

    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
    items: list[T] = []


class Bookmark(msgspec.Struct, kw_only=True):
    """The object of a BOOKMARK watch event."""

    metadata: ListMeta = msgspec.field(default_factory=ListMeta)


class Status(msgspec.Struct, kw_only=True):
    """A Kubernetes Status, as error bodies carry it."""

    message: str = ""
    reason: str = ""
    code: int = 0

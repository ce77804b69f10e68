"""Where a node's kubelet serves resource metrics: address by preferred type, port, and path annotation."""

from services.lib import kubeobjects

PATH_ANNOTATION = "metrics.k8s.io/resource-metrics-path"
DEFAULT_PATH = "/metrics/resource"


class NoAddressError(LookupError):
    """The node has no address of any preferred type."""


def kubelet_url(
    node: kubeobjects.Node, address_types: tuple[str, ...], port: int, use_node_status_port: bool, plain_http: bool
) -> str:
    """`https://host:port/path` of the node's kubelet (`http` when told to be insecure), as upstream resolves it."""
    host = _address(node, address_types)
    status_port = node.status.daemon_endpoints.kubelet_endpoint.port
    if use_node_status_port and status_port:
        port = status_port
    path = node.metadata.annotations.get(PATH_ANNOTATION, DEFAULT_PATH)
    return f"{'http' if plain_http else 'https'}://{_bracketed(host)}:{port}{path}"


def _address(node: kubeobjects.Node, address_types: tuple[str, ...]) -> str:
    for kind in address_types:
        for address in node.status.addresses:
            if address.type == kind:
                return address.address
    raise NoAddressError(f"node {node.metadata.name}: no address matched types {list(address_types)}")


def _bracketed(host: str) -> str:
    """An IPv6 address in brackets; only IPv6 addresses have colons, and testing for one is cheap at every scrape."""
    return f"[{host}]" if ":" in host else host

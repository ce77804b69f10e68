"""Stories of where the scraper finds a node's kubelet, as upstream metrics-server resolves it."""

from typing import Any

import msgspec
import pytest

from services.lib import kubeobjects
from services.scraper import targets

PREFERRED = ("InternalIP", "ExternalIP", "Hostname")


def node(*addresses: tuple[str, str], port: int = 0, annotations: dict[str, str] | None = None) -> kubeobjects.Node:
    document: dict[str, Any] = {
        "metadata": {"name": "node-1", "annotations": annotations or {}},
        "status": {
            "addresses": [{"type": kind, "address": address} for kind, address in addresses],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        },
    }
    return msgspec.convert(document, kubeobjects.Node)


def url(n: kubeobjects.Node, use_status_port: bool = True, plain_http: bool = False) -> str:
    return targets.kubelet_url(n, PREFERRED, 10250, use_status_port, plain_http)


def test_the_first_preferred_address_type_the_node_has_wins() -> None:
    n = node(("Hostname", "worker-1"), ("ExternalIP", "203.0.113.7"), ("InternalIP", "10.0.0.7"))
    assert url(n) == "https://10.0.0.7:10250/metrics/resource"
    assert url(node(("Hostname", "worker-1"))) == "https://worker-1:10250/metrics/resource"


def test_an_ipv6_address_is_bracketed_and_ipv4_or_a_hostname_is_not() -> None:
    assert url(node(("InternalIP", "fd00::7"))) == "https://[fd00::7]:10250/metrics/resource"
    assert url(node(("InternalIP", "10.0.0.7"))) == "https://10.0.0.7:10250/metrics/resource"


def test_the_port_the_node_reports_is_used_when_asked_and_the_path_annotation_moves_the_path() -> None:
    n = node(("InternalIP", "10.0.0.7"), port=10255, annotations={targets.PATH_ANNOTATION: "/custom"})
    assert url(n) == "https://10.0.0.7:10255/custom"
    assert url(n, use_status_port=False, plain_http=True) == "http://10.0.0.7:10250/custom"


def test_a_node_without_a_preferred_address_cannot_be_scraped() -> None:
    with pytest.raises(targets.NoAddressError, match="node-1"):
        url(node(("InternalDNS", "worker-1.internal")))

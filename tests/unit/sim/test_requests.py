"""What a request asks for: its RequestInfo from method and path, its representation from Accept; and the flags."""

from pathlib import Path

import pytest

from sim.apiserver import config, errors, negotiate, requestinfo
from sim.apiserver.negotiate import Output

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
METADATA = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/shop/pods", {}, ("list", "", "shop", "pods", "", "")),
        ("GET", "/api/v1/pods", {"watch": "1"}, ("watch", "", "", "pods", "", "")),
        ("GET", "/api/v1/namespaces/shop", {}, ("get", "", "shop", "namespaces", "shop", "")),
        ("PUT", "/api/v1/namespaces/shop/finalize", {}, ("update", "", "shop", "namespaces", "shop", "finalize")),
        ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale", {}, ("patch", "apps", "shop", "deployments",
                                                                              "web", "scale")),
        ("DELETE", "/api/v1/namespaces/shop/pods", {}, ("deletecollection", "", "shop", "pods", "", "")),
        ("POST", "/api/v1/nodes", {}, ("create", "", "", "nodes", "", "")),
    ],
)  # fmt: skip
def test_resource_requests_resolve_like_kube_apiserver(
    method: str, path: str, query: dict[str, str], expected: tuple[str, ...]
) -> None:
    info = requestinfo.resolve(method, path, query)

    assert info.is_resource
    assert (info.verb, info.group, info.namespace, info.resource, info.name, info.subresource) == expected


@pytest.mark.parametrize("path", ["/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/healthz"])
def test_discovery_and_health_are_non_resource_requests(path: str) -> None:
    assert not requestinfo.resolve("GET", path, {}).is_resource


@pytest.mark.parametrize(
    ("accept", "output"),
    [(TABLE, Output.TABLE), (METADATA, Output.METADATA), (DISCOVERY, Output.JSON), ("", Output.JSON),
     ("application/vnd.kubernetes.protobuf, */*", Output.JSON),
     ("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", Output.METADATA)],
)  # fmt: skip
def test_the_first_representation_we_can_produce_wins(accept: str, output: Output) -> None:
    assert negotiate.choose(accept) is output


def test_a_client_that_takes_only_protobuf_is_not_acceptable() -> None:
    with pytest.raises(errors.ApiError) as raised:
        negotiate.choose("application/vnd.kubernetes.protobuf")

    assert (raised.value.code, raised.value.reason) == (406, "NotAcceptable")


def test_flags_have_the_documented_defaults() -> None:
    settings = config.parse(["--run-dir", "/tmp/run"])

    assert settings == config.Config(run_dir=Path("/tmp/run"))
    assert (settings.port, settings.nodes, settings.pods_per_node, settings.kubelet_subnet) == (6443, 3, 10, "127.10")
    assert config.parse(["--run-dir", "d", "--port", "0", "--pod-startup-seconds", "0.5"]).pod_startup_seconds == 0.5


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["--kubelet-subnet", "10.1"], "--kubelet-subnet"), (["--nodes", "-1"], "--nodes"),
     (["--metrics-api-url", "http://x"], "--metrics-api-url")],
)  # fmt: skip
def test_bad_flags_are_refused_naming_the_flag(flags: list[str], message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.parse(["--run-dir", "d", *flags])

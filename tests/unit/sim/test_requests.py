"""What a request asks for: its RequestInfo from method and path, its representation from Accept; and the flags."""

from pathlib import Path

import pytest

from sim.apiserver import config, errors, negotiate, requestinfo, writes
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


@pytest.mark.parametrize(
    ("accept", "aggregated"),
    [(DISCOVERY, True), ("application/json", False), ("", False),
     ("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", False),
     ("application/json, " + DISCOVERY, False), ("application/vnd.kubernetes.protobuf," + DISCOVERY, True)],
)  # fmt: skip
def test_discovery_is_aggregated_when_the_client_asks_for_v2_first(accept: str, aggregated: bool) -> None:
    assert negotiate.aggregated_discovery(accept) is aggregated


@pytest.mark.parametrize(
    ("body", "query", "grace"),
    [({}, {}, None), ({"gracePeriodSeconds": 3}, {}, 3), ({}, {"gracePeriodSeconds": "0"}, 0),
     ({"gracePeriodSeconds": 5}, {"gracePeriodSeconds": "9"}, 5), ({"kind": "DeleteOptions"}, {}, None)],
)  # fmt: skip
def test_delete_options_give_the_grace_period(
    body: dict[str, object], query: dict[str, str], grace: int | None
) -> None:
    assert writes.grace_period(body, query) == grace


@pytest.mark.parametrize("value", ["soon", 1.5, True])
def test_a_grace_period_that_is_not_a_whole_number_is_a_bad_request(value: object) -> None:
    with pytest.raises(errors.ApiError) as caught:
        writes.grace_period({"gracePeriodSeconds": value}, {})
    assert caught.value.code == 400


def test_flags_have_the_documented_defaults() -> None:
    settings = config.parse(["--run-dir", "/tmp/run"])

    assert settings == config.Config(run_dir=Path("/tmp/run"))
    assert (settings.port, settings.nodes, settings.pods_per_node, settings.kubelet_subnet) == (6443, 3, 10, "127.10")
    assert config.parse(["--run-dir", "d", "--port", "0", "--pod-startup-seconds", "0.5"]).pod_startup_seconds == 0.5


def test_the_metrics_api_may_have_one_backend_or_several() -> None:
    one = config.parse(["--run-dir", "d", "--metrics-api-url", "https://a:1"])
    two = config.parse(["--run-dir", "d", "--metrics-api-url", "https://a:1, https://b:2"])

    assert (one.metrics_api_urls, two.metrics_api_urls) == (("https://a:1",), ("https://a:1", "https://b:2"))
    assert config.parse(["--run-dir", "d"]).metrics_api_urls == ()


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["--kubelet-subnet", "10.1"], "--kubelet-subnet"), (["--nodes", "-1"], "--nodes"),
     (["--metrics-api-url", "http://x"], "--metrics-api-url"),
     (["--metrics-api-url", "https://x:1,http://y"], "'http://y'")],
)  # fmt: skip
def test_bad_flags_are_refused_naming_the_flag(flags: list[str], message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        config.parse(["--run-dir", "d", *flags])

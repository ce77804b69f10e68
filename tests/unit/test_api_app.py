"""The metrics.k8s.io surface, byte for byte: shapes, quantities, sorting, selectors and Status errors."""

from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from services import events
from services.api import app
from services.api.readmodel import ReadModel
from services.api.telemetry import Telemetry
from services.lib import kubeobjects, selectors

S = 1_000_000_000
NOW = 1754300431 * S  # 2025-08-04T09:40:31Z
SAMPLED = 1754300413 * S  # 2025-08-04T09:40:13Z


def meta(name: str, namespace: str = "", **labels: str) -> kubeobjects.Object:
    return kubeobjects.Object(metadata=kubeobjects.ObjectMeta(name=name, namespace=namespace, labels=labels))


def container(name: str, cpu: int, memory: int) -> events.ContainerUsage:
    return events.ContainerUsage(name=name, cpu_nanocores=cpu, memory_bytes=memory)


def pod(namespace: str, name: str, *containers: events.ContainerUsage) -> events.PodUsage:
    return events.PodUsage(
        namespace=namespace, name=name, timestamp_ns=SAMPLED - 4 * S, window_ns=14_991_000_000, containers=containers
    )


@pytest.fixture
def model() -> ReadModel:
    """Two nodes (one without metrics), three Running pods in two namespaces and one pod that is not Running."""
    model = ReadModel(max_age_ns=45 * S)
    model.on_node(None, meta("worker-1", **{"kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}))
    model.on_node(None, meta("worker-2"))
    for ns, name, labels in [
        ("default", "web-b", {"app": "web"}),
        ("default", "web-a", {"app": "web", "pod-template-hash": "6c8f9b7d4"}),
        ("kube-system", "coredns", {"k8s-app": "kube-dns"}),
    ]:
        model.on_pod(None, meta(name, ns, **labels))
    usage = events.NodeUsage(
        timestamp_ns=SAMPLED, window_ns=15_003_000_000, cpu_nanocores=123456789, memory_bytes=1616273408
    )
    model.apply(
        events.NodeRatesComputed(
            node="worker-1",
            scraped_at_ns=NOW - 10 * S,
            node_usage=usage,
            pods=(
                pod("default", "web-b", container("nginx", 2143110, 10129408)),
                pod(
                    "default",
                    "web-a",
                    container("nginx", 2143110, 10129408),
                    container("log-shipper", 512004, 23166976),
                ),
                pod("kube-system", "coredns", container("coredns", 250_000_000, 2 * 1024**3)),
                pod("default", "finished", container("main", 1, 1)),
            ),
        )
    )
    return model


@pytest.fixture
async def client(model: ReadModel) -> AsyncIterator[httpx.AsyncClient]:
    checks = {"readyz": {"ping": lambda: None}}
    application = app.build_app(model, checks, Telemetry(), selectors.parse_labels("skip!=true"), clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(application), base_url="https://api") as http:
        yield http


async def test_a_node_is_served_with_upstreams_exact_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/apis/metrics.k8s.io/v1beta1/nodes/worker-1")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.content == (
        b'{"kind":"NodeMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"worker-1",'
        b'"creationTimestamp":"2025-08-04T09:40:31Z","labels":{"beta.kubernetes.io/arch":"amd64","kubernetes.io/os":"linux"}},'
        b'"timestamp":"2025-08-04T09:40:13Z","window":"15.003s","usage":{"cpu":"123456789n","memory":"1578392Ki"}}'
    )


async def test_a_pod_list_omits_item_kinds_and_sorts_by_namespace_then_name(client: httpx.AsyncClient) -> None:
    body = (await client.get("/apis/metrics.k8s.io/v1beta1/pods")).json()
    assert list(body) == ["kind", "apiVersion", "metadata", "items"]
    assert (body["kind"], body["apiVersion"], body["metadata"]) == ("PodMetricsList", "metrics.k8s.io/v1beta1", {})
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in body["items"]] == [
        ("default", "web-a"),
        ("default", "web-b"),
        ("kube-system", "coredns"),
    ]
    first = body["items"][0]
    assert list(first) == ["metadata", "timestamp", "window", "containers"]
    assert list(first["metadata"]) == ["name", "namespace", "creationTimestamp", "labels"]
    assert first["window"] == "14.991s" and first["timestamp"] == "2025-08-04T09:40:09Z"
    assert first["containers"] == [
        {"name": "nginx", "usage": {"cpu": "2143110n", "memory": "9892Ki"}},
        {"name": "log-shipper", "usage": {"cpu": "512004n", "memory": "22624Ki"}},
    ]
    assert body["items"][2]["containers"][0]["usage"] == {"cpu": "250m", "memory": "2Gi"}


async def test_a_namespaced_list_honours_label_and_field_selectors(client: httpx.AsyncClient) -> None:
    async def names(query: str) -> list[str]:
        response = await client.get(f"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?{query}")
        return [item["metadata"]["name"] for item in response.json()["items"]]

    assert await names("") == ["web-a", "web-b"]
    assert await names("labelSelector=pod-template-hash") == ["web-a"]
    assert await names("labelSelector=app%20in%20(web,db),!pod-template-hash") == ["web-b"]
    assert await names("fieldSelector=metadata.name%3Dweb-b") == ["web-b"]
    assert await names("fieldSelector=metadata.namespace!%3Ddefault") == []


async def test_a_node_list_applies_the_node_selector_and_skips_nodes_without_metrics(
    model: ReadModel, client: httpx.AsyncClient
) -> None:
    body = (await client.get("/apis/metrics.k8s.io/v1beta1/nodes")).json()
    assert [item["metadata"]["name"] for item in body["items"]] == ["worker-1"]
    model.on_node(None, meta("worker-1", skip="true"))
    assert (await client.get("/apis/metrics.k8s.io/v1beta1/nodes")).json()["items"] == []


async def test_unknown_objects_and_objects_without_metrics_get_upstreams_not_found(client: httpx.AsyncClient) -> None:
    cases = {
        "/nodes/nope": ('node "nope" not found', {"name": "nope", "kind": "node"}),
        "/nodes/worker-2": (
            'nodemetrics.metrics.k8s.io "worker-2" not found',
            {"name": "worker-2", "group": "metrics.k8s.io", "kind": "nodemetrics"},
        ),
        "/namespaces/default/pods/finished": ('pods "finished" not found', {"name": "finished", "kind": "pods"}),
    }
    for path, (message, details) in cases.items():
        response = await client.get(f"/apis/metrics.k8s.io/v1beta1{path}")
        assert response.status_code == 404
        assert response.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "NotFound",
            "details": details,
            "code": 404,
        }


async def test_a_running_pod_without_metrics_names_namespace_and_pod(
    model: ReadModel, client: httpx.AsyncClient
) -> None:
    model.on_pod(None, meta("fresh", "default"))
    response = await client.get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/fresh")
    assert response.status_code == 404
    assert response.json()["message"] == 'podmetrics.metrics.k8s.io "default/fresh" not found'


async def test_bad_requests_get_a_status_with_the_right_code(client: httpx.AsyncClient) -> None:
    base = "/apis/metrics.k8s.io/v1beta1"
    cases = {
        f"{base}/pods?fieldSelector=spec.nodeName%3Dworker-1": (
            400,
            '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
        f"{base}/pods?labelSelector=app%20in%20(": (400, None),
        f"{base}/nodes?watch=true": (405, 'watch is not supported on resources of kind "nodes.metrics.k8s.io"'),
        f"{base}/widgets": (404, "the server could not find the requested resource"),
        "/apis/metrics.k8s.io/v7/nodes": (404, "the server could not find the requested resource"),
    }
    for path, (code, message) in cases.items():
        response = await client.get(path)
        status = msgspec.json.decode(response.content)
        assert (response.status_code, status["kind"], status["code"]) == (code, "Status", code), path
        assert message is None or status["message"] == message


@pytest.mark.parametrize("version", ["v1", "v1beta1"])
async def test_both_versions_serve_the_same_read_model(client: httpx.AsyncClient, version: str) -> None:
    node = (await client.get(f"/apis/metrics.k8s.io/{version}/nodes/worker-1")).json()
    assert (node["kind"], node["apiVersion"]) == ("NodeMetrics", f"metrics.k8s.io/{version}")
    pods = (await client.get(f"/apis/metrics.k8s.io/{version}/namespaces/default/pods")).json()
    assert pods["apiVersion"] == f"metrics.k8s.io/{version}" and len(pods["items"]) == 2


async def test_an_hpa_style_request_accepting_protobuf_or_anything_gets_json_it_can_decode(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb",
        headers={"Accept": "application/vnd.kubernetes.protobuf, */*", "User-Agent": "kube-controller-manager/v1.37.0"},
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = msgspec.json.decode(response.content)
    assert [item["metadata"]["name"] for item in body["items"]] == ["web-a", "web-b"]


@pytest.mark.parametrize(
    ("method", "action"), [("POST", "create"), ("PUT", "update"), ("PATCH", "patch"), ("DELETE", "delete")]
)
async def test_writes_are_refused_as_not_supported(client: httpx.AsyncClient, method: str, action: str) -> None:
    response = await client.request(method, "/apis/metrics.k8s.io/v1/nodes/worker-1")
    assert response.status_code == 405
    assert response.json()["message"] == f'{action} is not supported on resources of kind "nodes.metrics.k8s.io"'
    collection = await client.delete("/apis/metrics.k8s.io/v1/namespaces/default/pods")
    assert (
        collection.json()["message"] == 'deletecollection is not supported on resources of kind "pods.metrics.k8s.io"'
    )


async def test_served_items_feed_the_freshness_histogram(client: httpx.AsyncClient) -> None:
    await client.get("/apis/metrics.k8s.io/v1beta1/pods")
    metrics = (await client.get("/metrics")).text
    assert 'metrics_server_api_metric_freshness_seconds_bucket{le="16.34' in metrics  # younger than 22 s: none
    assert 'metrics_server_api_metric_freshness_seconds_bucket{le="22.291726356354257"} 3.0' in metrics
    assert "_created" not in metrics


async def test_readyz_lists_its_checks_when_asked(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).text == "ok"
    assert (await client.get("/readyz?verbose")).text == "[+]ping ok\nreadyz check passed\n"
    assert (await client.get("/readyz/ping")).text == "ok"


async def test_rates_from_a_scrape_older_than_the_max_age_are_not_served(model: ReadModel) -> None:
    node = [row.name for row in model.nodes(selectors.LabelSelector(), selectors.FieldSelector(), NOW)]
    assert node == ["worker-1"]
    later = NOW + 40 * S  # the worker-1 scrape is now 50 s old, past the 45 s max age
    assert model.nodes(selectors.LabelSelector(), selectors.FieldSelector(), later) == []
    assert model.pods("", selectors.LabelSelector(), selectors.FieldSelector(), later) == []


def test_an_hpa_selector_finds_its_pods_through_the_label_index_and_a_relabelled_pod_leaves_it(
    model: ReadModel,
) -> None:
    def listed(selector: str) -> list[str]:
        rows = model.pods("default", selectors.parse_labels(selector), selectors.FieldSelector(), NOW)
        return [row.name for row in rows]

    before = (listed("app=web"), listed("app==web,pod-template-hash=6c8f9b7d4"), listed("app in (web)"))
    model.on_pod(meta("web-a", "default", app="web"), meta("web-a", "default", app="batch"))
    after = (listed("app=web"), listed("app=batch"), listed("app!=batch"))
    model.on_pod(meta("web-b", "default", app="web"), None)

    assert before == (["web-a", "web-b"], ["web-a"], ["web-a", "web-b"])
    assert after == (["web-b"], ["web-a"], ["web-b"])
    assert listed("app=web") == [] and listed("app") == ["web-a"]

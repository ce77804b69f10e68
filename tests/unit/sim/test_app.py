"""The HTTP surface through Starlette in memory: discovery, content negotiation, Status errors, writes, watches."""

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from sim.apiserver import resources as r
from sim.apiserver import watch
from sim.apiserver.proxy import Proxy
from sim.apiserver.registry import Registry
from tests.unit.sim.conftest import app_client

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
METADATA = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
KUBECTL_DISCOVERY = (
    f"{AGGREGATED},application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


@pytest.fixture
async def client(registry: Registry, hub: watch.Hub) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app without a metrics API backend."""
    async with app_client(registry, hub) as client:
        yield client


def body(response: httpx.Response) -> Any:
    return msgspec.json.decode(response.content)


async def test_discovery_lists_the_served_groups_and_resources(client: httpx.AsyncClient) -> None:
    assert body(await client.get("/api"))["versions"] == ["v1"]
    groups = body(await client.get("/apis"))
    assert [g["name"] for g in groups["groups"]] == [
        "apps", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "rbac.authorization.k8s.io", "policy",
        "scheduling.k8s.io", "apiregistration.k8s.io"]  # fmt: skip
    assert groups["groups"][3]["preferredVersion"] == {"groupVersion": "autoscaling/v2", "version": "v2"}
    assert [v["version"] for v in groups["groups"][3]["versions"]] == ["v2", "v1"]
    core = {res["name"]: res for res in body(await client.get("/api/v1"))["resources"]}
    assert core["pods"]["shortNames"] == ["po"] and core["pods"]["namespaced"]
    assert core["nodes"]["shortNames"] == ["no"] and not core["nodes"]["namespaced"]
    assert core["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert "deletecollection" in core["pods"]["verbs"] and "deletecollection" not in core["namespaces"]["verbs"]
    hpas = {res["name"]: res for res in body(await client.get("/apis/autoscaling/v2"))["resources"]}
    assert hpas["horizontalpodautoscalers"]["shortNames"] == ["hpa"]
    assert hpas["horizontalpodautoscalers"]["categories"] == ["all"]
    assert hpas["horizontalpodautoscalers/status"]["kind"] == "HorizontalPodAutoscaler"
    apps = {res["name"]: res for res in body(await client.get("/apis/apps/v1"))["resources"]}
    assert apps["deployments/scale"] | {"verbs": []} == {"name": "deployments/scale", "singularName": "",
        "namespaced": True, "kind": "Scale", "verbs": [], "group": "autoscaling", "version": "v1"}  # fmt: skip
    assert apps["statefulsets"]["shortNames"] == ["sts"] and apps["replicasets"]["shortNames"] == ["rs"]
    assert body(await client.get("/apis/apps"))["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}


async def test_version_health_and_openapi(client: httpx.AsyncClient) -> None:
    assert body(await client.get("/version"))["gitVersion"] == "v1.37.0-flowmeter-sim"
    assert (await client.get("/readyz")).text == "ok"
    root = body(await client.get("/openapi/v3"))["paths"]
    apps = body(await client.get(root["apis/apps/v1"]["serverRelativeURL"]))
    patch = apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert "fieldValidation" in [parameter["name"] for parameter in patch["parameters"]]


async def test_unknown_paths_are_not_found_statuses(client: httpx.AsyncClient) -> None:
    for path in ("/apis/metrics.k8s.io/v1beta1/nodes", "/api/v1/widgets", "/nothing"):
        response = await client.get(path)
        assert response.status_code == 404 and body(response)["reason"] == "NotFound"


async def test_lists_come_as_objects_tables_or_metadata_as_asked(client: httpx.AsyncClient) -> None:
    plain = body(await client.get("/api/v1/namespaces/shop/pods", params={"labelSelector": "app=cart"}))
    table = body(await client.get("/api/v1/namespaces/shop/pods", headers={"Accept": TABLE}))
    metadata = body(await client.get("/api/v1/pods", headers={"Accept": METADATA}, params={"limit": "2"}))

    assert plain["kind"] == "PodList" and len(plain["items"]) == 3 and plain["metadata"]["resourceVersion"]
    assert table["kind"] == "Table" and table["rows"][0]["cells"][0] == "cart-0"
    assert metadata["kind"] == "PartialObjectMetadataList" and metadata["metadata"]["continue"]
    assert set(metadata["items"][0]) == {"kind", "apiVersion", "metadata"}


async def test_protobuf_only_clients_get_406_and_kubectl_top_style_accept_gets_json(client: httpx.AsyncClient) -> None:
    refused = await client.get("/api/v1/nodes", headers={"Accept": "application/vnd.kubernetes.protobuf"})
    served = await client.get("/api/v1/nodes", headers={"Accept": "application/vnd.kubernetes.protobuf, */*"})

    assert refused.status_code == 406 and body(refused)["reason"] == "NotAcceptable"
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"


async def test_writes_answer_with_the_stored_object_or_a_status(client: httpx.AsyncClient) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    created = await client.post("/api/v1/namespaces", json=namespace)
    patched = await client.patch("/api/v1/namespaces/team", content=b'{"metadata":{"labels":{"a":"b"}}}',
                                 headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    protobuf = await client.post("/api/v1/namespaces", content=b"k8s\x00\x0a\x05", headers={"Content-Type":
                                 "application/vnd.kubernetes.protobuf"})  # fmt: skip
    yaml = await client.post("/api/v1/namespaces", content=b"kind: Namespace", headers={"Content-Type":
                             "application/yaml"})  # fmt: skip
    collection = await client.delete("/api/v1/namespaces")
    trial = await client.delete("/api/v1/namespaces/team", params={"dryRun": "All"})
    deleted = await client.delete("/api/v1/namespaces/team")

    assert created.status_code == 201 and body(created)["status"] == {"phase": "Active"}
    assert body(patched)["metadata"]["labels"] == {"a": "b", "kubernetes.io/metadata.name": "team"}
    assert protobuf.status_code == 400 and "not a Kubernetes protobuf object" in body(protobuf)["message"]
    assert yaml.status_code == 415 and body(yaml)["reason"] == "UnsupportedMediaType"
    assert collection.status_code == 405 and body(collection)["reason"] == "MethodNotAllowed"
    assert trial.status_code == 400 and "dryRun" in body(trial)["message"]
    assert deleted.status_code == 200 and body(deleted)["metadata"]["name"] == "team"


async def test_a_watch_streams_changes_after_its_resource_version(
    client: httpx.AsyncClient, registry: Registry, hub: watch.Hub
) -> None:
    query = {"watch": "true", "resourceVersion": str(registry.store.rv), "labelSelector": "app=cart"}
    registered = asyncio.Event()
    subscribe = hub.subscribe

    def spy(watcher: watch.Watcher, since: int | None) -> list[watch.Event]:
        registered.set()
        return subscribe(watcher, since)

    hub.subscribe = spy  # type: ignore[method-assign]
    watching = asyncio.create_task(client.get("/api/v1/namespaces/shop/pods", params=query))
    await registered.wait()
    registry.patch(r.PODS, "shop", "cart-2", "application/merge-patch+json", b'{"metadata":{"labels":{"x":"y"}}}')
    hub.close()  # ends the stream after what is queued, as at shutdown

    lines = [msgspec.json.decode(line) for line in (await watching).content.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [("MODIFIED", "cart-2")]


async def test_a_watch_from_a_forgotten_version_gets_an_expired_error_event(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/pods", params={"watch": "1", "resourceVersion": "1"})

    event = msgspec.json.decode(response.content.splitlines()[0])
    assert response.status_code == 200 and event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"


async def test_the_metrics_group_is_discovered_once_a_backend_is_configured_v1_first(
    registry: Registry, hub: watch.Hub
) -> None:
    proxy = Proxy("https://127.0.0.1:1", ssl.create_default_context(), logging.getLogger("test"))
    try:
        async with app_client(registry, hub, proxy) as client:
            groups = body(await client.get("/apis"))["groups"]
            group = body(await client.get("/apis/metrics.k8s.io"))
            aggregated = body(await client.get("/apis", headers={"Accept": AGGREGATED}))
    finally:
        await proxy.close()

    versions = [{"groupVersion": "metrics.k8s.io/v1", "version": "v1"},
                {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}]  # fmt: skip
    assert groups[-1] == {"name": "metrics.k8s.io", "versions": versions, "preferredVersion": versions[0]}
    assert group == {"kind": "APIGroup", "apiVersion": "v1", **groups[-1]}
    metrics = aggregated["items"][-1]
    assert metrics["metadata"]["name"] == "metrics.k8s.io"
    assert [v["version"] for v in metrics["versions"]] == ["v1", "v1beta1"]
    assert metrics["versions"][0]["resources"] == [
        {"resource": "nodes", "responseKind": {"group": "metrics.k8s.io", "version": "v1", "kind": "NodeMetrics"},
         "scope": "Cluster", "singularResource": "", "verbs": ["get", "list"]},
        {"resource": "pods", "responseKind": {"group": "metrics.k8s.io", "version": "v1", "kind": "PodMetrics"},
         "scope": "Namespaced", "singularResource": "", "verbs": ["get", "list"]}]  # fmt: skip


async def test_aggregated_discovery_is_served_when_the_client_prefers_it(client: httpx.AsyncClient) -> None:
    core = await client.get("/api", headers={"Accept": KUBECTL_DISCOVERY})
    apis = await client.get("/apis", headers={"Accept": KUBECTL_DISCOVERY})
    legacy = await client.get("/apis", headers={"Accept": "application/json, " + AGGREGATED})

    assert core.headers["content-type"] == apis.headers["content-type"] == AGGREGATED
    assert body(core)["kind"] == "APIGroupDiscoveryList" and body(core)["apiVersion"] == "apidiscovery.k8s.io/v2"
    [group] = body(core)["items"]
    assert "name" not in group["metadata"] and [v["version"] for v in group["versions"]] == ["v1"]
    pods = next(res for res in group["versions"][0]["resources"] if res["resource"] == "pods")
    assert pods | {"verbs": []} == {"resource": "pods", "responseKind": {"group": "", "version": "v1", "kind": "Pod"},
        "scope": "Namespaced", "singularResource": "pod", "verbs": [], "shortNames": ["po"], "categories": ["all"],
        "subresources": [{"subresource": "status", "verbs": ["get", "patch", "update"],
                          "responseKind": {"group": "", "version": "v1", "kind": "Pod"}}]}  # fmt: skip
    apps, _, _, autoscaling, *_ = body(apis)["items"]
    assert [v["version"] for v in autoscaling["versions"]] == ["v2", "v1"]
    deployments = next(res for res in apps["versions"][0]["resources"] if res["resource"] == "deployments")
    assert deployments["subresources"][0] == {"subresource": "scale", "verbs": ["get", "patch", "update"],
        "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}}  # fmt: skip
    assert body(legacy)["kind"] == "APIGroupList"

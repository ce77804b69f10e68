"""Discovery (legacy and aggregated), OpenAPI and Table documents of the metrics API."""

from collections.abc import AsyncIterator

import httpx
import pytest

from services.api import app
from services.api.readmodel import ReadModel
from services.api.telemetry import Telemetry
from tests.unit.test_api_app import NOW, model  # noqa: F401 - the fixture with two nodes and three pods

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


@pytest.fixture
async def client(model: ReadModel) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    application = app.build_app(model, {"readyz": {}}, Telemetry(), clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(application), base_url="https://api") as http:
        yield http


async def test_discovery_prefers_v1_and_still_serves_v1beta1(client: httpx.AsyncClient) -> None:
    versions = [
        {"groupVersion": "metrics.k8s.io/v1", "version": "v1"},
        {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"},
    ]
    group = (await client.get("/apis/metrics.k8s.io")).json()
    assert group == {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": "metrics.k8s.io",
        "versions": versions,
        "preferredVersion": versions[0],
    }
    assert (await client.get("/apis")).json()["groups"] == [
        {k: v for k, v in group.items() if k not in ("kind", "apiVersion")}
    ]
    for version in ("v1", "v1beta1"):
        resources = (await client.get(f"/apis/metrics.k8s.io/{version}")).json()
        assert resources["groupVersion"] == f"metrics.k8s.io/{version}"
        assert resources["resources"] == [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics", "verbs": ["get", "list"]},
        ]


async def test_aggregated_discovery_is_served_when_asked_for(client: httpx.AsyncClient) -> None:
    response = await client.get("/apis", headers={"Accept": AGGREGATED})
    assert response.headers["content-type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    body = response.json()
    assert (body["kind"], body["apiVersion"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")
    (group,) = body["items"]
    assert [v["version"] for v in group["versions"]] == ["v1", "v1beta1"]
    assert group["versions"][0]["resources"][1] == {
        "resource": "pods",
        "responseKind": {"group": "metrics.k8s.io", "version": "v1", "kind": "PodMetrics"},
        "scope": "Namespaced",
        "singularResource": "",
        "verbs": ["get", "list"],
    }


async def test_a_node_table_has_upstreams_columns_and_rows_with_metadata(client: httpx.AsyncClient) -> None:
    table = (await client.get("/apis/metrics.k8s.io/v1beta1/nodes", headers={"Accept": TABLE})).json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "cpu", "memory", "Window"]
    assert table["columnDefinitions"][0] == {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": "Name of the resource",
        "priority": 0,
    }
    (row,) = table["rows"]
    assert row["cells"] == ["worker-1", "123456789n", "1578392Ki", "15.003s"]
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["name"] == "worker-1"


async def test_a_pod_table_sums_each_pods_containers(client: httpx.AsyncClient) -> None:
    table = (await client.get("/apis/metrics.k8s.io/v1/pods", headers={"Accept": TABLE})).json()
    assert [row["cells"] for row in table["rows"]] == [
        ["web-a", "2655114n", "32516Ki", "14.991s"],
        ["web-b", "2143110n", "9892Ki", "14.991s"],
        ["coredns", "250m", "2Gi", "14.991s"],
    ]
    assert table["rows"][0]["object"]["metadata"]["namespace"] == "default"


async def test_a_table_of_nothing_has_no_columns_and_row_objects_can_be_left_out(client: httpx.AsyncClient) -> None:
    empty = (await client.get("/apis/metrics.k8s.io/v1/namespaces/none/pods", headers={"Accept": TABLE})).json()
    assert empty["columnDefinitions"] is None and empty["rows"] is None
    bare = (await client.get("/apis/metrics.k8s.io/v1/nodes?includeObject=None", headers={"Accept": TABLE})).json()
    assert bare["rows"][0]["object"] is None


async def test_openapi_v2_describes_every_path_and_kind_of_both_versions(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi/v2")).json()
    assert document["swagger"] == "2.0"
    for version in ("v1", "v1beta1"):
        for path in (
            "nodes",
            "nodes/{name}",
            "pods",
            "namespaces/{namespace}/pods",
            "namespaces/{namespace}/pods/{name}",
        ):
            operation = document["paths"][f"/apis/metrics.k8s.io/{version}/{path}"]["get"]
            schema = operation["responses"]["200"]["schema"]["$ref"].removeprefix("#/definitions/")
            assert schema in document["definitions"]
        gvk = document["definitions"][f"io.k8s.metrics.pkg.apis.metrics.{version}.NodeMetrics"][
            "x-kubernetes-group-version-kind"
        ]
        assert gvk == [{"group": "metrics.k8s.io", "version": version, "kind": "NodeMetrics"}]


async def test_openapi_v3_indexes_one_document_per_group_version(client: httpx.AsyncClient) -> None:
    index = (await client.get("/openapi/v3")).json()
    assert set(index["paths"]) == {"apis/metrics.k8s.io/v1", "apis/metrics.k8s.io/v1beta1"}
    document = (await client.get(index["paths"]["apis/metrics.k8s.io/v1"]["serverRelativeURL"])).json()
    assert document["openapi"] == "3.0.0"
    assert sorted(document["paths"]) == sorted(
        f"/apis/metrics.k8s.io/v1/{p}"
        for p in ("nodes", "nodes/{name}", "pods", "namespaces/{namespace}/pods", "namespaces/{namespace}/pods/{name}")
    )
    assert "io.k8s.metrics.pkg.apis.metrics.v1.PodMetricsList" in document["components"]["schemas"]


async def test_version_answers_like_an_api_server(client: httpx.AsyncClient) -> None:
    version = (await client.get("/version")).json()
    assert version["major"] == "1" and version["gitVersion"].startswith("v")

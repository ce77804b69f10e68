"""HPAs, Scale, Events and protobuf bodies through the HTTP surface in memory, as kubectl and an autoscaler use them."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from sim.apiserver import protobuf, watch
from sim.apiserver.registry import Registry
from tests.unit.sim.conftest import app_client

V1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
V2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
KUBECTL = {"Content-Type": protobuf.MEDIA_TYPE, "Accept": "application/vnd.kubernetes.protobuf,application/json"}
MERGE = {"Content-Type": "application/merge-patch+json"}
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
async def client(registry: Registry, hub: watch.Hub) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(registry, hub) as client:
        yield client


def body(response: httpx.Response) -> Any:
    return msgspec.json.decode(response.content)


async def autoscale(client: httpx.AsyncClient) -> httpx.Response:
    """What `kubectl autoscale deployment web --cpu-percent=50 --min=1 --max=10` sends."""
    return await client.post(V1, content=(FIXTURES / "kubectl-autoscale-cpu.pb").read_bytes(), headers=KUBECTL)


async def test_kubectl_autoscale_creates_a_v1_hpa_answered_in_json_and_stored_as_v2(client: httpx.AsyncClient) -> None:
    created = await autoscale(client)
    v2 = body(await client.get(f"{V2}/web"))
    row = body(await client.get(V2, headers={"Accept": TABLE}))["rows"][0]["cells"]

    assert created.status_code == 201 and created.headers["content-type"] == "application/json"
    assert body(created)["apiVersion"] == "autoscaling/v1"
    assert body(created)["status"] == {"currentReplicas": 0, "desiredReplicas": 0}
    assert v2["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 50}
    assert v2["status"] == {"currentMetrics": None, "desiredReplicas": 0}
    assert row[:6] == ["web", "Deployment/web", "cpu: <unknown>/50%", "1", 10, 0]


async def test_a_status_put_shows_in_both_versions_and_leaves_the_spec(client: httpx.AsyncClient) -> None:
    hpa = body(await autoscale(client))
    v2 = body(await client.get(f"{V2}/web"))
    status = {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45, "averageValue": "90m"}}}]}  # fmt: skip

    put = await client.put(f"{V2}/web/status", json={**v2, "spec": {"maxReplicas": 1}, "status": status})
    v1 = body(await client.get(f"{V1}/web"))
    row = body(await client.get(f"{V2}/web", headers={"Accept": TABLE}))["rows"][0]["cells"]

    assert put.status_code == 200 and body(put)["spec"] == v2["spec"] and body(put)["status"] == status
    assert v1["status"] == {"currentReplicas": 2, "desiredReplicas": 2, "currentCPUUtilizationPercentage": 45}
    assert v1["spec"] == hpa["spec"] and row[2] == "cpu: 45%/50%"


async def test_a_v1_merge_patch_changes_the_v2_metric(client: httpx.AsyncClient) -> None:
    await autoscale(client)

    patched = await client.patch(f"{V1}/web", content=b'{"spec":{"targetCPUUtilizationPercentage":70}}', headers=MERGE)
    v2 = body(await client.get(f"{V2}/web"))

    assert body(patched)["spec"]["targetCPUUtilizationPercentage"] == 70
    assert v2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}]  # fmt: skip


async def test_a_v1_watch_streams_v1_objects(client: httpx.AsyncClient, registry: Registry, hub: watch.Hub) -> None:
    await autoscale(client)
    query = {"watch": "true", "resourceVersion": str(registry.store.rv)}
    registered = asyncio.Event()
    subscribe = hub.subscribe

    def spy(watcher: watch.Watcher, since: int | None) -> list[watch.Event]:
        registered.set()
        return subscribe(watcher, since)

    hub.subscribe = spy  # type: ignore[method-assign]
    watching = asyncio.create_task(client.get(V1, params=query))
    await registered.wait()
    await client.patch(f"{V2}/web", content=b'{"spec":{"maxReplicas":12}}', headers=MERGE)
    hub.close()

    [event] = [msgspec.json.decode(line) for line in (await watching).content.splitlines()]
    assert event["type"] == "MODIFIED" and event["object"]["apiVersion"] == "autoscaling/v1"
    assert event["object"]["spec"]["maxReplicas"] == 12


async def test_an_invalid_hpa_is_a_422_and_a_listed_one_is_v1_in_a_v1_list(client: httpx.AsyncClient) -> None:
    await autoscale(client)
    refused = await client.post(V2, json={"metadata": {"name": "bad"}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 3, "maxReplicas": 2}})  # fmt: skip
    listed = body(await client.get(V1))

    assert refused.status_code == 422 and body(refused)["details"]["causes"] == [{
        "reason": "FieldValueInvalid", "message": "Invalid value: 2: must be greater than or equal to `minReplicas`",
        "field": "spec.maxReplicas"}]  # fmt: skip
    assert listed["kind"] == "HorizontalPodAutoscalerList" and listed["apiVersion"] == "autoscaling/v1"
    assert [item["apiVersion"] for item in listed["items"]] == ["autoscaling/v1"]


async def test_deletecollection_deletes_what_the_selector_matches(client: httpx.AsyncClient) -> None:
    await autoscale(client)
    await client.post(V2, json={"metadata": {"name": "keep", "labels": {"keep": "yes"}}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 2}})  # fmt: skip

    deleted = await client.delete(V2, params={"labelSelector": "!keep"})
    left = body(await client.get(V2))["items"]
    namespaces = await client.delete("/api/v1/namespaces")

    assert deleted.status_code == 200 and [item["metadata"]["name"] for item in body(deleted)["items"]] == ["web"]
    assert [item["metadata"]["name"] for item in left] == ["keep"]
    assert namespaces.status_code == 405


async def test_kubectl_create_deployment_and_namespace_bodies_are_created(client: httpx.AsyncClient) -> None:
    namespace = await client.post("/api/v1/namespaces", headers=KUBECTL,
                                  content=(FIXTURES / "kubectl-create-namespace.pb").read_bytes())  # fmt: skip
    deployment = await client.post("/apis/apps/v1/namespaces/team-a/deployments", headers=KUBECTL,
                                   content=(FIXTURES / "kubectl-create-deployment-port.pb").read_bytes())  # fmt: skip

    assert namespace.status_code == 201 and body(namespace)["status"] == {"phase": "Active"}
    spec = body(deployment)["spec"]
    assert deployment.status_code == 201 and spec["replicas"] == 3
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]


async def test_a_scale_put_changes_replicas_and_a_negative_one_is_an_invalid_scale(client: httpx.AsyncClient) -> None:
    path = "/apis/apps/v1/namespaces/default/deployments/web/scale"
    scale = body(await client.get(path))

    put = await client.put(path, json={**scale, "spec": {"replicas": 6}})
    negative = await client.put(path, json={**scale, "spec": {"replicas": -1}})

    assert body(put)["spec"] == {"replicas": 6} and body(put)["status"]["selector"] == "app=web"
    assert body(negative)["message"] == (
        'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )


async def test_events_filter_on_the_fields_kubectl_describe_sends(client: httpx.AsyncClient) -> None:
    hpa = body(await autoscale(client))
    event = {"metadata": {"name": "web.1"}, "type": "Normal", "reason": "SuccessfulRescale",
             "involvedObject": {"kind": "HorizontalPodAutoscaler", "namespace": "default", "name": "web",
                                "uid": hpa["metadata"]["uid"]},
             "message": "New size: 4; reason: cpu resource utilization (percentage of request) above target",
             "source": {"component": "horizontal-pod-autoscaler"}}  # fmt: skip
    await client.post("/api/v1/namespaces/default/events", json=event)
    selector = (f"involvedObject.namespace=default,involvedObject.kind=HorizontalPodAutoscaler,"
                f"involvedObject.uid={hpa['metadata']['uid']},involvedObject.name=web")  # fmt: skip

    found = body(await client.get("/api/v1/namespaces/default/events", params={"fieldSelector": selector}))
    other = body(await client.get("/api/v1/events", params={"fieldSelector": "reason=SuccessfulRescale,type=Warning"}))

    assert [item["metadata"]["name"] for item in found["items"]] == ["web.1"] and other["items"] == []

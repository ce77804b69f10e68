"""Writes with kube-apiserver's semantics: metadata stamping, resourceVersions, conflicts, status and scale, errors."""

from typing import Any

import msgspec
import pytest

from sim.apiserver import errors
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry

MERGE = "application/merge-patch+json"


def status_of(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(errors.ApiError) as raised:
        call(*args)
    return raised.value.status()


def test_a_create_stamps_uid_time_generation_and_the_next_resource_version(registry: Registry) -> None:
    before = registry.store.rv
    pod = registry.create(r.PODS, "default", {"metadata": {"generateName": "debug-"},
                                              "spec": {"containers": [{"name": "sh", "image": "busybox"}]}})  # fmt: skip

    metadata = pod["metadata"]
    assert metadata["name"].startswith("debug-") and len(metadata["name"]) == len("debug-") + 5
    assert metadata["namespace"] == "default" and len(metadata["uid"]) == 36
    assert metadata["creationTimestamp"] == "2026-05-28T20:26:40Z" and metadata["generation"] == 1
    assert metadata["resourceVersion"] == str(before + 1) == str(registry.store.rv)
    assert pod["kind"] == "Pod" and pod["apiVersion"] == "v1"
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Always"  # untagged image, as kube defaults it


def test_create_errors_are_the_statuses_kube_apiserver_sends(registry: Registry) -> None:
    web = registry.get(r.DEPLOYMENTS, "default", "web")

    assert status_of(registry.create, r.DEPLOYMENTS, "default", web) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "web" already exists', "reason": "AlreadyExists",
        "details": {"name": "web", "group": "apps", "kind": "deployments"}, "code": 409}  # fmt: skip
    assert status_of(registry.create, r.PODS, "nowhere", {"metadata": {"name": "p"}})["message"] == (
        'namespaces "nowhere" not found'
    )
    assert status_of(registry.create, r.PODS, "default", {"metadata": {}})["reason"] == "Invalid"
    assert status_of(registry.create, r.PODS, "default", {"kind": "Node", "metadata": {"name": "x"}})["code"] == 400
    bad_selector = {**web, "metadata": {"name": "other"}, "spec": {"selector": {"matchLabels": {"app": "a"}},
                    "template": {"metadata": {"labels": {"app": "b"}}, "spec": {"containers": []}}}}  # fmt: skip
    assert (
        "`selector` does not match template `labels`"
        in status_of(registry.create, r.DEPLOYMENTS, "default", bad_selector)["message"]
    )


def test_get_of_a_missing_object_is_not_found_with_details(registry: Registry) -> None:
    assert status_of(registry.get, r.PODS, "default", "nope") == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": 'pods "nope" not found',
        "reason": "NotFound", "details": {"name": "nope", "kind": "pods"}, "code": 404}  # fmt: skip


def test_an_update_with_a_stale_resource_version_conflicts_and_a_current_one_wins(registry: Registry) -> None:
    node = registry.get(r.NODES, "", "node-0001")
    labelled = {**node, "metadata": {**node["metadata"], "labels": {"role": "edge"}}}

    stored = registry.update(r.NODES, "", "node-0001", labelled)

    assert stored["metadata"]["labels"] == {"role": "edge"}
    assert stored["metadata"]["uid"] == node["metadata"]["uid"]
    conflict = status_of(registry.update, r.NODES, "", "node-0001", labelled)
    assert (conflict["code"], conflict["reason"]) == (409, "Conflict")
    assert conflict["message"].startswith('Operation cannot be fulfilled on nodes "node-0001": the object has been')


def test_a_no_op_patch_keeps_the_resource_version(registry: Registry) -> None:
    before = registry.get(r.PODS, "shop", "cart-0")

    after = registry.patch(r.PODS, "shop", "cart-0", MERGE, b'{"metadata":{"labels":{"app":"cart"}}}')

    assert after is before


def test_spec_changes_bump_generation_but_metadata_changes_do_not(registry: Registry) -> None:
    annotated = registry.patch(r.DEPLOYMENTS, "default", "web", MERGE, b'{"metadata":{"annotations":{"a":"b"}}}')
    scaled = registry.patch(r.DEPLOYMENTS, "default", "web", MERGE, b'{"spec":{"replicas":9}}')

    assert annotated["metadata"]["generation"] == 1 and scaled["metadata"]["generation"] == 2


def test_the_main_resource_ignores_status_and_the_status_subresource_ignores_everything_else(
    registry: Registry,
) -> None:
    pod = registry.patch(
        r.PODS, "shop", "cart-0", MERGE, b'{"status":{"phase":"Failed"},"metadata":{"labels":{"x":"1"}}}'
    )
    assert pod["status"]["phase"] == "Running" and pod["metadata"]["labels"]["x"] == "1"

    pod = registry.patch(r.PODS, "shop", "cart-0", MERGE, b'{"status":{"phase":"Failed"},"metadata":{"labels":{"y":"2"}}}',
                         "status")  # fmt: skip
    assert pod["status"]["phase"] == "Failed" and "y" not in pod["metadata"]["labels"]


def test_scale_reads_and_writes_spec_replicas_as_an_autoscaling_v1_scale(registry: Registry) -> None:
    scale = registry.get(r.DEPLOYMENTS, "default", "web", "scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 4} and scale["status"] == {"replicas": 4, "selector": "app=web"}

    patched = registry.patch(r.STATEFULSETS, "shop", "cart", MERGE, b'{"spec":{"replicas":2}}', "scale")

    assert patched["spec"]["replicas"] == 2
    assert registry.get(r.STATEFULSETS, "shop", "cart")["spec"]["replicas"] == 2
    assert (
        status_of(registry.update, r.DEPLOYMENTS, "default", "web", {"spec": {"replicas": -1}}, "scale")["code"] == 422
    )
    stale = {**scale, "metadata": {**scale["metadata"], "resourceVersion": "1"}}
    assert status_of(registry.update, r.DEPLOYMENTS, "default", "web", stale, "scale")["reason"] == "Conflict"
    assert status_of(registry.get, r.PODS, "shop", "cart-0", "scale")["code"] == 404


def test_patches_of_unknown_types_are_unsupported_media_types(registry: Registry) -> None:
    status = status_of(registry.patch, r.PODS, "shop", "cart-0", "application/apply-patch+yaml", b"{}")

    assert (status["code"], status["reason"]) == (415, "UnsupportedMediaType")
    assert status_of(registry.patch, r.PODS, "shop", "cart-0", MERGE, b"{not json")["code"] == 400
    json_patch = msgspec.json.encode([{"op": "test", "path": "/spec/nodeName", "value": "elsewhere"}])
    assert status_of(registry.patch, r.PODS, "shop", "cart-0", "application/json-patch+json", json_patch)["code"] == 422


def test_a_delete_returns_the_last_state_at_the_deletion_version(registry: Registry) -> None:
    gone = registry.delete(r.DEPLOYMENTS, "shop", "checkout")

    assert gone["metadata"]["resourceVersion"] == str(registry.store.rv)
    assert status_of(registry.delete, r.DEPLOYMENTS, "shop", "checkout")["reason"] == "NotFound"


def test_deleting_a_running_pod_leaves_it_terminating_for_its_grace_period(registry: Registry) -> None:
    generation = registry.get(r.PODS, "shop", "cart-0")["metadata"]["generation"]

    marked = registry.delete(r.PODS, "shop", "cart-0")

    assert marked["metadata"]["deletionTimestamp"] == "2026-05-28T20:27:10Z"  # now + 30 s, the pod's default grace
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert marked["metadata"]["generation"] == generation + 1 and marked["status"]["phase"] == "Running"
    assert registry.get(r.PODS, "shop", "cart-0") == marked


def test_a_second_delete_may_only_shorten_the_grace_period_and_zero_removes_the_pod(registry: Registry) -> None:
    registry.delete(r.PODS, "shop", "cart-1", grace=20)

    longer = registry.delete(r.PODS, "shop", "cart-1", grace=60)
    shorter = registry.delete(r.PODS, "shop", "cart-1", grace=5)
    forced = registry.delete(r.PODS, "shop", "cart-1", grace=0)

    assert longer["metadata"]["deletionTimestamp"] == "2026-05-28T20:27:00Z"
    assert (shorter["metadata"]["deletionTimestamp"], shorter["metadata"]["deletionGracePeriodSeconds"]) == (
        "2026-05-28T20:26:45Z", 5)  # fmt: skip
    assert forced["metadata"]["resourceVersion"] == str(registry.store.rv)
    assert status_of(registry.get, r.PODS, "shop", "cart-1")["reason"] == "NotFound"


def test_unbound_and_finished_pods_are_deleted_at_once(registry: Registry) -> None:
    registry.create(r.PODS, "default", {"metadata": {"name": "waiting"}, "spec": {"containers": [{"name": "c"}]}})
    registry.patch(r.PODS, "shop", "cart-2", MERGE, b'{"status":{"phase":"Succeeded"}}', "status")

    registry.delete(r.PODS, "default", "waiting")
    registry.delete(r.PODS, "shop", "cart-2")

    assert status_of(registry.get, r.PODS, "default", "waiting")["code"] == 404
    assert status_of(registry.get, r.PODS, "shop", "cart-2")["code"] == 404

"""Patch application: merge patch, strategic merge (containers by name) and JSON patch, never touching the target."""

import copy
from typing import Any

import pytest

from sim.apiserver import patch

DEPLOYMENT: dict[str, Any] = {
    "metadata": {"name": "web", "annotations": {"sim.flowmeter.dev/cpu": "250m", "keep": "me"}},
    "spec": {"replicas": 2, "template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.27", "env": [{"name": "A", "value": "1"}]},
        {"name": "log-shipper", "image": "fluent-bit:3.1"},
    ]}}},
}  # fmt: skip


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


def test_a_merge_patch_like_kubectl_annotate_overwrites_one_annotation_and_keeps_the_rest() -> None:
    before = copy.deepcopy(DEPLOYMENT)

    patched = patch.merge(DEPLOYMENT, {"metadata": {"annotations": {"sim.flowmeter.dev/cpu": "500m"}}})

    assert patched["metadata"]["annotations"] == {"sim.flowmeter.dev/cpu": "500m", "keep": "me"}
    assert patched["spec"] is DEPLOYMENT["spec"]  # untouched parts are shared, not copied
    assert before == DEPLOYMENT


def test_a_merge_patch_null_deletes_and_a_list_replaces_the_whole_list() -> None:
    patched = patch.merge(DEPLOYMENT, {"metadata": {"annotations": {"keep": None}},
                                       "spec": {"template": {"spec": {"containers": [{"name": "only"}]}}}})  # fmt: skip

    assert patched["metadata"]["annotations"] == {"sim.flowmeter.dev/cpu": "250m"}
    assert containers(patched) == [{"name": "only"}]


def test_a_strategic_patch_merges_containers_by_name_and_ignores_kubectl_directives() -> None:
    body = {"$setElementOrder/containers": [{"name": "nginx"}, {"name": "log-shipper"}],
            "spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"},
                                                          {"name": "sidecar", "image": "envoy"}]}}}}  # fmt: skip

    patched = patch.strategic(DEPLOYMENT, body)

    assert [(c["name"], c["image"]) for c in containers(patched)] == [
        ("nginx", "nginx:1.28"), ("log-shipper", "fluent-bit:3.1"), ("sidecar", "envoy")]  # fmt: skip
    assert containers(patched)[0]["env"] == [{"name": "A", "value": "1"}]
    assert "$setElementOrder/containers" not in patched
    assert containers(DEPLOYMENT)[0]["image"] == "nginx:1.27"


def test_a_strategic_patch_deletes_a_list_element_with_the_patch_directive() -> None:
    patched = patch.strategic(DEPLOYMENT, {"spec": {"template": {"spec": {"containers": [
        {"name": "log-shipper", "$patch": "delete"}]}}}})  # fmt: skip

    assert [c["name"] for c in containers(patched)] == ["nginx"]


def test_a_strategic_patch_item_without_its_merge_key_is_refused() -> None:
    with pytest.raises(patch.PatchError, match="merge key 'name'"):
        patch.strategic(DEPLOYMENT, {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})


def test_a_json_patch_applies_operations_in_order_on_a_copy() -> None:
    operations = [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "add", "path": "/metadata/annotations/a~1b", "value": "x"},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "tail"}},
        {"op": "copy", "from": "/metadata/name", "path": "/metadata/labels"},
        {"op": "move", "from": "/metadata/labels", "path": "/metadata/generateName"},
    ]

    patched = patch.json_patch(DEPLOYMENT, operations)

    assert patched["spec"]["replicas"] == 5
    assert patched["metadata"]["annotations"]["a/b"] == "x"
    assert [c["name"] for c in containers(patched)] == ["nginx", "tail"]
    assert patched["metadata"]["generateName"] == "web" and "labels" not in patched["metadata"]
    assert DEPLOYMENT["spec"]["replicas"] == 2


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ([{"op": "test", "path": "/spec/replicas", "value": 3}], "test failed"),
        ([{"op": "replace", "path": "/spec/nothing", "value": 1}], "does not exist"),
        ([{"op": "jump", "path": "/spec"}], "unknown JSON patch operation"),
        ({"op": "add"}, "must be a list"),
    ],
)
def test_a_json_patch_that_does_not_apply_says_where(operations: object, message: str) -> None:
    with pytest.raises(patch.PatchError, match=message):
        patch.json_patch(DEPLOYMENT, operations)

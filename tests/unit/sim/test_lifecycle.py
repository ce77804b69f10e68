"""Lifecycle transitions as stories, time passed in: restarts, exits, graceful deletion, node readiness."""

import itertools
from typing import Any

import pytest

from services.lib import timefmt
from sim.apiserver import lifecycle, nodestatus
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry
from sim.apiserver.resources import Obj
from tests.unit.sim.conftest import NOW_NS

NOW = timefmt.rfc3339(NOW_NS)
SECOND = 10**9


def annotated(pod: Obj, **annotations: str) -> Obj:
    return {**pod, "metadata": {**pod["metadata"], "annotations": annotations}}


def bare(pod: Obj, **annotations: str) -> Obj:
    """The pod without owners, annotated."""
    metadata = {key: value for key, value in pod["metadata"].items() if key != "ownerReferences"}
    return {**pod, "metadata": {**metadata, "annotations": annotations}}


def ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"containerd://new-{next(counter)}"


def test_a_restarts_annotation_restarts_each_running_container_once(registry: Registry) -> None:
    cart = registry.get(r.PODS, "shop", "cart-0")
    wanted = annotated(cart, **{lifecycle.RESTARTS: "2"})
    assert lifecycle.needs_restart(wanted) and lifecycle.wanted_restarts(wanted) == 2

    status = lifecycle.restarted_status(wanted["status"], 2, NOW, ids())
    redis, exporter = status["containerStatuses"]
    old = cart["status"]["containerStatuses"][0]

    assert (redis["restartCount"], redis["state"], redis["containerID"]) == (2, {"running": {"startedAt": NOW}},
                                                                              "containerd://new-1")  # fmt: skip
    assert redis["lastState"] == {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": NOW,
        "startedAt": old["state"]["running"]["startedAt"], "containerID": old["containerID"]}}  # fmt: skip
    assert exporter["restartCount"] == 2 and redis["ready"] and redis["image"] == old["image"]
    assert not lifecycle.needs_restart({**wanted, "status": status})  # the same value again changes nothing


@pytest.mark.parametrize("value", ["", "two", "-1", "1.5", "²"])
def test_a_restarts_value_that_is_not_a_whole_number_is_ignored(registry: Registry, value: str) -> None:
    pod = annotated(registry.get(r.PODS, "shop", "cart-0"), **{lifecycle.RESTARTS: value})

    assert lifecycle.wanted_restarts(pod) is None and not lifecycle.needs_restart(pod)


def test_only_running_pods_restart(registry: Registry) -> None:
    pod = annotated(registry.get(r.PODS, "shop", "cart-0"), **{lifecycle.RESTARTS: "1"})

    assert not lifecycle.needs_restart({**pod, "status": {**pod["status"], "phase": "Pending"}})
    assert not lifecycle.needs_restart({**pod, "metadata": {**pod["metadata"], "deletionTimestamp": NOW}})


def test_a_bare_pod_exits_that_long_after_it_became_running(registry: Registry) -> None:
    pod = bare(registry.get(r.PODS, "shop", "cart-0"), **{lifecycle.EXIT_AFTER: "1m30s"})
    since = lifecycle.running_since_ns(pod)

    assert since is not None and lifecycle.exit_due_ns(pod) == since + 90 * SECOND
    assert lifecycle.exit_due_ns(annotated(pod, **{lifecycle.EXIT_AFTER: "soon"})) is None
    assert lifecycle.exit_due_ns(annotated(pod, **{lifecycle.EXIT_AFTER: "-5s"})) is None
    owned = annotated(registry.get(r.PODS, "shop", "cart-0"), **{lifecycle.EXIT_AFTER: "1s"})
    assert lifecycle.exit_due_ns(owned) is None  # only bare pods exit


def test_exiting_with_zero_succeeds_and_with_another_code_fails() -> None:
    status = {"phase": "Running", "conditions": [
        {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": "t0"},
        {"type": "Initialized", "status": "True", "lastTransitionTime": "t0"},
        {"type": "Ready", "status": "True", "lastTransitionTime": "t0"},
        {"type": "ContainersReady", "status": "True", "lastTransitionTime": "t0"}],
        "containerStatuses": [{"name": "main", "state": {"running": {"startedAt": "t1"}}, "ready": True,
                               "started": True, "containerID": "containerd://1"}],
        "initContainerStatuses": [{"name": "proxy", "state": {"running": {"startedAt": "t1"}}, "ready": True}]}  # fmt: skip

    succeeded = lifecycle.completed_status(status, 0, NOW)
    failed = lifecycle.completed_status(status, 3, NOW)

    assert succeeded["phase"] == "Succeeded" and failed["phase"] == "Failed"
    assert succeeded["containerStatuses"][0] == {"name": "main", "ready": False, "started": False,
        "containerID": "containerd://1", "state": {"terminated": {"exitCode": 0, "reason": "Completed",
        "startedAt": "t1", "finishedAt": NOW, "containerID": "containerd://1"}}}  # fmt: skip
    assert failed["containerStatuses"][0]["state"]["terminated"]["reason"] == "Error"
    assert failed["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 0  # the sidecar stops cleanly
    conditions = {c["type"]: (c["status"], c.get("reason")) for c in failed["conditions"]}
    assert conditions == {"PodReadyToStartContainers": ("False", None), "Initialized": ("True", None),
                          "Ready": ("False", "PodFailed"), "ContainersReady": ("False", "PodFailed")}  # fmt: skip
    assert {c["type"]: c.get("reason") for c in succeeded["conditions"]}["Ready"] == "PodCompleted"


def test_the_exit_code_defaults_to_zero(registry: Registry) -> None:
    pod = registry.get(r.PODS, "shop", "cart-0")

    assert lifecycle.exit_code(pod) == 0
    assert lifecycle.exit_code(annotated(pod, **{lifecycle.EXIT_CODE: "137"})) == 137
    assert lifecycle.exit_code(annotated(pod, **{lifecycle.EXIT_CODE: "oops"})) == 0


def test_the_grace_period_follows_the_pod_strategy(registry: Registry) -> None:
    pod = registry.get(r.PODS, "shop", "cart-0")
    unbound = {**pod, "spec": {**pod["spec"], "nodeName": ""}}
    finished = {**pod, "status": {**pod["status"], "phase": "Failed"}}

    assert [lifecycle.grace_period(pod, None), lifecycle.grace_period(pod, 3), lifecycle.grace_period(pod, -7)] == [
        30, 3, 1]  # fmt: skip
    assert lifecycle.grace_period(unbound, 10) == lifecycle.grace_period(finished, 10) == 0


def node_ready(node: Obj) -> tuple[str, str]:
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    return ready["status"], ready["reason"]


def test_a_node_goes_not_ready_and_back_as_its_annotation_says(registry: Registry) -> None:
    node = registry.get(r.NODES, "", "node-0001")
    assert nodestatus.wanted_node_ready(node) is None

    asked = annotated(node, **{nodestatus.READY: "false"})
    assert nodestatus.wanted_node_ready(asked) is False
    down = {**asked, "status": nodestatus.node_ready_status(asked, False, NOW)}
    assert node_ready(down) == ("False", "KubeletNotReady") and nodestatus.wanted_node_ready(down) is None
    assert [c["type"] for c in down["status"]["conditions"]] == [c["type"] for c in node["status"]["conditions"]]

    removed = {**down, "metadata": {**down["metadata"], "annotations": {}}}
    assert nodestatus.wanted_node_ready(removed) is True
    up = {**removed, "status": nodestatus.node_ready_status(removed, True, NOW)}
    assert node_ready(up) == ("True", "KubeletReady") and nodestatus.wanted_node_ready(up) is None
    assert nodestatus.wanted_node_ready(annotated(up, **{nodestatus.READY: "maybe"})) is None

"""hpa.md §1.1: what a pod uses (its PodMetrics entry) and what it requests (containers, sidecars, pod level).

Unless a story says otherwise the target is CPU at 50 % and each pod requests 1000m.
"""

from tests.unit.autoscaler.documents import (
    Json,
    condition,
    container,
    container_resource,
    current,
    document,
    events,
    fleet,
    hpa,
    memory,
    pod,
    run,
    usage,
)

UNABLE = "the HPA was unable to compute the replica count: "


def failure(answer: Json) -> tuple[str, str]:
    """ScalingActive's reason and message (without upstream's fixed prefix) of a reconcile whose metrics failed."""
    active = condition(answer, "ScalingActive")
    assert active["status"] == "False"
    return active["reason"], active["message"].removeprefix(UNABLE)


def test_1_1_usage_is_the_sum_of_the_containers_of_a_pod() -> None:
    two = pod("web-1", containers=[container("app", cpu="500m"), container("helper", cpu="500m")])
    used = usage(
        "web-1", containers=[{"name": "app", "usage": {"cpu": "300m"}}, {"name": "helper", "usage": {"cpu": "200m"}}]
    )
    answer = run(document(hpa(), 1, [two], [used], history={}))
    assert current(answer) == {"averageValue": "500m", "averageUtilization": 50}


def test_1_1_a_pod_whose_metrics_lack_the_resource_in_one_container_is_missing() -> None:
    # web-1 at 10 % → ratio 0.2. web-2 is missing, filled at 100 %: 1100·100/2000 = 55 % → ratio 1.1 → stay at 2.
    # Were web-2's 100m of `app` counted, ceil(0.2 × 2) = 1.
    partial = usage(
        "web-2", containers=[{"name": "app", "usage": {"cpu": "100m"}}, {"name": "helper", "usage": {"memory": "1Mi"}}]
    )
    answer = run(document(hpa(), 2, [pod("web-1"), pod("web-2")], [usage("web-1", "100m"), partial], history={}))
    assert answer["desiredReplicas"] == 2


def test_1_1_a_pod_metrics_entry_without_containers_is_missing() -> None:
    empty = usage("web-2", containers=[])
    answer = run(document(hpa(), 2, [pod("web-1"), pod("web-2")], [usage("web-1", "100m"), empty], history={}))
    assert answer["desiredReplicas"] == 2


def test_1_1_an_empty_pod_metrics_list_fails_the_metric() -> None:
    answer = run(document(hpa(), 2, [pod("web-1"), pod("web-2")], [], history={}))
    assert failure(answer) == (
        "FailedGetResourceMetric",
        "failed to get cpu utilization: unable to get metrics for resource cpu: "
        "no metrics returned from resource metrics API",
    )


def test_1_1_no_listed_pods_fail_the_metric() -> None:
    answer = run(document(hpa(), 2, [], [usage("gone", "1")], history={}))
    assert (
        failure(answer)[1]
        == "failed to get cpu utilization: no pods returned by selector while calculating replica count"
    )


def test_1_1_requests_add_native_sidecars_but_not_plain_init_containers() -> None:
    # app 500m + sidecar proxy 500m = 1000m requested; the plain init container has no request and does not matter.
    inits = [container("setup"), container("proxy", sidecar=True, cpu="500m")]
    used = usage(
        "web-1", containers=[{"name": "app", "usage": {"cpu": "400m"}}, {"name": "proxy", "usage": {"cpu": "100m"}}]
    )
    answer = run(document(hpa(), 1, [pod("web-1", "500m", init_containers=inits)], [used], history={}))
    assert current(answer) == {"averageValue": "500m", "averageUtilization": 50}
    assert answer["desiredReplicas"] == 1


def test_1_1_a_container_without_a_request_fails_the_whole_metric() -> None:
    pods, usages = fleet([500, 500])
    pods[1] = pod("web-2", containers=[container("app", memory="64Mi")])
    answer = run(document(hpa(), 2, pods, usages, history={}))
    detail = "failed to get cpu utilization: missing request for cpu in container app of Pod web-2"
    assert failure(answer) == ("FailedGetResourceMetric", detail)
    assert events(answer)[-1] == (
        "Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), "
        f"first error is: failed to get cpu resource metric value: {detail}"
    )


def test_1_1_a_sidecar_without_a_request_fails_the_whole_metric() -> None:
    with_sidecar = pod("web-1", "500m", init_containers=[container("proxy", sidecar=True)])
    answer = run(document(hpa(), 1, [with_sidecar], [usage("web-1", "100m")], history={}))
    assert (
        failure(answer)[1] == "failed to get cpu utilization: missing request for cpu in container proxy of Pod web-1"
    )


def test_1_1_requests_are_checked_on_pods_that_will_be_ignored() -> None:
    pods, usages = fleet([500, 500])
    leaving = pod("web-3", deleted=True, containers=[container("app")])
    answer = run(document(hpa(), 2, [*pods, leaving], usages, history={}))
    assert failure(answer)[1] == "failed to get cpu utilization: missing request for cpu in container app of Pod web-3"


def test_1_1_pod_level_requests_replace_the_containers_sum() -> None:
    # Pod level 2 cores: 1000m used is 50 %, not the 200 % of the container's 500m.
    leveled = pod("web-1", cpu="500m", pod_requests={"cpu": "2"})
    answer = run(document(hpa(), 1, [leveled], [usage("web-1", "1")], history={}))
    assert current(answer) == {"averageValue": "1", "averageUtilization": 50}


def test_1_1_pod_level_requests_without_the_resource_fail_the_metric() -> None:
    leveled = pod("web-1", cpu=None, pod_requests={"cpu": "2"})
    answer = run(document(hpa(memory(50)), 1, [leveled], [usage("web-1", memory="1Mi")], history={}))
    assert failure(answer)[1] == "failed to get memory utilization: missing pod-level request for memory in Pod web-1"


def test_1_1_container_resource_uses_only_the_named_containers_usage_and_request() -> None:
    # app: 800m of 1000m = 80 % → ratio 1.6 → ceil(1.6 × 2) = 4; the idle helper does not dilute it.
    specs = [container("app", cpu="1"), container("helper", cpu="1")]
    pods = [pod(f"web-{i}", containers=specs) for i in (1, 2)]
    per_container = [{"name": "app", "usage": {"cpu": "800m"}}, {"name": "helper", "usage": {"cpu": "0"}}]
    usages = [usage(f"web-{i}", containers=per_container) for i in (1, 2)]
    answer = run(document(hpa(container_resource("cpu", "app", 50)), 2, pods, usages, history={}))
    assert answer["desiredReplicas"] == 4
    assert answer["status"]["currentMetrics"] == [
        {
            "type": "ContainerResource",
            "containerResource": {
                "name": "cpu",
                "container": "app",
                "current": {"averageValue": "800m", "averageUtilization": 80},
            },
        }
    ]
    assert condition(answer, "ScalingActive")["message"] == (
        "the HPA was able to successfully calculate a replica count from "
        "cpu container resource utilization (percentage of request)"
    )


def test_1_1_container_resource_ignores_pod_level_requests() -> None:
    leveled = pod("web-1", cpu="1", pod_requests={"cpu": "4"})
    answer = run(
        document(hpa(container_resource("cpu", "app", 50)), 1, [leveled], [usage("web-1", "500m")], history={})
    )
    assert current(answer)["averageUtilization"] == 50  # 500m of app's 1000m, not of the pod's 4 cores


def test_1_1_container_resource_fails_when_the_container_is_not_in_the_pod() -> None:
    other = pod("web-1", containers=[container("main", cpu="1")])
    answer = run(document(hpa(container_resource("cpu", "app", 50)), 1, [other], [usage("web-1", "500m")], history={}))
    detail = "failed to get cpu utilization: container app not found in Pod web-1"
    assert failure(answer) == ("FailedGetContainerResourceMetric", detail)
    assert events(answer)[-1].endswith(f"first error is: failed to get app container metric value: {detail}")


def test_1_1_container_resource_fails_when_the_container_is_absent_from_a_pods_metrics() -> None:
    # hpa.md's version (and upstream's before the 2026 fork): the whole fetch fails.
    pods, usages = fleet([500, 500])
    usages[1] = usage("web-2", containers=[{"name": "helper", "usage": {"cpu": "1"}}])
    answer = run(document(hpa(container_resource("cpu", "app", 50)), 2, pods, usages, history={}))
    assert failure(answer) == (
        "FailedGetContainerResourceMetric",
        "failed to get cpu utilization: unable to get metrics for resource cpu: failed to get container metrics: "
        "container app not present in metrics for pod default/web-2",
    )


def test_1_1_container_resource_pod_is_missing_when_its_container_lacks_the_resource() -> None:
    # As the Resource story above: web-2 is missing and filled at 100 % → 55 % → stay at 2.
    no_cpu = usage("web-2", containers=[{"name": "app", "usage": {"memory": "1Mi"}}])
    answer = run(
        document(
            hpa(container_resource("cpu", "app", 50)),
            2,
            [pod("web-1"), pod("web-2")],
            [usage("web-1", "100m"), no_cpu],
            history={},
        )
    )
    assert answer["desiredReplicas"] == 2
    assert "1 ready, 0 not yet ready, 1 without metrics" in answer["explanation"][1]

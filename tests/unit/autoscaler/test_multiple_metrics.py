"""hpa.md §1.8–1.9: several metrics (the largest proposal wins) and metrics that fail.

Pods request 1000m CPU and 100Mi memory; histories are empty so nothing stabilizes.
"""

from tests.unit.autoscaler.documents import Json, condition, cpu, document, events, hpa, memory, pod, run, usage

CHEESE: Json = {"type": "CheddarCheese"}
PODS_METRIC: Json = {
    "type": "Pods",
    "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}},
}
OBJECT_METRIC: Json = {
    "type": "Object",
    "object": {
        "describedObject": {"apiVersion": "v1", "kind": "Service", "name": "web"},
        "metric": {"name": "rps"},
        "target": {"type": "Value", "value": "100"},
    },
}
EXTERNAL_METRIC: Json = {
    "type": "External",
    "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "5"}},
}


def four_pods(cpu_milli: int, memory_mi: int) -> tuple[list[Json], list[Json]]:
    pods = [pod(f"web-{i}", "1", "100Mi") for i in range(1, 5)]
    return pods, [usage(f"web-{i}", f"{cpu_milli}m", f"{memory_mi}Mi") for i in range(1, 5)]


def reconcile(*metrics: Json, cpu_milli: int, memory_mi: int, status: Json | None = None) -> Json:
    """Four pods, current 4, the given metrics."""
    pods, usages = four_pods(cpu_milli, memory_mi)
    return run(document(hpa(*metrics, status=status), 4, pods, usages, history={}))


def test_1_8_the_largest_proposal_wins() -> None:
    # cpu 75 % of 50 % → ceil(1.5 × 4) = 6; memory 60 % of 50 % → ceil(1.2 × 4) = 5.
    answer = reconcile(memory(50), cpu(50), cpu_milli=750, memory_mi=60)
    assert answer["desiredReplicas"] == 6
    assert events(answer) == [
        "Normal SuccessfulRescale: New size: 6; reason: cpu resource utilization (percentage of request) above target"
    ]
    assert [m["resource"]["name"] for m in answer["status"]["currentMetrics"]] == ["memory", "cpu"]


def test_1_8_a_tie_keeps_the_first_metric() -> None:
    # Both propose ceil(1.5 × 4) = 6; memory is listed first.
    answer = reconcile(memory(50), cpu(50), cpu_milli=750, memory_mi=75)
    assert condition(answer, "ScalingActive")["message"] == (
        "the HPA was able to successfully calculate a replica count from memory resource utilization (percentage of request)"
    )


def test_1_8_all_metrics_below_target_is_the_scale_down_reason() -> None:
    answer = reconcile(memory(50), cpu(50), cpu_milli=100, memory_mi=10)
    assert events(answer) == ["Normal SuccessfulRescale: New size: 1; reason: All metrics below target"]


def test_1_8_a_failing_metric_blocks_a_scale_down() -> None:
    # HZ-25/39: cpu proposes ceil(0.2 × 4) = 1 < 4, the other metric fails → no scaling, previous desired kept.
    answer = reconcile(
        cpu(50), CHEESE, cpu_milli=100, memory_mi=10, status={"desiredReplicas": 7, "currentReplicas": 4}
    )
    assert (answer["desiredReplicas"], answer["scaled"]) == (7, False)
    assert answer["status"]["desiredReplicas"] == 7
    assert condition(answer, "ScalingActive") | {"lastTransitionTime": None} == {
        "type": "ScalingActive",
        "status": "False",
        "lastTransitionTime": None,
        "reason": "InvalidMetricSourceType",
        "message": 'the HPA was unable to compute the replica count: unknown metric source type "CheddarCheese"',
    }
    assert events(answer) == [
        'Warning InvalidMetricSourceType: unknown metric source type "CheddarCheese"',
        'Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 2), first error is: unknown metric source type "CheddarCheese"',
    ]
    assert answer["status"]["currentMetrics"][1] == {"type": ""}
    assert answer["status"]["currentMetrics"][0]["resource"]["current"] == {
        "averageValue": "100m",
        "averageUtilization": 10,
    }


def test_1_8_a_failing_metric_does_not_block_a_scale_up() -> None:
    # HZ-38: cpu proposes 6 > 4 → scale on it; ScalingActive True; the failed metric's status is empty.
    answer = reconcile(EXTERNAL_METRIC, cpu(50), cpu_milli=750, memory_mi=10)
    assert (answer["desiredReplicas"], answer["scaled"]) == (6, True)
    assert condition(answer, "ScalingActive")["reason"] == "ValidMetricFound"
    assert answer["status"]["currentMetrics"][0] == {"type": ""}
    assert events(answer)[0].startswith("Warning FailedGetExternalMetric: ")


def test_1_8_a_failing_metric_does_not_block_staying_at_current() -> None:
    answer = reconcile(cpu(50), CHEESE, cpu_milli=500, memory_mi=10)
    assert (answer["desiredReplicas"], condition(answer, "ScalingActive")["reason"]) == (4, "ValidMetricFound")


def test_1_8_when_every_metric_fails_the_first_failure_sets_the_condition() -> None:
    answer = reconcile(PODS_METRIC, CHEESE, cpu_milli=500, memory_mi=10)
    assert condition(answer, "ScalingActive")["reason"] == "FailedGetPodsMetric"
    assert answer["status"]["currentMetrics"] == [{"type": ""}, {"type": ""}]
    assert events(answer)[-1].startswith(
        "Warning FailedComputeMetricsReplicas: invalid metrics (2 invalid out of 2), first error is: failed to get pods metric value: "
    )


def test_1_8_a_resource_metric_failure_reads_as_upstreams_nested_errors() -> None:
    # cpu would scale down, memory fails: its error nests three levels deep, as upstream's fmt.Errorf chain does.
    pods, usages = four_pods(100, 10)
    pods[3] = pod("web-4", "1", None)
    answer = run(document(hpa(cpu(50), memory(50)), 4, pods, usages, history={}))
    assert events(answer)[0] == (
        "Warning FailedGetResourceMetric: failed to get memory utilization: "
        "missing request for memory in container app of Pod web-4"
    )
    assert events(answer)[1] == (
        "Warning FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 2), first error is: "
        "failed to get memory resource metric value: failed to get memory utilization: "
        "missing request for memory in container app of Pod web-4"
    )


def test_1_8_a_resource_metric_without_a_target_fails() -> None:
    no_target: Json = {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization"}}}
    answer = reconcile(no_target, cpu_milli=500, memory_mi=10)
    invalid = "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set"
    assert (
        condition(answer, "ScalingActive")["message"] == f"the HPA was unable to compute the replica count: {invalid}"
    )
    assert events(answer)[-1].endswith(f"first error is: failed to get cpu resource metric value: {invalid}")


def test_1_9_pods_object_and_external_metrics_fail_as_one_metric_each() -> None:
    for metric, reason in [
        (PODS_METRIC, "FailedGetPodsMetric"),
        (OBJECT_METRIC, "FailedGetObjectMetric"),
        (EXTERNAL_METRIC, "FailedGetExternalMetric"),
    ]:
        answer = reconcile(metric, cpu_milli=500, memory_mi=10)
        assert condition(answer, "ScalingActive")["reason"] == reason
        assert "invalid metrics (1 invalid out of 1)" in events(answer)[-1]


def test_1_9_an_unknown_metric_type_fails_as_invalid_metric_source_type() -> None:
    answer = reconcile(CHEESE, cpu_milli=500, memory_mi=10)
    assert condition(answer, "ScalingActive")["message"] == (
        'the HPA was unable to compute the replica count: unknown metric source type "CheddarCheese"'
    )


def test_1_9_a_known_type_without_its_source_counts_as_unknown() -> None:
    answer = reconcile({"type": "Resource"}, cpu_milli=500, memory_mi=10)
    assert condition(answer, "ScalingActive")["reason"] == "InvalidMetricSourceType"


def test_3_an_hpa_without_metrics_targets_cpu_at_80_percent() -> None:
    # API default: 100 % of 80 % → 1.25 → ceil(1.25 × 4) = 5.
    pods, usages = four_pods(1000, 10)
    autoscaler = hpa()
    autoscaler["spec"]["metrics"] = []
    answer = run(document(autoscaler, 4, pods, usages, history={}))
    assert answer["desiredReplicas"] == 5


def test_1_9_custom_and_external_metrics_say_that_their_api_is_not_served() -> None:
    pods_metric = reconcile(PODS_METRIC, cpu_milli=500, memory_mi=10)
    assert events(pods_metric)[0] == (
        "Warning FailedGetPodsMetric: unable to get metric qps: unable to fetch metrics from custom metrics API: "
        "the custom metrics API is not served by Flowmeter"
    )
    external = reconcile(EXTERNAL_METRIC, cpu_milli=500, memory_mi=10)
    assert events(external)[0] == (
        "Warning FailedGetExternalMetric: unable to get external metric queue: unable to fetch metrics from "
        "external metrics API: the external metrics API is not served by Flowmeter"
    )
    malformed = reconcile({"type": "Object", "object": {"metric": "rps"}}, cpu_milli=500, memory_mi=10)
    assert condition(malformed, "ScalingActive")["reason"] == "FailedGetObjectMetric"

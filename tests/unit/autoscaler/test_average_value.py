"""hpa.md §1.7: AverageValue targets, the "plain" path — absolute averages, no requests needed.

Memory status values are BinarySI milli-quantities and CPU ones DecimalSI (upstream's buildQuantity).
"""

from tests.unit.autoscaler.documents import (
    Json,
    condition,
    container,
    current,
    document,
    hpa,
    pod,
    resource,
    run,
    usage,
)


def memory_pods(*used: str | None) -> tuple[list[Json], list[Json]]:
    """Pods without any request, using the given memory (None: no sample)."""
    pods = [pod(f"web-{i}", cpu=None, containers=[container("app")]) for i in range(1, len(used) + 1)]
    usages = [usage(f"web-{i}", memory=m) for i, m in enumerate(used, 1) if m is not None]
    return pods, usages


def test_1_7_memory_scales_by_the_ratio_of_the_average_to_the_target() -> None:
    # (60 + 80 + 100)/3 = 80Mi of 50Mi → 1.6 → ceil(1.6 × 3) = 5. No pod has a request: none is needed.
    pods, usages = memory_pods("60Mi", "80Mi", "100Mi")
    answer = run(document(hpa(resource("memory", value="50Mi")), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 5
    assert answer["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "80Mi"}}}
    ]
    assert "memory resource" in answer["explanation"][-1]  # the event reason names upstream's "memory resource"


def test_1_7_cpu_average_value_reports_decimal_millicores() -> None:
    # (200 + 300 + 250)/3 = 250m of 500m → 0.5 → ceil(0.5 × 3) = 2.
    pods = [pod(f"web-{i}", cpu=None, containers=[container("app")]) for i in (1, 2, 3)]
    usages = [usage("web-1", "200m"), usage("web-2", "300m"), usage("web-3", "250m")]
    answer = run(document(hpa(resource("cpu", value="500m")), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 2
    assert current(answer) == {"averageValue": "250m"}


def test_1_7_the_average_is_floored_in_milli_units() -> None:
    # 1 and 2 bytes → 1500 milli-bytes, which BinarySI cannot print: "1500m".
    pods, usages = memory_pods("1", "2")
    assert current(run(document(hpa(resource("memory", value="1Mi")), 2, pods, usages, history={}))) == {
        "averageValue": "1500m"
    }


def test_1_7_a_missing_pod_is_filled_with_the_target_on_a_scale_down() -> None:
    # 10Mi of 100Mi → 0.1; web-3, web-4 filled with 100Mi: 220/4 = 55Mi → 0.55 → ceil(0.55 × 4) = 3.
    pods, usages = memory_pods("10Mi", "10Mi", None, None)
    answer = run(document(hpa(resource("memory", value="100Mi")), 4, pods, usages, history={}))
    assert answer["desiredReplicas"] == 3
    assert current(answer) == {"averageValue": "10Mi"}


def test_1_7_a_missing_pod_is_idle_on_a_scale_up() -> None:
    # 200Mi of 100Mi → 2; web-3 at 0: 400/3 = 133.3Mi → 1.333 → ceil(1.333 × 3) = 4 (the fast path would give 4 too
    # with 2 ready pods, so check the ratio in the explanation).
    pods, usages = memory_pods("200Mi", "200Mi", None)
    answer = run(document(hpa(resource("memory", value="100Mi")), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 4
    assert "usage ratio 2.000, 1.333 after filling in" in answer["explanation"][1]


def test_1_7_superfluous_samples_count_in_the_plain_average() -> None:
    # Unlike utilization, the plain average is over every sample: (100 + 100 + 400)/3 = 200Mi → ratio 2 →
    # ceil(2 × 2 ready) = 4.
    pods, usages = memory_pods("100Mi", "100Mi")
    answer = run(
        document(hpa(resource("memory", value="100Mi")), 2, pods, [*usages, usage("web-0", memory="400Mi")], history={})
    )
    assert answer["desiredReplicas"] == 4
    assert current(answer) == {"averageValue": "200Mi"}


def test_1_7_cpu_average_value_applies_the_cpu_readiness_rules() -> None:
    # web-3 is initializing and not ready: 1000m of 500m → 2 with an unready pod → (1000 + 1000 + 0)/3 = 666m →
    # 1.332 → ceil(1.332 × 3) = 4 (counted, it would be ceil(2 × 3) = 6).
    pods = [pod("web-1", cpu=None), pod("web-2", cpu=None), pod("web-3", cpu=None, started=-60, ready="False")]
    usages = [usage(f"web-{i}", "1") for i in (1, 2, 3)]
    answer = run(document(hpa(resource("cpu", value="500m")), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 4


def test_1_7_container_resource_average_value() -> None:
    metric = {
        "type": "ContainerResource",
        "containerResource": {
            "name": "memory",
            "container": "app",
            "target": {"type": "AverageValue", "averageValue": "64Mi"},
        },
    }
    per_container = [{"name": "app", "usage": {"memory": "128Mi"}}, {"name": "helper", "usage": {"memory": "1Gi"}}]
    answer = run(
        document(hpa(metric), 1, [pod("web-1", cpu=None)], [usage("web-1", containers=per_container)], history={})
    )
    assert answer["desiredReplicas"] == 2  # 128Mi of 64Mi → ceil(2 × 1)
    assert answer["status"]["currentMetrics"][0]["containerResource"] == {
        "name": "memory",
        "container": "app",
        "current": {"averageValue": "128Mi"},
    }


def test_1_7_missing_pods_get_no_sample_when_the_average_is_on_target() -> None:
    # 100Mi of 100Mi with tolerance 0: filled with the target it would stay as well, filled with 0 it would be 2 →
    # (100 + 100 + 0)/3 = 66.7Mi → ceil(0.667 × 3) = 2; left out, the ratio stays 1 → current.
    pods, usages = memory_pods("100Mi", "100Mi", None)
    doc = document(hpa(resource("memory", value="100Mi")), 3, pods, usages, history={}, config={"tolerance": 0.0})
    assert run(doc)["desiredReplicas"] == 3


def test_1_7_a_zero_target_fails_the_metric_instead_of_dividing_by_zero() -> None:
    # API validation forbids it; should it get through, the metric fails rather than proposing infinity.
    pods, _ = memory_pods("1Mi")
    answer = run(document(hpa(resource("cpu", value="0")), 1, pods, [usage("web-1", "1")], history={}))
    assert condition(answer, "ScalingActive")["message"] == (
        "the HPA was unable to compute the replica count: failed to get cpu usage: "
        "the target average value must be above 0, got 0m"
    )


def test_1_7_no_listed_pods_fail_the_metric() -> None:
    answer = run(document(hpa(resource("memory", value="1Mi")), 1, [], [usage("gone", memory="1Mi")], history={}))
    assert condition(answer, "ScalingActive")["message"].endswith(
        "failed to get memory usage: no pods returned by selector while calculating replica count"
    )

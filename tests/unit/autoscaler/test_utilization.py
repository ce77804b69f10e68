"""hpa.md §1.3–1.5 and §1.10: utilization, tolerance and the fast path (nothing to fill in).

Pods request 1000m each unless a story says otherwise; histories are empty so nothing stabilizes.
"""

import msgspec

from services.autoscaler import behavior, objects
from tests.unit.autoscaler.documents import NOW_NS, Json, condition, cpu, current, document, fleet, hpa, pod, run, usage


def desired(doc: Json) -> int:
    return int(run(doc)["desiredReplicas"])


def test_rc01_three_pods_at_50_percent_of_a_30_percent_target_scale_to_five() -> None:
    # 3000·100/6000 = 50 % → ratio 1.667 → ceil(1.667 × 3) = 5; raw average 3000/3 = 1000m.
    pods, usages = fleet([600, 1000, 1400], request="2000m")
    answer = run(document(hpa(cpu(30)), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 5
    assert current(answer) == {"averageValue": "1", "averageUtilization": 50}


def test_1_3_utilization_is_truncated_to_an_integer_percent_before_the_ratio() -> None:
    # 990·100/4000 = 24.75 → 24; 24/22 = 1.09 is within tolerance (24.75/22 = 1.125 would not be).
    answer = run(document(hpa(cpu(22)), 1, [pod("web-1", "4")], [usage("web-1", "990m")], history={}))
    assert answer["desiredReplicas"] == 1
    assert current(answer)["averageUtilization"] == 24


def test_1_3_the_raw_average_is_floored_over_the_counted_pods() -> None:
    # (100 + 100 + 101)/3 = 100.33 → 100m.
    pods, usages = fleet([100, 100, 101])
    assert current(run(document(hpa(), 3, pods, usages, history={}))) == {
        "averageValue": "100m",
        "averageUtilization": 10,
    }


def test_1_3_superfluous_samples_change_neither_utilization_nor_average() -> None:
    # A sample of a pod that is no longer listed has no request: 2000·100/2000 = 100 %, average 1000m.
    pods, usages = fleet([1000, 1000])
    answer = run(document(hpa(), 2, pods, [*usages, usage("web-0", "5")], history={}))
    assert current(answer) == {"averageValue": "1", "averageUtilization": 100}
    assert answer["desiredReplicas"] == 4  # ratio 2 × 2 ready pods


def test_rc40_only_superfluous_samples_fail_with_no_metrics_matched() -> None:
    answer = run(document(hpa(), 2, [pod("web-1"), pod("web-2")], [usage("web-0", "1")], history={}))
    assert condition(answer, "ScalingActive")["message"] == (
        "the HPA was unable to compute the replica count: failed to get cpu utilization: "
        "no metrics returned matched known pods"
    )


def test_1_4_both_tolerance_bounds_are_inclusive() -> None:
    # 55/50 = 1.1 and 45/50 = 0.9 stay; 56/50 = 1.12 → ceil(1.12 × 4) = 5; 44/50 = 0.88 → ceil(0.88 × 10) = 9
    # (with 4 pods ceil(3.52) would land back on 4).
    for used, pods_count, expected in [(550, 4, 4), (450, 4, 4), (560, 4, 5), (440, 10, 9)]:
        pods, usages = fleet([used] * pods_count)
        assert desired(document(hpa(), pods_count, pods, usages, history={})) == expected, used


def scaled_with_behavior_tolerance(used: int, behavior: Json, pods_count: int = 4, config: Json | None = None) -> int:
    pods, usages = fleet([used] * pods_count)
    return desired(document(hpa(behavior=behavior), pods_count, pods, usages, history={}, config=config))


def test_1_4_a_scale_up_tolerance_quantity_narrows_the_upper_bound() -> None:
    # tolerance "50m" = 0.05: 53/50 = 1.06 > 1.05 → ceil(1.06 × 4) = 5; the cluster's 0.1 would keep 4.
    assert scaled_with_behavior_tolerance(530, {"scaleUp": {"tolerance": "50m"}}) == 5
    assert scaled_with_behavior_tolerance(530, {}) == 4


def test_1_4_a_scale_down_tolerance_quantity_widens_the_lower_bound() -> None:
    # tolerance "300m": 35/50 = 0.7 is within; the cluster's 0.1 gives ceil(0.7 × 4) = 3.
    assert scaled_with_behavior_tolerance(350, {"scaleDown": {"tolerance": "300m"}}) == 4
    assert scaled_with_behavior_tolerance(350, {}) == 3


def test_1_4_each_direction_falls_back_to_the_cluster_tolerance_on_its_own() -> None:
    # scaleUp tolerance 0 makes 51/50 = 1.02 scale (ceil(4.08) = 5); scale-down still has 0.1: 47/50 = 0.94 stays.
    zero_up = {"scaleUp": {"tolerance": "0"}}
    assert scaled_with_behavior_tolerance(510, zero_up) == 5
    assert scaled_with_behavior_tolerance(470, zero_up) == 4


def test_1_4_per_hpa_tolerance_overrides_the_configured_one() -> None:
    config = {"tolerance": 0.5}
    assert scaled_with_behavior_tolerance(700, {}, config=config) == 4  # 1.4 is within 0.5
    assert scaled_with_behavior_tolerance(700, {"scaleUp": {"tolerance": "0.1"}}, config=config) == 6  # ceil(5.6)


def test_1_4_a_configured_tolerance_of_zero_means_zero() -> None:
    pods, usages = fleet([510] * 4)
    assert desired(document(hpa(), 4, pods, usages, history={}, config={"tolerance": 0.0})) == 5  # ceil(1.02 × 4)
    assert desired(document(hpa(), 4, pods, usages, history={})) == 4


def test_1_4_tolerances_are_read_per_direction_from_behavior_quantities() -> None:
    with_both = objects_hpa({"scaleUp": {"tolerance": "80m"}, "scaleDown": {"tolerance": "0.25"}})
    settings = behavior.settings(with_both, NOW_NS, 0.1, 0, 0)
    assert (settings.tolerance_down, settings.tolerance_up) == (0.25, 0.08)
    without_tolerances = objects_hpa({"scaleUp": {"selectPolicy": "Min"}, "scaleDown": {"selectPolicy": "Min"}})
    settings = behavior.settings(without_tolerances, NOW_NS, 0.2, 0, 0)
    assert (settings.tolerance_down, settings.tolerance_up) == (0.2, 0.2)
    settings = behavior.settings(objects_hpa(None), NOW_NS, 0.3, 0, 0)
    assert (settings.tolerance_down, settings.tolerance_up) == (0.3, 0.3)


def objects_hpa(given: Json | None) -> objects.HPA:
    return msgspec.convert(hpa(behavior=given), objects.HPA)


def test_1_5_the_fast_path_multiplies_by_the_ready_count_not_by_current() -> None:
    # HZ-31: scale.spec.replicas is 5 during a rollout but only 3 pods are listed: ceil(2 × 3) = 6, not 10.
    pods, usages = fleet([1000, 1000, 1000])
    answer = run(document(hpa(), 5, pods, usages, status_replicas=7, history={}))
    assert answer["desiredReplicas"] == 6
    assert answer["status"]["currentReplicas"] == 5


def test_1_5_unready_pods_are_left_out_on_a_scale_down() -> None:
    # RC-12…14: web-3 is not ready yet (its busy 900m is not trusted). Ratio over web-1/2: 10/50 = 0.2 → ceil(0.2 × 2)
    # = 1. Counting web-3 would give 1100·100/3000 = 36 % → ceil(0.72 × 3) = 3.
    pods, usages = fleet([100, 100])
    starting = pod("web-3", started=-60, ready="False", ready_since=-55)
    answer = run(document(hpa(), 3, [*pods, starting], [*usages, usage("web-3", "900m")], history={}))
    assert answer["desiredReplicas"] == 1


def test_1_5_a_usage_ratio_of_zero_proposes_zero_and_min_replicas_holds() -> None:
    # ceil(0 × 3) = 0 → min 1 → ScalingLimited True/TooFewReplicas.
    pods, usages = fleet([0, 0, 0])
    answer = run(document(hpa(), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 1
    assert condition(answer, "ScalingLimited")["reason"] == "TooFewReplicas"


def test_1_3_a_zero_utilization_target_fails_the_metric_instead_of_dividing_by_zero() -> None:
    pods, usages = fleet([500])
    answer = run(document(hpa(cpu(0)), 1, pods, usages, history={}))
    assert condition(answer, "ScalingActive")["message"] == (
        "the HPA was unable to compute the replica count: failed to get cpu utilization: "
        "the target utilization must be above 0, got 0"
    )


def test_1_6_a_proposal_saturates_at_the_int32_maximum() -> None:
    # 3 000 000 cores used of a 1m request: ratio 3e9 → ceil(3e9 × 1) saturates at 2^31 − 1 (stored as the raw
    # proposal); the legacy cap then allows max(2 × 1, 4) = 4.
    answer = run(document(hpa(cpu(100)), 1, [pod("web-1", "1m")], [usage("web-1", "3000000")], history={}))
    assert answer["history"]["recommendations"][0]["replicas"] == 2**31 - 1
    assert answer["desiredReplicas"] == 4

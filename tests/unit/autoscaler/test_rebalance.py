"""hpa.md §1.6 and §1.10: the rebalance path, when pods are missing or a scale-up meets unready pods.

Pods request 1000m each unless a story says otherwise; histories are empty so nothing stabilizes.
"""

from tests.unit.autoscaler.documents import Json, cpu, current, document, fleet, hpa, pod, run, usage


def starting(name: str, request: str = "1") -> Json:
    """A pod still initializing and not ready: its CPU sample is not trusted."""
    return pod(name, request, started=-60, ready="False", ready_since=-55)


def test_rc03_an_unready_pod_counts_as_idle_on_a_scale_up() -> None:
    # Ready pods: 2400·100/4000 = 60 % of a 30 % target → ratio 2 with an unready pod → web-3 at 0:
    # 2400·100/6000 = 40 % → 1.333 → ceil(1.333 × 3) = 4. The status keeps the first 60 % and 1200m.
    pods, usages = fleet([1000, 1400], request="2000m")
    answer = run(document(hpa(cpu(30)), 3, [*pods, starting("web-3", "2")], [*usages, usage("web-3", "2")], history={}))
    assert answer["desiredReplicas"] == 4
    assert current(answer) == {"averageValue": "1200m", "averageUtilization": 60}


def test_rc25_missing_pods_are_filled_at_100_percent_of_request_on_a_scale_down() -> None:
    # 990·100/4000 = 24 % of a 100 % target → missing web-3, web-4 filled with 2000m each:
    # 4990·100/8000 = 62 % → ceil(0.62 × 4) = 3.
    pods, usages = fleet([500, 490, None, None], request="2000m")
    answer = run(document(hpa(cpu(100)), 4, pods, usages, history={}))
    assert answer["desiredReplicas"] == 3
    assert current(answer) == {"averageValue": "495m", "averageUtilization": 24}


def test_rc36_a_target_above_100_percent_fills_missing_pods_at_the_target() -> None:
    # 400·100/6000 = 6 % of 300 % → the missing 4000m pod is filled with 4000·300/100 = 12000m:
    # 12400·100/10000 = 124 % → 0.413 → ceil(0.413 × 3) = 2 (at 100 % it would be 44 % → ceil(0.44) = 1).
    pods = [pod("web-1", "3"), pod("web-2", "3"), pod("web-3", "4")]
    answer = run(document(hpa(cpu(300)), 3, pods, [usage("web-1", "200m"), usage("web-2", "200m")], history={}))
    assert answer["desiredReplicas"] == 2


def test_1_6_missing_pods_count_as_idle_on_a_scale_up() -> None:
    # 100 % of 50 % → web-3 at 0: 2000·100/3000 = 66 % → ceil(1.32 × 3) = 4 (the fast path would say ceil(2 × 2)).
    pods, usages = fleet([1000, 1000, None])
    assert run(document(hpa(), 3, pods, usages, history={}))["desiredReplicas"] == 4


def test_rc28_missing_pods_get_no_sample_when_the_ratio_is_exactly_one() -> None:
    # 50 % of 50 %, web-3 missing, tolerance 0: unfilled the ratio stays 1 → current. Filled at 100 % it would be
    # 66 % → 4; filled at 0 it would be 33 % → 2.
    pods, usages = fleet([500, 500, None])
    answer = run(document(hpa(), 3, pods, usages, history={}, config={"tolerance": 0.0}))
    assert answer["desiredReplicas"] == 3


def test_1_6_unready_pods_are_not_filled_in_on_a_scale_down_with_missing_pods() -> None:
    # 10 % of 50 % → only the missing web-2 is filled (1000m): 1100·100/2000 = 55 % → 1.1 → within → stay at 3.
    # Filling the unready web-3 as well (at anything) would change the pod count or the ratio.
    answer = run(
        document(
            hpa(),
            3,
            [pod("web-1"), pod("web-2"), starting("web-3")],
            [usage("web-1", "100m"), usage("web-3", "1")],
            history={},
        )
    )
    assert answer["desiredReplicas"] == 3
    assert "usage ratio 0.200, 1.100 after filling in" in answer["explanation"][1]


def test_1_6_a_rebalanced_ratio_within_tolerance_keeps_current() -> None:
    # 75 % of 50 % → web-3 unready at 0: 1500·100/3000 = 50 % → 1.0.
    pods, usages = fleet([750, 750])
    answer = run(document(hpa(), 3, [*pods, starting("web-3")], [*usages, usage("web-3", "1")], history={}))
    assert answer["desiredReplicas"] == 3


def test_rc05_a_scale_up_that_flips_to_a_scale_down_keeps_current() -> None:
    # 60 % of 50 % → 1.2; two unready pods at 0: 600·100/3000 = 20 % → 0.4 < 1 → current (not ceil(0.4 × 3) = 2).
    pods, usages = fleet([600])
    answer = run(
        document(
            hpa(),
            3,
            [*pods, starting("web-2"), starting("web-3")],
            [*usages, usage("web-2", "1"), usage("web-3", "1")],
            history={},
        )
    )
    assert answer["desiredReplicas"] == 3


def test_rc29_a_scale_down_that_flips_to_a_scale_up_keeps_current() -> None:
    # 10 % of 50 % → 0.2; missing web-2, web-3 at 100 %: 2100·100/3000 = 70 % → 1.4 > 1 → current (not 5).
    pods, usages = fleet([100, None, None])
    assert run(document(hpa(), 3, pods, usages, history={}))["desiredReplicas"] == 3


def test_rc37_a_scale_down_candidate_above_current_keeps_current() -> None:
    # Surge: current 2, four pods listed. 10 % of 100 % → 0.1; three missing at 100 %: 3100·100/4000 = 77 % →
    # candidate ceil(0.77 × 4) = 4 > 2 → current.
    pods, usages = fleet([100, None, None, None])
    assert run(document(hpa(cpu(100)), 2, pods, usages, history={}))["desiredReplicas"] == 2


def test_1_6_a_scale_up_candidate_below_current_keeps_current() -> None:
    # current 10, three pods: 100 % of 50 % with web-3 unready → 66 % → candidate ceil(1.32 × 3) = 4 < 10 → current.
    pods, usages = fleet([1000, 1000])
    answer = run(document(hpa(), 10, [*pods, starting("web-3")], [*usages, usage("web-3", "1")], history={}))
    assert answer["desiredReplicas"] == 10


def test_1_6_superfluous_samples_count_in_the_rebalanced_pod_count() -> None:
    # 100 % of 50 %, web-3 missing (at 0), plus a sample of the vanished web-0: the ratio ignores web-0 (no request),
    # 2000·100/3000 = 66 % → 1.32, but len(samples) is 4: ceil(1.32 × 4) = 6 (without web-0: 4).
    pods, usages = fleet([1000, 1000, None])
    answer = run(document(hpa(), 3, pods, [*usages, usage("web-0", "3")], history={}))
    assert answer["desiredReplicas"] == 6


def test_1_6_a_rebalanced_proposal_saturates_at_the_int32_maximum() -> None:
    # A missing pod on a huge scale-up is filled at 0; ceil(1.5e9 × 2) still saturates at 2^31 − 1.
    pods = [pod("web-1", "1m"), pod("web-2", "1m")]
    answer = run(document(hpa(cpu(100)), 2, pods, [usage("web-1", "3000000")], history={}))
    assert answer["history"]["recommendations"][0]["replicas"] == 2**31 - 1

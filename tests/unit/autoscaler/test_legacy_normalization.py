"""hpa.md §2.2: without `spec.behavior` — the highest proposal of the downscale window, then min, max and the old
"double or four" scale-up cap.
"""

from services.autoscaler import normalize
from tests.unit.autoscaler.documents import NOW_NS, NS, condition, cpu, document, fleet, history, hpa, run

WINDOW = 300 * NS


def past(*entries: tuple[int, float]) -> normalize.History:
    """Recommendations (replicas, seconds from now)."""
    return normalize.History(tuple(normalize.Recommendation(n, NOW_NS + round(t * NS)) for n, t in entries))


def legacy(
    proposal: int, current: int, kept: normalize.History | None = None, low: int = 1, high: int = 100
) -> normalize.Outcome:
    return normalize.legacy(kept or normalize.History(), NOW_NS, current, proposal, low, high, WINDOW)


def stored(outcome: normalize.Outcome) -> list[int]:
    return [r.replicas for r in outcome.history.recommendations]


def test_2_2_stabilization_takes_the_highest_proposal_of_the_window() -> None:
    outcome = legacy(3, 5, past((4, -120), (5, -60)))
    assert (outcome.stabilized, outcome.replicas) == (5, 5)
    assert outcome.able == (
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation",
    )


def test_2_2_lower_recent_proposals_do_not_hold_a_new_one() -> None:
    outcome = legacy(3, 5, past((1, -120), (2, -60)))
    assert (outcome.replicas, outcome.able) == (3, ("ReadyForNewScale", "recommended size matches current size"))


def test_2_2_window_membership_is_not_older_than_the_window() -> None:
    assert legacy(3, 5, past((5, -300))).replicas == 5  # exactly 300 s old: still in
    assert legacy(3, 5, past((5, -300.000000001))).replicas == 3


def test_2_2_the_max_holds_in_both_directions() -> None:
    # A higher recent proposal even raises a scale-up (8 ≤ max(2 × 4, 4)); the reason is still ScaleDownStabilized.
    outcome = legacy(6, 4, past((8, -60)))
    assert (outcome.replicas, outcome.able[0]) == (8, "ScaleDownStabilized")


def test_2_2_the_proposal_overwrites_the_last_outdated_entry() -> None:
    outcome = legacy(3, 100, past((10, -600), (4, -60), (5, -120), (9, -540)))
    assert outcome.stabilized == 5
    assert stored(outcome) == [10, 4, 5, 3]
    assert outcome.history.recommendations[3].time_ns == NOW_NS


def test_2_2_without_outdated_entries_the_proposal_is_appended() -> None:
    assert stored(legacy(3, 5, past((4, -120), (5, -60)))) == [4, 5, 3]


def test_2_2_the_raw_proposal_is_stored_not_the_stabilized_one() -> None:
    assert stored(legacy(1, 5, past((5, -60)))) == [5, 1]


def test_2_2_scale_up_is_capped_at_twice_current() -> None:
    outcome = legacy(9, 3, high=20)
    assert outcome.replicas == 6
    assert outcome.limited == (
        True,
        "ScaleUpLimit",
        "the desired replica count is increasing faster than the maximum scale rate",
    )


def test_2_2_small_targets_may_grow_to_four() -> None:
    assert (legacy(9, 1, high=20).replicas, legacy(9, 1, high=20).limited[1]) == (4, "ScaleUpLimit")


def test_2_2_a_binding_max_replicas_is_too_many_replicas() -> None:
    outcome = legacy(9, 3, high=5)
    assert (outcome.replicas, outcome.limited) == (
        5,
        (True, "TooManyReplicas", "the desired replica count is more than the maximum replica count"),
    )


def test_2_2_max_replicas_equal_to_the_rate_limit_is_too_many_replicas() -> None:
    assert legacy(9, 3, high=6).limited[:2] == (True, "TooManyReplicas")


def test_2_2_below_min_is_too_few_replicas() -> None:
    outcome = legacy(1, 3, low=2)
    assert (outcome.replicas, outcome.limited) == (
        2,
        (True, "TooFewReplicas", "the desired replica count is less than the minimum replica count"),
    )


def test_2_2_within_range_is_desired_within_range() -> None:
    assert legacy(7, 5, low=3, high=8).limited == (
        False,
        "DesiredWithinRange",
        "the desired count is within the acceptable range",
    )


def test_2_2_end_to_end_a_fourfold_load_doubles_per_reconcile() -> None:
    # 100 % of 25 % → ratio 4 → ceil(4 × 3) = 12 → max(2 × 3, 4) = 6; no scale event is kept without behavior.
    pods, usages = fleet([1000, 1000, 1000])
    answer = run(document(hpa(cpu(25), max_replicas=20), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 6
    assert (condition(answer, "ScalingLimited")["status"], condition(answer, "ScalingLimited")["reason"]) == (
        "True",
        "ScaleUpLimit",
    )
    assert answer["history"]["scaleUpEvents"] == []
    assert (
        "Limited to 6: the desired replica count is increasing faster than the maximum scale rate."
        in answer["explanation"][2]
    )


def test_2_2_the_downscale_window_comes_from_the_config() -> None:
    pods, usages = fleet([100] * 5)
    held = history((5, -90))
    assert run(document(hpa(), 5, pods, usages, history=held))["desiredReplicas"] == 5
    config = {"downscaleStabilizationWindow": "1m0s"}
    assert run(document(hpa(), 5, pods, usages, history=held, config=config))["desiredReplicas"] == 1

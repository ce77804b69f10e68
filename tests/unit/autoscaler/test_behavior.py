"""hpa.md §2.3–2.5: `spec.behavior` — API defaults, per-direction stabilization, Pods/Percent policies over their
periods, and the scale-event store. BR-xx and ST-xx are upstream's TestScalingWithRules / TestStoreScaleEvents /
TestNormalizeDesiredReplicasWithBehavior cases, worked by hand.
"""

import msgspec

from services.autoscaler import behavior, normalize, objects
from tests.unit.autoscaler.documents import NOW_NS, NS, Json, condition, cpu, document, fleet, history, hpa, run


def autoscaler(given: Json | None) -> objects.HPA:
    return msgspec.convert(hpa(behavior=given), objects.HPA)


DEFAULT_UP, DEFAULT_DOWN = behavior.directions(autoscaler({}), 300 * NS)


def rules(*policies: tuple[str, int, int], window: int = 0, select: str = "Max") -> normalize.Rules:
    return normalize.Rules(window, select, tuple(normalize.Policy(*p) for p in policies))


def uniform(changes: list[int], period: int) -> tuple[normalize.ScaleEvent, ...]:
    """Upstream's generateEventsUniformDistribution: events in the middle of equal slices of the last `period` s."""
    segment = period / len(changes)
    ages = [int(period - segment * (i + 1) + segment / 2) for i in range(len(changes))]
    return tuple(normalize.ScaleEvent(change, NOW_NS - age * NS) for change, age in zip(changes, ages, strict=True))


def past(*entries: tuple[int, float]) -> tuple[normalize.Recommendation, ...]:
    return tuple(normalize.Recommendation(n, NOW_NS + round(t * NS)) for n, t in entries)


def limited(
    proposal: int,
    current: int,
    *,
    up: normalize.Rules = DEFAULT_UP,
    down: normalize.Rules = DEFAULT_DOWN,
    low: int = 1,
    high: int = 1000,
    kept: normalize.History | None = None,
) -> tuple[int, str]:
    """(replicas, ScalingLimited reason) after stabilization and rate limits."""
    outcome = normalize.with_behavior(kept or normalize.History(), NOW_NS, current, proposal, low, high, up, down)
    return outcome.replicas, outcome.limited[1]


def stabilized(
    proposal: int, current: int, recommendations: tuple[normalize.Recommendation, ...], up: int = 0, down: int = 300
) -> normalize.Outcome:
    """Stabilization with the given windows and policies that never bind."""
    unbounded = (("Percent", 100000, 15),)
    return normalize.with_behavior(
        normalize.History(recommendations),
        NOW_NS,
        current,
        proposal,
        1,
        1000,
        rules(*unbounded, window=up),
        rules(*unbounded, window=down),
    )


# --- API defaults --------------------------------------------------------------------------------------------------


def test_2_3_an_empty_behavior_gets_the_api_defaults() -> None:
    assert rules(("Pods", 4, 15), ("Percent", 100, 15), window=0) == DEFAULT_UP
    assert rules(("Percent", 100, 15), window=300) == DEFAULT_DOWN
    assert behavior.directions(autoscaler(None), 300 * NS) == (DEFAULT_UP, DEFAULT_DOWN)


def test_2_3_the_scale_down_window_defaults_to_the_controller_flag() -> None:
    assert behavior.directions(autoscaler({}), 120 * NS)[1].window_seconds == 120
    explicit = autoscaler({"scaleDown": {"stabilizationWindowSeconds": 0}})
    assert behavior.directions(explicit, 120 * NS)[1].window_seconds == 0


def test_2_3_given_fields_replace_the_defaults_one_by_one() -> None:
    up, down = behavior.directions(
        autoscaler(
            {
                "scaleUp": {"selectPolicy": "Min"},
                "scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
            }
        ),
        300 * NS,
    )
    assert up == rules(("Pods", 4, 15), ("Percent", 100, 15), select="Min")
    assert down == rules(("Pods", 1, 60), window=300)


# --- rate limits ---------------------------------------------------------------------------------------------------


def test_br07_the_default_scale_up_doubles() -> None:
    assert limited(50, 10) == (20, "ScaleUpLimit")  # max(10 + 4, 10 × 2)


def test_2_3_the_default_scale_up_adds_four_to_small_targets() -> None:
    assert limited(10, 1) == (5, "ScaleUpLimit")  # max(1 + 4, 1 × 2)


def test_br08_a_pods_policy_larger_than_the_percent_policy_wins() -> None:
    assert limited(500, 10, up=rules(("Pods", 100, 60), ("Percent", 100, 60))) == (110, "ScaleUpLimit")


def test_2_3_a_percent_policy_larger_than_the_pods_policy_wins() -> None:
    assert limited(500, 10, up=rules(("Pods", 2, 60), ("Percent", 100, 60))) == (20, "ScaleUpLimit")


def test_2_3_large_policies_leave_the_proposal_within_range() -> None:
    assert limited(50, 10, up=rules(("Pods", 100, 60))) == (50, "DesiredWithinRange")
    assert limited(50, 10, up=rules(("Percent", 10000, 60))) == (50, "DesiredWithinRange")


def test_2_3_a_scale_up_percent_policy_rounds_up() -> None:
    assert limited(9, 3, up=rules(("Percent", 50, 60))) == (5, "ScaleUpLimit")  # ceil(3 × 1.5) = ceil(4.5)


def test_br14_scale_down_takes_the_policy_allowing_the_biggest_change() -> None:
    # Pods 20 → 80, Percent 1 → trunc(99) = 99; Max picks the lower, 80.
    assert limited(2, 100, down=rules(("Pods", 20, 60), ("Percent", 1, 60), window=300)) == (80, "ScaleDownLimit")
    assert limited(2, 100, down=rules(("Pods", 2, 60), ("Percent", 1, 60), window=300)) == (98, "ScaleDownLimit")


def test_2_3_scale_down_percent_policy_truncates_toward_zero() -> None:
    assert limited(1, 5, down=rules(("Percent", 30, 60))) == (3, "ScaleDownLimit")  # trunc(5 × 0.7) = trunc(3.5)


def test_2_3_select_policy_min_takes_the_smallest_change() -> None:
    # Up from 1: Pods 2 → 3, Percent 50 → ceil(1.5) = 2 → 2. Down from 5: Pods 2 → 3, Percent 50 → trunc(2.5) = 2 → 3.
    both = (("Pods", 2, 60), ("Percent", 50, 60))
    assert limited(10, 1, up=rules(*both, select="Min")) == (2, "ScaleUpLimit")
    assert limited(1, 5, down=rules(*both, select="Min")) == (3, "ScaleDownLimit")


def test_2_3_select_policy_disabled_stops_that_direction() -> None:
    assert limited(10, 5, up=rules(("Pods", 4, 15), select="Disabled")) == (5, "ScaleUpLimit")
    assert limited(1, 5, down=rules(("Percent", 100, 15), select="Disabled")) == (5, "ScaleDownLimit")


def test_2_3_a_binding_max_replicas_is_too_many_replicas() -> None:
    assert limited(1000, 100, low=100, high=150) == (150, "TooManyReplicas")


def test_2_3_a_binding_min_replicas_is_too_few_replicas() -> None:
    assert limited(2, 10, down=rules(("Percent", 100, 60)), low=5) == (5, "TooFewReplicas")
    assert limited(0, 10, down=rules(("Pods", 100, 60)), low=1) == (1, "TooFewReplicas")


def test_2_3_a_proposal_inside_the_limits_is_within_range() -> None:
    assert limited(5, 10, down=rules(("Percent", 50, 60))) == (5, "DesiredWithinRange")
    assert limited(10, 10) == (10, "DesiredWithinRange")


def test_2_3_rules_without_policies_keep_upstreams_initial_limits() -> None:
    # Max starts from MinInt32 (up) / MaxInt32 (down): no movement; Min starts from the other end: no limit.
    assert limited(50, 10, up=rules()) == (10, "ScaleUpLimit")
    assert limited(50, 10, up=rules(select="Min")) == (50, "DesiredWithinRange")
    assert limited(1, 10, down=rules()) == (10, "ScaleDownLimit")
    assert limited(1, 10, down=rules(select="Min")) == (1, "DesiredWithinRange")


# --- policy periods count past scale events ------------------------------------------------------------------------


def with_events(
    up: tuple[normalize.ScaleEvent, ...] = (), down: tuple[normalize.ScaleEvent, ...] = ()
) -> normalize.History:
    return normalize.History(up=up, down=down)


def test_br22_past_scale_up_events_lower_the_period_start() -> None:
    # 1 + 5 + 9 added in the last 120 s: 100 − 15 + 150 = 235.
    kept = with_events(up=uniform([1, 5, 9], 120))
    assert limited(500, 100, up=rules(("Pods", 150, 120)), kept=kept) == (235, "ScaleUpLimit")


def test_br23_a_percent_policy_grows_from_the_period_start() -> None:
    kept = with_events(up=uniform([1, 5, 9], 120))
    assert limited(500, 100, up=rules(("Percent", 200, 120)), kept=kept) == (255, "ScaleUpLimit")  # ceil(85 × 3)


def test_2_3_scale_down_events_raise_the_scale_up_period_start() -> None:
    kept = with_events(up=uniform([4], 120), down=uniform([2], 120))
    assert limited(24, 6, up=rules(("Percent", 300, 300)), kept=kept) == (16, "ScaleUpLimit")  # (6 − 4 + 2) × 4


def test_2_3_an_up_limit_below_current_holds_current() -> None:
    # 100 − 15 + 5 = 90 < 100 → current.
    kept = with_events(up=uniform([1, 5, 9], 120))
    assert limited(500, 100, up=rules(("Pods", 5, 120)), kept=kept) == (100, "ScaleUpLimit")


def test_br27_past_scale_down_events_block_further_scale_down() -> None:
    # 100 + 15 − 5 = 110 > 100 → current.
    kept = with_events(down=uniform([1, 5, 9], 120))
    assert limited(2, 100, down=rules(("Pods", 5, 120), window=300), kept=kept) == (100, "ScaleDownLimit")


def test_2_3_scale_up_events_lower_the_scale_down_period_start() -> None:
    # 10 − 2 + 4 = 12 → trunc(12 × 0.5) = 6.
    kept = with_events(up=uniform([2], 120), down=uniform([4], 120))
    assert limited(1, 10, down=rules(("Percent", 50, 180)), kept=kept) == (6, "ScaleDownLimit")


def test_2_3_a_limit_far_below_zero_leaves_the_proposal_alone() -> None:
    # (10 + 30) × (1 − 10) = −360 < 5 → the proposal 5 stands.
    kept = with_events(down=uniform([10, 10, 10], 120))
    assert limited(5, 10, down=rules(("Percent", 1000, 120), window=300), kept=kept) == (5, "DesiredWithinRange")


def test_2_3_events_exactly_one_period_old_no_longer_count() -> None:
    # Strictly younger than the period: at 15 s the +4 event is out (start 8 → 16); just younger it is in (start 4 → 8).
    assert limited(100, 8, kept=with_events(up=(normalize.ScaleEvent(4, NOW_NS - 15 * NS),))) == (16, "ScaleUpLimit")
    just_in = (normalize.ScaleEvent(4, NOW_NS - 15 * NS + 1),)
    assert limited(100, 8, kept=with_events(up=just_in)) == (8, "ScaleUpLimit")


def test_2_3_each_policy_counts_the_events_of_its_own_period() -> None:
    # +4 event 30 s ago: Pods 4/15 starts from 8 → 12; Percent 100/60 starts from 4 → 8. Max → 12.
    kept = with_events(up=(normalize.ScaleEvent(4, NOW_NS - 30 * NS),))
    assert limited(100, 8, up=rules(("Pods", 4, 15), ("Percent", 100, 60)), kept=kept) == (12, "ScaleUpLimit")


# --- stabilization windows -----------------------------------------------------------------------------------------


def test_2_3_scale_down_stabilization_applies_the_highest_recent_proposal() -> None:
    outcome = stabilized(3, 100, past((4, -120), (5, -60)), down=180)
    assert outcome.replicas == 5
    assert outcome.able == (
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation",
    )


def test_2_3_scale_up_stabilization_applies_the_lowest_recent_proposal() -> None:
    outcome = stabilized(7, 1, past((4, -120), (5, -60)), up=300)
    assert outcome.replicas == 4
    assert outcome.able == (
        "ScaleUpStabilized",
        "recent recommendations were lower than current one, applying the lowest recent recommendation",
    )


def test_2_3_lower_recent_proposals_do_not_hold_a_scale_down() -> None:
    outcome = stabilized(3, 100, past((1, -120), (2, -60)), up=300, down=0)
    assert (outcome.replicas, outcome.able[0]) == (3, "ReadyForNewScale")


def test_2_3_higher_recent_proposals_do_not_hold_a_scale_up() -> None:
    outcome = stabilized(3, 1, past((4, -120), (5, -60)), up=0, down=300)
    assert (outcome.replicas, outcome.able[0]) == (3, "ReadyForNewScale")


def test_2_3_window_membership_is_strictly_younger_than_the_window() -> None:
    assert stabilized(3, 10, past((9, -60)), down=60).replicas == 3
    assert stabilized(3, 10, past((9, -59.999999999)), down=60).replicas == 9


def test_2_3_stabilization_starts_from_current_between_the_two_bounds() -> None:
    # Bounds [1, 3] around current 2: neither a lower nor a higher proposal moves it.
    down = stabilized(1, 2, past((2, -6000), (3, -180)), up=300, down=300)
    assert (down.replicas, down.able[0]) == (2, "ScaleDownStabilized")
    up = stabilized(3, 2, past((2, -6000), (1, -180)), up=300, down=300)
    assert (up.replicas, up.able[0]) == (2, "ScaleUpStabilized")


def test_st06_the_raw_proposal_overwrites_the_last_entry_older_than_both_windows() -> None:
    outcome = stabilized(3, 100, past((10, -600), (4, -60), (5, -120), (9, -540)), down=180)
    assert outcome.replicas == 5
    assert [r.replicas for r in outcome.history.recommendations] == [10, 4, 5, 3]


def test_st07_an_entry_inside_either_window_is_not_reused() -> None:
    # Windows 300/300: only the 100-minute-old entry is older than both.
    outcome = stabilized(100, 1, past((10, -6000), (6, -60), (5, -120), (9, -180)), up=300, down=300)
    assert outcome.replicas == 5
    assert [r.replicas for r in outcome.history.recommendations] == [100, 6, 5, 9]


def test_st08_without_an_outdated_entry_the_proposal_is_appended() -> None:
    outcome = stabilized(3, 100, past((1, -120), (2, -60)), up=300, down=0)
    assert [r.replicas for r in outcome.history.recommendations] == [1, 2, 3]


def test_st09_with_zero_windows_every_past_entry_is_outdated_and_the_last_one_is_reused() -> None:
    outcome = stabilized(3, 100, past((10, -600), (9, -540)), up=0, down=0)
    assert outcome.replicas == 3
    assert [(r.replicas, r.time_ns) for r in outcome.history.recommendations] == [(10, NOW_NS - 600 * NS), (3, NOW_NS)]


# --- §2.4 end to end: behavior with defaults vs the legacy rule ----------------------------------------------------


def test_2_4_behavior_with_defaults_caps_scale_up_by_four_pods_or_double() -> None:
    # 100 % of 25 % → ceil(4 × 3) = 12. Legacy: max(2 × 3, 4) = 6; behavior: max(3 + 4, 3 × 2) = 7.
    pods, usages = fleet([1000, 1000, 1000])
    assert run(document(hpa(cpu(25), max_replicas=20), 3, pods, usages, history={}))["desiredReplicas"] == 6
    answer = run(document(hpa(cpu(25), max_replicas=20, behavior={}), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 7
    assert answer["history"]["scaleUpEvents"][0]["replicaChange"] == 4


def test_2_4_a_scale_up_window_is_explained() -> None:
    # Up window 60 s with a proposal of 4 thirty seconds ago: min(6, 4) = 4.
    pods, usages = fleet([1000, 1000, 1000])
    given = {"scaleUp": {"stabilizationWindowSeconds": 60}}
    answer = run(document(hpa(behavior=given), 3, pods, usages, history=history((4, -30))))
    assert answer["desiredReplicas"] == 4
    assert condition(answer, "AbleToScale")["reason"] == "SucceededRescale"
    assert "Stabilization under behavior holds it at 4" in answer["explanation"][2]


def test_2_4_a_held_scale_down_keeps_its_stabilized_condition() -> None:
    pods, usages = fleet([100] * 5)
    answer = run(document(hpa(behavior={}), 5, pods, usages, history=history((5, -60))))
    assert (answer["desiredReplicas"], condition(answer, "AbleToScale")["reason"]) == (5, "ScaleDownStabilized")


def test_2_4_a_behavior_scale_down_records_a_scale_down_event() -> None:
    pods, usages = fleet([100] * 5)
    answer = run(document(hpa(behavior={}), 5, pods, usages, history={}))
    assert answer["desiredReplicas"] == 1
    assert [e["replicaChange"] for e in answer["history"]["scaleDownEvents"]] == [4]


# --- §2.5 the scale-event store ------------------------------------------------------------------------------------


def stored_changes(events: tuple[normalize.ScaleEvent, ...], up: bool, policies: normalize.Rules) -> list[int]:
    """Upstream's TestStoreScaleEvents: a change of 5 from 10 replicas, in either direction."""
    kept = normalize.History(up=events) if up else normalize.History(down=events)
    after = normalize.record_scale(kept, NOW_NS, 10, 15 if up else 5, policies, policies)
    return [e.change for e in (after.up if up else after.down)]


def ago(change: int, seconds: int) -> normalize.ScaleEvent:
    return normalize.ScaleEvent(change, NOW_NS - seconds * NS)


def test_2_5_a_first_scale_event_is_appended() -> None:
    for up in (True, False):
        assert stored_changes((), up, rules(("Pods", 10, 60), ("Percent", 100, 60))) == [5]


def test_2_5_the_last_event_older_than_the_longest_period_is_overwritten() -> None:
    # Longest period 60 s: the two 61-second-old events are outdated; the last of them takes the new event.
    events = (ago(8, 29), ago(6, 59), ago(7, 61), ago(9, 61))
    for up in (True, False):
        assert stored_changes(events, up, rules(("Pods", 10, 60), ("Percent", 100, 30))) == [8, 6, 7, 5]


def test_2_5_events_within_the_longest_period_are_kept() -> None:
    events = (ago(7, 58), ago(6, 59))
    for up in (True, False):
        assert stored_changes(events, up, rules(("Pods", 10, 120), ("Percent", 100, 30))) == [7, 6, 5]


def test_2_5_an_event_exactly_one_longest_period_old_is_not_outdated() -> None:
    assert stored_changes((ago(7, 60),), True, rules(("Pods", 10, 60))) == [7, 5]


def test_2_5_rules_without_policies_treat_every_past_event_as_outdated() -> None:
    assert stored_changes((ago(7, 1), ago(8, 2)), True, rules()) == [7, 5]


def test_2_5_the_new_event_is_stamped_now_with_the_absolute_change() -> None:
    after = normalize.record_scale(normalize.History(), NOW_NS, 10, 4, DEFAULT_UP, DEFAULT_DOWN)
    assert (after.up, after.down) == ((), (normalize.ScaleEvent(6, NOW_NS),))


def test_2_5_without_behavior_no_event_is_stored() -> None:
    kept = normalize.History(up=(ago(7, 61),))
    assert behavior.record(autoscaler(None), kept, NOW_NS, 10, 15) is kept
    assert behavior.record(autoscaler({}), kept, NOW_NS, 10, 15).up == (normalize.ScaleEvent(5, NOW_NS),)

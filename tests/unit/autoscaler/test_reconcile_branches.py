"""hpa.md §2.1: one reconcile — the scale read, history seeding, the zero/min/max/selector branches, the rescale."""

import msgspec

from services.autoscaler import objects, reconcile
from tests.unit.autoscaler.documents import NOW, NOW_NS, Json, at, condition, document, events, fleet, history, hpa, run

BUSY = fleet([1000, 1000, 1000])  # 100 % of the 50 % target: ceil(2 × 3) = 6
IDLE = fleet([100, 100, 100])  # 10 % → ceil(0.2 × 3) = 1


def test_2_1_a_target_at_zero_replicas_disables_scaling() -> None:
    # HZ-19: no metrics are read (there are none here), nothing is written.
    answer = run(document(hpa(), 0, [], [], history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (0, False)
    assert condition(answer, "ScalingActive") == {
        "type": "ScalingActive",
        "status": "False",
        "lastTransitionTime": NOW,
        "reason": "ScalingDisabled",
        "message": "scaling is disabled since the replica count of the target is zero",
    }
    assert answer["status"]["currentMetrics"] == []
    assert [c["type"] for c in answer["status"]["conditions"]] == ["AbleToScale", "ScalingActive"]


def test_2_1_above_max_replicas_scales_to_max_without_reading_metrics() -> None:
    answer = run(document(hpa(max_replicas=10), 12, [], [], history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (10, True)
    assert events(answer) == [
        "Normal SuccessfulRescale: New size: 10; reason: Current number of replicas above Spec.MaxReplicas"
    ]
    assert [c["type"] for c in answer["status"]["conditions"]] == ["AbleToScale"]


def test_2_1_below_min_replicas_scales_to_min_without_reading_metrics() -> None:
    answer = run(document(hpa(min_replicas=3), 1, [], [], history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (3, True)
    assert events(answer) == [
        "Normal SuccessfulRescale: New size: 3; reason: Current number of replicas below Spec.MinReplicas"
    ]


def test_2_1_min_replicas_defaults_to_one() -> None:
    pods, usages = IDLE
    answer = run(document(hpa(min_replicas=None), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 1
    assert run(document(hpa(min_replicas=None), 0, [], [], history={}))["desiredReplicas"] == 0  # still disabled


def test_2_1_a_scale_without_a_selector_is_an_invalid_selector() -> None:
    pods, usages = BUSY
    answer = run(document(hpa(status={"desiredReplicas": 3}), 3, pods, usages, selector="", history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (3, False)
    assert condition(answer, "ScalingActive")["reason"] == "InvalidSelector"
    assert condition(answer, "ScalingActive")["message"] == "the HPA target's scale is missing a selector"
    assert events(answer) == [
        "Warning SelectorRequired: selector is required",
        "Warning FailedComputeMetricsReplicas: selector is required",
    ]


def test_2_1_an_unparsable_selector_is_an_invalid_selector() -> None:
    pods, usages = BUSY
    answer = run(document(hpa(), 3, pods, usages, selector="app in (web", history={}))
    message = condition(answer, "ScalingActive")["message"]
    assert message.startswith("couldn't convert selector into a corresponding internal selector object: ")
    assert events(answer)[0] == f"Warning InvalidSelector: {message}"
    assert answer["scaled"] is False


def test_2_1_a_rescale_sets_its_condition_event_and_last_scale_time() -> None:
    pods, usages = BUSY
    answer = run(document(hpa(), 3, pods, usages, history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (6, True)
    assert condition(answer, "AbleToScale")["message"] == "the HPA controller was able to update the target scale to 6"
    assert answer["status"]["lastScaleTime"] == NOW


def test_2_1_no_rescale_when_the_normalized_count_equals_current() -> None:
    pods, usages = fleet([500, 500, 500])
    answer = run(document(hpa(status={"lastScaleTime": at(-600)}), 3, pods, usages, history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (3, False)
    assert events(answer) == []
    assert answer["status"]["lastScaleTime"] == at(-600)
    assert condition(answer, "AbleToScale")["reason"] == "ReadyForNewScale"


def test_hz31_current_is_the_scales_spec_replicas_not_its_status() -> None:
    pods, usages = fleet([500, 500, 500])
    answer = run(document(hpa(), 3, pods, usages, status_replicas=5, history={}))
    assert (answer["status"]["currentReplicas"], answer["desiredReplicas"]) == (3, 3)


def test_hz11_an_hpa_never_seen_is_seeded_and_does_not_scale_down_at_once() -> None:
    # Absent history = a fresh controller: (3, now) is seeded, so max(1, 3) = 3 holds the scale-down.
    pods, usages = IDLE
    answer = run(document(hpa(), 3, pods, usages))
    assert answer["desiredReplicas"] == 3
    assert answer["history"]["recommendations"] == [{"replicas": 3, "time": NOW}, {"replicas": 1, "time": NOW}]
    assert condition(answer, "AbleToScale")["reason"] == "ScaleDownStabilized"


def test_2_1_an_empty_history_is_not_seeded() -> None:
    pods, usages = IDLE
    answer = run(document(hpa(), 3, pods, usages, history={}))
    assert answer["desiredReplicas"] == 1
    assert answer["history"]["recommendations"] == [{"replicas": 1, "time": NOW}]


def test_2_1_the_seed_is_kept_even_when_no_metric_is_read() -> None:
    answer = run(document(hpa(), 12, [], []))
    assert answer["history"] == {
        "recommendations": [{"replicas": 12, "time": NOW}],
        "scaleUpEvents": [],
        "scaleDownEvents": [],
    }


def test_2_1_a_second_call_fed_the_first_calls_history_scales_down_after_the_window() -> None:
    pods, usages = IDLE
    first = run(document(hpa(), 3, pods, usages))
    assert first["desiredReplicas"] == 3
    four_minutes = run(document(hpa(), 3, pods, usages, history=first["history"], now=at(240)))
    assert four_minutes["desiredReplicas"] == 3  # the seed (3, now) is 240 s old: still within 300 s
    later = run(document(hpa(), 3, pods, usages, history=four_minutes["history"], now=at(301)))
    assert later["desiredReplicas"] == 1
    assert later["history"]["recommendations"] == [
        {"replicas": 3, "time": NOW},
        {"replicas": 1, "time": at(301)},  # the last entry that aged out is overwritten in place
        {"replicas": 1, "time": at(240)},
    ]


def test_2_1_an_unreadable_scale_sets_able_to_scale_false_and_nothing_else() -> None:
    autoscaler = msgspec.convert(hpa(status={"currentReplicas": 4, "desiredReplicas": 5}), objects.HPA)
    decision = reconcile.scale_unavailable(NOW_NS, autoscaler, 'deployments.apps "web" not found')
    assert (decision.current, decision.desired, decision.scaled) == (4, 5, False)
    assert decision.status.conditions == [
        objects.Condition(
            type="AbleToScale",
            status="False",
            last_transition_time=NOW,
            reason="FailedGetScale",
            message='the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found',
        )
    ]
    assert decision.events == (reconcile.Event("Warning", "FailedGetScale", 'deployments.apps "web" not found'),)


def test_2_1_history_chaining_keeps_scale_events_of_the_behavior_path() -> None:
    # The first call writes a scale-up event; the second, 10 s later, still counts it in the 15 s period.
    autoscaler = hpa(behavior={}, max_replicas=20)
    pods, usages = fleet([1000] * 4)
    first = run(document(autoscaler, 4, pods, usages, history={}))
    assert first["desiredReplicas"] == 8
    assert first["history"]["scaleUpEvents"] == [{"replicaChange": 4, "time": NOW}]
    pods8, usages8 = fleet([1000] * 8)
    second = run(document(autoscaler, 8, pods8, usages8, history=first["history"], now=at(10)))
    assert second["desiredReplicas"] == 8  # period start 8 − 4 = 4: max(4 + 4, 4 × 2) = 8 → no room
    third = run(document(autoscaler, 8, pods8, usages8, history=second["history"], now=at(16)))
    assert third["desiredReplicas"] == 16  # the event is 16 s old: max(8 + 4, 16)


def test_2_1_history_in_and_out_keep_their_shape() -> None:
    given: Json = history((5, -60), up=((2, -30),), down=((1, -20),))
    pods, usages = fleet([500] * 5)
    answer = run(document(hpa(), 5, pods, usages, history=given))
    assert answer["history"]["scaleUpEvents"] == given["scaleUpEvents"]
    assert answer["history"]["scaleDownEvents"] == given["scaleDownEvents"]
    assert answer["history"]["recommendations"] == [*given["recommendations"], {"replicas": 5, "time": NOW}]


def test_2_1_a_failed_scale_write_sets_failed_update_scale_and_keeps_no_scale_event() -> None:
    hpa = objects.HPA(spec=objects.HPASpec(max_replicas=10, behavior=objects.Behavior()))
    scale = objects.Scale(
        spec=objects.ScaleSpec(replicas=2), status=objects.ScaleStatus(replicas=2, selector="app=web")
    )
    decision = reconcile.reconcile(10**18, hpa, scale, [], [], None)
    assert not decision.scaled  # no pods: the metric fails, nothing to rescale
    forced = reconcile.Decision(2, 4, True, decision.status, decision.history, (reconcile.Event("Normal", "SuccessfulRescale", "x"),),
                                (), history_before_rescale=decision.history, reason="cpu above target")  # fmt: skip
    failed = reconcile.rescale_failed(10**18, hpa, forced, "conflict")
    able = next(c for c in failed.status.conditions or [] if c.type == "AbleToScale")
    assert (able.status, able.reason) == ("False", "FailedUpdateScale")
    assert [e.reason for e in failed.events] == ["FailedRescale"]
    assert failed.events[0].message == "New size: 4; reason: cpu above target; error: conflict"
    assert not failed.scaled and failed.history == decision.history

"""hpa.md §2.6 and §3: the conditions upstream upserts, and the status it writes."""

from tests.unit.autoscaler.documents import (
    NOW,
    Json,
    at,
    cpu,
    document,
    events,
    fleet,
    hpa,
    memory,
    pod,
    resource,
    run,
    usage,
)

BUSY = fleet([1000, 1000, 1000])  # 100 % of the 50 % target: ceil(2 × 3) = 6
STEADY = fleet([500, 500, 500])  # on target: stay at 3


def reconcile(pods_and_usages: tuple[list[Json], list[Json]], status: Json | None = None, replicas: int = 3) -> Json:
    pods, usages = pods_and_usages
    return run(document(hpa(status=status), replicas, pods, usages, history={}))


def test_2_6_a_rescale_writes_upstreams_three_conditions() -> None:
    assert reconcile(BUSY)["status"]["conditions"] == [
        {
            "type": "AbleToScale",
            "status": "True",
            "lastTransitionTime": NOW,
            "reason": "SucceededRescale",
            "message": "the HPA controller was able to update the target scale to 6",
        },
        {
            "type": "ScalingActive",
            "status": "True",
            "lastTransitionTime": NOW,
            "reason": "ValidMetricFound",
            "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
        },
        {
            "type": "ScalingLimited",
            "status": "False",
            "lastTransitionTime": NOW,
            "reason": "DesiredWithinRange",
            "message": "the desired count is within the acceptable range",
        },
    ]


def test_2_6_no_rescale_leaves_able_to_scale_at_ready_for_new_scale() -> None:
    able = reconcile(STEADY)["status"]["conditions"][0]
    assert (able["reason"], able["message"]) == ("ReadyForNewScale", "recommended size matches current size")


def test_2_6_last_transition_time_is_kept_when_the_status_does_not_flip() -> None:
    before = {
        "type": "AbleToScale",
        "status": "True",
        "lastTransitionTime": at(-3600),
        "reason": "ReadyForNewScale",
        "message": "x",
    }
    able = reconcile(BUSY, status={"conditions": [before]})["status"]["conditions"][0]
    assert (able["lastTransitionTime"], able["reason"]) == (at(-3600), "SucceededRescale")


def test_2_6_last_transition_time_is_now_when_the_status_flips() -> None:
    before = {
        "type": "ScalingActive",
        "status": "False",
        "lastTransitionTime": at(-3600),
        "reason": "FailedGetResourceMetric",
    }
    conditions = reconcile(BUSY, status={"conditions": [before]})["status"]["conditions"]
    active = next(c for c in conditions if c["type"] == "ScalingActive")
    assert (active["status"], active["lastTransitionTime"]) == ("True", NOW)


def test_2_6_conditions_present_in_the_input_keep_their_order() -> None:
    given = [
        {"type": "ScalingLimited", "status": "True", "lastTransitionTime": at(-60), "reason": "TooManyReplicas"},
        {"type": "SomethingElse", "status": "True", "lastTransitionTime": at(-60), "reason": "Kept"},
        {"type": "ScalingActive", "status": "True", "lastTransitionTime": at(-60), "reason": "ValidMetricFound"},
    ]
    conditions = reconcile(STEADY, status={"conditions": given})["status"]["conditions"]
    assert [(c["type"], c["reason"], c["lastTransitionTime"]) for c in conditions] == [
        ("ScalingLimited", "DesiredWithinRange", NOW),  # True → False
        ("SomethingElse", "Kept", at(-60)),
        ("ScalingActive", "ValidMetricFound", at(-60)),
        ("AbleToScale", "ReadyForNewScale", NOW),  # new: appended
    ]


def test_2_6_out_of_range_replicas_leave_scaling_active_and_limited_untouched() -> None:
    given = [
        {
            "type": "ScalingActive",
            "status": "False",
            "lastTransitionTime": at(-60),
            "reason": "FailedGetResourceMetric",
            "message": "m",
        },
        {
            "type": "ScalingLimited",
            "status": "True",
            "lastTransitionTime": at(-60),
            "reason": "TooManyReplicas",
            "message": "n",
        },
    ]
    answer = run(document(hpa(status={"conditions": given}), 12, [], [], history={}))
    assert answer["status"]["conditions"][:2] == given


def test_2_6_a_metric_failure_sets_scaling_active_false_and_keeps_the_rest() -> None:
    given = [
        {"type": "ScalingLimited", "status": "False", "lastTransitionTime": at(-60), "reason": "DesiredWithinRange"}
    ]
    pods, _ = BUSY  # the metrics API returns nothing
    answer = run(document(hpa(cpu(50), status={"conditions": given}), 3, pods, [], history={}))
    assert [(c["type"], c["status"], c["reason"]) for c in answer["status"]["conditions"]] == [
        ("ScalingLimited", "False", "DesiredWithinRange"),
        ("AbleToScale", "True", "SucceededGetScale"),
        ("ScalingActive", "False", "FailedGetResourceMetric"),
    ]


def test_3_status_fields_after_a_rescale() -> None:
    status = reconcile(BUSY, status={"currentReplicas": 2, "desiredReplicas": 2, "lastScaleTime": at(-900)})["status"]
    assert (status["lastScaleTime"], status["currentReplicas"], status["desiredReplicas"]) == (NOW, 3, 6)
    assert list(status) == ["lastScaleTime", "currentReplicas", "desiredReplicas", "currentMetrics", "conditions"]


def test_3_without_a_rescale_desired_is_current_and_last_scale_time_is_kept() -> None:
    status = reconcile(STEADY, status={"desiredReplicas": 9, "lastScaleTime": at(-900)})["status"]
    assert (status["lastScaleTime"], status["desiredReplicas"]) == (at(-900), 3)


def test_3_a_never_scaled_hpa_has_no_last_scale_time() -> None:
    assert "lastScaleTime" not in reconcile(STEADY)["status"]


def test_3_when_metrics_fail_desired_replicas_and_last_scale_time_stay() -> None:
    pods, _ = BUSY
    answer = run(document(hpa(status={"desiredReplicas": 9, "lastScaleTime": at(-900)}), 3, pods, [], history={}))
    assert (answer["desiredReplicas"], answer["scaled"]) == (9, False)
    assert (answer["status"]["desiredReplicas"], answer["status"]["lastScaleTime"]) == (9, at(-900))
    assert answer["status"]["currentReplicas"] == 3
    assert answer["status"]["currentMetrics"] == [{"type": ""}]


def test_3_current_metrics_has_one_entry_per_spec_in_order() -> None:
    pods = [pod(f"web-{i}", "1", "100Mi") for i in (1, 2)]
    usages = [usage(f"web-{i}", "250m", "50Mi") for i in (1, 2)]
    autoscaler = hpa(resource("memory", value="100Mi"), memory(50), resource("cpu", value="500m"), cpu(50))
    metrics = run(document(autoscaler, 2, pods, usages, history={}))["status"]["currentMetrics"]
    assert [m["resource"] for m in metrics] == [
        {"name": "memory", "current": {"averageValue": "50Mi"}},
        {"name": "memory", "current": {"averageValue": "50Mi", "averageUtilization": 50}},
        {"name": "cpu", "current": {"averageValue": "250m"}},
        {"name": "cpu", "current": {"averageValue": "250m", "averageUtilization": 25}},
    ]


def test_2_1_the_rescale_event_names_the_metric_or_says_all_below_target() -> None:
    assert events(reconcile(BUSY)) == [
        "Normal SuccessfulRescale: New size: 6; reason: cpu resource utilization (percentage of request) above target"
    ]
    assert events(reconcile(fleet([100, 100, 100]))) == [
        "Normal SuccessfulRescale: New size: 1; reason: All metrics below target"
    ]


def test_narrate_the_explanation_tells_the_whole_story() -> None:
    assert reconcile(BUSY)["explanation"] == [
        "Deployment/web has 3 replicas; this HPA keeps it between 1 and 10.",
        "cpu resource utilization (percentage of request): 3 ready, 0 not yet ready, 0 without metrics, 0 ignored pods; "
        "100% of requests on average (1 per pod); usage ratio 2.000 → 6 replicas (ratio × ready pods).",
        "Largest proposal: 6.",
        "Result: scale from 3 to 6 replicas (cpu resource utilization (percentage of request) above target).",
        "Event Normal SuccessfulRescale: New size: 6; reason: cpu resource utilization (percentage of request) above target",
    ]


def test_narrate_a_failed_metric_and_a_held_result() -> None:
    pods, _ = BUSY
    explanation = run(document(hpa(), 3, pods, [], history={}))["explanation"]
    assert explanation[1].startswith("A metric failed (FailedGetResourceMetric): failed to get cpu utilization: ")
    assert explanation[2].startswith("No scaling: invalid metrics (1 invalid out of 1)")


def test_narrate_stabilization_under_the_default_rules() -> None:
    pods, usages = fleet([100, 100, 100])
    explanation = run(document(hpa(), 3, pods, usages))["explanation"]  # never seen: seeded with 3
    assert explanation[2] == (
        "Largest proposal: 1. Stabilization under the default rules (no behavior) holds it at 3 "
        "(recent recommendations were higher than current one, applying the highest recent recommendation)."
    )
    assert explanation[3] == "Result: stay at 3 replicas."


def test_narrate_a_plain_average() -> None:
    pods = [pod("web-1", cpu=None, memory=None)]
    explanation = run(
        document(hpa(resource("memory", value="64Mi")), 1, pods, [usage("web-1", memory="32Mi")], history={})
    )["explanation"]
    assert "32Mi per pod on average; usage ratio 0.500" in explanation[1]

"""hpa.md §1.2: every listed pod lands in exactly one group — ignored, unready, missing or ready — before any maths.

The first half checks each rule on `calculate.group` with one pod; the second half tells what the grouping does to a
replica count, end to end. In the end-to-end stories two pods sit at 100 % of request against a 50 % target: counted,
a third busy pod makes it ceil(2 × 3) = 6; not counted (unready, filled in as idle), it makes 2000·100/3000 = 66 %
→ ceil(1.32 × 3) = 4.
"""

from services.autoscaler import calculate
from tests.unit.autoscaler.documents import NOW_NS, NS, Json, cpu, document, fleet, hpa, memory, pod, run, usage

SETTINGS = calculate.Settings(
    now_ns=NOW_NS, tolerance_down=0.1, tolerance_up=0.1, cpu_initialization_ns=300 * NS, readiness_delay_ns=30 * NS
)


def facts(
    *,
    deleted: bool = False,
    phase: str = "Running",
    started: float | None = -3600,
    ready: str | None = "True",
    ready_since: float | None = -3540,
) -> calculate.PodFacts:
    """One pod `p`; times in seconds from now."""
    return calculate.PodFacts(
        name="p",
        deleted=deleted,
        phase=phase,
        start_ns=None if started is None else NOW_NS + round(started * NS),
        ready=ready,
        ready_since_ns=calculate.GO_ZERO_NS if ready_since is None else NOW_NS + round(ready_since * NS),
    )


def group_of(pod_facts: calculate.PodFacts, *, taken: float | None = -10, window: float = 60, cpu: bool = True) -> str:
    """The group the pod lands in, with a sample `taken` seconds from now over `window` seconds (None: no sample)."""
    stamp = NOW_NS + round((taken or 0) * NS)
    samples = {} if taken is None else {"p": calculate.Sample(500, stamp, round(window * NS))}
    groups = calculate.group([pod_facts], samples, cpu, SETTINGS)
    found = [name for name, members in [("unready", groups.unready), ("missing", groups.missing)] if members]
    found += ["ignored"] if groups.ignored else []
    found += ["ready"] * groups.ready
    assert len(found) == 1, found
    return found[0]


# --- step 1: ignored ---------------------------------------------------------------------------------------------


def test_1_2_1_a_pod_with_a_deletion_timestamp_is_ignored() -> None:
    assert group_of(facts(deleted=True)) == "ignored"


def test_1_2_1_a_failed_pod_is_ignored() -> None:
    assert group_of(facts(phase="Failed")) == "ignored"


def test_1_2_1_a_succeeded_pod_is_ignored_like_a_failed_one() -> None:
    # Deliberate: current upstream master ignores every terminal phase (≤1.34 did not, RC-09).
    assert group_of(facts(phase="Succeeded")) == "ignored"


def test_1_2_1_ignoring_comes_before_every_other_rule() -> None:
    assert group_of(facts(deleted=True, phase="Pending"), taken=None) == "ignored"
    assert group_of(facts(phase="Failed", ready=None), taken=None) == "ignored"


# --- step 2: Pending -----------------------------------------------------------------------------------------------


def test_1_2_2_a_pending_pod_counts_as_unready() -> None:
    assert group_of(facts(phase="Pending")) == "unready"


def test_1_2_2_a_pending_pod_is_unready_for_memory_too() -> None:
    assert group_of(facts(phase="Pending"), cpu=False) == "unready"


def test_1_2_2_a_pending_pod_without_a_sample_is_unready_not_missing() -> None:
    assert group_of(facts(phase="Pending"), taken=None) == "unready"


# --- step 3: missing -----------------------------------------------------------------------------------------------


def test_1_2_3_a_running_pod_without_a_sample_is_missing() -> None:
    assert group_of(facts(), taken=None) == "missing"


def test_1_2_3_missing_comes_before_the_cpu_readiness_rules() -> None:
    assert group_of(facts(ready=None, started=None), taken=None) == "missing"


# --- step 4: CPU readiness -----------------------------------------------------------------------------------------


def test_1_2_4_cpu_a_pod_without_a_ready_condition_is_unready() -> None:
    assert group_of(facts(ready=None)) == "unready"


def test_1_2_4_cpu_a_pod_without_a_start_time_is_unready() -> None:
    assert group_of(facts(started=None)) == "unready"


def test_1_2_4_cpu_a_not_ready_pod_still_initializing_is_unready() -> None:
    assert group_of(facts(started=-60, ready="False", ready_since=-50)) == "unready"


def test_1_2_4_cpu_a_sample_window_opening_before_the_pod_became_ready_is_unready() -> None:
    # Ready 30 s ago; the sample 10 s ago covers 60 s: 10 s ago < 30 s ago + 60 s.
    assert group_of(facts(started=-60, ready_since=-30), taken=-10, window=60) == "unready"


def test_1_2_4_cpu_a_sample_window_opening_exactly_at_readiness_is_trusted() -> None:
    # Strict comparison (GP-02): timestamp == readyTransitionTime + window is not "earlier than".
    assert group_of(facts(started=-120, ready_since=-70), taken=-10, window=60) == "ready"
    assert group_of(facts(started=-120, ready_since=-70), taken=-10.000000001, window=60) == "unready"


def test_1_2_4_cpu_a_ready_condition_of_unknown_status_is_not_false() -> None:
    assert group_of(facts(started=-120, ready="Unknown", ready_since=-100)) == "ready"


def test_1_2_4_cpu_initialization_ends_exactly_one_period_after_start() -> None:
    # Strict: start + 5 min == now is no longer "initializing", so a pod that was ready once is counted.
    was_ready_once = {"ready": "False", "ready_since": -200.0}
    assert group_of(facts(started=-300, **was_ready_once)) == "ready"  # type: ignore[arg-type]
    assert group_of(facts(started=-299.999999999, **was_ready_once)) == "unready"  # type: ignore[arg-type]


def test_1_2_4_cpu_after_initialization_a_pod_that_never_became_ready_is_unready() -> None:
    assert group_of(facts(started=-600, ready="False", ready_since=-590)) == "unready"


def test_1_2_4_cpu_the_initial_readiness_delay_is_strict() -> None:
    # GP-07: unready only when start + 30 s > readyTransitionTime.
    assert group_of(facts(started=-600, ready="False", ready_since=-570)) == "ready"
    assert group_of(facts(started=-600, ready="False", ready_since=-570.000000001)) == "unready"


def test_1_2_4_cpu_after_initialization_a_pod_that_was_ready_and_became_unready_is_counted() -> None:
    assert group_of(facts(started=-3600, ready="False", ready_since=-5)) == "ready"


def test_1_2_4_cpu_after_initialization_the_sample_window_is_not_checked() -> None:
    assert group_of(facts(started=-3600, ready_since=-1), taken=-10, window=60) == "ready"


def test_1_2_4_memory_skips_the_cpu_rules() -> None:
    assert group_of(facts(ready=None, started=None), cpu=False) == "ready"
    assert group_of(facts(started=-60, ready="False", ready_since=-50), cpu=False) == "ready"
    assert group_of(facts(started=-60, ready_since=-30), taken=-10, cpu=False) == "ready"


def test_1_2_5_ready_pods_are_counted() -> None:
    pods = [facts(), calculate.PodFacts("q", False, "Running", NOW_NS - 3600 * NS, "True", NOW_NS - 3540 * NS)]
    samples = {name: calculate.Sample(1, NOW_NS - 10 * NS, 60 * NS) for name in ("p", "q")}
    assert calculate.group(pods, samples, True, SETTINGS).ready == 2


# --- what grouping does to the replica count -----------------------------------------------------------------------


def scale_up_with(third_pod: Json, third_usage: Json | None = None, config: Json | None = None) -> int:
    """Two pods at 100 % of a 50 % target, and a third pod under test using 100 % as well."""
    pods, usages = fleet([1000, 1000])
    third = third_usage or usage("web-3", "1000m")
    doc = document(hpa(cpu(50)), 3, [*pods, third_pod], [*usages, third], history={}, config=config)
    return int(run(doc)["desiredReplicas"])


def test_1_2_a_ready_third_pod_takes_part_in_the_ratio() -> None:
    assert scale_up_with(pod("web-3")) == 6  # 3000·100/3000 = 100 % → ratio 2 → ceil(2 × 3)


def test_1_2_a_cpu_sample_taken_before_the_pod_became_ready_is_not_trusted() -> None:
    assert scale_up_with(pod("web-3", started=-60, ready_since=-30)) == 4


def test_1_2_a_cpu_pod_without_a_start_time_is_not_trusted() -> None:
    assert scale_up_with(pod("web-3", started=None)) == 4


def test_1_2_a_sample_without_a_window_covers_no_time() -> None:
    # Initializing, ready 30 s ago, sample 10 s ago over "" (0 s): -10 s ≥ -30 s + 0 → trusted.
    assert scale_up_with(pod("web-3", started=-60, ready_since=-30), usage("web-3", "1", window="")) == 6


def test_3_the_cpu_initialization_period_comes_from_the_config() -> None:
    # Started 60 s ago, ready 30 s ago, sample window 60 s: untrusted while initializing (5 min by default), counted
    # once a 30 s initialization period is over.
    starting = pod("web-3", started=-60, ready_since=-30)
    assert scale_up_with(starting) == 4
    assert scale_up_with(starting, config={"cpuInitializationPeriod": "30s"}) == 6


def test_3_the_initial_readiness_delay_comes_from_the_config() -> None:
    # Not ready since 10 s after its start 10 minutes ago: "never became ready" within the default 30 s delay,
    # "was ready once" within a 5 s delay.
    flapped = pod("web-3", started=-600, ready="False", ready_since=-590)
    assert scale_up_with(flapped) == 4
    assert scale_up_with(flapped, config={"initialReadinessDelay": "5s"}) == 6


def test_1_2_a_pending_pod_is_assumed_idle_on_a_scale_up() -> None:
    assert scale_up_with(pod("web-3", phase="Pending")) == 4


def test_1_2_a_deleted_pod_is_left_out_of_the_ratio_and_the_count() -> None:
    # web-1 and web-2 alone: ratio 2 → ceil(2 × 2) = 4 (the deleted pod is not even filled in as idle).
    assert scale_up_with(pod("web-3", deleted=True)) == 4


def test_1_2_a_finished_pod_is_left_out_of_a_scale_down() -> None:
    # Two pods at 100 % of a 100 % target stay put; counting the idle Failed pod would give 66 % → ceil(0.66 × 3) = 2.
    pods, usages = fleet([1000, 1000])
    for phase in ("Failed", "Succeeded"):
        finished = pod("web-3", phase=phase)
        answer = run(document(hpa(cpu(100)), 3, [*pods, finished], [*usages, usage("web-3", "0")], history={}))
        assert answer["desiredReplicas"] == 3


def test_1_2_ignored_pods_without_metrics_are_not_filled_in_like_missing_ones() -> None:
    # Two pods at 20 % of a 50 % target: ratio 0.4 → ceil(0.4 × 2) = 1. Were the deleted pod "missing", it would be
    # filled at 100 % of its request: 1400·100/3000 = 46 % → within tolerance → stay at 3.
    pods, usages = fleet([200, 200])
    answer = run(document(hpa(cpu(50)), 3, [*pods, pod("web-3", deleted=True)], usages, history={}))
    assert answer["desiredReplicas"] == 1


def test_1_2_a_not_ready_running_pod_counts_for_memory() -> None:
    # Memory skips step 4: 3 pods at 100 % of a 50 % target → ceil(2 × 3) = 6.
    pods = [pod(f"web-{i}", cpu=None, memory="100Mi", ready="False", ready_since=-5) for i in (1, 2, 3)]
    usages = [usage(f"web-{i}", memory="100Mi") for i in (1, 2, 3)]
    assert run(document(hpa(memory(50)), 3, pods, usages, history={}))["desiredReplicas"] == 6


def test_1_2_a_pending_pod_is_assumed_idle_on_a_memory_scale_up() -> None:
    pods = [pod(f"web-{i}", cpu=None, memory="100Mi") for i in (1, 2)] + [
        pod("web-3", cpu=None, memory="100Mi", phase="Pending")
    ]
    usages = [usage(f"web-{i}", memory="100Mi") for i in (1, 2, 3)]
    assert run(document(hpa(memory(50)), 3, pods, usages, history={}))["desiredReplicas"] == 4


def test_1_2_only_unready_samples_fail_with_did_not_receive_metrics() -> None:
    pods = [pod("web-1", phase="Pending"), pod("web-2", ready=None)]
    answer = run(document(hpa(), 2, pods, [usage("web-1", "1"), usage("web-2", "1")], history={}))
    message = "failed to get cpu utilization: did not receive metrics for targeted pods (pods might be unready)"
    assert answer["status"]["conditions"][1]["message"] == f"the HPA was unable to compute the replica count: {message}"


def test_1_2_very_old_timestamps_are_read_as_they_are() -> None:
    # A pod started in 1970 whose Ready condition carries Go's zero time: long initialized, ready → counted.
    old = pod("web-3")
    old["status"]["startTime"] = "1970-01-01T00:00:00Z"
    old["status"]["conditions"][0]["lastTransitionTime"] = "0001-01-01T00:00:00Z"
    assert scale_up_with(old) == 6


def test_1_2_a_ready_condition_without_transition_time_reads_as_go_zero_time() -> None:
    # Initializing, Ready True since "the zero time": the sample window is long past it, so the sample is trusted.
    assert scale_up_with(pod("web-3", started=-60, ready_since=None)) == 6


def test_1_2_the_explanation_counts_each_group() -> None:
    pods, usages = fleet([1000, 1000, None])
    pods += [pod("web-4", phase="Pending"), pod("web-5", deleted=True)]
    answer = run(document(hpa(), 5, pods, usages, history={}))
    # Ratio 2; web-3 (missing) and web-4 (unready) filled in idle: 2000·100/4000 = 50 % → within tolerance.
    assert "2 ready, 1 not yet ready, 1 without metrics, 1 ignored pods" in answer["explanation"][1]
    assert answer["desiredReplicas"] == 5

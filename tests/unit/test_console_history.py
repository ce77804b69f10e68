"""Stories of the console's memory: usage series bounded by retention and pod count, the journal in plain words, the
workload charts on one time axis, and the what-if replay through the autoscaler's own reconcile."""

from services import events
from services.console import detail, history, hpaform, journal, views, whatif

S = 1_000_000_000
T0 = 1_800_000_000 * S
MIB = 2**20


def rates(node: str, at: int, *pods: tuple[str, int, int]) -> events.NodeRatesComputed:
    """pods: (name, millicores, bytes) in namespace shop."""
    usage = events.NodeUsage(timestamp_ns=at, window_ns=15 * S, cpu_nanocores=2_000_000_000, memory_bytes=4 * MIB)
    return events.NodeRatesComputed(node=node, scraped_at_ns=at, node_usage=usage, pods=tuple(
        events.PodUsage(namespace="shop", name=name, timestamp_ns=at, window_ns=15 * S,
                        containers=(events.ContainerUsage(name="main", cpu_nanocores=cpu * 1_000_000, memory_bytes=mem),))
        for name, cpu, mem in pods))  # fmt: skip


def test_each_pod_keeps_a_series_and_its_latest_usage() -> None:
    usage = history.History(3600 * S, 100)
    usage.apply(rates("n1", T0, ("web-1", 100, MIB)))
    usage.apply(rates("n1", T0 + 15 * S, ("web-1", 300, 2 * MIB)))
    usage.apply(rates("n1", T0 + 15 * S, ("web-1", 999, 9 * MIB)))  # a replayed event changes nothing
    assert [(u.cpu_milli, u.memory_bytes) for u in usage.series[("shop", "web-1")].points()] == [
        (100, MIB),
        (300, 2 * MIB),
    ]
    assert usage.latest[("shop", "web-1")].cpu_milli == 999  # the newest view of the node wins
    assert usage.nodes["n1"] == history.NodeView(T0 + 15 * S, 2000, 4 * MIB, 1)


def test_a_pod_gone_from_its_node_has_no_current_usage_but_keeps_its_history() -> None:
    usage = history.History(3600 * S, 100)
    usage.apply(rates("n1", T0, ("web-1", 100, MIB), ("web-2", 100, MIB)))
    usage.apply(rates("n1", T0 + 15 * S, ("web-1", 100, MIB)))
    assert ("shop", "web-2") not in usage.latest
    assert ("shop", "web-2") in usage.series


def test_history_older_than_the_retention_is_dropped() -> None:
    usage = history.History(120 * S, 100)
    for i in range(20):
        usage.apply(rates("n1", T0 + i * 15 * S, ("web-1", i, MIB), *([("old-1", 1, MIB)] if i == 0 else [])))
    kept = usage.series[("shop", "web-1")].at_ns
    assert kept[0] >= T0 + 19 * 15 * S - 120 * S - 60 * S  # swept at most a minute late
    assert ("shop", "old-1") not in usage.series


def test_only_max_pods_get_a_series() -> None:
    usage = history.History(3600 * S, 2)
    usage.apply(rates("n1", T0, ("a", 1, 1), ("b", 1, 1), ("c", 1, 1)))
    assert sorted(usage.series) == [("shop", "a"), ("shop", "b")]
    assert ("shop", "c") in usage.latest


def decision(at: int, current: int, desired: int, **changes: object) -> events.ReplicasRecommended:
    metric = events.MetricEvaluated(type="Resource", resource="cpu", target="50%", proposal=8, utilization_percent=200,
                                    pods=(events.PodConsidered(name="web-1", group="ready", usage_milli=400, request_milli=200),))  # fmt: skip
    base = dict(namespace="shop", hpa="web", evaluated_at_ns=at, mode="actuate", trigger="rates", target_kind="Deployment",
                target_name="web", current_replicas=current, min_replicas=1, max_replicas=10, proposal=8, stabilized=8,
                desired_replicas=desired, scaled=desired != current, reason="cpu resource utilization (percentage of request) above target",
                able="ReadyForNewScale", limited="ScaleUpLimit", conditions=(), metrics=(metric,), explanation=())  # fmt: skip
    return events.ReplicasRecommended(**{**base, **changes})  # type: ignore[arg-type]


def test_a_decision_is_told_with_inputs_proposal_limits_and_result() -> None:
    told = journal.tell(decision(T0, 2, 6))
    assert told.result == "Scaled from 2 to 6 replicas: cpu resource utilization (percentage of request) above target."
    assert told.inputs == ("CPU: 200% of requests on average over 1 ready pods, target 50% → 8 replicas",)
    assert told.proposal == "Raw proposal: 8 replicas (the largest of the metrics)."
    assert told.limits == ("The scale-up policies allowed at most 6 replicas for now.",)


def test_stabilization_and_a_failed_metric_are_told_too() -> None:
    failed = events.MetricEvaluated(type="Resource", resource="memory", error="no metrics returned")
    told = journal.tell(decision(T0, 5, 5, proposal=2, stabilized=5, able="ScaleDownStabilized",
                                 limited="DesiredWithinRange", metrics=(failed,)))  # fmt: skip
    assert told.result == "Kept 5 replicas."
    assert told.inputs == ("Memory: no usable metric (no metrics returned)",)
    assert told.limits[0].startswith("The scale-down stabilization window held it at 5")


def test_the_journal_keeps_decisions_per_target_within_the_retention() -> None:
    kept = journal.Journal(600 * S)
    for i in range(60):
        kept.apply(decision(T0 + i * 15 * S, 2, 2))
    kept.apply(decision(T0, 2, 2))  # replayed: ignored
    found = kept.of_target("shop", "Deployment", "web")
    assert len(found) == 41 and found[-1].evaluated_at_ns == T0 + 59 * 15 * S
    assert kept.of_target("shop", "StatefulSet", "web") == []


def test_alike_evaluations_fold_into_one_journal_entry() -> None:
    entries = detail.journal_entries([decision(T0, 2, 6), decision(T0 + 15 * S, 6, 6), decision(T0 + 30 * S, 6, 6)])
    assert [(e["result"], e["repeats"]) for e in entries] == [("Kept 6 replicas.", 2), (entries[1]["result"], 1)]


def test_charts_share_one_time_axis_from_the_first_data() -> None:
    usage = history.History(3600 * S, 100)
    for i in range(4):
        usage.apply(rates("n1", T0 + i * 15 * S, ("web-abc12-xyz12", 100, MIB), *([("web-abc12-qwe34", 300, MIB)] if i >= 2 else [])))  # fmt: skip
    pods = detail.pods_in_history(usage, "shop", "Deployment", "web", [])
    chart = detail.charts(usage, [decision(T0 + 40 * S, 1, 2)], pods, "shop", T0 + 50 * S, 3600 * S)
    assert pods == ["web-abc12-qwe34", "web-abc12-xyz12"]
    assert chart["t"] == [(T0 + i * 15 * S) // S for i in range(4)]
    assert chart["cpu"]["sum"] == [100, 100, 400, 400]
    assert chart["replicas"] == {"reporting": [1, 1, 2, 2], "desired": [None, None, None, 2]}


def test_nodes_show_usage_against_allocatable_and_stale_rates() -> None:
    usage = history.History(3600 * S, 100)
    usage.apply(rates("n1", T0))
    node = {"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "4", "memory": "8Mi"}}}
    (fresh,) = views.node_rows([node], usage, T0 + 5 * S)
    (stale,) = views.node_rows([node], usage, T0 + 60 * S)
    (never,) = views.node_rows([{"metadata": {"name": "n2"}}], usage, T0)
    assert (fresh.cpu_percent, fresh.memory_percent, fresh.age_seconds, fresh.problem) == (50, 50, 5, "")
    assert stale.problem == "no fresh rates for 60s: scrapes are failing"
    assert never.problem == "not scraped yet"


def test_pages_hold_fifty_rows() -> None:
    shown, page = views.paginate(list(range(120)), 9)
    assert (shown[0], len(shown), page) == (100, 20, views.Page(3, 3, 120))


def test_what_if_replays_usage_through_the_autoscalers_reconcile() -> None:
    form = hpaform.HpaForm(name="web", namespace="shop", target_name="web", cpu_value="50", memory_value="",
                           max_replicas="10")  # fmt: skip
    loads = [whatif.Load(T0 + i * 15 * S, 1200 if i >= 4 else 100, 0) for i in range(10)]
    # 100m over 2 pods asking 200m is 25%: the 300 s scale-down window keeps 2; 1200m asks for 12, capped by the
    # default scale-up policies (+4 pods or +100 % per 15 s) to 6, then by maxReplicas to 10.
    assert whatif.replay(form, loads, 2, whatif.Requests(200, 0)) == [2, 2, 2, 2, 6, 10, 10, 10, 10, 10]


def test_requests_come_from_the_pod_template() -> None:
    workload = {"spec": {"template": {"spec": {"containers": [
        {"resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}, {"resources": {}}]}}}}  # fmt: skip
    assert whatif.template_requests(workload) == whatif.Requests(250, 64 * MIB)

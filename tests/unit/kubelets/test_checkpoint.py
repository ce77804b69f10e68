"""Stories of the counters' checkpoint: a restarted simulator carries on what the same runs counted before."""

import msgspec
import pytest

from sim.kubelets import body, checkpoint, cluster, objects
from tests.unit.kubelets.pods import T0, node, pod

SECOND = 10**9
CPU, START, NODE_CPU = body.CONTAINER_CPU, body.CONTAINER_START, "node_cpu_usage_seconds_total"


def listed(pods: list[objects.Pod], saved: dict[str, checkpoint.SavedNode] | None = None) -> cluster.Cluster:
    """A cluster model whose informers listed one node and these pods at T0, as a (re)started process builds it."""
    model = cluster.Cluster(SECOND, {p.metadata.key: p for p in pods}, {}, saved)
    for item in pods:
        model.pod_changed(None, item, T0)
    model.node_changed(None, node(), T0)
    model.forget_saved(T0)
    return model


def saved(model: cluster.Cluster, now_ns: int) -> dict[str, checkpoint.SavedNode]:
    """What a restarted process reads back from the checkpoint written at `now_ns`."""
    data = checkpoint.encode({n: checkpoint.save_node(m) for n, m in model.nodes.items()}, SECOND, now_ns)
    return checkpoint.decode(data, SECOND).nodes


def lines(model: cluster.Cluster, now_ns: int, *families: str) -> list[str]:
    """The body's lines of these families, as scraped at `now_ns`."""
    text = body.render(model.nodes["node-1"], now_ns).decode()
    found = [line for line in text.splitlines() if line.startswith(families)]
    assert found, families
    return found


def rate(first: str, second: str) -> float:
    """Cores between two lines of one series, as metrics-server computes them."""
    (_, first_value, first_ms), (_, second_value, second_ms) = first.split(), second.split()
    return (float(second_value) - float(first_value)) / ((int(second_ms) - int(first_ms)) / 1000)


PODS = [pod("web", ("app", "sidecar")), pod("db", restarts=2, annotations={"sim.flowmeter.dev/cpu": "300m"})]


def test_a_restarted_model_serves_exactly_what_the_process_would_have_served_had_it_lived() -> None:
    lived = listed(PODS)
    lines(lived, T0 + 10 * SECOND, CPU)  # the last scrape before the checkpoint and the kill

    restarted = listed(PODS, saved(lived, T0 + 11 * SECOND))

    for family in (CPU, START, NODE_CPU):
        assert lines(restarted, T0 + 20 * SECOND, family) == lines(lived, T0 + 20 * SECOND, family)


def test_a_counter_carried_on_from_before_a_scrape_the_checkpoint_missed_gives_that_scrape_a_true_rate() -> None:
    lived = listed(PODS)
    lines(lived, T0 + 10 * SECOND, CPU)
    checkpointed = saved(lived, T0 + 10 * SECOND)
    served = lines(lived, T0 + 14 * SECOND, CPU, NODE_CPU)  # served, then killed before the next checkpoint
    restarted = listed(PODS, checkpointed)

    after = lines(restarted, T0 + 25 * SECOND, CPU, NODE_CPU)

    told = lines(lived, T0 + 25 * SECOND, CPU, NODE_CPU)  # had it lived
    for old, new, true in zip(served, after, told, strict=True):
        assert rate(old, new) == pytest.approx(rate(old, true), rel=0.05), old


def test_a_container_in_a_new_run_or_a_recreated_pod_starts_as_new() -> None:
    lived = listed(PODS)
    lines(lived, T0 + 10 * SECOND, CPU)
    db = pod("db", restarts=2, annotations=PODS[1].metadata.annotations)
    db.metadata.uid = "another-db"  # deleted and created again under the same name
    changed = [pod("web", ("app", "sidecar"), restarts=1), db]

    restarted = listed(changed, saved(lived, T0 + 10 * SECOND))

    assert lines(restarted, T0 + 20 * SECOND, CPU) == lines(listed(changed), T0 + 20 * SECOND, CPU)
    assert lines(restarted, T0 + 20 * SECOND, NODE_CPU) == lines(lived, T0 + 20 * SECOND, NODE_CPU)


def test_a_node_whose_pods_are_gone_carries_on_its_own_counter_at_its_overhead_alone() -> None:
    lived = listed(PODS)
    lines(lived, T0 + 10 * SECOND, CPU)

    restarted = listed([], saved(lived, T0 + 10 * SECOND))

    model = restarted.nodes["node-1"]
    assert model.counter.value_ns == lived.nodes["node-1"].counter.value_ns
    assert model.counter.rate_nanocores == model.overhead_nanocores and model.saved == {} and restarted.saved == {}


def test_the_restart_faults_start_time_is_carried_on_too() -> None:
    lived = listed(PODS)
    lived.node_changed(node(), node(fault="restart"), T0 + 5 * SECOND)
    restarted = listed(PODS, saved(lived, T0 + 10 * SECOND))

    carried_on, fresh = lines(restarted, T0 + 20 * SECOND, START), lines(listed(PODS), T0 + 20 * SECOND, START)
    assert carried_on == lines(lived, T0 + 20 * SECOND, START) != fresh


def test_a_checkpoint_of_another_interval_or_version_or_no_checkpoint_at_all_is_refused() -> None:
    data = checkpoint.encode({}, SECOND, T0)
    with pytest.raises(checkpoint.Unusable, match="housekeeping interval"):
        checkpoint.decode(data, 2 * SECOND)
    newer = msgspec.msgpack.encode({"version": 2, "period_ns": SECOND, "written_ns": T0, "nodes": {}})
    with pytest.raises(checkpoint.Unusable, match="version 2"):
        checkpoint.decode(newer, SECOND)
    with pytest.raises(msgspec.DecodeError):
        checkpoint.decode(data[: len(data) // 2] + b"garbage", SECOND)

"""Kubelet faults of time and counters, side by side on their own nodes: a counter reset on restart, a clock an hour
ahead and ten minutes behind, a node back an hour later, and one node going through several failures in a row.
What is served stays sane, each change is logged once and counted, and every node recovers soon after."""

from dataclasses import dataclass

import pytest

from tests.faults import timeline as tl
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

RESTARTED, AHEAD, BEHIND, RETURNING, FLAPPING = "node-0021", "node-0022", "node-0023", "node-0024", "node-0025"
NODES_USED = (RESTARTED, AHEAD, BEHIND, RETURNING, FLAPPING)
CLOCK_RECOVERY_BOUND_S = 2 * tl.CYCLE + 5  # one sample without a window, one with, then the api
FAILURE_RECOVERY_BOUND_S = 3 * tl.CYCLE + 5  # a hanging scrape's timeout first
SCHEDULE = [  # (seconds from the start, node, fault)
    (0.0, RESTARTED, "restart"), (0.0, AHEAD, "skew=+1h"), (0.0, BEHIND, "skew=-10m"), (0.0, RETURNING, "down"),
    (0.0, FLAPPING, "down"),
    (2 * tl.CYCLE, RETURNING, "skew=+1h"), (2 * tl.CYCLE, FLAPPING, "malformed"),  # RETURNING is back, an hour later
    (4 * tl.CYCLE, FLAPPING, "hang"),
    (5.5 * tl.CYCLE, AHEAD, ""), (5.5 * tl.CYCLE, BEHIND, ""), (5.5 * tl.CYCLE, FLAPPING, ""),
    (5.5 * tl.CYCLE, RESTARTED, ""),
    (6 * tl.CYCLE, RETURNING, ""),
]  # fmt: skip
END_S = 6 * tl.CYCLE + FAILURE_RECOVERY_BOUND_S + 2


def sane(usage: tl.Usage, before: tl.Usage) -> bool:
    """CPU within 30 % and memory within 10 % of what was served before the fault."""
    return abs(usage.millicores - before.millicores) < 0.3 * before.millicores and (
        abs(usage.mebibytes - before.mebibytes) < 0.1 * before.mebibytes
    )


def offsets(timeline: tl.Timeline, node: str, start: float, end: float) -> list[float]:
    """Served timestamp minus the poll's time, while the fault lasted."""
    return [p.nodes[node].timestamp_s - p.wall_s for p in timeline.polls if start < p.at_s < end and node in p.nodes]


@dataclass
class Recording:
    """The schedule's timeline, with what was served before it and the scraper's log and counters around it."""

    timeline: tl.Timeline
    nodes: dict[str, tl.Usage]  # served before the faults
    containers: dict[tuple[str, str, str], tl.Usage]
    log: tl.ScraperLog
    metrics: tuple[str, str]  # the scraper's /metrics before and after

    def counted(self, family: str, reason: str) -> float:
        name = f"flowmeter_scrape_{family}_total"
        return tl.counter(self.metrics[1], name, reason) - tl.counter(self.metrics[0], name, reason)


@pytest.fixture(scope="module")
def recording(stack: Stack) -> Recording:
    """The schedule, run once for every test of this module."""
    nodes, containers = tl.served(stack, pods=True)
    timeline, log, before = tl.Timeline(stack, pods=True), tl.ScraperLog(stack), tl.scraper_metrics(stack)
    with tl.healed(stack, *NODES_USED):
        timeline.run([(at, timeline.fault(node, fault)) for at, node, fault in SCHEDULE], END_S)
    return Recording(timeline, nodes, containers, log, (before, tl.scraper_metrics(stack)))


def test_a_counter_reset_on_restart_never_gives_a_negative_or_huge_rate(stack: Stack, recording: Recording) -> None:
    timeline = recording.timeline
    pods = stack.json("get", "pods", "-A", f"--field-selector=spec.nodeName={RESTARTED}", "-o", "json")["items"]
    keys = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods}
    before = {key: usage for key, usage in recording.containers.items() if key[:2] in keys}
    assert before, f"{RESTARTED} has served containers"
    for poll in timeline.polls:
        for key, usage in poll.containers.items():
            if key in before:
                assert 0 <= usage.millicores <= 2 * before[key].millicores + 50, (poll.at_s, key, usage)

    def all_back(poll: tl.Poll) -> bool:
        return all(key in poll.containers and poll.containers[key].timestamp_s > timeline.started_wall_s + 1
                   for key in before)  # fmt: skip

    back = timeline.first(0.0, all_back)
    print(f"\nrestart: every container of {RESTARTED} served again {back}s after the counters were reset")
    assert back is not None and back <= CLOCK_RECOVERY_BOUND_S
    assert all(RESTARTED in poll.nodes for poll in timeline.polls), "the node's own counter did not reset"
    assert recording.log.lines(RESTARTED) == []


@pytest.mark.parametrize(("node", "offset_s", "reason"), [(AHEAD, 3600, "ClockAhead"), (BEHIND, -600, "ClockBehind")])
def test_a_kubelet_clock_off_serves_sane_usage_and_recovers_within_two_cycles_of_being_corrected(
    recording: Recording, node: str, offset_s: int, reason: str
) -> None:
    timeline = recording.timeline
    start, end = timeline.changes[node]
    assert all(sane(poll.nodes[node], recording.nodes[node]) for poll in timeline.polls if node in poll.nodes)
    shifted = offsets(timeline, node, start + 2.5 * tl.CYCLE, end)
    assert shifted and all(abs(offset - offset_s) < 3 * tl.CYCLE for offset in shifted), shifted
    shifted_back = timeline.first(
        start,
        lambda poll: node in poll.nodes and abs(poll.nodes[node].timestamp_s - poll.wall_s - offset_s) < 3 * tl.CYCLE,
    )
    recovered, lines, delta = (
        timeline.back(node, end),
        recording.log.lines(node),
        recording.counted("anomalies", reason),
    )
    print(
        f"\n{reason}: served {shifted_back:.1f}s after the jump, {recovered:.1f}s after the correction, counted {delta}"
    )
    assert recovered is not None and recovered <= CLOCK_RECOVERY_BOUND_S
    assert delta >= 3 and len(lines) == 2 and reason in lines[0] and "without anomalies again" in lines[1], lines


def test_a_node_back_after_an_hour_is_not_served_a_rate_across_the_hour(recording: Recording) -> None:
    timeline, before = recording.timeline, recording.nodes[RETURNING]
    down, back, corrected = timeline.changes[RETURNING]
    first = timeline.first(back, lambda poll: RETURNING in poll.nodes)
    served_back = [poll.nodes[RETURNING] for poll in timeline.since(back) if RETURNING in poll.nodes]
    print(f"\nback after an hour: served {first}s after its return: {served_back[:1]} (before: {before})")
    assert timeline.gone(RETURNING, down) is not None and first is not None and first <= CLOCK_RECOVERY_BOUND_S
    assert all(sane(usage, before) for usage in served_back)
    recovered = timeline.back(RETURNING, corrected)
    assert recovered is not None and recovered <= CLOCK_RECOVERY_BOUND_S
    lines = recording.log.lines(RETURNING)
    assert len(lines) == 4 and "reason=Connection" in lines[0] and "ClockAhead" in lines[2], lines


def test_one_node_through_several_failures_logs_each_change_once_and_its_recovery_once(recording: Recording) -> None:
    lines = recording.log.lines(FLAPPING)
    reasons = [line.split("reason=")[1].split(":")[0] for line in lines]
    recovered = recording.timeline.back(FLAPPING, recording.timeline.changes[FLAPPING][-1])
    print(f"\nflapping: {reasons}, back {recovered}s after the last fault was lifted")
    assert reasons == ["Connection", "Parse", "Timeout", "Timeout"] and "scraping node" in lines[-1], lines
    assert recovered is not None and recovered <= FAILURE_RECOVERY_BOUND_S
    assert all(recording.counted("failures", reason) >= 1 for reason in ("Connection", "Parse", "Timeout"))


def test_only_the_faulty_nodes_were_affected(recording: Recording) -> None:
    tl.assert_only_these_nodes_were_affected(recording.timeline, set(NODES_USED))

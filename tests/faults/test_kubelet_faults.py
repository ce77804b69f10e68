"""Kubelet faults from the simulator, each on its own node and all at once: only that node is affected, the scraper
logs each start and end once (not every cycle), `/metrics` counts it by reason, and the node is served again soon
after the fault is lifted. Clock skew, counter resets and a node back after an hour are in test_kubelet_clocks."""

import pytest

from tests.faults import timeline as tl
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

# node -> (fault, what /metrics counts it as, whether the node is still served)
FAULTS = {
    "node-0011": ("down", "failures:Connection", False),
    "node-0012": ("malformed", "failures:Parse", False),
    "node-0013": ("zero", "anomalies:IncompleteNode", False),
    "node-0014": ("slow=8s", "", True),  # just under the 9 s timeout
    "node-0015": ("slow=11s", "failures:Timeout", False),  # just over it
    "node-0016": ("hang", "failures:Timeout", False),
    "node-0017": ("duplicate", "anomalies:DuplicateSeries", True),
}
DETECTION_BOUND_S = tl.CYCLE + 9 + 3  # the next cycle, then the 9 s timeout of a slow or hanging scrape, then the api
HOLD_S = DETECTION_BOUND_S + 3 * tl.CYCLE  # then at least three cycles of the fault
RECOVERY_BOUND_S = 3 * tl.CYCLE + 5  # the hanging scrape's timeout, then two samples for a rate, then the api


def counted(metrics: str, what: str) -> float:
    family, _, reason = what.partition(":")
    return tl.counter(metrics, f"flowmeter_scrape_{family}_total", reason)


def test_each_kubelet_fault_affects_only_its_node_is_logged_once_and_counted(stack: Stack) -> None:
    before_nodes, _ = tl.served(stack)
    metrics, log, timeline = tl.scraper_metrics(stack), tl.ScraperLog(stack), tl.Timeline(stack)
    with tl.healed(stack, *FAULTS):
        actions = [(0.0, timeline.fault(node, fault)) for node, (fault, _, _) in FAULTS.items()]
        actions += [(HOLD_S, timeline.fault(node, "")) for node in FAULTS]
        timeline.run(actions, HOLD_S + RECOVERY_BOUND_S + 2)
    after = tl.scraper_metrics(stack)
    print(f"\n{'fault':<10} {'detected':>9} {'recovered':>10} {'counted':>8}  log lines")
    for node, (fault, what, still_served) in FAULTS.items():
        start, end = timeline.changes[node][0], timeline.changes[node][-1]
        detected, recovered = timeline.gone(node, start), timeline.back(node, end)
        lines, sharing = log.lines(node), sum(1 for _, counted_as, _ in FAULTS.values() if counted_as == what)
        delta = counted(after, what) - counted(metrics, what) if what else 0.0
        shown = f"{detected:>8.1f}s" if detected is not None else f"{'served':>9}"
        print(f"{fault:<10} {shown} {recovered or 0:>9.1f}s {delta:>8.0f}  {lines}")
        assert recovered is not None and recovered <= RECOVERY_BOUND_S, f"{fault} on {node}: served again late"
        during = [poll for poll in timeline.polls if start + DETECTION_BOUND_S < poll.at_s < end]
        if still_served:
            assert all(node in poll.nodes for poll in timeline.polls), f"{fault} on {node}: not served throughout"
            before, each = before_nodes[node], [poll.nodes[node] for poll in during]
            assert all(abs(u.millicores - before.millicores) < 0.3 * before.millicores for u in each), fault
            assert all(abs(u.mebibytes - before.mebibytes) < 0.1 * before.mebibytes for u in each), fault
        else:
            assert detected is not None and detected < DETECTION_BOUND_S, f"{fault} on {node}: still served"
            assert not any(node in poll.nodes for poll in during), f"{fault} on {node}: served during the fault"
        if what:
            # A scrape that times out after 9 s plus its jitter can outlast the 10 s cycle; the scraper then skips
            # that node for a cycle, so a timeout is counted every other cycle or so.
            cycles = 2 if what == "failures:Timeout" else 3
            assert delta >= cycles * sharing, f"{fault} on {node}: {what} counted {delta} times in three cycles"
            assert len(lines) == 2, f"{fault} on {node}: one line when it starts and one when it ends: {lines}"
        else:
            assert lines == [], f"{fault} on {node} is no failure: {lines}"
    overruns = [line for line in log.all() if "did not finish within the resolution" in line]
    assert len(overruns) <= 1, f"overrunning cycles are logged when they start, not every cycle: {overruns}"
    tl.assert_only_these_nodes_were_affected(timeline, set(FAULTS))

"""The autoscaler on the simulated cluster, driven by the real kubectl: it scales to what the HPA formula predicts,
waits out the scale-down window (even across its own restart), explains itself and keeps KubeSphere's labels."""

import os
import signal
import time
from typing import Any

import pytest
from nats.js.api import DeliverPolicy

from services import events
from tests.e2e.conftest import RESOLUTION_SECONDS, Stack
from tests.stack import eventually

pytestmark = pytest.mark.e2e
NS, DOWN_WINDOW = "scaling", 20


def replicas(stack: Stack) -> int:
    return int(stack.json("get", "deployment", "busy", "-n", NS, "-o", "json")["spec"]["replicas"])


def utilization(stack: Stack) -> int:
    return int(hpa(stack)["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"])


def hpa(stack: Stack) -> Any:
    return stack.json("get", "hpa", "busy", "-n", NS, "-o", "json")


@pytest.fixture(scope="module")
def busy(stack: Stack) -> Stack:
    """A Deployment whose total load is shared by its pods (200m requested each), and an HPA at 50% CPU."""
    stack.autoscaled(NS, "busy", "200m", 2, scaleDown={"stabilizationWindowSeconds": DOWN_WINDOW})
    eventually(
        lambda: (hpa(stack)["status"].get("currentMetrics") or [{}])[0].get("type") == "Resource",
        4 * RESOLUTION_SECONDS,
        "the HPA reporting its metric",
    )
    return stack


def test_an_hpa_at_target_keeps_its_replicas_and_reports_its_utilization(busy: Stack) -> None:
    status = hpa(busy)["status"]
    utilization = status["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
    assert 40 <= utilization <= 60 and status["currentReplicas"] == replicas(busy) == 2
    conditions = {c["type"]: c["reason"] for c in status["conditions"]}
    assert conditions["ScalingActive"] == "ValidMetricFound" and conditions["AbleToScale"] in (
        "ReadyForNewScale",
        "SucceededGetScale",
    )


def test_more_load_scales_to_the_count_the_formula_predicts(busy: Stack) -> None:
    busy.kubectl("annotate", "deployment", "busy", "-n", NS, "sim.flowmeter.dev/cpu-total=1200m", "--overwrite")
    # 1200m shared by pods requesting 200m at a 50% target: ceil(1200 / (200 × 0.5)) = 12 replicas.
    eventually(lambda: replicas(busy) == 12 and hpa(busy)["status"]["desiredReplicas"] == 12, 12 * RESOLUTION_SECONDS,
               "scaling up to 12")  # fmt: skip
    describe = busy.kubectl("describe", "hpa", "busy", "-n", NS).stdout
    assert "SuccessfulRescale" in describe and "New size: 12" in describe, describe
    assert "ScalingActive" in describe and "ValidMetricFound" in describe


def test_less_load_scales_down_only_after_the_window_even_if_the_autoscaler_restarts(busy: Stack) -> None:
    start = replicas(busy)
    busy.kubectl("annotate", "deployment", "busy", "-n", NS, "sim.flowmeter.dev/cpu-total=400m", "--overwrite")
    changed = time.monotonic()
    eventually(lambda: utilization(busy) < 40, 3 * RESOLUTION_SECONDS, "the autoscaler seeing the lower load")
    old = busy.pid("autoscaler")
    os.kill(old, signal.SIGKILL)
    eventually(lambda: busy.pid("autoscaler") != old, 30, "the autoscaler restarting")
    eventually(lambda: replicas(busy) < start, DOWN_WINDOW + 6 * RESOLUTION_SECONDS, "scaling down")
    waited = time.monotonic() - changed
    assert waited >= DOWN_WINDOW, f"scaled down after {waited:.1f}s, inside the {DOWN_WINDOW}s window"
    # 400m / 100m per pod at target = 4 replicas
    eventually(lambda: replicas(busy) == 4, 6 * RESOLUTION_SECONDS, "settling at 4")


def test_kubesphere_sees_labels_on_the_hpa_and_its_workload(busy: Stack) -> None:
    meta = hpa(busy)["metadata"]
    assert meta["labels"]["autoscaling.kubesphere.io/scale-target-kind"] == "Deployment"
    assert meta["labels"]["autoscaling.kubesphere.io/scale-target-name"] == "busy"
    assert meta["annotations"]["hpa.autoscaling.kubesphere.io/ready"] == "true"
    workload = busy.json("get", "deployment", "busy", "-n", NS, "-o", "json")["metadata"]
    assert workload["labels"]["hpa.autoscaling.kubesphere.io/managed"] == "true"


async def test_every_evaluation_is_in_the_decision_journal_with_its_inputs(busy: Stack) -> None:
    nc = await busy.nats()
    try:
        js = nc.jetstream()
        sub = await js.subscribe(  # naming the stream: the console user may not search streams by subject
            events.decision_subject(NS, "busy"),
            stream=events.DECISIONS.name,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )
        decisions = []
        while (msg := await sub.next_msg(timeout=5)).metadata.num_pending:
            decisions.append(events.DECISION_DECODER.decode(msg.data))
        await sub.unsubscribe()
    finally:
        await nc.drain()
    scaled = [d for d in decisions if d.scaled]
    assert scaled and all(d.metrics[0].pods and d.explanation for d in scaled)
    up = next(d for d in scaled if d.desired_replicas > d.current_replicas)
    assert (
        up.reason.startswith("cpu resource utilization (percentage of request) above target")
        and up.proposal is not None
    )

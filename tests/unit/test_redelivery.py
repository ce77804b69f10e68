"""Events delivered twice or out of order, as a replay or two replicas handing work over deliver them, fold to the same
result as in-order delivery: in the store (samples to rates), the api's read model and the autoscaler's usage view.

Each story generates one node's scrape history (samples with rising kubelet time, containers that restart, pods that
come and go, failed scrapes in between), delivers it in order and again shuffled with duplicates, and compares."""

import random
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from services import events
from services.api.readmodel import ReadModel
from services.autoscaler.usage import Usage
from services.store import rates

S = 1_000_000_000
RESOLUTION = 10 * S
NODE = "node-1"
PODS = ("web-a", "web-b", "batch")
T = TypeVar("T")


@st.composite
def histories(draw: st.DrawFn) -> list[events.SampleEvent]:
    """One node's scrapes, 10 s apart: samples or failures, in the order the scraper made them."""
    history: list[events.SampleEvent] = []
    started = {(pod, c): 0 for pod in PODS for c in ("main", "sidecar")}
    cpu = dict.fromkeys(started, 0.0)
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        scraped, kubelet_time = (100 + 10 * i) * S, (95 + 10 * i) * S  # the kubelet's stats are a few seconds old
        if draw(st.integers(min_value=0, max_value=6)) == 0:
            history.append(events.NodeScrapeFailed(node=NODE, scraped_at_ns=scraped, reason="Timeout", message="-"))
            continue
        pods = []
        for pod in draw(st.lists(st.sampled_from(PODS), unique=True, min_size=1)):
            containers = []
            for name in ("main", "sidecar")[: draw(st.integers(min_value=1, max_value=2))]:
                key = (pod, name)
                if draw(st.integers(min_value=0, max_value=5)) == 0:  # restarted: a new start time, counting from 0
                    started[key], cpu[key] = kubelet_time - draw(st.integers(min_value=1, max_value=20)) * S, 0.0
                cpu[key] += draw(st.floats(min_value=0, max_value=20))
                containers.append(
                    events.ContainerPoint(
                        name=name,
                        start_time_ns=started[key],
                        timestamp_ns=kubelet_time,
                        cpu_core_nanoseconds_total=int(cpu[key] * S),
                        memory_working_set_bytes=draw(st.integers(min_value=0, max_value=2**34)),
                    )
                )
            pods.append(events.PodPoint(namespace="default", name=pod, containers=tuple(containers)))
        node_point = events.NodePoint(
            timestamp_ns=kubelet_time, cpu_core_nanoseconds_total=int(sum(cpu.values()) * S), memory_working_set_bytes=1
        )
        history.append(events.NodeSampled(node=NODE, scraped_at_ns=scraped, node_point=node_point, pods=tuple(pods)))
    return history


def shuffled_with_duplicates(items: list[T], seed: int, newest_last: bool) -> list[T]:
    """Every item at least once, some twice, in a random order; with newest_last the last item comes last, once."""
    rng = random.Random(seed)
    head = items[:-1] if newest_last else list(items)
    delivered = head + rng.sample(head, k=rng.randint(0, len(head)))
    rng.shuffle(delivered)
    return [*delivered, items[-1]] if newest_last else delivered


def fold(samples: list[events.SampleEvent]) -> rates.NodeState | None:
    state = None
    for sample in samples:
        state = rates.apply(state, sample, RESOLUTION)
    return state


def published(history: list[events.SampleEvent]) -> list[events.NodeRatesComputed]:
    """The rates the store publishes after each scrape, in order."""
    states = [fold(history[: i + 1]) for i in range(len(history))]
    return [rates.rates(NODE, state, event.scraped_at_ns) for state, event in zip(states, history, strict=True)]


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers())
def test_the_store_folds_redelivered_and_late_samples_to_the_state_in_order_delivery_gives(
    history: list[events.SampleEvent], seed: int
) -> None:
    delivered = shuffled_with_duplicates(history, seed, newest_last=True)
    assert fold(delivered) == fold(history)
    assert rates.rates(NODE, fold(delivered), 0) == rates.rates(NODE, fold(history), 0)


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers())
def test_the_api_and_the_autoscaler_hold_the_newest_rates_whatever_order_they_arrive_in(
    history: list[events.SampleEvent], seed: int
) -> None:
    rates_events, now = published(history), history[-1].scraped_at_ns
    models = {order: ReadModel(max_age_ns=3 * RESOLUTION) for order in ("in order", "shuffled")}
    views = {order: Usage(max_age_ns=3 * RESOLUTION) for order in ("in order", "shuffled")}
    deliveries = {"in order": rates_events, "shuffled": shuffled_with_duplicates(rates_events, seed, newest_last=False)}
    for order, delivered in deliveries.items():
        for event in delivered:
            models[order].apply(event)
            views[order].apply(event)
    api, autoscaler = (
        [(m.scraped_at, m.node_usage, m.pod_usage) for m in models.values()],
        [v.pod_metrics("default", list(PODS), now) for v in views.values()],
    )
    assert api[0] == api[1] and autoscaler[0] == autoscaler[1]

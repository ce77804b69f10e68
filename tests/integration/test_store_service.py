"""`python -m services.store` against a real nats-server: samples in, rates out, and a restart loses nothing."""

import signal
import socket

import pytest
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from prometheus_client import CollectorRegistry

from services import events
from services.lib import jetstream, telemetry
from tests.processes import module

S = 1_000_000_000
BASE = 1_754_300_000 * S
METRICS = telemetry.stream_metrics(CollectorRegistry())


def sample(step: int, cpu_seconds: float) -> events.NodeSampled:
    at = BASE + step * 10 * S
    container = events.ContainerPoint(
        name="nginx",
        start_time_ns=BASE - 3600 * S,
        timestamp_ns=at,
        cpu_core_nanoseconds_total=int(cpu_seconds * S),
        memory_working_set_bytes=64 * 2**20,
    )
    node = events.NodePoint(
        timestamp_ns=at, cpu_core_nanoseconds_total=int(cpu_seconds * 4 * S), memory_working_set_bytes=2**31
    )
    pod = events.PodPoint(namespace="shop", name="web-1", containers=(container,))
    return events.NodeSampled(node="node-1.zone-a", scraped_at_ns=at + S, node_point=node, pods=(pod,))


async def publish(js: JetStreamContext, event: events.NodeSampled) -> None:
    await jetstream.publish(js, event, METRICS)


async def test_the_store_publishes_rates_and_rebuilds_its_windows_from_the_stream_after_a_kill(
    nats_url: str, js: JetStreamContext
) -> None:
    await jetstream.ensure_stream(js, events.SAMPLES)
    await jetstream.ensure_stream(js, events.RATES)
    rates = await js.subscribe(
        events.RATES.subject("node-1.zone-a"), ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
    )

    async def next_rates() -> events.NodeRatesComputed:
        return events.RATE_DECODER.decode((await rates.next_msg(timeout=20)).data)

    with module(
        "services.store", "--nats-url", nats_url, "--metric-resolution", "10s", "--metrics-bind-address=127.0.0.1:0"
    ) as store:
        await publish(js, sample(0, 100.0))
        assert (await next_rates()).node_usage is None  # one point is not a rate yet
        await publish(js, sample(1, 102.5))
        second = await next_rates()
        assert second.node_usage is not None and second.node_usage.cpu_nanocores == 1_000_000_000
        assert second.pods[0].containers[0].cpu_nanocores == 250_000_000
        store.kill(signal.SIGKILL)

    with module(
        "services.store", "--nats-url", nats_url, "--metric-resolution", "10s", "--metrics-bind-address=127.0.0.1:0"
    ) as store:
        await publish(js, sample(2, 105.0))
        third = await next_rates()
        assert third.pods[0].window_ns == 10 * S, "the restarted store must know the previous sample from the stream"
        assert third.pods[0].containers[0].cpu_nanocores == 250_000_000
        assert store.stop() == 0
    await rates.unsubscribe()


@pytest.mark.parametrize("argv", [["--metric-resolution=5s"], ["--no-such-flag"]])
def test_the_store_refuses_bad_configuration_before_connecting(argv: list[str]) -> None:
    with module("services.store", *argv) as store:
        assert store.popen.wait(timeout=20) != 0
        assert "store: --metric-resolution must be at least 10s" in store.log or "unrecognized arguments" in store.log


def test_the_store_says_which_address_is_taken_when_it_cannot_listen(nats_url: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        with module("services.store", "--nats-url", nats_url, f"--metrics-bind-address={address}") as store:
            assert store.popen.wait(timeout=20) == 1
            assert f"store: cannot listen on {address}: Address already in use" in store.log
            assert "Traceback" not in store.log

"""`python -m services.store` against a real nats-server: samples in, rates out, and a restart loses nothing."""

import asyncio
import signal
import socket

import httpx
import msgspec
import pytest
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from prometheus_client import CollectorRegistry

from services import events
from services.lib import jetstream, telemetry
from tests.processes import module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def node_sample(node: str, step: int) -> events.NodeSampled:
    """The nginx pod's node sample at `step`, moved to `node`, at 0.25 cores."""
    return msgspec.structs.replace(sample(step, 100.0 + 2.5 * step), node=node)


def partitions_taken(port: int) -> int:
    """What the store on this probes port reports folding; -1 while it does not answer yet."""
    try:
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    except httpx.TransportError:
        return -1
    lines = metrics.splitlines()
    return int(float(next(line.split()[1] for line in lines if line.startswith("flowmeter_store_partitions "))))


async def split(ports: list[int]) -> list[int]:
    """The partitions each store takes, once every partition has exactly one: the stores are other processes that
    agree through NATS, so poll their /metrics with a deadline."""
    async with asyncio.timeout(60):
        while True:
            taken = [partitions_taken(port) for port in ports]
            if min(taken) > 0 and sum(taken) == events.SAMPLES.partitions:
                return taken
            await asyncio.sleep(0.2)


async def test_two_stores_split_the_partitions_and_the_survivor_takes_them_all_when_the_other_is_killed(
    nats_url: str, js: JetStreamContext
) -> None:
    nodes = [f"node-{i}" for i in range(40)]
    await jetstream.ensure_stream(js, events.SAMPLES)
    await jetstream.ensure_stream(js, events.RATES)
    rates = await js.subscribe(f"{events.RATES.prefix}.>", ordered_consumer=True, deliver_policy=DeliverPolicy.NEW)

    async def rates_of_every_node(step: int) -> None:
        """Until every node's rates follow the sample at `step` (over the 10 s window before it)."""
        waiting = set(nodes)
        while waiting:
            event = events.RATE_DECODER.decode((await rates.next_msg(timeout=40)).data)
            if event.scraped_at_ns == BASE + step * 10 * S + S and event.pods and event.pods[0].window_ns == 10 * S:
                waiting.discard(event.node)

    ports = [free_port(), free_port()]
    flags = ("--nats-url", nats_url, "--metric-resolution", "10s")
    try:
        with (
            module("services.store", *flags, "--replica-name=a", f"--metrics-bind-address=127.0.0.1:{ports[0]}") as a,
            module("services.store", *flags, "--replica-name=b", f"--metrics-bind-address=127.0.0.1:{ports[1]}") as b,
        ):
            shares = await split(ports)
            for step in (0, 1):
                for node in nodes:
                    await publish(js, node_sample(node, step))
            await rates_of_every_node(1)
            b.kill(signal.SIGKILL)
            for node in nodes:
                await publish(js, node_sample(node, 2))
            await rates_of_every_node(2)  # b's nodes too: a took over its partitions once b's membership expired
            survivor = partitions_taken(ports[0])
            assert a.stop() == 0, a.log
    finally:
        await rates.unsubscribe()

    assert all(0 < share < events.SAMPLES.partitions for share in shares), shares
    assert survivor == events.SAMPLES.partitions

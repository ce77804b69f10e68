"""Scraper replicas share the simulated cluster's nodes through the membership bucket: going from 1 to 2 to 3 and
back to 2 replicas divides the nodes by rendezvous hashing, and no node ever waits more than a resolution for its
next sample, even while a replica joins or leaves."""

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.aio.msg import Msg

from services import events
from services.lib import rendezvous
from tests.integration.kubelets.conftest import Sim, Stderr, module, simulated

NODES = 24
RESOLUTION = 10.0
SLACK = 1.5  # jitter of a 24-node tick, the event loop's scheduling, and process start-up


@dataclass
class Scrape:
    node: str
    scraper: str
    at: float  # when it reached NATS, by this process's monotonic clock


class Recorder:
    """Every sample published, in arrival order, with a way to await the next scrape of every node."""

    def __init__(self) -> None:
        self.scrapes: list[Scrape] = []
        self._arrived = asyncio.Condition()

    async def on_message(self, msg: Msg) -> None:
        event = events.SAMPLE_DECODER.decode(msg.data)
        assert isinstance(event, events.NodeSampled), event
        async with self._arrived:
            self.scrapes.append(Scrape(event.node, event.scraper, time.monotonic()))
            self._arrived.notify_all()

    async def every_node_scraped_twice_after(self, since: float) -> None:
        def done() -> bool:
            counts: dict[str, int] = defaultdict(int)
            for scrape in self.scrapes:
                if scrape.at > since:
                    counts[scrape.node] += 1
            return len(counts) == NODES and min(counts.values()) >= 2

        async with asyncio.timeout(4 * RESOLUTION), self._arrived:
            await self._arrived.wait_for(done)

    def owners(self, until: float) -> dict[str, str]:
        """Who scraped each node last before `until`."""
        return {scrape.node: scrape.scraper for scrape in self.scrapes if scrape.at <= until}

    def longest_wait(self) -> tuple[float, str]:
        """The longest time any node waited for its next sample, and which node."""
        last: dict[str, float] = {}
        longest = (0.0, "")
        for scrape in self.scrapes:
            if scrape.node in last:
                longest = max(longest, (scrape.at - last[scrape.node], scrape.node))
            last[scrape.node] = scrape.at
        return longest


@contextlib.asynccontextmanager
async def scraper(sim: Sim, nats_url: str, name: str) -> AsyncIterator[Stderr]:
    flags = (f"--nats-url={nats_url}", f"--kubeconfig={sim.layout.service_kubeconfig('scraper')}",
             f"--metric-resolution={RESOLUTION:g}s", "--kubelet-request-timeout=5s", "--kubelet-use-node-status-port",
             "--kubelet-preferred-address-types=InternalIP", "--metrics-bind-address=127.0.0.1:0",
             f"--replica-name={name}")  # fmt: skip
    async with module("services.scraper", *flags) as (process, stderr):
        yield stderr
    assert process.returncode == 0, "\n".join(stderr.lines)
    assert not [line for line in stderr.lines if "Traceback" in line], "\n".join(stderr.lines)


async def test_replicas_one_two_three_two_divide_the_nodes_and_leave_none_without_a_sample(
    tmp_path: Path, nats_url: str
) -> None:
    recorder, phases = Recorder(), []
    nc = await nats.connect(nats_url)
    await nc.subscribe(f"{events.SAMPLES.prefix}.>", cb=recorder.on_message)
    try:
        async with simulated(tmp_path, nodes=NODES, pods_per_node=1) as sim, contextlib.AsyncExitStack() as cleanup:
            running: dict[str, contextlib.AsyncExitStack] = {}

            async def start(name: str) -> None:
                running[name] = await cleanup.enter_async_context(contextlib.AsyncExitStack())
                await running[name].enter_async_context(scraper(sim, nats_url, name))

            async def settle() -> None:
                await recorder.every_node_scraped_twice_after(time.monotonic())
                phases.append((set(running), recorder.owners(time.monotonic())))

            for name in ("scraper-1", "scraper-2", "scraper-3"):
                await start(name)
                await settle()
            await running.pop("scraper-2").aclose()  # SIGTERM: it leaves the membership as it stops
            await settle()
    finally:
        await nc.drain()

    for live, owners in phases:
        expected = {node: rendezvous.owner(node, live) for node in owners}
        assert owners == expected, f"with {sorted(live)} the nodes were scraped by the wrong replicas"
        shares = {name: sum(1 for who in owners.values() if who == name) for name in live}
        assert all(share > 0 for share in shares.values()) and sum(shares.values()) == NODES, shares
    wait, node = recorder.longest_wait()
    assert wait <= RESOLUTION + SLACK, f"{node} waited {wait:.1f}s for a sample"

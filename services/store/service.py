"""The store's I/O: take a share of the SAMPLES partitions, rebuild their fold from the stream, then publish each
node's rates as samples arrive."""

import asyncio
import contextlib
import functools
import logging

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from prometheus_client import CollectorRegistry, Gauge
from starlette.applications import Starlette

from services import events
from services.lib import health, jetstream, lifecycle, rendezvous, telemetry, web
from services.lib.membership import Membership
from services.lib.publisher import Publisher
from services.store import rates
from services.store.config import Config


class Store:
    """Owns the fold state of the nodes in the partitions this replica takes; mutated only by message handlers."""

    def __init__(
        self, config: Config, js: JetStreamContext, registry: CollectorRegistry, logger: logging.Logger
    ) -> None:
        self.js, self.logger = js, logger
        self.resolution_ns = round(config.metric_resolution * 1e9)
        self.states: dict[str, rates.NodeState] = {}
        self.replayed = asyncio.Event()  # the partitions taken at start are replayed
        self.streams = telemetry.stream_metrics(registry)
        self.publisher = Publisher(js, self.streams, registry, logger)
        self.followed: dict[int, Partition] = {}
        self._points: dict[str, tuple[int, int]] = {}  # node -> its (nodes, containers) with a prev point
        self._totals = [0, 0]
        storage = Gauge(
            "metrics_server_storage_points", "[ALPHA] Points with a prev, by type", ["type"], registry=registry
        )
        storage.labels("node").set_function(lambda: self._totals[0])
        storage.labels("container").set_function(lambda: self._totals[1])
        taken = Gauge("flowmeter_store_partitions", "SAMPLES partitions this replica folds", registry=registry)
        taken.set_function(lambda: len(self.followed))

    async def handle(self, partition: "Partition", msg: Msg) -> None:
        """Fold one sample event of a partition; once the partition is replayed, publish the node's new rates."""
        try:
            event = events.SAMPLE_DECODER.decode(msg.data)
        except msgspec.DecodeError as error:
            self.streams.undecodable.labels(events.SAMPLES.name).inc()
            self.logger.error(
                "dropping undecodable event subject=%s seq=%s: %s", msg.subject, msg.metadata.sequence.stream, error
            )
            return
        if self.followed.get(partition.number) is not partition:
            return  # a message in flight for a partition just let go
        old = self.states.get(event.node)
        new = rates.apply(old, event, self.resolution_ns)
        if new is old and event.node in self.states:
            return  # a scrape we have already applied
        self.states[event.node] = new
        self._count(event.node, new)
        if partition.replayed.is_set():
            self.publish(event.node)

    def _count(self, node: str, state: rates.NodeState | None) -> None:
        before, after = self._points.get(node, (0, 0)), rates.points(state)
        self._points[node] = after
        self._totals = [self._totals[0] + after[0] - before[0], self._totals[1] + after[1] - before[1]]

    @property
    def ready(self) -> bool:
        """Upstream's storage readiness: some node and some container can be served."""
        return self._totals[0] > 0 and self._totals[1] > 0

    def publish(self, node: str) -> None:
        """Publish the node's complete rates; a failure is logged and the next sample publishes again."""
        state = self.states.get(node)
        self.publisher.publish(rates.rates(node, state, state.scraped_at_ns if state else 0))

    async def take(self, number: int) -> None:
        """Replay a partition's retained samples, then publish each of its nodes once and follow it live. The rates
        a previous owner already published carry the same identity, so JetStream stores them once."""
        partition = Partition(number)
        self.followed[number] = partition
        subject = events.SAMPLES.partition_subject(number)
        partition.subscription = await jetstream.follow(
            self.js,
            events.SAMPLES,
            DeliverPolicy.ALL,
            functools.partial(self.handle, partition),
            partition.replayed,
            self.streams,
            subject,
        )
        await partition.replayed.wait()
        for node in self._nodes_in(number):
            self.publish(node)

    async def let_go(self, number: int) -> None:
        """Stop following a partition another replica now takes, and forget its nodes."""
        partition = self.followed.pop(number, None)
        if partition is None:
            return
        if partition.subscription is not None:
            await partition.subscription.unsubscribe()
        for node in self._nodes_in(number):
            del self.states[node]
            self._count(node, None)
            del self._points[node]

    def _nodes_in(self, number: int) -> list[str]:
        return [node for node in self.states if events.partition(node, events.SAMPLES.partitions) == number]


class Partition:
    """One followed partition of SAMPLES."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.replayed = asyncio.Event()
        self.subscription: JetStreamContext.PushSubscription | None = None


class Partitions:
    """Keeps the store following exactly the partitions rendezvous hashing gives it among the live store replicas."""

    def __init__(self, store: Store, membership: Membership, me: str, logger: logging.Logger) -> None:
        self.store, self.membership, self.me, self.logger = store, membership, me, logger
        self.changed = asyncio.Event()

    def wanted(self) -> set[int]:
        numbers = [str(number) for number in range(events.SAMPLES.partitions)]
        return {int(number) for number in rendezvous.share(numbers, self.membership.live, self.me)}

    async def run(self) -> None:
        """Take and let go of partitions whenever the membership changes; the first round is the start-up replay."""
        await self.membership.watching.wait()
        while True:
            self.changed.clear()
            wanted, followed = self.wanted(), set(self.store.followed)
            for number in sorted(followed - wanted):
                await self.store.let_go(number)
            await asyncio.gather(*(self.store.take(number) for number in sorted(wanted - followed)))
            self.membership.share = len(self.store.followed)
            if followed != wanted:
                self.logger.info("folding partitions %s of %d", sorted(wanted), events.SAMPLES.partitions)
            if not self.store.replayed.is_set():
                self.store.replayed.set()
                self.logger.info("replayed samples of %d nodes; publishing live", len(self.store.states))
            await self.changed.wait()


def checks(store: Store, membership: Membership, nc: Client) -> health.Checks:
    """The named checks behind /livez, /readyz and /healthz."""

    def ping() -> str | None:
        return None

    def nats_connected() -> str | None:
        return None if nc.is_connected else "not connected to NATS"

    def replayed() -> str | None:
        return None if store.replayed.is_set() else "SAMPLES stream not replayed yet"

    def storage_ready() -> str | None:
        return None if store.ready else "no metrics to serve"

    def membership_known() -> str | None:
        return None if membership.watching.is_set() else "store replicas not known yet"

    readyz = {
        "ping": ping,
        "nats-connection": nats_connected,
        "store-membership": membership_known,
        "samples-replayed": replayed,
        "metric-storage-ready": storage_ready,
    }
    return {"livez": {"ping": ping}, "readyz": readyz, "healthz": {"ping": ping}}


async def run(config: Config, logger: logging.Logger) -> None:
    """Follow SAMPLES and publish RATES until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    registry = telemetry.registry()
    probes_socket = web.bind(config.metrics_bind_address)
    async with contextlib.AsyncExitStack() as stack:
        nc = await jetstream.connect(config, "store", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        await jetstream.ensure_stream(js, events.RATES)
        await jetstream.await_stream(js, events.SAMPLES, logger)
        store = Store(config, js, registry, logger)
        stack.push_async_callback(store.publisher.close)
        me = lifecycle.replica_name(config.replica_name)
        membership = Membership(events.STORE_BUCKET, me, config.metric_resolution, logger)
        partitions = Partitions(store, membership, me, logger)
        membership.on_change = partitions.changed.set
        probes = Starlette(routes=health.routes(checks(store, membership, nc), registry))
        tasks = {"membership": membership.run(js), "partitions": partitions.run()}
        await asyncio.gather(
            web.serve_probes(probes, probes_socket, stop), lifecycle.run_until_stopped(tasks, stop, logger)
        )

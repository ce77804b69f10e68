"""The store's I/O: rebuild the fold from the SAMPLES stream, then publish each node's rates as samples arrive."""

import asyncio
import contextlib
import logging

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from prometheus_client import CollectorRegistry, Gauge
from starlette.applications import Starlette

from services import events
from services.lib import health, jetstream, lifecycle, telemetry, web
from services.store import rates
from services.store.config import Config


class Store:
    """Owns every node's fold state; mutated only by the subscription's message handler."""

    def __init__(
        self, config: Config, js: JetStreamContext, registry: CollectorRegistry, logger: logging.Logger
    ) -> None:
        self.js, self.logger = js, logger
        self.resolution_ns = round(config.metric_resolution * 1e9)
        self.states: dict[str, rates.NodeState | None] = {}
        self.replayed = asyncio.Event()
        self.streams = telemetry.stream_metrics(registry)
        self._points: dict[str, tuple[int, int]] = {}  # node -> its (nodes, containers) with a prev point
        self._totals = [0, 0]
        storage = Gauge(
            "metrics_server_storage_points", "[ALPHA] Points with a prev, by type", ["type"], registry=registry
        )
        storage.labels("node").set_function(lambda: self._totals[0])
        storage.labels("container").set_function(lambda: self._totals[1])

    async def handle(self, msg: Msg) -> None:
        """Fold one sample event; once the replay is done, publish the node's new rates."""
        try:
            event = events.SAMPLE_DECODER.decode(msg.data)
        except msgspec.DecodeError as error:
            self.streams.undecodable.labels(events.SAMPLES.name).inc()
            self.logger.error(
                "dropping undecodable event subject=%s seq=%s: %s", msg.subject, msg.metadata.sequence.stream, error
            )
            return
        old = self.states.get(event.node)
        new = rates.apply(old, event, self.resolution_ns)
        if new is old and event.node in self.states:
            return  # a scrape we have already applied
        self.states[event.node] = new
        self._count(event.node, new)
        if self.replayed.is_set():
            await self.publish(event.node)

    def _count(self, node: str, state: rates.NodeState | None) -> None:
        before, after = self._points.get(node, (0, 0)), rates.points(state)
        self._points[node] = after
        self._totals = [self._totals[0] + after[0] - before[0], self._totals[1] + after[1] - before[1]]

    @property
    def ready(self) -> bool:
        """Upstream's storage readiness: some node and some container can be served."""
        return self._totals[0] > 0 and self._totals[1] > 0

    async def publish(self, node: str) -> None:
        """Publish the node's complete rates; a failure is logged and the next sample publishes again."""
        state = self.states.get(node)
        event = rates.rates(node, state, state.scraped_at_ns if state else 0)
        try:
            await jetstream.publish(self.js, event, self.streams)
        except jetstream.PUBLISH_ERRORS as error:
            self.logger.warning("publish failed node=%s: %s", node, error)

    async def publish_all_after_replay(self) -> None:
        """After the replay, publish every node once, so RATES reflects what the replay rebuilt."""
        await self.replayed.wait()
        for node in list(self.states):
            await self.publish(node)
        self.logger.info("replayed samples of %d nodes; publishing live", len(self.states))


def checks(store: Store, nc: Client) -> health.Checks:
    """The named checks behind /livez, /readyz and /healthz."""

    def ping() -> str | None:
        return None

    def nats_connected() -> str | None:
        return None if nc.is_connected else "not connected to NATS"

    def replayed() -> str | None:
        return None if store.replayed.is_set() else "SAMPLES stream not replayed yet"

    def storage_ready() -> str | None:
        return None if store.ready else "no metrics to serve"

    readyz = {
        "ping": ping,
        "nats-connection": nats_connected,
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
        await jetstream.follow(js, events.SAMPLES, DeliverPolicy.ALL, store.handle, store.replayed, store.streams)
        probes = Starlette(routes=health.routes(checks(store, nc), registry))
        await asyncio.gather(
            web.serve_probes(probes, probes_socket, stop),
            lifecycle.run_until_stopped({"publish-after-replay": store.publish_all_after_replay()}, stop, logger),
        )

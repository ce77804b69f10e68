"""The store's I/O: rebuild the fold from the SAMPLES stream, then publish each node's rates as samples arrive."""

import asyncio
import contextlib
import logging

import msgspec
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from services import events
from services.lib import jetstream, lifecycle
from services.store import rates
from services.store.config import Config


class Store:
    """Owns every node's fold state; mutated only by the subscription's message handler."""

    def __init__(self, config: Config, js: JetStreamContext, logger: logging.Logger) -> None:
        self.js, self.logger = js, logger
        self.resolution_ns = round(config.metric_resolution * 1e9)
        self.states: dict[str, rates.NodeState | None] = {}
        self.replayed = asyncio.Event()

    async def handle(self, msg: Msg) -> None:
        """Fold one sample event; once the replay is done, publish the node's new rates."""
        try:
            event = events.SAMPLE_DECODER.decode(msg.data)
        except msgspec.DecodeError as error:
            self.logger.error(
                "dropping undecodable event subject=%s seq=%s: %s", msg.subject, msg.metadata.sequence.stream, error
            )
            return
        old = self.states.get(event.node)
        new = rates.apply(old, event, self.resolution_ns)
        if new is old and event.node in self.states:
            return  # a scrape we have already applied
        self.states[event.node] = new
        if self.replayed.is_set():
            await self.publish(event.node)

    async def publish(self, node: str) -> None:
        """Publish the node's complete rates; a failure is logged and the next sample publishes again."""
        state = self.states.get(node)
        scraped_at_ns = state.scraped_at_ns if state else 0
        try:
            await jetstream.publish(self.js, events.rates_subject(node), rates.rates(node, state, scraped_at_ns))
        except Exception as error:
            self.logger.warning("publish failed node=%s: %s", node, error)

    async def publish_all_after_replay(self) -> None:
        """After the replay, publish every node once, so RATES reflects what the replay rebuilt."""
        await self.replayed.wait()
        for node in list(self.states):
            await self.publish(node)
        self.logger.info("replayed samples of %d nodes; publishing live", len(self.states))


async def run(config: Config, logger: logging.Logger) -> None:
    """Follow SAMPLES and publish RATES until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    async with contextlib.AsyncExitStack() as stack:
        nc = await jetstream.connect(config.nats_url, "store", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        for spec in (events.SAMPLES, events.RATES):
            await jetstream.ensure_stream(js, spec)
        store = Store(config, js, logger)
        await jetstream.follow(js, events.SAMPLES, DeliverPolicy.ALL, store.handle, store.replayed)
        await lifecycle.run_until_stopped({"publish-after-replay": store.publish_all_after_replay()}, stop, logger)

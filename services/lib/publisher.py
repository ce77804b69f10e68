"""Publishing at scale: events go out in small batches, and each PubAck is checked when it arrives.

Two costs dominate a replica that publishes one event per node per cycle, and neither is the event itself:
- Awaiting every ack costs nats-py about 170 µs of CPU a message (a request inbox, a flush, a wake-up); with the
  acks checked as they come it is about 40 µs.
- Every write wakes nats-server and then each consumer for one message. Events that wait up to LINGER_SECONDS go
  out in one write, reach the store in one read, and the store's rates reach the api the same way: measured on the
  store alone, 1.4 ms of CPU a sample when samples came one at a time and 0.5 ms when they came in bursts.

Nothing is given up: JetStream still acknowledges every event, and an ack that carries an error, or that does not
come in time, is logged and counted exactly as a failed awaited publish was. The event then misses this cycle; the
next cycle publishes the node again.
"""

import asyncio
import collections
import contextlib
import functools
import logging
import time

from nats.js import JetStreamContext
from nats.js.api import PubAck
from prometheus_client import CollectorRegistry, Counter

from services import events
from services.lib.jetstream import PUBLISH_ERRORS
from services.lib.telemetry import StreamMetrics

ACK_TIMEOUT_SECONDS = 5.0
LINGER_SECONDS = 0.05  # well inside the 1 s from scrape to api that DESIGN.md allows


class Publisher:
    """Publishes events on their streams with their identity as `Nats-Msg-Id`, so a retried event is stored once.
    `close()` sends whatever still lingers."""

    def __init__(
        self, js: JetStreamContext, metrics: StreamMetrics, registry: CollectorRegistry, logger: logging.Logger
    ) -> None:
        self.js, self.metrics, self.logger = js, metrics, logger
        self.failed = Counter(
            "flowmeter_events_publish_failed",
            "Events JetStream did not acknowledge, by stream",
            ["stream"],
            registry=registry,
        )
        self._lingering: collections.deque[events.Event] = collections.deque()
        self._sender: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()  # ends the linger at once
        self._in_flight: collections.deque[tuple[float, asyncio.Future[PubAck]]] = collections.deque()

    def publish(self, event: events.Event) -> None:
        """Queue one event; it is sent within LINGER_SECONDS together with the others queued meanwhile."""
        self._lingering.append(event)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_after_linger(), name="publish-batch")

    async def close(self) -> None:
        """Send what lingers now, on shutdown."""
        self._closing.set()
        if self._sender is not None:
            await self._sender

    async def _send_after_linger(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), LINGER_SECONDS)
        self._sender = None  # events queued from now on start the next batch
        await self._send_lingering()

    async def _send_lingering(self) -> None:
        self._expire(time.monotonic())
        while self._lingering:
            await self._send(self._lingering.popleft())

    async def _send(self, event: events.Event) -> None:
        spec, subject = events.route(event)
        headers = {"Nats-Msg-Id": events.message_id(event)}
        try:
            ack = await self.js.publish_async(
                subject, events.ENCODER.encode(event), wait_stall=ACK_TIMEOUT_SECONDS, headers=headers
            )
        except PUBLISH_ERRORS as error:
            self._failure(spec.name, subject, str(error) or type(error).__name__)
            return
        ack.add_done_callback(functools.partial(self._acked, spec.name, subject))
        self._in_flight.append((time.monotonic() + ACK_TIMEOUT_SECONDS, ack))

    def _expire(self, now: float) -> None:
        """Give up on acks older than the timeout: a lost ack would otherwise hold its slot forever."""
        while self._in_flight and (self._in_flight[0][1].done() or self._in_flight[0][0] <= now):
            self._in_flight.popleft()[1].cancel()  # no-op once done

    def _acked(self, stream: str, subject: str, ack: "asyncio.Future[PubAck]") -> None:
        if ack.cancelled():
            self._failure(stream, subject, f"no acknowledgement within {ACK_TIMEOUT_SECONDS:g}s")
        elif (error := ack.exception()) is not None:
            self._failure(stream, subject, str(error) or type(error).__name__)
        else:
            self.metrics.published.labels(stream).inc()

    def _failure(self, stream: str, subject: str, reason: str) -> None:
        self.failed.labels(stream).inc()
        self.logger.warning("publish failed subject=%s: %s", subject, reason)

"""The console's I/O: rebuild the usage history from USAGE, fold RATES and DECISIONS (replayed, then followed) into
memory, record the usage series gain to USAGE, and serve the pages."""

import asyncio
import contextlib
import logging
import time
from typing import TypeVar

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from services import events
from services.console import app, history, journal, kubeclient, recording
from services.console.config import Config
from services.console.model import Console
from services.lib import health, jetstream, lifecycle, telemetry, web
from services.lib.config import host_port
from services.lib.publisher import Publisher

NS = 1_000_000_000
T = TypeVar("T")


def checks(rates: asyncio.Event, decisions: asyncio.Event, nc: Client) -> health.Checks:
    """/livez, /readyz (connected, all streams replayed) and /healthz."""

    def ping() -> str | None:
        return None

    def nats_connected() -> str | None:
        return None if nc.is_connected else "not connected to NATS"

    def replayed() -> str | None:
        return None if rates.is_set() and decisions.is_set() else "USAGE, RATES and DECISIONS not replayed yet"

    readyz = {"ping": ping, "nats-connection": nats_connected, "streams-replayed": replayed}
    return {"livez": {"ping": ping}, "readyz": readyz, "healthz": {"ping": ping}}


def decoded(msg: Msg, decoder: msgspec.msgpack.Decoder[T], logger: logging.Logger) -> T | None:
    """The message's event, or None (logged) when it does not decode."""
    try:
        return decoder.decode(msg.data)
    except msgspec.DecodeError as error:
        logger.error("dropping undecodable event subject=%s: %s", msg.subject, error)
        return None


async def flush(js: JetStreamContext, recorder: recording.Recorder, metrics: telemetry.StreamMetrics,
                logger: logging.Logger) -> None:  # fmt: skip
    """Record what is pending, the current minute's points included, on shutdown; each publish is acknowledged."""
    for record in recorder.drain():
        try:
            await jetstream.publish(js, record, metrics)
        except jetstream.PUBLISH_ERRORS as error:
            logger.warning("usage of %s not recorded on shutdown: %s", record.namespace, error)


async def run(config: Config, logger: logging.Logger) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    host, port = host_port(config.bind_address)
    sock = web.listen(host, port)  # fail fast on a taken port
    retention_ns = round(config.retention * NS)
    usage, decisions = history.History(retention_ns, config.max_history_pods), journal.Journal(retention_ns)
    recorder = recording.Recorder()
    registry = telemetry.registry()
    rates_replayed, decisions_replayed = asyncio.Event(), asyncio.Event()
    metrics = telemetry.stream_metrics(registry)
    publisher: Publisher | None = None

    async def on_usage(msg: Msg) -> None:
        if (record := decoded(msg, events.USAGE_DECODER, logger)) is not None:
            usage.restore(record)

    async def on_rates(msg: Msg) -> None:
        if (rates := decoded(msg, events.RATE_DECODER, logger)) is not None:
            for key, point in usage.apply(rates):
                recorder.add(key, point)
            for record in recorder.due(usage.newest_ns):
                if publisher is not None:
                    publisher.publish(record)

    async def on_decision(msg: Msg) -> None:
        if (decision := decoded(msg, events.DECISION_DECODER, logger)) is not None:
            decisions.apply(decision)

    async with contextlib.AsyncExitStack() as stack:
        cluster = await kubeclient.Cluster.load(config.kubeconfig)
        stack.push_async_callback(cluster.close)
        nc = await jetstream.connect(config, "console", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        publisher = Publisher(js, metrics, registry, logger)
        stack.push_async_callback(flush, js, recorder, metrics, logger)  # runs after the publisher's close
        stack.push_async_callback(publisher.close)

        async def follow() -> None:
            """Rebuild the usage history, then replay and follow RATES and DECISIONS once they exist (pages are
            served meanwhile), until stopped."""
            spec = config.usage_stream()
            await jetstream.ensure_stream(js, spec)
            await jetstream.replay(js, spec, on_usage, metrics)
            usage.sweep(time.time_ns())
            for spec, handle, replayed in ((events.RATES, on_rates, rates_replayed),
                                           (events.DECISIONS, on_decision, decisions_replayed)):  # fmt: skip
                await jetstream.await_stream(js, spec, logger)
                await jetstream.follow(js, spec, DeliverPolicy.ALL, handle, replayed, metrics)
            await stop.wait()

        console = Console(usage, decisions, cluster, time.time_ns, retention_ns)
        application = app.build_app(console, checks(rates_replayed, decisions_replayed, nc), registry)
        logger.info("serving the console on http://%s:%d/", host, sock.getsockname()[1])
        await asyncio.gather(
            web.serve(application, host, port, stop, sock=sock),
            lifecycle.run_until_stopped({"follow-streams": follow()}, stop, logger),
        )

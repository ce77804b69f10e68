"""The console's I/O: fold RATES and DECISIONS (replayed, then followed) into memory, and serve the pages."""

import asyncio
import contextlib
import logging
import time

import msgspec
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from services import events
from services.console import app, history, journal, kubeclient
from services.console.config import Config
from services.console.model import Console
from services.lib import health, jetstream, lifecycle, telemetry, web
from services.lib.config import host_port

NS = 1_000_000_000


def checks(rates: asyncio.Event, decisions: asyncio.Event) -> health.Checks:
    """/livez, /readyz (both streams replayed) and /healthz."""

    def ping() -> str | None:
        return None

    def replayed() -> str | None:
        return None if rates.is_set() and decisions.is_set() else "RATES and DECISIONS not replayed yet"

    return {"livez": {"ping": ping}, "readyz": {"ping": ping, "streams-replayed": replayed}, "healthz": {"ping": ping}}


async def run(config: Config, logger: logging.Logger) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    host, port = host_port(config.bind_address)
    sock = web.listen(host, port)  # fail fast on a taken port
    retention_ns = round(config.retention * NS)
    usage, decisions = history.History(retention_ns, config.max_history_pods), journal.Journal(retention_ns)
    registry = telemetry.registry()
    rates_replayed, decisions_replayed = asyncio.Event(), asyncio.Event()
    metrics = telemetry.stream_metrics(registry)

    async def on_rates(msg: Msg) -> None:
        try:
            usage.apply(events.RATE_DECODER.decode(msg.data))
        except msgspec.DecodeError as error:
            logger.error("dropping undecodable event subject=%s: %s", msg.subject, error)

    async def on_decision(msg: Msg) -> None:
        try:
            decisions.apply(events.DECISION_DECODER.decode(msg.data))
        except msgspec.DecodeError as error:
            logger.error("dropping undecodable event subject=%s: %s", msg.subject, error)

    async with contextlib.AsyncExitStack() as stack:
        cluster = await kubeclient.Cluster.load(config.kubeconfig)
        stack.push_async_callback(cluster.close)
        nc = await jetstream.connect(config, "console", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()

        async def follow() -> None:
            """Replay and follow both streams once they exist (pages are served meanwhile), until stopped."""
            for spec, handle, replayed in ((events.RATES, on_rates, rates_replayed),
                                           (events.DECISIONS, on_decision, decisions_replayed)):  # fmt: skip
                await jetstream.await_stream(js, spec, logger)
                await jetstream.follow(js, spec, DeliverPolicy.ALL, handle, replayed, metrics)
            await stop.wait()

        console = Console(usage, decisions, cluster, time.time_ns, retention_ns)
        application = app.build_app(console, checks(rates_replayed, decisions_replayed), registry)
        logger.info("serving the console on http://%s:%d/", host, sock.getsockname()[1])
        await asyncio.gather(
            web.serve(application, host, port, stop, sock=sock),
            lifecycle.run_until_stopped({"follow-streams": follow()}, stop, logger),
        )

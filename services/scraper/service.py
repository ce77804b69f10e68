"""The scraper's I/O: watch Nodes, scrape every kubelet once per resolution, publish one event per node."""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Coroutine
from typing import Any

import aiohttp
import msgspec
from nats.aio.client import Client
from nats.js import JetStreamContext
from starlette.applications import Starlette

from services import events
from services.lib import health, jetstream, kube, kubeobjects, lifecycle, rendezvous, web
from services.lib.membership import Membership
from services.lib.publisher import Publisher
from services.scraper import anomalies, kubelets, parse, targets
from services.scraper.config import Config
from services.scraper.reports import NodeReports
from services.scraper.telemetry import Telemetry

MAX_JITTER_SECONDS = 4.0
JITTER_PER_NODE_SECONDS = 0.008
# Start times fall on 50 ms slots: the scrapes of a slot wake the loop once, and on a virtual machine each wake-up of
# an idle process costs 0.3 to 1 ms of CPU, about what a whole scrape costs.
JITTER_SLOT_SECONDS = 0.05
ON_TIME_CYCLES_TO_RECOVER = 3  # cycles in a row on time before overrunning counts as over


async def sample(
    http: aiohttp.ClientSession, config: Config, node: kubeobjects.Node, authorization: str | None
) -> tuple[events.SampleEvent, frozenset[str]]:
    """One scrape of one node as an event (its sample, or why there is none) and the anomalies noticed in it."""
    name, sent_ns = node.metadata.name, time.time_ns()

    def failed(reason: str, message: str) -> tuple[events.NodeScrapeFailed, frozenset[str]]:
        event = events.NodeScrapeFailed(
            node=name, scraped_at_ns=sent_ns, reason=reason, message=message, scraper=config.replica_name
        )
        return event, frozenset()

    try:
        url = targets.kubelet_url(
            node,
            config.kubelet_preferred_address_types,
            config.kubelet_port,
            config.kubelet_use_node_status_port,
            config.deprecated_kubelet_completely_insecure,
        )
        body = await kubelets.fetch(http, url, authorization, config.kubelet_request_timeout)
        decoded = parse.decode(body, sent_ns)
    except targets.NoAddressError as error:
        return failed("NoAddress", str(error))
    except kubelets.KubeletError as error:
        return failed(error.reason, str(error))
    except parse.ParseError as error:
        return failed("Parse", f"failed parsing metrics: {error}")
    event = events.NodeSampled(
        node=name, scraped_at_ns=sent_ns, node_point=decoded.node, pods=decoded.pods, scraper=config.replica_name
    )
    resolution_ns = round(config.metric_resolution * 1e9)
    return event, anomalies.notice(decoded, events.sample_time_ns(event), sent_ns, resolution_ns)


class Scraper:
    """One replica's scrape loop over its share of the nodes its informer knows."""

    def __init__(
        self,
        config: Config,
        nodes: kube.Informer[kubeobjects.Node],
        credentials: kube.Kube,
        http: aiohttp.ClientSession,
        js: JetStreamContext,
        membership: Membership,
        telemetry: Telemetry,
        logger: logging.Logger,
    ) -> None:
        self.config, self.nodes, self.credentials, self.http = config, nodes, credentials, http
        self.membership, self.telemetry, self.logger = membership, telemetry, logger
        self.publisher = Publisher(js, telemetry.streams, telemetry.registry, logger)
        self.last_tick_start = 0.0  # wall-clock seconds; feeds liveness
        self.reports = NodeReports(telemetry, logger)
        self._background: set[asyncio.Task[None]] = set()
        self._share: set[str] | None = None  # None until the first tick
        self._in_flight: set[str] = set()  # nodes whose scrape has been started and not finished

    def share(self) -> set[str]:
        """The nodes this replica scrapes under the membership it sees now."""
        return rendezvous.share(self.nodes.objects, self.membership.live, self.config.replica_name)

    def membership_changed(self) -> None:
        """Scrape the nodes this replica just took over now, not at its next tick: their previous scraper may have
        scraped them almost a resolution ago, and waiting a full tick more would leave a cycle without a sample."""
        if self._share is None:
            return
        share = self.share()
        adopted = share - self._share
        self._share = share
        if adopted:
            self.logger.info("took over %d nodes from a replica that left", len(adopted))
            self._spawn(self._scrape_all(adopted, max_jitter=0.0), "adopt-nodes")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _authorization(self) -> str | None:
        if self.config.deprecated_kubelet_completely_insecure:
            return None
        token: str | None = await self.credentials.configuration.get_api_key_with_prefix("BearerToken")
        return token

    async def loop(self) -> None:
        """Tick every resolution from the first synced node list, without drift. A tick that overruns is not
        cancelled: its scrapes finish (cancelling one would close its kept-alive connection and cost a TLS handshake
        next time, deepening the overload), and the next tick skips the nodes still being scraped."""
        await self.nodes.synced.wait()
        await self.membership.watching.wait()
        resolution = self.config.metric_resolution
        next_start, overrunning, on_time = time.monotonic(), False, 0
        ticks: set[asyncio.Task[None]] = set()
        try:
            while True:
                self.last_tick_start = time.time()
                tick = asyncio.create_task(self.tick(), name="scrape-tick")
                ticks.add(tick)
                tick.add_done_callback(ticks.discard)
                done, late = await asyncio.wait({tick}, timeout=resolution)
                for finished in done:
                    finished.result()  # a scrape loop bug ends the loop, and the task guard says why
                # Logged when cycles start overrunning and once they have stopped for a while, not every cycle: a
                # hanging kubelet overruns every other cycle (in between, its node is skipped).
                on_time = 0 if late else on_time + 1
                if (late and not overrunning) or (overrunning and on_time == ON_TIME_CYCLES_TO_RECOVER):
                    overrunning = bool(late)
                    self._log_overrun(overrunning, resolution)
                next_start = max(next_start + resolution, time.monotonic())
                await asyncio.sleep(next_start - time.monotonic())
        finally:
            for tick in ticks:
                tick.cancel()
            await asyncio.gather(*ticks, return_exceptions=True)

    def _log_overrun(self, overrunning: bool, resolution: float) -> None:
        if overrunning:
            self.logger.warning(
                "scrape cycle did not finish within the resolution of %ss; nodes still being scraped (%d now) are "
                "skipped next cycle until cycles finish on time again",
                resolution,
                len(self._in_flight),
            )
        else:
            self.logger.info("scrape cycles finish within the resolution again")

    async def tick(self) -> None:
        """Scrape each node of this replica's share once, each after a random jitter, with bounded concurrency."""
        self._share = share = self.share()
        self.membership.share = len(share)
        self.telemetry.forget_nodes_except(share)
        with self.telemetry.tick_duration.time():
            await self._scrape_all(
                share - self._in_flight, max_jitter=min(JITTER_PER_NODE_SECONDS * len(share), MAX_JITTER_SECONDS)
            )

    async def _scrape_all(self, names: set[str], max_jitter: float) -> None:
        """Scrape these nodes, each after a random delay of up to `max_jitter`, --max-concurrent-scrapes at a time."""
        nodes = [node for name, node in list(self.nodes.objects.items()) if name in names]
        self._in_flight.update(node.metadata.name for node in nodes)
        slots = asyncio.Semaphore(self.config.max_concurrent_scrapes)
        authorization = await self._authorization()
        async with asyncio.TaskGroup() as group:
            for node in nodes:
                delay = round(random.uniform(0, max_jitter) / JITTER_SLOT_SECONDS) * JITTER_SLOT_SECONDS
                group.create_task(self._scrape(node, delay, slots, authorization))

    async def _scrape(
        self, node: kubeobjects.Node, delay: float, slots: asyncio.Semaphore, authorization: str | None
    ) -> None:
        try:
            await asyncio.sleep(delay)
            async with slots:
                started = time.monotonic()
                event, noticed = await sample(self.http, self.config, node, authorization)
        finally:
            self._in_flight.discard(node.metadata.name)
        failed = isinstance(event, events.NodeScrapeFailed)
        self.telemetry.observe(event.node, event.scraped_at_ns / 1e9, time.monotonic() - started, not failed)
        self.reports.scraped(event, noticed)
        self.publisher.publish(event)  # a failure loses one cycle of one node, never the loop

    def node_changed(self, old: kubeobjects.Node | None, new: kubeobjects.Node | None) -> None:
        """Informer callback: a node that was deleted or no longer matches --node-selector is let go at once (by the
        replica that scraped it)."""
        if old is None or new is not None:
            return
        name = old.metadata.name
        if rendezvous.owner(name, self.membership.live | {self.config.replica_name}) == self.config.replica_name:
            self._let_go(name)

    def _let_go(self, node: str) -> None:
        """Tell the store this node is no longer scraped, so its rates stop being served without waiting to go stale."""
        message = "node deleted or no longer selected by --node-selector"
        event = events.NodeScrapeFailed(
            node=node,
            scraped_at_ns=time.time_ns(),
            reason="NotScraped",
            message=message,
            scraper=self.config.replica_name,
        )
        self.logger.info("no longer scraping node=%s: %s", node, message)
        self.publisher.publish(event)

    def timely(self) -> str | None:
        """Liveness: a started tick older than 1.5 resolutions means the loop is stuck."""
        late = self.last_tick_start and time.time() - self.last_tick_start > 1.5 * self.config.metric_resolution
        return "metric collection didn't finish on time" if late else None


def checks(scraper: Scraper, nc: Client) -> health.Checks:
    """The named checks behind /livez, /readyz and /healthz."""

    def ping() -> str | None:
        return None

    def nats_connected() -> str | None:
        return None if nc.is_connected else "not connected to NATS"

    def informer_synced() -> str | None:
        return None if scraper.nodes.synced.is_set() else "node informer not synced"

    def membership_known() -> str | None:
        return None if scraper.membership.watching.is_set() else "scraper replicas not known yet"

    return {
        "livez": {"ping": ping, "metric-collection-timely": scraper.timely},
        "readyz": {
            "ping": ping,
            "nats-connection": nats_connected,
            "node-informer-sync": informer_synced,
            "scraper-membership": membership_known,
        },
        "healthz": {"ping": ping},
    }


async def run(config: Config, logger: logging.Logger) -> None:
    """Connect to the Kubernetes API and NATS, then scrape until SIGTERM or SIGINT."""
    config = msgspec.structs.replace(config, replica_name=lifecycle.replica_name(config.replica_name))
    stop = lifecycle.stop_on_signals()
    telemetry = Telemetry(config.metric_resolution)
    probes_socket = web.bind(config.metrics_bind_address)
    async with contextlib.AsyncExitStack() as stack:
        api = await kube.Kube.connect(config.kubeconfig)
        stack.push_async_callback(api.close)
        nc = await jetstream.connect(config, f"scraper/{config.replica_name}", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        await jetstream.ensure_stream(js, events.SAMPLES)
        http = await stack.enter_async_context(kubelets.session(config, api.configuration))
        params = [("labelSelector", config.node_selector)] if config.node_selector else []
        nodes = kube.Informer(
            api,
            "/api/v1/nodes",
            kubeobjects.Node,
            logger,
            params=params,
            on_change=lambda old, new: scraper.node_changed(old, new),  # noqa: PLW0108 - scraper is made below
        )
        membership = Membership(events.SCRAPER_BUCKET, config.replica_name, config.metric_resolution, logger)
        scraper = Scraper(config, nodes, api, http, js, membership, telemetry, logger)
        stack.push_async_callback(scraper.publisher.close)
        membership.on_change = scraper.membership_changed
        probes = Starlette(routes=health.routes(checks(scraper, nc), telemetry.registry))
        logger.info("scraping every %ss, publishing to %s", config.metric_resolution, config.nats_url)
        await asyncio.gather(
            web.serve_probes(probes, probes_socket, stop),
            lifecycle.run_until_stopped(
                {"node-informer": nodes.run(), "membership": membership.run(js), "scrape-loop": scraper.loop()},
                stop,
                logger,
            ),
        )

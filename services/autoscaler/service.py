"""The autoscaler's I/O: informers, RATES, leader election, and the loop that evaluates HPAs when they are due."""

import asyncio
import contextlib
import logging
import time

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from starlette.applications import Starlette

from services import events
from services.autoscaler import actions, labels, objects
from services.autoscaler.cluster import Cluster
from services.autoscaler.config import Config
from services.autoscaler.evaluator import Evaluator
from services.autoscaler.leader import Leadership
from services.autoscaler.schedule import Schedule
from services.autoscaler.telemetry import Telemetry
from services.autoscaler.usage import Usage
from services.lib import health, jetstream, kube, lifecycle, web

LEADER_TTL_SECONDS = 10.0


class Autoscaler:
    """Decides when each HPA is evaluated: on spec changes, on fresh rates for its pods, and periodically."""

    def __init__(self, config: Config, cluster: Cluster, usage: Usage, evaluator: Evaluator, leadership: Leadership,
                 logger: logging.Logger) -> None:  # fmt: skip
        self.cluster, self.usage, self.evaluator, self.leadership, self.logger = (
            cluster,
            usage,
            evaluator,
            leadership,
            logger,
        )
        resolution = round(config.metric_resolution * 1e9)
        self.schedule = Schedule(resolution, round(config.coalesce * 1e9))
        self.wake = asyncio.Event()
        self.hpas_changed = asyncio.Event()  # for the KubeSphere labels
        self.replayed = asyncio.Event()
        self.last_loop = time.monotonic()

    def on_hpa(self, old: objects.HPA | None, new: objects.HPA | None) -> None:
        """Informer callback: a new or edited HPA is evaluated at once; a deleted one is forgotten."""
        if not self.cluster.on_hpa(old, new):
            return
        if new is not None:
            self.schedule.spec_changed(new.metadata.key, time.time_ns())
        elif old is not None:
            self.schedule.forget(old.metadata.key)
            self.evaluator.forget(old.metadata.key)
        self.hpas_changed.set()
        self.wake.set()

    async def on_rates(self, msg: Msg) -> None:
        """A node's fresh rates: the HPAs counting any of its pods become due after a short coalescing wait."""
        try:
            event = events.RATE_DECODER.decode(msg.data)
        except msgspec.DecodeError as error:
            self.logger.error("dropping undecodable event subject=%s: %s", msg.subject, error)
            return
        now, due = time.time_ns(), set()
        for namespace, pod in self.usage.apply(event):
            due.update(self.cluster.hpas_counting(namespace, pod))
        for key in due:
            self.schedule.rates_arrived(key, now)
        if due:
            self.wake.set()

    async def loop(self, ready: list[asyncio.Event]) -> None:
        """Evaluate what is due, then sleep until the next due time or a wake-up; only the leader evaluates."""
        for event in [*ready, self.replayed]:
            await event.wait()
        while True:
            self.last_loop = time.monotonic()
            await self.leadership.leading.wait()
            self.evaluator.telemetry.leader.set(1)
            now, known = time.time_ns(), set(self.cluster.hpas)
            for key, trigger in self.schedule.due(now, known):
                await self.evaluator.evaluate(key, trigger)
                self.schedule.evaluated(key, time.time_ns())
            self.wake.clear()
            delay = (self.schedule.next_at(time.time_ns(), set(self.cluster.hpas)) - time.time_ns()) / 1e9
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=max(delay, 0.01))


def checks(autoscaler: Autoscaler, nc: Client, informers: list[kube.Informer[objects.Pod] | kube.Informer[objects.HPA]],
           resolution: float) -> health.Checks:  # fmt: skip
    def ping() -> str | None:
        return None

    def nats_connected() -> str | None:
        return None if nc.is_connected else "not connected to NATS"

    def synced() -> str | None:
        return None if all(i.synced.is_set() for i in informers) else "HPA or pod informer not synced"

    def replayed() -> str | None:
        return None if autoscaler.replayed.is_set() else "RATES stream not replayed yet"

    def timely() -> str | None:
        late = time.monotonic() - autoscaler.last_loop > 3 * resolution and autoscaler.leadership.leading.is_set()
        return "the evaluation loop is stuck" if late else None

    readyz = {"ping": ping, "nats-connection": nats_connected, "informer-sync": synced, "rates-replayed": replayed}
    return {"livez": {"ping": ping, "evaluation-loop": timely}, "readyz": readyz, "healthz": {"ping": ping}}


async def run(config: Config, logger: logging.Logger) -> None:
    """Evaluate HPAs until SIGTERM or SIGINT."""
    me = lifecycle.replica_name(config.replica_name)
    stop, telemetry, cluster = lifecycle.stop_on_signals(), Telemetry(), Cluster()
    usage = Usage(round(3 * config.metric_resolution * 1e9))
    probes_socket = web.bind(config.metrics_bind_address)
    async with contextlib.AsyncExitStack() as stack:
        api = await kube.Kube.connect(config.kubeconfig)
        stack.push_async_callback(api.close)
        nc = await jetstream.connect(config, f"autoscaler/{me}", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        await jetstream.ensure_stream(js, events.DECISIONS)
        await jetstream.await_stream(js, events.RATES, logger)
        history = await jetstream.key_value(js, events.HISTORY_BUCKET, description="HPA histories")
        evaluator = Evaluator(config, cluster, usage, actions.Writer(api), js, history, telemetry, logger)
        leadership = Leadership("autoscaler", me, LEADER_TTL_SECONDS, logger)
        autoscaler = Autoscaler(config, cluster, usage, evaluator, leadership, logger)
        await jetstream.follow(
            js,
            events.RATES,
            DeliverPolicy.LAST_PER_SUBJECT,
            autoscaler.on_rates,
            autoscaler.replayed,
            telemetry.streams,
        )
        hpas = kube.Informer(
            api, "/apis/autoscaling/v2/horizontalpodautoscalers", objects.HPA, logger, on_change=autoscaler.on_hpa
        )
        pods = kube.Informer(api, "/api/v1/pods", objects.Pod, logger, on_change=cluster.on_pod)
        probes = Starlette(
            routes=health.routes(checks(autoscaler, nc, [hpas, pods], config.metric_resolution), telemetry.registry)
        )
        work = {"hpa-informer": hpas.run(), "pod-informer": pods.run(), "leader-election": leadership.run(js),
                "evaluation-loop": autoscaler.loop([hpas.synced, pods.synced])}  # fmt: skip
        if config.mode == "actuate":
            work["kubesphere-labels"] = labels.maintain(api, cluster, autoscaler.hpas_changed, leadership, logger)
        logger.info("autoscaling in %s mode, evaluating on fresh rates from %s", config.mode, config.nats_url)
        await asyncio.gather(
            web.serve_probes(probes, probes_socket, stop), lifecycle.run_until_stopped(work, stop, logger)
        )

"""The api's I/O: fill the read model from RATES and the Kubernetes API, and serve it over HTTPS."""

import asyncio
import contextlib
import logging
from pathlib import Path

import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from services import events
from services.api import app, health
from services.api.config import Config
from services.api.readmodel import ReadModel
from services.lib import jetstream, kube, kubeobjects, lifecycle, selectors, tls, web


def checks(
    model: ReadModel, nc: Client, replayed: asyncio.Event, informers: list[kube.Informer[kubeobjects.Object]]
) -> dict[str, dict[str, health.Check]]:
    """The named checks behind /livez, /readyz and /healthz."""

    def ping() -> str | None:
        return None

    def storage_ready() -> str | None:
        return None if model.ready else "no metrics to serve"

    def informers_synced() -> str | None:
        return None if all(i.synced.is_set() for i in informers) else "node or pod informer not synced"

    def rates_replayed() -> str | None:
        return None if replayed.is_set() else "RATES stream not replayed yet"

    def nats_connected() -> str | None:
        return None if nc.is_connected else "not connected to NATS"

    readyz = {
        "ping": ping,
        "metric-storage-ready": storage_ready,
        "metric-informer-sync": informers_synced,
        "rates-replayed": rates_replayed,
        "nats-connection": nats_connected,
    }
    return {"livez": {"ping": ping}, "readyz": readyz, "healthz": {"ping": ping}}


def certificate(config: Config) -> tuple[Path, Path]:
    """The serving certificate: the given files, or a self-signed pair in --cert-dir."""
    if config.tls_cert_file:
        return Path(config.tls_cert_file), Path(config.tls_private_key_file)
    return tls.self_signed(Path(config.cert_dir), "apiserver", ("localhost", "127.0.0.1"))


async def run(config: Config, logger: logging.Logger) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    node_selector = selectors.parse_labels(config.node_selector)
    model, replayed = ReadModel(), asyncio.Event()

    async def on_rates(msg: Msg) -> None:
        try:
            model.apply(events.RATE_DECODER.decode(msg.data))
        except msgspec.DecodeError as error:
            logger.error("dropping undecodable event subject=%s: %s", msg.subject, error)

    async with contextlib.AsyncExitStack() as stack:
        api = await kube.Kube.connect(config.kubeconfig)
        stack.push_async_callback(api.close)
        nc = await jetstream.connect(config.nats_url, "api", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        await jetstream.ensure_stream(js, events.RATES)
        await jetstream.follow(js, events.RATES, DeliverPolicy.LAST_PER_SUBJECT, on_rates, replayed)
        nodes = kube.Informer(
            api, "/api/v1/nodes", kubeobjects.Object, logger, on_change=model.on_node, accept=kube.METADATA_ONLY
        )
        pods = kube.Informer(
            api,
            "/api/v1/pods",
            kubeobjects.Object,
            logger,
            on_change=model.on_pod,
            params=[("fieldSelector", "status.phase=Running")],
            accept=kube.METADATA_ONLY,
        )
        application = app.build_app(model, checks(model, nc, replayed, [nodes, pods]), node_selector)
        cert, key = certificate(config)
        logger.info("serving metrics.k8s.io on https://%s:%d", config.bind_address, config.secure_port)
        await asyncio.gather(
            web.serve(application, config.bind_address, config.secure_port, stop, cert, key),
            lifecycle.run_until_stopped({"node-informer": nodes.run(), "pod-informer": pods.run()}, stop, logger),
        )

"""The api's I/O: fill the read model from RATES and the Kubernetes API, and serve it over HTTPS."""

import asyncio
import contextlib
import logging

import aiohttp
import msgspec
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from services import events
from services.api import app, authsetup, gate, serving
from services.api.config import Config
from services.api.readmodel import ReadModel
from services.api.telemetry import Telemetry
from services.lib import health, jetstream, kube, kubeobjects, lifecycle, selectors, web


def checks(
    model: ReadModel, nc: Client, replayed: asyncio.Event, informers: list[kube.Informer[kubeobjects.Object]]
) -> health.Checks:
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
        "nats-connection": nats_connected,
        "rates-replayed": rates_replayed,
        "metric-storage-ready": storage_ready,
        "metric-informer-sync": informers_synced,
    }
    return {"livez": {"ping": ping}, "readyz": readyz, "healthz": {"ping": ping}}


async def reviewer(config: Config, api: kube.Kube, stack: contextlib.AsyncExitStack) -> gate.Review:
    """POST a TokenReview or SubjectAccessReview with the authentication or authorization kubeconfig; its status."""
    clients = {}
    for kind, path in (
        ("authentication", config.authentication_kubeconfig),
        ("authorization", config.authorization_kubeconfig),
    ):
        clients[kind] = api if not path else await kube.Kube.connect(path)
        if path:
            stack.push_async_callback(clients[kind].close)

    async def review(url: str, body: dict[str, object]) -> dict[str, object]:
        client = clients["authentication" if "authentication" in url else "authorization"]
        kind = "TokenReview" if "tokenreviews" in url else "SubjectAccessReview"
        group = url.split("/")[2]
        document = {"apiVersion": f"{group}/v1", "kind": kind, **body}
        try:
            reply = await client.request("POST", url, body=msgspec.json.encode(document), timeout=10)
        except (kube.KubeError, aiohttp.ClientError, OSError) as error:  # TimeoutError is an OSError
            raise gate.ReviewUnavailable(str(error)) from None
        answer = msgspec.json.decode(reply)
        status = answer.get("status", {}) if isinstance(answer, dict) else {}
        return status if isinstance(status, dict) else {}

    return review


async def run(config: Config, logger: logging.Logger) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    model, replayed, telemetry = ReadModel(round(3 * config.metric_resolution * 1e9)), asyncio.Event(), Telemetry()
    sock = serving.listener(config)  # fail fast on a taken port

    async def on_rates(msg: Msg) -> None:
        try:
            model.apply(events.RATE_DECODER.decode(msg.data))
        except msgspec.DecodeError as error:
            telemetry.streams.undecodable.labels(events.RATES.name).inc()
            logger.error("dropping undecodable event subject=%s: %s", msg.subject, error)

    async with contextlib.AsyncExitStack() as stack:
        api = await kube.Kube.connect(config.kubeconfig)
        stack.push_async_callback(api.close)
        trust, client_cas = authsetup.settings(config, await authsetup.published(api, config, logger))
        tls, peers = serving.context(config, client_cas), web.PeerCertificates()
        review = await reviewer(config, api, stack)
        nc = await jetstream.connect(config, "api", logger)
        stack.push_async_callback(nc.drain)
        js = nc.jetstream()
        await jetstream.await_stream(js, events.RATES, logger)
        await jetstream.follow(js, events.RATES, DeliverPolicy.LAST_PER_SUBJECT, on_rates, replayed, telemetry.streams)
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
        selector = selectors.parse_labels(config.node_selector)
        application = gate.Gate(app.build_app(model, checks(model, nc, replayed, [nodes, pods]), telemetry, selector),
                                trust, peers, review)  # fmt: skip
        logger.info("serving metrics.k8s.io on https://%s:%d", config.bind_address, config.secure_port)
        await asyncio.gather(
            web.serve(application, config.bind_address, config.secure_port, stop, tls, sock, peers),
            lifecycle.run_until_stopped({"node-informer": nodes.run(), "pod-informer": pods.run()}, stop, logger),
        )

"""Wiring of the simulated control plane: certificates and tokens, seeding, the HTTPS server, the controller, the
kubeconfigs, shutdown."""

import asyncio
import contextlib
import gc
import logging
import random
import socket
import sys
import time
from collections.abc import Iterator

import uvicorn

from services.lib import lifecycle, timefmt, tls, web
from sim import pki, scenario
from sim.apiserver import app, auth, bootstrap, seed, tlspeer, watch
from sim.apiserver import resources as r
from sim.apiserver.config import Config
from sim.apiserver.controller import Controller
from sim.apiserver.handlers import Reads
from sim.apiserver.proxy import Proxy, client_context
from sim.apiserver.registry import Registry
from sim.apiserver.store import Store
from sim.apiserver.writes import Writes


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: our stop event drives shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_store(config: Config, layout: pki.Layout, now_ns: int, rng: random.Random, logger: logging.Logger) -> Store:
    """A store holding the seeded scenario, the RBAC bootstrap policy and the authentication ConfigMap."""
    started = time.perf_counter()
    gc.disable()  # millions of fresh dicts: collecting while building them only costs time
    plan = scenario.build(config.nodes, config.pods_per_node, config.kubelet_subnet, config.kubelet_port, now_ns)
    store = Store(r.STORED)
    for resource, objects in seed.seed(plan, now_ns, rng).items():
        store.load(resource, objects)
    cas = layout.ca[0].read_text(), layout.front_proxy_ca[0].read_text()
    for resource, objects in bootstrap.bootstrap(*cas, timefmt.rfc3339(now_ns - seed.WEEK_NS), rng).items():
        store.load(resource, objects)
    gc.freeze()  # the seeded objects live as long as the process: keep them out of every later collection
    gc.enable()
    logger.info("seeded nodes=%d pods=%d workloads=%d in %.1fs", config.nodes, len(store.collections[r.PODS]),
                len(plan.workloads), time.perf_counter() - started)  # fmt: skip
    return store


def build_server(
    config: Config, layout: pki.Layout, registry: Registry, hub: watch.Hub, proxy: Proxy | None
) -> _Server:
    """uvicorn serving the API over TLS with the cluster-CA-signed serving certificate, asking clients for a
    certificate of the cluster CA (optional) and passing its subject on (`tlspeer`)."""
    guard = auth.Auth(pki.read_tokens(layout), registry.store)
    api = app.Api(Reads(registry, hub), Writes(registry), proxy, guard)
    context = tls.server_context(*layout.apiserver, client_ca=layout.ca[0])
    return _Server(uvicorn.Config(
        app.build_app(api), log_config=None, log_level=config.log_level.lower(), access_log=False,
        lifespan="off", http=tlspeer.PeerCertificateProtocol,
        timeout_graceful_shutdown=2, ssl_context_factory=lambda *_: context,
    ))  # fmt: skip


def announce(layout: pki.Layout, sock: socket.socket) -> None:
    """Write every kubeconfig, the admin's last (what launchers wait for), and say where we listen."""
    host, port = sock.getsockname()[:2]
    url = f"https://{host if ':' not in host else f'[{host}]'}:{port}"
    pki.write_kubeconfigs(layout, url)
    print(f"apiserver listening on {url}", file=sys.stderr, flush=True)


async def main(config: Config, logger: logging.Logger) -> None:
    """Seed, listen, announce the kubeconfig, serve until SIGTERM/SIGINT."""
    layout = pki.Layout(config.run_dir)
    pki.ensure(layout)
    stop = lifecycle.stop_on_signals()
    rng = random.Random()
    registry = Registry(build_store(config, layout, time.time_ns(), rng, logger), rng)
    hub = watch.Hub(registry.store)
    controller = Controller(registry, config.pod_startup_seconds, rng, logger)
    backends = config.metrics_api_urls
    proxy = Proxy(backends, client_context(*layout.front_proxy_client), logger) if backends else None
    server = build_server(config, layout, registry, hub, proxy)
    sock = web.listen(config.bind_address, config.port)  # bound before announcing: connections wait in its backlog
    announce(layout, sock)
    try:
        await _run(server, sock, controller, hub, stop, logger)
    finally:
        controller.close()
        if proxy is not None:
            await proxy.close()


async def _run(server: _Server, sock: socket.socket, controller: Controller, hub: watch.Hub, stop: asyncio.Event,
               logger: logging.Logger) -> None:  # fmt: skip
    """Serve and reconcile until stopped; then end the watches so uvicorn's graceful shutdown is quick."""
    async with asyncio.TaskGroup() as group:
        group.create_task(lifecycle.guard("https", server.serve(sockets=[sock]), logger), name="https")
        reconciling = group.create_task(lifecycle.guard("controller", controller.run(), logger), name="controller")
        await stop.wait()
        logger.info("stopping")
        hub.close()
        server.should_exit = True
        reconciling.cancel()

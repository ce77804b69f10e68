"""The kubelets process: informers feed the cluster model, a reconciler keeps one listener per node in step.

Informer callbacks only fold changes into `Cluster` and mark nodes dirty; the reconcile loop (one task) starts and
stops listeners, since that needs awaiting. Every node's handler sits behind the `webhook` gate (TokenReview and
SubjectAccessReview against the control plane). Readiness: once every informer has listed and every reachable node
listens, it logs `kubelets serving N nodes` and writes `<run-dir>/kubelets.ready` (removed on exit). Once listed, every
counter is saved each `--checkpoint-interval` to `<run-dir>/kubelets/counters.msgpack`, which a restarted process
(after a crash or kill -9: the launcher restarts it) reads at start to carry the counters on (`checkpoint`); the
launcher wipes the run directory at its own start, so no checkpoint outlives a `./just up`.
"""

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from services.lib import kube, lifecycle
from sim import pki
from sim.kubelets import body, checkpoint, cluster, httpserver, listeners, objects, webhook
from sim.kubelets.config import Config

WORKLOAD_PATHS = {"ReplicaSet": "/apis/apps/v1/replicasets", "Deployment": "/apis/apps/v1/deployments",
                  "StatefulSet": "/apis/apps/v1/statefulsets"}  # fmt: skip
NOT_FOUND = httpserver.Response(status=404, body=b"404 page not found\n")
NOT_ALLOWED = httpserver.Response(status=405, body=b"405 method not allowed\n")
Clock = Callable[[], int]


def ready_file(layout: pki.Layout) -> Path:
    """Written once every node listens; what launchers poll for."""
    return layout.run_dir / "kubelets.ready"


def checkpoint_file(layout: pki.Layout) -> Path:
    """Every counter as last saved, for a restarted process to carry on."""
    return layout.run_dir / "kubelets" / "counters.msgpack"


def load_saved(path: Path, period_ns: int, now_ns: int, logger: logging.Logger) -> dict[str, checkpoint.SavedNode]:
    """The counters saved before this process started: none, with a warning, when the file is unreadable or stale."""
    try:
        saved = checkpoint.decode(path.read_bytes(), period_ns)
    except FileNotFoundError:
        return {}
    except (OSError, msgspec.DecodeError, checkpoint.Unusable) as error:
        logger.warning("ignoring the counters' checkpoint %s: %s", path, error)
        return {}
    logger.info("carrying on the counters of %d nodes saved %.1f s ago", len(saved.nodes),
                (now_ns - saved.written_ns) / 1e9)  # fmt: skip
    return saved.nodes


def metrics_handler(model: cluster.Cluster, name: str, clock: Clock) -> httpserver.Handler:
    """The request path of one node's kubelet, once authenticated and authorized."""

    def handle(request: httpserver.Request) -> httpserver.Response | asyncio.Future[httpserver.Response]:
        if request.path != "/metrics/resource":
            return NOT_FOUND
        if request.method not in ("GET", "HEAD"):
            return NOT_ALLOWED
        node = model.nodes.get(name)
        if node is None:
            return httpserver.Response(status=503, body=b"node is not known yet\n")
        if node.fault.kind == "hang":
            return asyncio.get_running_loop().create_future()  # never answered; cancelled when the client leaves
        if node.fault.kind == "slow":
            return asyncio.ensure_future(_later(node.fault.delay_s, lambda: _metrics(model, name, clock)))
        return _metrics(model, name, clock)

    return handle


def _metrics(model: cluster.Cluster, name: str, clock: Clock) -> httpserver.Response:
    node = model.nodes.get(name)
    if node is None:
        return httpserver.Response(status=503, body=b"node is gone\n")
    return httpserver.Response(status=200, body=body.render(node, clock()), content_type=body.CONTENT_TYPE)


async def _later(delay_s: float, answer: Callable[[], httpserver.Response]) -> httpserver.Response:
    await asyncio.sleep(delay_s)
    return answer()


class Kubelets:
    """The process's state: the cluster model, the informers feeding it and the listeners serving it."""

    def __init__(
        self, kube_client: kube.Kube, layout: pki.Layout, config: Config, gate: webhook.Gate, logger: logging.Logger
    ) -> None:
        self._layout, self._logger, self._clock = layout, logger, time.time_ns
        self._dirty: set[str] = set()
        self._wake, self._listed = asyncio.Event(), asyncio.Event()
        self.pods = kube.Informer(kube_client, "/api/v1/pods", objects.Pod, logger, on_change=self._pod)
        self.workloads = {
            kind: self._workload_informer(kube_client, kind, path) for kind, path in WORKLOAD_PATHS.items()
        }
        self.nodes = kube.Informer(kube_client, "/api/v1/nodes", objects.Node, logger, on_change=self._node)
        caches = {kind: informer.objects for kind, informer in self.workloads.items()}
        saved = load_saved(checkpoint_file(layout), config.housekeeping_ns, self._clock(), logger)
        self.cluster = cluster.Cluster(config.housekeeping_ns, self.pods.objects, caches, saved)
        cert_dir = layout.run_dir / "kubelets" / "pki"
        handler_for = lambda name: gate.guard(name, metrics_handler(self.cluster, name, self._clock))  # noqa: E731
        self.listeners = listeners.Listeners(pki.cluster_ca(layout), layout.ca[0], cert_dir, handler_for, logger)

    def _workload_informer(self, client: kube.Kube, kind: str, path: str) -> kube.Informer[objects.Owned]:
        def changed(old: objects.Owned | None, new: objects.Owned | None) -> None:
            self.cluster.workload_changed(kind, old, new, self._clock())

        return kube.Informer(client, path, objects.Owned, self._logger, on_change=changed)

    def _pod(self, old: objects.Pod | None, new: objects.Pod | None) -> None:
        self.cluster.pod_changed(old, new, self._clock())

    def _node(self, old: objects.Node | None, new: objects.Node | None) -> None:
        self.cluster.node_changed(old, new, self._clock())
        self._dirty.add((new or old).metadata.name)  # type: ignore[union-attr]
        self._wake.set()

    async def reconcile(self) -> None:
        """Keep each node's listener where the cluster model wants it; announce readiness once all listen."""
        synced = [self.nodes.synced, self.pods.synced, *(informer.synced for informer in self.workloads.values())]
        await asyncio.gather(*(event.wait() for event in synced))
        self.cluster.forget_saved(self._clock())
        self._listed.set()
        announced = -1
        self._wake.set()  # announce even when the cluster has no nodes yet
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._dirty:
                    name = self._dirty.pop()
                    await self.listeners.apply(name, self.cluster.endpoint(name), self.cluster.certificate(name))
                announced = self._announce(announced)
        finally:
            await self.listeners.close()
            with contextlib.suppress(FileNotFoundError):
                ready_file(self._layout).unlink()

    async def save_counters(self, interval_s: float, period_ns: int) -> None:
        """Save every counter each interval once the informers have listed (before, the models are still partial)."""
        await self._listed.wait()
        path = checkpoint_file(self._layout)
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            await asyncio.sleep(interval_s)
            saved = {}
            for count, (name, model) in enumerate(list(self.cluster.nodes.items())):
                saved[name] = checkpoint.save_node(model)
                if count % 100 == 99:
                    await asyncio.sleep(0)  # serve between nodes: ~5 ms per 100 nodes of 70 pods
            data = checkpoint.encode(saved, period_ns, self._clock())
            try:
                await asyncio.to_thread(_write_atomically, path, data)
            except OSError as error:  # a full disk costs the next restart its counters, not this process its life
                self._logger.warning("cannot save the counters to %s: %s", path, error)

    def _announce(self, announced: int) -> int:
        serving = len(self.listeners.serving)
        if serving != announced:
            self._logger.info("kubelets serving %d nodes", serving)
            if announced < 0:
                ready = json.dumps({"nodes": serving, "pid": os.getpid()}) + "\n"
                _write_atomically(ready_file(self._layout), ready.encode())
        return serving


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


async def wait_for(path: Path, logger: logging.Logger) -> None:
    """Wait for a file the control plane writes once it listens (the launcher may start us first)."""
    if not path.exists():  # noqa: ASYNC240 - a stat of a local file
        logger.info("waiting for %s", path)
    # Another process writes it, so there is no event to await: poll.
    while not path.exists():  # noqa: ASYNC110, ASYNC240
        await asyncio.sleep(0.1)


async def main(config: Config, logger: logging.Logger) -> None:
    """Serve every node's kubelet until SIGTERM or SIGINT."""
    stop = lifecycle.stop_on_signals()
    layout = pki.Layout(Path(config.run_dir))
    kubeconfig = Path(config.kubeconfig) if config.kubeconfig else layout.service_kubeconfig("kubelets")
    await wait_for(kubeconfig, logger)
    client = await kube.Kube.connect(str(kubeconfig))
    try:
        ttls = webhook.Ttls(config.authentication_token_webhook_cache_ttl,
                            config.authorization_webhook_cache_authorized_ttl,
                            config.authorization_webhook_cache_unauthorized_ttl)  # fmt: skip
        kubelets = Kubelets(client, layout, config, webhook.Gate(webhook.KubeReviews(client), ttls, logger), logger)
        work = {"informer-nodes": kubelets.nodes.run(), "informer-pods": kubelets.pods.run(),
                **{f"informer-{kind.lower()}s": informer.run() for kind, informer in kubelets.workloads.items()},
                "reconcile": kubelets.reconcile(),
                "checkpoint": kubelets.save_counters(config.checkpoint_interval, config.housekeeping_ns)}  # fmt: skip
        await lifecycle.run_until_stopped(work, stop, logger)
    finally:
        await client.close()

"""One HPA's evaluation with its side effects: read the scale, reconcile, act (in actuate mode), record, publish."""

import logging
import time

import msgspec
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from services.autoscaler import actions, kubesphere, normalize, objects, reconcile, record
from services.autoscaler.cluster import Cluster
from services.autoscaler.config import Config
from services.autoscaler.histories import Histories, HistoryUnavailable
from services.autoscaler.telemetry import Telemetry
from services.autoscaler.usage import Usage
from services.lib import jetstream, kube, selectors


class Evaluator:
    """Runs evaluations; the leader acts and publishes, the others stay warm."""

    def __init__(
        self, config: Config, cluster: Cluster, usage: Usage, writer: actions.Writer, js: JetStreamContext,
        history: KeyValue, telemetry: Telemetry, logger: logging.Logger,
    ) -> None:  # fmt: skip
        self.config, self.cluster, self.usage, self.writer, self.js = config, cluster, usage, writer, js
        self.telemetry, self.logger = telemetry, logger
        self.controller = reconcile.Controller(
            tolerance=config.horizontal_pod_autoscaler_tolerance,
            cpu_initialization_ns=round(config.horizontal_pod_autoscaler_cpu_initialization_period * 1e9),
            readiness_delay_ns=round(config.horizontal_pod_autoscaler_initial_readiness_delay * 1e9),
            downscale_window_ns=round(config.horizontal_pod_autoscaler_downscale_stabilization * 1e9),
        )
        self.histories = Histories(history, logger)

    def forget(self, key: str) -> None:
        self.histories.forget(key)

    async def evaluate(self, key: str, trigger: str) -> reconcile.Decision | None:
        """Evaluate one HPA now; None when it is gone, or when its history cannot be read (NATS away)."""
        hpa = self.cluster.hpas.get(key)
        if hpa is None:
            return None
        try:
            history = await self.histories.get(key)
        except HistoryUnavailable as error:
            self.logger.warning("not evaluated: %s", error)
            return None
        started, now = time.monotonic(), time.time_ns()
        try:
            scale = await self.writer.scale(hpa)
        except kube.KubeError as error:
            decision = reconcile.scale_unavailable(now, hpa, str(error))
        else:
            decision = self._reconcile(key, hpa, scale, now, history)
        if self.config.mode == "actuate":
            decision = await self._act(hpa, decision, now)
        await self.histories.keep(key, decision.history)
        await self._publish(hpa, decision, now, trigger)
        self.telemetry.evaluated(trigger, time.monotonic() - started, decision)
        return decision

    def _reconcile(
        self, key: str, hpa: objects.HPA, scale: objects.Scale, now: int, history: normalize.History | None
    ) -> reconcile.Decision:
        pods = self._selected(key, hpa.metadata.namespace, scale.status.selector)
        pod_metrics = self.usage.pod_metrics(hpa.metadata.namespace, [p.metadata.name for p in pods], now)
        return reconcile.reconcile(now, hpa, scale, pods, pod_metrics, history, self.controller)

    def _selected(self, key: str, namespace: str, selector: str) -> list[objects.Pod]:
        """The target's pods; remembers the selector so fresh rates of these pods trigger this HPA."""
        self.cluster.selectors.pop(key, None)
        if not selector:
            return []
        try:
            self.cluster.selectors[key] = selectors.parse_labels(selector)
        except selectors.SelectorError:
            return []
        return self.cluster.selected(namespace, selector)

    async def _act(self, hpa: objects.HPA, decision: reconcile.Decision, now: int) -> reconcile.Decision:
        """Write the scale (if it changed), then the status (if it changed), events and KubeSphere's labels."""
        if decision.scaled:
            try:
                await self.writer.set_replicas(hpa, decision.desired)
            except kube.KubeError as error:
                decision = reconcile.rescale_failed(now, hpa, decision, str(error))
        try:
            if msgspec.to_builtins(decision.status) != msgspec.to_builtins(hpa.status):
                await self.writer.status(hpa, decision.status)
            for event in decision.events:
                await self.writer.event(hpa, event)
            if (patch := kubesphere.hpa_patch(hpa, list(decision.status.conditions or []))) is not None:
                await self.writer.patch_hpa(hpa, patch)
        except kube.KubeError as error:
            self.logger.warning("writing hpa=%s failed: %s", hpa.metadata.key, error)
        return decision

    async def _publish(self, hpa: objects.HPA, decision: reconcile.Decision, now: int, trigger: str) -> None:
        specs = hpa.spec.metrics or [reconcile.DEFAULT_METRIC]
        event = record.decision_event(hpa, specs, decision, now, self.config.mode, trigger)
        try:
            await jetstream.publish(self.js, event, self.telemetry.streams)
        except jetstream.PUBLISH_ERRORS as error:
            self.logger.warning("publishing the decision of hpa=%s failed: %s", hpa.metadata.key, error)

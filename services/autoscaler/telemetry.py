"""The autoscaler's self-metrics."""

from prometheus_client import Counter, Gauge, Histogram

from services.autoscaler.reconcile import Decision
from services.lib.telemetry import StreamMetrics, registry, stream_metrics


class Telemetry:
    """Every metric the autoscaler exports, on its own registry."""

    def __init__(self) -> None:
        self.registry = registry()
        r = self.registry
        self.streams: StreamMetrics = stream_metrics(r)
        self.evaluations = Counter(
            "flowmeter_autoscaler_evaluations", "HPA evaluations, by trigger", ["trigger"], registry=r
        )
        self.rescales = Counter(
            "flowmeter_autoscaler_rescales", "Scale changes decided, by direction", ["direction"], registry=r
        )
        self.duration = Histogram(
            "flowmeter_autoscaler_evaluation_duration_seconds", "Time one HPA evaluation takes", registry=r
        )
        self.leader = Gauge("flowmeter_autoscaler_leader", "1 while this replica leads and acts", registry=r)

    def evaluated(self, trigger: str, seconds: float, decision: Decision) -> None:
        self.evaluations.labels(trigger).inc()
        self.duration.observe(seconds)
        if decision.scaled:
            self.rescales.labels("up" if decision.desired > decision.current else "down").inc()

"""The api's self-metrics, under upstream metrics-server's names where upstream has them."""

from prometheus_client import Histogram

from services.lib.telemetry import StreamMetrics, registry, stream_metrics

# Upstream's freshness buckets: exponential from 1 s by a factor of 1.364, 20 of them (1 s … about 364 s).
FRESHNESS_BUCKETS = tuple(1.364**i for i in range(20))


class Telemetry:
    """Every metric the api exports, on its own registry."""

    def __init__(self) -> None:
        self.registry = registry()
        self.streams: StreamMetrics = stream_metrics(self.registry)
        self.freshness = Histogram(
            "metrics_server_api_metric_freshness_seconds",
            "[ALPHA] Age of each served metric, from the kubelet's sample time to the response",
            buckets=FRESHNESS_BUCKETS,
            registry=self.registry,
        )

    def observe(self, now_ns: int, timestamps_ns: list[int]) -> None:
        """Record the age of every item a response serves."""
        for timestamp_ns in timestamps_ns:
            if timestamp_ns:
                self.freshness.observe(max(0.0, (now_ns - timestamp_ns) / 1e9))

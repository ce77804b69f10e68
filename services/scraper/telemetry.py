"""The scraper's self-metrics, under upstream metrics-server's names where upstream has them."""

from prometheus_client import Counter, Gauge, Histogram

from services.lib.telemetry import StreamMetrics, registry, stream_metrics

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def tick_buckets(resolution: float) -> tuple[float, ...]:
    """Upstream's cycle buckets: the defaults plus halfway to, at, 1.5× and 2× the resolution when it exceeds 10 s."""
    if resolution <= 10:
        return DEFAULT_BUCKETS
    return (*DEFAULT_BUCKETS, 10 + (resolution - 10) / 2, resolution, 1.5 * resolution, 2 * resolution)


class Telemetry:
    """Every metric the scraper exports, on its own registry."""

    def __init__(self, resolution: float) -> None:
        self.registry = registry()
        r = self.registry
        self.streams: StreamMetrics = stream_metrics(r)
        self.request_duration = Histogram(
            "metrics_server_kubelet_request_duration_seconds",
            "[ALPHA] Duration of requests to the kubelet API",
            ["node"],
            buckets=DEFAULT_BUCKETS,
            registry=r,
        )
        self.requests = Counter(
            "metrics_server_kubelet_request", "[ALPHA] Requests to the kubelet API, by success", ["success"], registry=r
        )
        self.last_request = Gauge(
            "metrics_server_kubelet_last_request_time_seconds",
            "[ALPHA] Time of the last request to a kubelet",
            ["node"],
            registry=r,
        )
        self.tick_duration = Histogram(
            "metrics_server_manager_tick_duration_seconds",
            "[ALPHA] Duration of one scrape cycle over all nodes",
            buckets=tick_buckets(resolution),
            registry=r,
        )
        self.failures = Counter("flowmeter_scrape_failures", "Failed node scrapes, by reason", ["reason"], registry=r)
        self.anomalies = Counter(
            "flowmeter_scrape_anomalies", "Scrapes whose body was used despite an anomaly, by reason", ["reason"],
            registry=r,
        )  # fmt: skip
        self._nodes: set[str] = set()

    def observe(self, node: str, sent_at: float, seconds: float, success: bool) -> None:
        """Record one kubelet request."""
        self._nodes.add(node)
        self.request_duration.labels(node).observe(seconds)
        self.last_request.labels(node).set(sent_at)
        self.requests.labels("true" if success else "false").inc()

    def forget_nodes_except(self, nodes: set[str]) -> None:
        """Drop the per-node series of nodes that are gone, so a churning cluster does not grow the registry."""
        for node in self._nodes - nodes:
            self.request_duration.remove(node)
            self.last_request.remove(node)
        self._nodes &= nodes

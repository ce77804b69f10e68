"""Self-metrics shared by every service: events published, consumed, pending and undecodable, per stream.

Each service owns one `CollectorRegistry` (no process-global registry) and passes it where metrics are defined.
"""

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics


def registry() -> CollectorRegistry:
    """A service's own registry. `_created` series are off: upstream exports none and they double the output."""
    disable_created_metrics()  # type: ignore[no-untyped-call]
    return CollectorRegistry()


@dataclass(frozen=True)
class StreamMetrics:
    """Counters of one service's traffic on the JetStream streams, labelled by stream."""

    published: Counter
    consumed: Counter
    pending: Gauge
    undecodable: Counter


def stream_metrics(registry: CollectorRegistry) -> StreamMetrics:
    """The per-stream event counters, registered on `registry`."""
    return StreamMetrics(
        published=Counter("flowmeter_events_published", "Events published, by stream", ["stream"], registry=registry),
        consumed=Counter("flowmeter_events_consumed", "Events consumed, by stream", ["stream"], registry=registry),
        pending=Gauge(
            "flowmeter_events_pending",
            "Events in the stream not yet delivered to this consumer",
            ["stream"],
            registry=registry,
        ),
        undecodable=Counter(
            "flowmeter_events_undecodable", "Events dropped because they did not decode", ["stream"], registry=registry
        ),
    )

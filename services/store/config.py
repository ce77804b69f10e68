"""The store's configuration."""

from typing import Annotated

import msgspec

from services.lib.config import DURATION, NatsConnection


class Config(NatsConnection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Folds kubelet samples from NATS JetStream into windowed rates and publishes them."""

    metric_resolution: Annotated[
        float,
        msgspec.Meta(
            description="The scrapers' resolution: containers younger than this are served after one sample",
            extra=DURATION,
        ),
    ] = 15.0
    metrics_bind_address: Annotated[
        str,
        msgspec.Meta(description="host:port serving /metrics, /livez, /readyz and /healthz over HTTP; port 0 disables"),
    ] = ":8080"
    replica_name: Annotated[
        str, msgspec.Meta(description="This replica's name among the store replicas; empty means <hostname>-<pid>")
    ] = ""
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"

    def __post_init__(self) -> None:
        if self.metric_resolution < 10:
            raise ValueError(f"--metric-resolution must be at least 10s, got {self.metric_resolution:g}s")

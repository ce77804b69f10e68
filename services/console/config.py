"""The console's configuration: where it listens, which cluster it talks to, where NATS is, how much it remembers."""

from typing import Annotated

import msgspec

from services import events
from services.lib.config import DURATION, NatsConnection


class Config(NatsConnection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Serves the Flowmeter console: nodes, workloads, usage history, the HPA wizard and the decision journal."""

    bind_address: Annotated[
        str,
        msgspec.Meta(
            description="host:port to serve the console on over HTTP; keep it on localhost unless a "
            "TLS-terminating proxy stands in front"
        ),
    ] = "127.0.0.1:8088"
    kubeconfig: Annotated[
        str,
        msgspec.Meta(
            description="Kubeconfig naming the cluster (server and CA); its credentials, if any, are used only when "
            "the browser has not signed in with a token; empty means in-cluster server and CA, no credentials"
        ),
    ] = ""
    retention: Annotated[
        float,
        msgspec.Meta(
            description="How much usage history and decision journal to keep, in memory (about 24 bytes per pod and "
            "scrape: 1h at 15s is 5.8 KB per pod) and, so that the charts survive restarts, in the USAGE stream "
            "(at most 10 KiB per pod and hour, the stream bounded to max-history-pods × 10 KiB × retention in hours)",
            extra=DURATION,
        ),
    ] = 3600.0
    max_history_pods: Annotated[
        int,
        msgspec.Meta(
            ge=0,
            description="Pods whose usage history is kept (current usage is kept for every pod); "
            "bounds memory to about max-history-pods × 24 bytes × retention/resolution",
        ),
    ] = 20_000
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"

    def __post_init__(self) -> None:
        if self.retention < 60:
            raise ValueError(f"--retention must be at least 1m, got {self.retention:g}s")

    def usage_stream(self) -> events.StreamSpec:
        """USAGE as this console keeps it: for the retention, and bounded in size by the pods with a history."""
        hours = self.retention / 3600
        bound = round(max(self.max_history_pods, 1) * events.USAGE_BYTES_PER_POD_HOUR * hours)
        return msgspec.structs.replace(events.USAGE, max_age_seconds=self.retention, max_bytes=max(bound, 2**20))

"""The autoscaler's configuration: kube-controller-manager's HPA flags, the mode, and where NATS is."""

from typing import Annotated

import msgspec

from services.lib.config import DURATION, NatsConnection

MODES = ("actuate", "advise")


class Config(NatsConnection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Evaluates HorizontalPodAutoscalers with the Kubernetes HPA v2 algorithm as soon as fresh rates arrive."""

    mode: Annotated[
        str, msgspec.Meta(description="actuate: write /scale, HPA status and events; advise: only publish decisions")
    ] = "actuate"
    kubeconfig: Annotated[
        str, msgspec.Meta(description="Kubeconfig for the Kubernetes API; empty means in-cluster")
    ] = ""
    metric_resolution: Annotated[
        float,
        msgspec.Meta(
            description="The scrapers' resolution: an HPA is evaluated at most once per resolution, and at least once "
            "per two; rates whose scrape is 3 resolutions old are not used",
            extra=DURATION,
        ),
    ] = 15.0
    horizontal_pod_autoscaler_tolerance: Annotated[
        float,
        msgspec.Meta(ge=0, description="Minimum change of the usage ratio, either way, that makes a scaling decision"),
    ] = 0.1
    horizontal_pod_autoscaler_downscale_stabilization: Annotated[
        float, msgspec.Meta(description="How far back scale-down recommendations are considered", extra=DURATION)
    ] = 300.0
    horizontal_pod_autoscaler_cpu_initialization_period: Annotated[
        float, msgspec.Meta(description="After a pod starts, how long its CPU samples may be ignored", extra=DURATION)
    ] = 300.0
    horizontal_pod_autoscaler_initial_readiness_delay: Annotated[
        float,
        msgspec.Meta(
            description="After a pod starts, how long readiness changes are treated as its first readiness",
            extra=DURATION,
        ),
    ] = 30.0
    coalesce: Annotated[
        float,
        msgspec.Meta(
            description="Wait this long after the first fresh rates of an HPA's pods for the rest to arrive",
            extra=DURATION,
        ),
    ] = 0.5
    metrics_bind_address: Annotated[
        str,
        msgspec.Meta(description="host:port serving /metrics, /livez, /readyz and /healthz over HTTP; port 0 disables"),
    ] = ":8080"
    replica_name: Annotated[
        str, msgspec.Meta(description="This replica's name in leader election and logs; empty means <hostname>-<pid>")
    ] = ""
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"--mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.metric_resolution < 10:
            raise ValueError(f"--metric-resolution must be at least 10s, got {self.metric_resolution:g}s")

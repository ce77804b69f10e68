"""What the embedded stack is told through FLOWMETER_* environment variables."""

from collections.abc import Mapping
from typing import Annotated

import msgspec

from services.lib import timefmt


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The embedded stack's settings; every one has a FLOWMETER_<NAME> variable."""

    run_dir: str = ".run"  # all state: NATS data, certificates, kubeconfigs, logs
    sim_nodes: Annotated[int, msgspec.Meta(ge=1)] = 3
    sim_pods_per_node: Annotated[int, msgspec.Meta(ge=0)] = 10
    metric_resolution: str = "15s"  # a Go duration, at least 10s
    apiserver_port: int = 6443  # simulated control plane (0: any free port)
    api_port: int = 8443  # metrics API service (0: any free port)
    nats_port: int = 4222  # nats-server client port (-1: any free port)
    kubelet_subnet: str = "127.10"  # simulated node i listens on 127.<b>.<1 + i // 250>.<1 + i % 250>
    kubelet_port: int = 10250
    autoscaler: bool = True  # false leaves the autoscaler out, as the benchmark of the metrics pipeline does
    autoscaler_flags: str = ""  # extra autoscaler flags, e.g. "--horizontal-pod-autoscaler-downscale-stabilization=30s"
    scrapers: Annotated[int, msgspec.Meta(ge=1)] = 1  # scraper replicas; they share the nodes
    stores: Annotated[int, msgspec.Meta(ge=1, le=16)] = 1  # store replicas; they share the 16 sample partitions
    apis: Annotated[int, msgspec.Meta(ge=1)] = 1  # api replicas; the control plane spreads requests over all
    console: bool = True  # false leaves the console out, as the benchmark of the metrics pipeline does
    console_port: int = 8088  # the console's HTTP port on 127.0.0.1 (0: any free port)
    console_flags: str = ""  # extra console flags, e.g. "--retention=1m" (the soak's, so its history fills early)
    node_selector: str = ""  # passed to the scraper and the api as --node-selector, e.g. metrics-server-skip!=true

    def __post_init__(self) -> None:
        if timefmt.parse_duration(self.metric_resolution) < 10_000_000_000:
            raise ValueError(f"FLOWMETER_METRIC_RESOLUTION must be at least 10s, got {self.metric_resolution}")


def load(environ: Mapping[str, str]) -> Settings:
    """Settings from the environment; ValueError naming the variable when one is invalid."""
    raw = {key.removeprefix("FLOWMETER_").lower(): value for key, value in environ.items()}
    known = {field.name for field in msgspec.structs.fields(Settings)}
    try:
        return msgspec.convert({k: v for k, v in raw.items() if k in known}, Settings, strict=False)
    except (msgspec.ValidationError, timefmt.DurationError) as error:
        raise ValueError(f"invalid FLOWMETER_ setting: {error}") from None

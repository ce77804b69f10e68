"""Configuration of `python -m sim.kubelets`: flags `--run-dir`, `--kubeconfig`, `--log-level`,
`--housekeeping-interval`, `--checkpoint-interval`, the kubelet's webhook cache TTLs
`--authentication-token-webhook-cache-ttl`, `--authorization-webhook-cache-authorized-ttl` and
`--authorization-webhook-cache-unauthorized-ttl` (with the kubelet's defaults), or the same settings as
`SIM_KUBELETS_*` environment variables."""

from collections.abc import Mapping, Sequence
from typing import Annotated

import msgspec

from services.lib import config

PREFIX = "SIM_KUBELETS_"


class Config(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every simulated node's kubelet, serving /metrics/resource on each node's own address."""

    run_dir: Annotated[str, msgspec.Meta(description="the simulated cluster's run directory (required)")] = ""
    kubeconfig: Annotated[
        str,
        msgspec.Meta(description="kubeconfig to watch and review with; '' = <run-dir>/kubeconfigs/kubelets.kubeconfig"),
    ] = ""
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"
    housekeeping_interval: Annotated[
        float,
        msgspec.Meta(description="how often each series is sampled (cAdvisor housekeeping)", extra=config.DURATION),
    ] = 1.0  # seconds; real cAdvisor uses 10 s, shorter keeps the simulator from adding latency to the pipeline
    checkpoint_interval: Annotated[
        float,
        msgspec.Meta(description="how often every counter is saved for a restart to carry on", extra=config.DURATION),
    ] = 5.0  # seconds; ~0.2 s of CPU at 5,000 nodes x 70 pods, and a restart re-integrates up to this much at one rate
    authentication_token_webhook_cache_ttl: Annotated[
        float, msgspec.Meta(description="how long a TokenReview's answer is kept", extra=config.DURATION)
    ] = 120.0  # seconds
    authorization_webhook_cache_authorized_ttl: Annotated[
        float, msgspec.Meta(description="how long an allowing SubjectAccessReview is kept", extra=config.DURATION)
    ] = 300.0  # seconds
    authorization_webhook_cache_unauthorized_ttl: Annotated[
        float, msgspec.Meta(description="how long a refusing SubjectAccessReview is kept", extra=config.DURATION)
    ] = 30.0  # seconds

    def __post_init__(self) -> None:
        if not self.run_dir:
            raise ValueError("--run-dir is required")
        if not 0.01 <= self.housekeeping_interval <= 60:
            raise ValueError("--housekeeping-interval must be between 10ms and 60s")
        if not 0.01 <= self.checkpoint_interval <= 600:
            raise ValueError("--checkpoint-interval must be between 10ms and 10m")

    @property
    def housekeeping_ns(self) -> int:
        """The interval in whole milliseconds, as ns: sample timestamps are printed in ms."""
        return round(self.housekeeping_interval * 1000) * 1_000_000


def load(environ: Mapping[str, str], argv: Sequence[str]) -> Config:
    """The Config from SIM_KUBELETS_* variables overlaid with flags."""
    return config.load(Config, environ, argv, PREFIX, prog="python -m sim.kubelets")

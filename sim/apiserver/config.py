"""The API server's command-line flags, parsed into one frozen Config."""

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

import msgspec

MAX_NODES = 250 * 254  # node i gets 127.<b>.<1 + i // 250>.<1 + i % 250>; the third octet must stay below 255


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of one simulated control plane."""

    run_dir: Path  # files laid out by sim.pki.Layout: certificates in, admin kubeconfig out
    bind_address: str = "127.0.0.1"  # address the HTTPS server listens on
    port: int = 6443  # HTTPS port; 0 picks a free one (the kubeconfig names the real one)
    nodes: int = 3  # simulated nodes seeded at start
    pods_per_node: int = 10  # pods seeded on every node
    kubelet_subnet: str = "127.10"  # first two octets of the nodes' loopback InternalIPs
    kubelet_port: int = 10250  # published in node.status.daemonEndpoints.kubeletEndpoint.Port
    # aggregated metrics.k8s.io backends, comma-separated, e.g. https://127.0.0.1:8443 (the endpoints of the api's
    # Service, one per replica); empty = none
    metrics_api_url: str = ""
    pod_startup_seconds: float = 2.0  # seconds from a new pod's creation to Ready (Running at half of it)
    log_level: str = "info"

    @property
    def metrics_api_urls(self) -> tuple[str, ...]:
        """Every backend of the aggregation layer."""
        return tuple(url.strip() for url in self.metrics_api_url.split(",") if url.strip())


class ConfigError(ValueError):
    """A flag value the server refuses to start with; the message names the flag."""


def parse(argv: Sequence[str]) -> Config:
    """The Config from command-line flags; ConfigError names a bad flag."""
    parser = argparse.ArgumentParser(prog="python -m sim.apiserver", description=Config.__doc__)
    parser.add_argument("--run-dir", type=Path, required=True)
    for field in msgspec.structs.fields(Config)[1:]:
        parser.add_argument(
            "--" + field.name.replace("_", "-"), type=field.type, default=field.default,
            help=f"default {field.default!r}",
        )  # fmt: skip
    config = msgspec.convert(vars(parser.parse_args(list(argv))), Config)
    check(config)
    return config


def check(config: Config) -> None:
    """Cross-field rules; ConfigError names the flag."""
    if not re.fullmatch(r"127\.(25[0-5]|2[0-4]\d|1?\d?\d)", config.kubelet_subnet):
        raise ConfigError(f"--kubelet-subnet: {config.kubelet_subnet!r} is not of the form 127.N with N in 0..255")
    if not 0 <= config.nodes <= MAX_NODES:
        raise ConfigError(f"--nodes: {config.nodes} is outside 0..{MAX_NODES}")
    if config.pods_per_node < 0 or config.pod_startup_seconds < 0:
        raise ConfigError("--pods-per-node and --pod-startup-seconds must not be negative")
    for url in config.metrics_api_urls:
        if not url.startswith("https://"):
            raise ConfigError(f"--metrics-api-url: {url!r} must be an https:// URL")

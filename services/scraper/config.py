"""The scraper's configuration: upstream metrics-server's flag names and defaults, plus where NATS is."""

from typing import Annotated

import msgspec

from services.lib.config import DURATION, NatsConnection

ADDRESS_TYPES = ("Hostname", "InternalDNS", "InternalIP", "ExternalDNS", "ExternalIP")


class Config(NatsConnection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Scrapes kubelets' /metrics/resource and publishes one sample event per node to NATS JetStream."""

    kubeconfig: Annotated[
        str, msgspec.Meta(description="Kubeconfig for the Kubernetes API and the kubelets; empty means in-cluster")
    ] = ""
    metric_resolution: Annotated[
        float, msgspec.Meta(description="Interval between scrapes of each kubelet; at least 10s", extra=DURATION)
    ] = 15.0
    kubelet_request_timeout: Annotated[
        float,
        msgspec.Meta(
            description="Timeout of one kubelet request; above 0 and at most 0.9 × --metric-resolution", extra=DURATION
        ),
    ] = 10.0
    kubelet_port: Annotated[int, msgspec.Meta(ge=1, le=65535, description="Port of the kubelets")] = 10250
    kubelet_use_node_status_port: Annotated[
        bool, msgspec.Meta(description="Use the port in node.status.daemonEndpoints.kubeletEndpoint when set")
    ] = False
    kubelet_preferred_address_types: Annotated[
        tuple[str, ...], msgspec.Meta(description="Node address types to try, in order")
    ] = ADDRESS_TYPES
    kubelet_insecure_tls: Annotated[
        bool, msgspec.Meta(description="Do not verify the kubelets' serving certificates")
    ] = False
    kubelet_certificate_authority: Annotated[
        str, msgspec.Meta(description="CA file for the kubelets' serving certificates; default is the cluster CA")
    ] = ""
    kubelet_client_certificate: Annotated[
        str, msgspec.Meta(description="Client certificate file for TLS to the kubelets")
    ] = ""
    kubelet_client_key: Annotated[str, msgspec.Meta(description="Client key file for TLS to the kubelets")] = ""
    deprecated_kubelet_completely_insecure: Annotated[
        bool, msgspec.Meta(description="Talk to the kubelets over plain HTTP without credentials (do not use)")
    ] = False
    node_selector: Annotated[
        str,
        msgspec.Meta(
            description="Label selector of the nodes to scrape, e.g. metrics-server-skip!=true",
            extra={"short": ("-l",)},
        ),
    ] = ""
    max_concurrent_scrapes: Annotated[int, msgspec.Meta(ge=1, description="Kubelet requests in flight at once")] = 512
    metrics_bind_address: Annotated[
        str,
        msgspec.Meta(description="host:port serving /metrics, /livez, /readyz and /healthz over HTTP; port 0 disables"),
    ] = ":8080"
    replica_name: Annotated[
        str, msgspec.Meta(description="This replica's name in events and logs; empty means <hostname>-<pid>")
    ] = ""
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"

    def __post_init__(self) -> None:
        if self.metric_resolution < 10:
            raise ValueError(f"--metric-resolution must be at least 10s, got {self.metric_resolution:g}s")
        if self.kubelet_request_timeout <= 0:
            raise ValueError("--kubelet-request-timeout should be positive")
        if self.kubelet_request_timeout > 0.9 * self.metric_resolution:
            raise ValueError("--kubelet-request-timeout should be at most 0.9 × --metric-resolution")
        self._check_kubelet_tls()
        unknown = set(self.kubelet_preferred_address_types) - set(ADDRESS_TYPES)
        if unknown:
            raise ValueError(f"--kubelet-preferred-address-types: unknown type {sorted(unknown)[0]!r}")

    def _check_kubelet_tls(self) -> None:
        """Upstream's mutual-exclusion rules for the kubelet TLS flags, first violation first."""
        if self.kubelet_insecure_tls and self.kubelet_certificate_authority:
            raise ValueError("cannot use both --kubelet-certificate-authority and --kubelet-insecure-tls")
        if bool(self.kubelet_client_certificate) != bool(self.kubelet_client_key):
            raise ValueError("--kubelet-client-certificate and --kubelet-client-key need each other")
        if self.deprecated_kubelet_completely_insecure:
            for flag, value in (
                ("--kubelet-client-key", self.kubelet_client_key),
                ("--kubelet-client-certificate", self.kubelet_client_certificate),
                ("--kubelet-certificate-authority", self.kubelet_certificate_authority),
                ("--kubelet-insecure-tls", self.kubelet_insecure_tls),
            ):
                if value:
                    raise ValueError(f"cannot use both {flag} and --deprecated-kubelet-completely-insecure")

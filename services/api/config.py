"""The api's configuration: upstream metrics-server's serving flags, plus where NATS is."""

from typing import Annotated

import msgspec


class Config(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Serves metrics.k8s.io (NodeMetrics, PodMetrics) from the rates in NATS JetStream, over HTTPS."""

    kubeconfig: Annotated[
        str, msgspec.Meta(description="Kubeconfig for the Kubernetes API; empty means in-cluster")
    ] = ""
    bind_address: Annotated[str, msgspec.Meta(description="Address to listen on")] = "0.0.0.0"
    secure_port: Annotated[int, msgspec.Meta(ge=1, le=65535, description="HTTPS port")] = 443
    cert_dir: Annotated[
        str, msgspec.Meta(description="Where a self-signed certificate is generated when --tls-cert-file is not given")
    ] = "apiserver.local.config/certificates"
    tls_cert_file: Annotated[str, msgspec.Meta(description="Serving certificate (PEM, with chain)")] = ""
    tls_private_key_file: Annotated[str, msgspec.Meta(description="Serving certificate's key (PEM)")] = ""
    node_selector: Annotated[
        str,
        msgspec.Meta(
            description="Label selector added to every node list, e.g. metrics-server-skip!=true",
            extra={"short": ("-l",)},
        ),
    ] = ""
    nats_url: Annotated[str, msgspec.Meta(description="NATS server with JetStream")] = "nats://127.0.0.1:4222"
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"

    def __post_init__(self) -> None:
        if bool(self.tls_cert_file) != bool(self.tls_private_key_file):
            raise ValueError("--tls-cert-file and --tls-private-key-file need each other")

"""The api's configuration: upstream metrics-server's serving flags, plus where NATS is."""

from typing import Annotated

import msgspec

from services.lib.config import DURATION, NatsConnection

TLS_VERSIONS = ("VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13")
# Go's TLS 1.2 suite names and OpenSSL's; TLS 1.3 suites are not configurable (in Go either) and are accepted as is.
CIPHER_SUITES = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
}
TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}


class Config(NatsConnection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Serves metrics.k8s.io (NodeMetrics, PodMetrics) from the rates in NATS JetStream, over HTTPS."""

    kubeconfig: Annotated[
        str, msgspec.Meta(description="Kubeconfig for the Kubernetes API; empty means in-cluster")
    ] = ""
    node_selector: Annotated[
        str,
        msgspec.Meta(
            description="Label selector added to every node list, e.g. metrics-server-skip!=true",
            extra={"short": ("-l",)},
        ),
    ] = ""
    metric_resolution: Annotated[
        float,
        msgspec.Meta(
            description="The scrapers' resolution; rates are not served once their scrape is 3 resolutions old",
            extra=DURATION,
        ),
    ] = 15.0
    bind_address: Annotated[str, msgspec.Meta(description="The IP address to listen on")] = "0.0.0.0"
    secure_port: Annotated[int, msgspec.Meta(ge=1, le=65535, description="The port to serve HTTPS on")] = 443
    cert_dir: Annotated[
        str, msgspec.Meta(description="Where a self-signed certificate is generated when --tls-cert-file is not given")
    ] = "apiserver.local.config/certificates"
    tls_cert_file: Annotated[str, msgspec.Meta(description="Serving certificate (PEM, with its chain)")] = ""
    tls_private_key_file: Annotated[str, msgspec.Meta(description="The serving certificate's key (PEM)")] = ""
    tls_sni_cert_key: Annotated[
        tuple[str, ...],
        msgspec.Meta(description="cert,key[:name,...] pairs served by SNI name; names default to the certificate's"),
    ] = ()
    tls_min_version: Annotated[
        str,
        msgspec.Meta(
            description="Minimum TLS version: VersionTLS10, VersionTLS11, VersionTLS12 or VersionTLS13; "
            "empty means VersionTLS12"
        ),
    ] = ""
    tls_cipher_suites: Annotated[
        tuple[str, ...], msgspec.Meta(description="TLS 1.2 cipher suites by Go/IANA name; empty means the defaults")
    ] = ()
    permit_port_sharing: Annotated[
        bool, msgspec.Meta(description="Bind with SO_REUSEPORT, so several processes can share the port")
    ] = False
    authentication_kubeconfig: Annotated[
        str, msgspec.Meta(description="Kubeconfig for TokenReview; empty means --kubeconfig, or in-cluster")
    ] = ""
    authentication_skip_lookup: Annotated[
        bool,
        msgspec.Meta(description="Do not read missing settings from kube-system/extension-apiserver-authentication"),
    ] = False
    authentication_token_webhook_cache_ttl: Annotated[
        float, msgspec.Meta(description="How long TokenReview answers are cached", extra=DURATION)
    ] = 10.0
    authentication_tolerate_lookup_failure: Annotated[
        bool, msgspec.Meta(description="Start even if the authentication settings cannot be read from the cluster")
    ] = False
    client_ca_file: Annotated[
        str, msgspec.Meta(description="CA bundle for client certificates: their CN is the user, their O the groups")
    ] = ""
    requestheader_client_ca_file: Annotated[
        str,
        msgspec.Meta(
            description="CA bundle for the front proxy's client certificate; only its requests may assert identity "
            "headers"
        ),
    ] = ""
    requestheader_allowed_names: Annotated[
        tuple[str, ...],
        msgspec.Meta(description="Common names allowed for the front proxy's certificate; empty allows any it signed"),
    ] = ()
    requestheader_username_headers: Annotated[
        tuple[str, ...], msgspec.Meta(description="Headers carrying the user name, first present wins")
    ] = ("x-remote-user",)
    requestheader_group_headers: Annotated[tuple[str, ...], msgspec.Meta(description="Headers carrying groups")] = (
        "x-remote-group",
    )
    requestheader_extra_headers_prefix: Annotated[
        tuple[str, ...], msgspec.Meta(description="Header prefixes carrying extra user attributes")
    ] = ("x-remote-extra-",)
    requestheader_uid_headers: Annotated[
        tuple[str, ...], msgspec.Meta(description="Headers carrying the user's uid")
    ] = ()
    authorization_kubeconfig: Annotated[
        str, msgspec.Meta(description="Kubeconfig for SubjectAccessReview; empty means --kubeconfig, or in-cluster")
    ] = ""
    authorization_always_allow_paths: Annotated[
        tuple[str, ...], msgspec.Meta(description="Paths served without authorization")
    ] = ("/healthz", "/readyz", "/livez")
    authorization_webhook_cache_authorized_ttl: Annotated[
        float, msgspec.Meta(description="How long allowed SubjectAccessReview answers are cached", extra=DURATION)
    ] = 10.0
    authorization_webhook_cache_unauthorized_ttl: Annotated[
        float, msgspec.Meta(description="How long denied SubjectAccessReview answers are cached", extra=DURATION)
    ] = 10.0
    log_level: Annotated[str, msgspec.Meta(description="debug, info, warning or error")] = "info"

    def __post_init__(self) -> None:
        if bool(self.tls_cert_file) != bool(self.tls_private_key_file):
            raise ValueError("--tls-cert-file and --tls-private-key-file need each other")
        if self.tls_min_version and self.tls_min_version not in TLS_VERSIONS:
            raise ValueError(
                f"--tls-min-version: unknown {self.tls_min_version!r}, expected one of {', '.join(TLS_VERSIONS)}"
            )
        for suite in self.tls_cipher_suites:
            if suite not in CIPHER_SUITES and suite not in TLS13_SUITES:
                raise ValueError(f"--tls-cipher-suites: unsupported cipher suite {suite!r}")
        for entry in self.tls_sni_cert_key:
            if "," not in entry.partition(":")[0]:
                raise ValueError(f"--tls-sni-cert-key: expected cert,key[:names], got {entry!r}")

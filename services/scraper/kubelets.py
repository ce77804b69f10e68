"""HTTPS to the kubelets: one keep-alive session, TLS and credentials as upstream derives them from the rest config."""

import ssl
from asyncio import sslproto

import aiohttp
from kubernetes_asyncio import client

from services.scraper.config import Config

MAX_BODY_BYTES = 64 * 1024 * 1024  # far above a 110-pod body; guards against a runaway response
# asyncio gives every TLS connection a 256 KiB read buffer (CPython 3.11-3.13 sslproto.SSLProtocol.max_size); one
# kept-alive connection per kubelet would hold 1.25 GB at 5,000 nodes. OpenSSL hands over at most one record, 16 KiB
# of plaintext, per read, so a 16 KiB buffer costs nothing. A class attribute: it applies to the whole process.
SSL_READ_BUFFER_BYTES = 16 * 1024


class KubeletError(Exception):
    """A kubelet request that produced no body; `reason` classifies it for events and logs."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def ssl_context(config: Config, kube: client.Configuration) -> ssl.SSLContext:
    """Verify kubelets against the cluster CA (or the given CA) unless told not to; present a client cert if any."""
    context = ssl.create_default_context(cafile=config.kubelet_certificate_authority or kube.ssl_ca_cert or None)
    if config.kubelet_insecure_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert = config.kubelet_client_certificate or kube.cert_file
    if cert:
        context.load_cert_chain(cert, config.kubelet_client_key or kube.key_file)
    return context


def session(config: Config, kube: client.Configuration) -> aiohttp.ClientSession:
    """A session whose connections outlive a resolution, so each kubelet is reached over a kept-alive connection."""
    sslproto.SSLProtocol.max_size = min(sslproto.SSLProtocol.max_size, SSL_READ_BUFFER_BYTES)
    connector = aiohttp.TCPConnector(
        ssl=False if config.deprecated_kubelet_completely_insecure else ssl_context(config, kube),
        limit=config.max_concurrent_scrapes,
        limit_per_host=1,
        keepalive_timeout=3 * config.metric_resolution,
        ttl_dns_cache=None,
    )
    return aiohttp.ClientSession(connector=connector, auto_decompress=False, raise_for_status=False)


def tls_advice(detail: str) -> str:
    """A certificate failure worded for the operator, with the ways out."""
    if "mismatch" in detail or "match" in detail:
        problem = "the kubelet's serving certificate does not contain the address scraped in its SANs"
        ways = "--kubelet-preferred-address-types=Hostname (if its SANs hold the node name), or --kubelet-insecure-tls"
    else:
        problem = "the kubelet's serving certificate is not signed by a trusted CA"
        ways = "--kubelet-certificate-authority=<the CA that signed it>, or --kubelet-insecure-tls"
    return f"{problem} ({detail}); use properly signed kubelet serving certificates, {ways}"


async def fetch(http: aiohttp.ClientSession, url: str, authorization: str | None, timeout: float) -> str:
    """The body of `GET url`; KubeletError with a reason class for anything else."""
    headers = {"Authorization": authorization} if authorization else {}
    try:
        async with http.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            if response.status != 200:
                raise KubeletError("HTTPStatus", f'request failed, status: "{response.status} {response.reason}"')
            if (response.content_length or 0) > MAX_BODY_BYTES:
                raise KubeletError("TooLarge", f"body of {response.content_length} bytes is too large")
            body = await response.read()
    except TimeoutError:
        raise KubeletError("Timeout", "timeout to access kubelet") from None
    except aiohttp.ClientConnectorCertificateError as error:
        raise KubeletError("TLS", tls_advice(str(error.certificate_error))) from None
    except (aiohttp.ClientError, OSError) as error:
        raise KubeletError("Connection", str(error) or type(error).__name__) from None
    try:
        return body.decode()
    except UnicodeDecodeError as error:
        raise KubeletError("Parse", f"body is not UTF-8: {error}") from None

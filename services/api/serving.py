"""The api's HTTPS listener from upstream's secure-serving flags: certificates, SNI, TLS version, ciphers."""

import socket
import ssl
from pathlib import Path

from services.api.config import CIPHER_SUITES, Config
from services.lib import tls, web

TLS_VERSIONS = {
    "VersionTLS10": ssl.TLSVersion.TLSv1,
    "VersionTLS11": ssl.TLSVersion.TLSv1_1,
    "VersionTLS12": ssl.TLSVersion.TLSv1_2,
    "VersionTLS13": ssl.TLSVersion.TLSv1_3,
}


def certificate(config: Config) -> tuple[Path, Path]:
    """The serving certificate: the given files, or a self-signed pair generated into --cert-dir."""
    if config.tls_cert_file:
        return Path(config.tls_cert_file), Path(config.tls_private_key_file)
    return tls.self_signed(Path(config.cert_dir), "apiserver", ("localhost", "127.0.0.1"))


def context(config: Config, client_cas: list[str] = []) -> ssl.SSLContext:  # noqa: B006 - never mutated
    """The TLS server context the flags describe; SNI certificates are chosen by the name the client asks for.

    With client CAs, clients may present a certificate (verified against them); none is required.
    """
    result = _context(config, *certificate(config))
    for pem in client_cas:
        result.load_verify_locations(cadata=pem)
    if client_cas:
        result.verify_mode = ssl.CERT_OPTIONAL
    by_name = {}
    for entry in config.tls_sni_cert_key:
        files, _, names = entry.partition(":")
        cert, _, key = files.partition(",")
        sni = _context(config, Path(cert), Path(key))
        for name in names.split(",") if names else tls.names_in(Path(cert)):
            by_name[name.lower()] = sni

    def choose(connection: ssl.SSLObject, server_name: str | None, _: ssl.SSLContext) -> None:
        chosen = by_name.get((server_name or "").lower()) or _wildcard(by_name, server_name)
        if chosen is not None:
            connection.context = chosen

    if by_name:
        result.sni_callback = choose
    return result


def _wildcard(by_name: dict[str, ssl.SSLContext], server_name: str | None) -> ssl.SSLContext | None:
    if not server_name or "." not in server_name:
        return None
    return by_name.get("*." + server_name.lower().split(".", 1)[1])


def _context(config: Config, cert: Path, key: Path) -> ssl.SSLContext:
    result = tls.server_context(cert, key)
    result.minimum_version = TLS_VERSIONS[config.tls_min_version or "VersionTLS12"]
    ciphers = [CIPHER_SUITES[name] for name in config.tls_cipher_suites if name in CIPHER_SUITES]
    if ciphers:
        result.set_ciphers(":".join(ciphers))
    return result


def listener(config: Config) -> socket.socket:
    """The listening socket; with --permit-port-sharing, several processes may listen on the same port."""
    return web.listen(config.bind_address, config.secure_port, reuse_port=config.permit_port_sharing)

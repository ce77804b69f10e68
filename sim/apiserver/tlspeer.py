"""The verified client certificate of each TLS connection, handed to the app with every request on it.

uvicorn puts no TLS details into the ASGI scope, so this HTTP/1.1 protocol copies the certificate's subject (as
`ssl` reports it once the handshake verified it against the cluster CA) into the connection's scope state, where
`auth` reads it as `request.scope["state"][SUBJECT]`.
"""

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

SUBJECT = "tls_client_subject"


class PeerCertificateProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus the verified client certificate's subject in each request's scope state."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        certificate = transport.get_extra_info("peercert")
        if certificate and certificate.get("subject"):
            self.app_state = {**self.app_state, SUBJECT: certificate["subject"]}

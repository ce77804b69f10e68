"""One TLS listener per node on the node's own address and kubelet port, each with its own serving certificate.

Certificates are signed by the cluster CA with the node's IP and name in the SANs, as a kubelet with
serverTLSBootstrap has, so a scraper verifying against the cluster CA (the default) accepts them; the `bad-cert` and
`wrong-ca` faults serve a hostname-only one or one of an unrelated CA instead. Clients are asked for (not required to
present) a certificate of the cluster CA, as a kubelet with --client-ca-file asks.
"""

import asyncio
import logging
import ssl
from asyncio import sslproto
from collections.abc import Callable
from pathlib import Path

from services.lib import tls
from sim.kubelets import httpserver

Endpoint = tuple[str, int]  # (IP address, port)
# asyncio's TLS protocol gives every connection a 256 KiB read buffer (CPython 3.11-3.13 sslproto.SSLProtocol);
# 5,000 kept-alive scraper connections would hold 1.3 GB for requests of a few hundred bytes. A TLS record is at
# most 16 KiB, so 32 KiB loses nothing but memory. Class attribute, read per connection: it applies process-wide.
SSL_READ_BUFFER_BYTES = 32 * 1024


Serving = tuple[Endpoint, str]  # where, and which certificate ('', 'bad-cert', 'wrong-ca')


class Listener:
    """A node's server and its open connections."""

    def __init__(self, serving: Serving, server: asyncio.Server, connections: set[httpserver.Connection]) -> None:
        self.serving, self.server, self.connections = serving, server, connections
        self.endpoint = serving[0]

    async def stop(self) -> None:
        """Refuse new connections and drop the open ones."""
        self.server.close()
        for connection in list(self.connections):
            connection.close()
        await self.server.wait_closed()


class Listeners:
    """The listener of every node that should be reachable; `apply` moves one node to its desired endpoint."""

    def __init__(
        self, ca: tls.KeyPair, ca_file: Path, cert_dir: Path, handler_for: Callable[[str], httpserver.Handler],
        logger: logging.Logger,
    ) -> None:  # fmt: skip
        self.serving: dict[str, Listener] = {}
        self._ca, self._ca_file, self._cert_dir, self._handler_for, self._logger = (
            ca, ca_file, cert_dir, handler_for, logger)  # fmt: skip
        self._unrelated_ca: tls.KeyPair | None = None

    async def apply(self, name: str, endpoint: Endpoint | None, certificate: str = "") -> None:
        """Listen on `endpoint` (None: not at all) with that certificate, restarting when either changed."""
        current = self.serving.get(name)
        if current is not None and current.serving == (endpoint, certificate):
            return
        if current is not None:
            del self.serving[name]
            await current.stop()
            self._logger.info("node=%s stopped listening on %s:%d", name, *current.endpoint)
        if endpoint is not None:
            try:
                self.serving[name] = await self._start(name, (endpoint, certificate))
            except OSError as error:  # e.g. the address is taken: the node stays unreachable, like a dead kubelet
                self._logger.error("node=%s cannot listen on %s:%d: %s", name, *endpoint, error)

    async def close(self) -> None:
        """Stop every listener."""
        listeners, self.serving = list(self.serving.values()), {}
        await asyncio.gather(*(listener.stop() for listener in listeners))

    async def _start(self, name: str, serving: Serving) -> Listener:
        sslproto.SSLProtocol.max_size = min(sslproto.SSLProtocol.max_size, SSL_READ_BUFFER_BYTES)
        endpoint = serving[0]
        context = self._context(name, endpoint[0], serving[1])
        connections: set[httpserver.Connection] = set()
        handler = self._handler_for(name)
        server = await asyncio.get_running_loop().create_server(
            lambda: httpserver.Connection(handler, connections, self._logger),
            host=endpoint[0], port=endpoint[1], ssl=context, reuse_address=True, backlog=128,
        )  # fmt: skip
        self._logger.debug("node=%s listening on %s:%d", name, *endpoint)
        return Listener(serving, server, connections)

    def _context(self, name: str, address: str, certificate: str) -> ssl.SSLContext:
        """A server context with a fresh certificate for the node's address and name (or a faulty one)."""
        cert, key = self._cert_dir / f"{name}.crt", self._cert_dir / f"{name}.key"
        ca = self._ca
        hosts: tuple[str, ...] = (address, name)
        if certificate == "bad-cert":
            hosts = (name,)  # hostname only, as a self-signed kubelet certificate
        elif certificate == "wrong-ca":
            self._unrelated_ca = ca = self._unrelated_ca or tls.new_ca("flowmeter-sim-unrelated-ca")
        pair = tls.issue(ca, f"system:node:{name}", hosts=hosts, organizations=("system:nodes",))
        pair.write(cert, key)
        return tls.server_context(cert, key, client_ca=self._ca_file)

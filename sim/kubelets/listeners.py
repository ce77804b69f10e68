"""One TLS listener per node on the node's own address and kubelet port, each with its own serving certificate.

Certificates are signed by the cluster CA with the node's IP and name in the SANs, as a kubelet with
serverTLSBootstrap has, so a scraper verifying against the cluster CA (the default) accepts them.
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


class Listener:
    """A node's server and its open connections."""

    def __init__(self, endpoint: Endpoint, server: asyncio.Server, connections: set[httpserver.Connection]) -> None:
        self.endpoint, self.server, self.connections = endpoint, server, connections

    async def stop(self) -> None:
        """Refuse new connections and drop the open ones."""
        self.server.close()
        for connection in list(self.connections):
            connection.close()
        await self.server.wait_closed()


class Listeners:
    """The listener of every node that should be reachable; `apply` moves one node to its desired endpoint."""

    def __init__(
        self, ca: tls.KeyPair, cert_dir: Path, handler_for: Callable[[str], httpserver.Handler],
        logger: logging.Logger,
    ) -> None:  # fmt: skip
        self.serving: dict[str, Listener] = {}
        self._ca, self._cert_dir, self._handler_for, self._logger = ca, cert_dir, handler_for, logger

    async def apply(self, name: str, endpoint: Endpoint | None) -> None:
        """Listen on `endpoint` (None: not at all), restarting the listener when the endpoint moved."""
        current = self.serving.get(name)
        if current is not None and current.endpoint == endpoint:
            return
        if current is not None:
            del self.serving[name]
            await current.stop()
            self._logger.info("node=%s stopped listening on %s:%d", name, *current.endpoint)
        if endpoint is not None:
            try:
                self.serving[name] = await self._start(name, endpoint)
            except OSError as error:  # e.g. the address is taken: the node stays unreachable, like a dead kubelet
                self._logger.error("node=%s cannot listen on %s:%d: %s", name, *endpoint, error)

    async def close(self) -> None:
        """Stop every listener."""
        listeners, self.serving = list(self.serving.values()), {}
        await asyncio.gather(*(listener.stop() for listener in listeners))

    async def _start(self, name: str, endpoint: Endpoint) -> Listener:
        sslproto.SSLProtocol.max_size = min(sslproto.SSLProtocol.max_size, SSL_READ_BUFFER_BYTES)
        context = self._context(name, endpoint[0])
        connections: set[httpserver.Connection] = set()
        handler = self._handler_for(name)
        server = await asyncio.get_running_loop().create_server(
            lambda: httpserver.Connection(handler, connections, self._logger),
            host=endpoint[0], port=endpoint[1], ssl=context, reuse_address=True, backlog=128,
        )  # fmt: skip
        self._logger.debug("node=%s listening on %s:%d", name, *endpoint)
        return Listener(endpoint, server, connections)

    def _context(self, name: str, address: str) -> ssl.SSLContext:
        """A server context with a fresh certificate for the node's address and name."""
        cert, key = self._cert_dir / f"{name}.crt", self._cert_dir / f"{name}.key"
        pair = tls.issue(self._ca, f"system:node:{name}", hosts=(address, name), organizations=("system:nodes",))
        pair.write(cert, key)
        return tls.server_context(cert, key)

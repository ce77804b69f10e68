"""uvicorn as one task of a service's own event loop: our own socket and TLS context, no signal handlers of its own."""

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Generator

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from services.lib.config import host_port
from services.lib.lifecycle import StartupError

PeerCertificates = dict[tuple[str, int], bytes]  # client address -> the DER certificate it presented


def _recording(peers: PeerCertificates) -> type[H11Protocol]:
    """An HTTP protocol that remembers each TLS client's certificate by address, for the app to authenticate."""

    class Recording(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            ssl_object, peer = transport.get_extra_info("ssl_object"), transport.get_extra_info("peername")
            certificate = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
            if certificate and peer:
                self._peer = (peer[0], peer[1])
                peers[self._peer] = certificate

        def connection_lost(self, exc: Exception | None) -> None:
            peers.pop(getattr(self, "_peer", ("", 0)), None)
            super().connection_lost(exc)

    return Recording


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, stop: asyncio.Event) -> None:
        super().__init__(config)
        self.stop = stop

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the service's loop owns SIGTERM and SIGINT and tells us through `stop`

    async def main_loop(self) -> None:
        """uvicorn wakes ten times a second to notice a shutdown and refresh its Date header. A wake-up of an idle
        process costs 0.3 to 1 ms of CPU on a virtual machine, so: once a second, and at once on `stop`."""
        ticks = 0
        while True:
            self.should_exit = self.should_exit or self.stop.is_set()
            if await self.on_tick(ticks):
                return
            ticks += 10  # a multiple of ten: on_tick then refreshes the Date header
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 1.0)


def listen(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket that rebinds over TIME_WAIT (as Go listeners do), optionally with SO_REUSEPORT.

    StartupError when the address cannot be bound, e.g. another process listens on it.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and without it a response
    # written as headers then body waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise StartupError(f"cannot listen on {host or '0.0.0.0'}:{port}: {error.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def bind(address: str) -> socket.socket | None:
    """Bind a `host:port` flag's address at once, so a taken port stops a service before it connects anywhere;
    None when the port is 0 (disabled)."""
    host, port = host_port(address)
    return listen(host, port) if port else None


async def serve_probes(app: ASGIApp, sock: socket.socket | None, stop: asyncio.Event) -> None:
    """Serve plain-HTTP probes and /metrics on a socket from `bind` until `stop`; without one, just wait."""
    if sock is None:
        await stop.wait()
        return
    host, port = sock.getsockname()[:2]
    await serve(app, host, port, stop, sock=sock)


async def serve(
    app: ASGIApp,
    host: str,
    port: int,
    stop: asyncio.Event,
    tls: ssl.SSLContext | None = None,
    sock: socket.socket | None = None,
    peers: PeerCertificates | None = None,
) -> None:
    """Serve until `stop` is set, then finish in-flight requests and return; `peers` collects client certificates."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
        http=_recording(peers) if peers is not None else "h11",
        h11_max_incomplete_event_size=64 * 1024,
        timeout_keep_alive=60,
        limit_concurrency=4096,
    )
    sock = sock or listen(host, port)
    config.load()
    config.ssl = tls  # our context: it carries the TLS flags uvicorn's own options cannot express
    await _Server(config, stop).serve(sockets=[sock])

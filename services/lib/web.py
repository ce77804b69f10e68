"""uvicorn as one task of a service's own event loop: our own socket and TLS context, no signal handlers of its own."""

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Generator

import uvicorn
from starlette.types import ASGIApp


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the service's loop owns SIGTERM and SIGINT and tells us through `stop`


def listen(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket that rebinds over TIME_WAIT (as Go listeners do), optionally with SO_REUSEPORT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def serve(
    app: ASGIApp,
    host: str,
    port: int,
    stop: asyncio.Event,
    tls: ssl.SSLContext | None = None,
    sock: socket.socket | None = None,
) -> None:
    """Serve until `stop` is set, then finish in-flight requests and return."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5
    )
    config.load()
    config.ssl = tls  # our context: it carries the TLS flags uvicorn's own options cannot express
    server = _Server(config)

    async def exit_on_stop() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(exit_on_stop(), name="http-stop")
    try:
        await server.serve(sockets=[sock] if sock else None)
    finally:
        watcher.cancel()

"""uvicorn as one task of a service's own event loop: HTTPS, no signal handlers of its own, graceful stop."""

import asyncio
import contextlib
from collections.abc import Generator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the service's loop owns SIGTERM and SIGINT and tells us through `stop`


async def serve(
    app: ASGIApp,
    host: str,
    port: int,
    stop: asyncio.Event,
    cert: Path | None = None,
    key: Path | None = None,
    client_ca: Path | None = None,
) -> None:
    """Serve until `stop` is set, then finish in-flight requests and return."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ssl_certfile=cert,
        ssl_keyfile=key,
        ssl_ca_certs=client_ca,
        ssl_cert_reqs=1 if client_ca else 0,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)

    async def exit_on_stop() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(exit_on_stop(), name="http-stop")
    try:
        await server.serve()
    finally:
        watcher.cancel()

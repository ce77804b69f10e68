"""Process lifecycle: the replica's name, a clean exit when a service cannot start, a stop event set by
SIGTERM/SIGINT, and named task guards that log why a task died."""

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class StartupError(Exception):
    """Why a service cannot start (a port taken, a file missing): printed as `<service>: <why>`, exit code 1."""


def replica_name(configured: str) -> str:
    """This replica's name among its peers: the one configured, else `<hostname>-<pid>`, unique in a cluster."""
    return configured or f"{socket.gethostname()}-{os.getpid()}"


def main(name: str, service: Coroutine[Any, Any, None]) -> None:
    """Run a service's coroutine as the process; a StartupError ends it with a one-line message, not a traceback."""
    try:
        asyncio.run(service)
    except StartupError as error:
        sys.exit(f"{name}: {error}")


def stop_on_signals() -> asyncio.Event:
    """An event set on SIGTERM or SIGINT, so every service shuts down along one path."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def guard(name: str, work: Coroutine[Any, Any, T], logger: logging.Logger) -> T:
    """Run a task's coroutine; log its failure with the task's name and re-raise."""
    try:
        return await work
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("task %s failed", name)
        raise


async def run_until_stopped(
    work: Mapping[str, Coroutine[Any, Any, object]], stop: asyncio.Event, logger: logging.Logger
) -> None:
    """Run named loops in one task group until `stop` is set (then cancel them) or one of them fails (then raise)."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(guard(name, coro, logger), name=name) for name, coro in work.items()]
        await stop.wait()
        for task in tasks:
            task.cancel()

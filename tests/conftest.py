"""Fixtures shared by every test layer: a real nats-server, and guards against leaked asyncio tasks and sockets."""

import asyncio
import gc
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

NATS_SERVER = Path(sys.executable).parent / "nats-server"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run end-to-end tests last, and the fault suite after them: they are the slowest and depend on everything else
    working. Each package's stack is torn down before the next one starts."""
    items.sort(
        key=lambda item: (item.get_closest_marker("e2e") is not None, item.get_closest_marker("faults") is not None)
    )


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """A real nats-server with JetStream on a free port, stopped after the test."""
    with run_nats_server(tmp_path / "nats") as url:
        yield url


class NatsServer:
    """A nats-server process; `url` once it listens."""

    def __init__(self, store_dir: Path, port: int = -1, config: Path | None = None) -> None:
        binary = NATS_SERVER if NATS_SERVER.exists() else Path(shutil.which("nats-server") or "nats-server")
        flags = ["-c", str(config)] if config else ["-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store_dir)]
        self.process = subprocess.Popen([str(binary), *flags], stderr=subprocess.PIPE, text=True)
        self.url = self._wait_for_port()

    def _wait_for_port(self) -> str:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if match := re.search(r"Listening for client connections on (\S+)", line):
                threading.Thread(target=self._drain, daemon=True).start()  # a full pipe would block the server
                return f"nats://{match.group(1)}"
        raise RuntimeError(f"nats-server exited with {self.process.wait()} before listening")

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for _ in self.process.stderr:
            pass

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stderr is not None
        self.process.stderr.close()


class run_nats_server:
    """Context manager around NatsServer."""

    def __init__(self, store_dir: Path, port: int = -1) -> None:
        self.server = NatsServer(store_dir, port)

    def __enter__(self) -> str:
        return self.server.url

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    """A client connection to the test's nats-server."""
    client = await nats.connect(nats_url)
    yield client
    await client.drain()


@pytest.fixture
def js(nc: Client) -> JetStreamContext:
    """JetStream on the test's nats-server."""
    return nc.jetstream()


@pytest.fixture(autouse=True)
async def _no_leaked_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves asyncio tasks running behind it."""
    before = asyncio.all_tasks()
    yield
    leaked = [t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()]
    for task in leaked:
        task.cancel()
    assert not leaked, f"tasks leaked: {[t.get_name() for t in leaked]}"
    gc.collect()  # an unclosed socket warns when collected: collect now so the test that leaked it is the one failing

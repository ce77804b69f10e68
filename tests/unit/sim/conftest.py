"""A small seeded cluster in memory: store (scenario and bootstrap policy), registry and watch hub with a fixed clock
and random seed; the controller as a task; the HTTP app as an identity's client; a way to await a store state."""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from services.lib import timefmt
from sim import identities, pki, scenario
from sim.apiserver import app, auth, bootstrap, seed, watch
from sim.apiserver import resources as r
from sim.apiserver.controller import Controller
from sim.apiserver.handlers import Reads
from sim.apiserver.proxy import Proxy
from sim.apiserver.registry import Registry
from sim.apiserver.store import Store
from sim.apiserver.writes import Writes

NOW_NS = 1_780_000_000 * 10**9  # 2026-05-28T20:26:40Z
CLIENT_CA, FRONT_PROXY_CA = "-----CLUSTER CA-----\n", "-----FRONT PROXY CA-----\n"
TOKENS = {pki.ADMIN_TOKEN if key == "admin" else f"{key}-token": identity
          for key, identity in identities.IDENTITIES.items()}  # fmt: skip


def token(key: str) -> str:
    """The bearer token of an identity in TOKENS (`admin`, `viewer`, `scraper`, ...)."""
    return pki.ADMIN_TOKEN if key == "admin" else f"{key}-token"


def seeded_store(nodes: int = 3, pods_per_node: int = 10) -> Store:
    """The default scenario of this size and the bootstrap policy, loaded."""
    store = Store(r.ALL)
    rng = random.Random(7)
    for resource, objects in seed.seed(scenario.build(nodes, pods_per_node, now_ns=NOW_NS), NOW_NS, rng).items():
        store.load(resource, objects)
    created = timefmt.rfc3339(NOW_NS - seed.WEEK_NS)
    for resource, objects in bootstrap.bootstrap(CLIENT_CA, FRONT_PROXY_CA, created, rng).items():
        store.load(resource, objects)
    return store


def app_client(
    registry: Registry, hub: watch.Hub, proxy: Proxy | None = None, as_key: str | None = "admin"
) -> httpx.AsyncClient:
    """A client of the app in memory, sending the bearer token of an identity (None: no credentials)."""
    api = app.Api(Reads(registry, hub), Writes(registry), proxy, auth.Auth(TOKENS, registry.store))
    headers = {"Authorization": f"Bearer {token(as_key)}"} if as_key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app.build_app(api)), base_url="https://sim", headers=headers)


@pytest.fixture
def registry() -> Registry:
    """A registry over a 3 × 10 cluster; its clock stands still at NOW_NS."""
    return Registry(seeded_store(), random.Random(11), clock=lambda: NOW_NS)


@pytest.fixture
def hub(registry: Registry) -> watch.Hub:
    """The watch hub listening to the registry's store."""
    return watch.Hub(registry.store)


@pytest.fixture
async def controller(registry: Registry) -> AsyncIterator[Controller]:
    """The controller with instant pod start-up, running as a task."""
    controller = Controller(registry, 0.0, random.Random(3), logging.getLogger("test"))
    task = asyncio.create_task(controller.run(), name="controller")
    yield controller
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    controller.close()


async def until(store: Store, condition: Callable[[], bool], timeout: float = 5) -> None:
    """Wait for the store to reach a condition, re-checking after every write."""
    reached = asyncio.Event()

    def check(_: object) -> None:
        if condition():
            reached.set()

    store.listeners.append(check)
    try:
        if not condition():
            async with asyncio.timeout(timeout):
                await reached.wait()
    finally:
        store.listeners.remove(check)

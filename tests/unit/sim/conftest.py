"""A small seeded cluster in memory: store, registry and watch hub with a fixed clock and random seed; the
controller as a task, and a way to await the store reaching a state."""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable

import pytest

from sim import scenario
from sim.apiserver import resources as r
from sim.apiserver import seed, watch
from sim.apiserver.controller import Controller
from sim.apiserver.registry import Registry
from sim.apiserver.store import Store

NOW_NS = 1_780_000_000 * 10**9  # 2026-05-28T20:26:40Z


def seeded_store(nodes: int = 3, pods_per_node: int = 10) -> Store:
    """The default scenario of this size, loaded."""
    store = Store(r.ALL)
    for resource, objects in seed.seed(
        scenario.build(nodes, pods_per_node, now_ns=NOW_NS), NOW_NS, random.Random(7)
    ).items():
        store.load(resource, objects)
    return store


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

"""A small seeded cluster in memory: store, registry and watch hub with a fixed clock and random seed."""

import random

import pytest

from sim import scenario
from sim.apiserver import resources as r
from sim.apiserver import seed, watch
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

"""Pods a `/scale` write adds carry what an HPA reads: phase, startTime, requests, and a Ready condition whose
lastTransitionTime is when they became Ready, --pod-startup-seconds after they started.

The registry's clock runs 100 times faster than the event loop's, so a 0.05 s start-up is 5 s of API time.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator

import pytest

from services.lib import timefmt
from sim.apiserver import podstatus
from sim.apiserver import resources as r
from sim.apiserver.controller import Controller
from sim.apiserver.registry import Registry
from tests.unit.sim.conftest import NOW_NS, seeded_store, until

SPEEDUP = 100
STARTUP_SECONDS = 0.05


@pytest.fixture
async def fast_cluster() -> AsyncIterator[Registry]:
    """A seeded registry whose clock runs SPEEDUP times faster than the loop, with its controller running."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    registry = Registry(seeded_store(), random.Random(5), lambda: NOW_NS + int((loop.time() - started) * SPEEDUP * 1e9))
    controller = Controller(registry, STARTUP_SECONDS, random.Random(6), logging.getLogger("test"))
    task = asyncio.create_task(controller.run(), name="controller")
    yield registry
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    controller.close()


async def test_pods_added_by_a_scale_write_become_ready_after_the_start_up_delay(fast_cluster: Registry) -> None:
    registry = fast_cluster
    template = {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [
        {"name": "api", "image": "api:1", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}}]}}  # fmt: skip
    registry.create(r.DEPLOYMENTS, "default", {"metadata": {"name": "api"}, "spec": {
        "replicas": 1, "selector": {"matchLabels": {"app": "api"}}, "template": template}})  # fmt: skip
    scale = registry.get(r.DEPLOYMENTS, "default", "api", "scale")

    registry.update(r.DEPLOYMENTS, "default", "api", {**scale, "spec": {"replicas": 3}}, "scale")
    await until(
        registry.store, lambda: registry.get(r.DEPLOYMENTS, "default", "api")["status"].get("readyReplicas") == 3
    )

    pods = [pod for pod in registry.store.collections[r.PODS].scan("default") if pod["metadata"]["name"][:4] == "api-"]
    assert len(pods) == 3 and {pod["status"]["phase"] for pod in pods} == {"Running"}
    for pod in pods:
        [ready] = [c for c in pod["status"]["conditions"] if c["type"] == "Ready"]
        started = timefmt.parse_rfc3339(pod["status"]["startTime"])
        became_ready = timefmt.parse_rfc3339(ready["lastTransitionTime"])
        assert podstatus.is_ready(pod) and 4 <= (became_ready - started) / 1e9 <= 20  # 5 s, to the second
        assert pod["spec"]["containers"][0]["resources"] == {"requests": {"cpu": "250m", "memory": "64Mi"}}

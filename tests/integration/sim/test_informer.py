"""services.lib.kube's Informer against the simulated API server: list, then watch, in full and metadata-only form."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from services.lib import kube, kubeobjects
from tests.integration.sim.conftest import Cluster

Change = tuple[kubeobjects.Object | None, kubeobjects.Object | None]


@contextlib.asynccontextmanager
async def informing(
    cluster: Cluster, path: str, until: Callable[[Change], bool], **options: object
) -> AsyncIterator[tuple[kube.Informer[kubeobjects.Object], asyncio.Event]]:
    """An informer running as a task, and an event set by the first change that satisfies `until`."""
    client = await kube.Kube.connect(str(cluster.kubeconfig))
    seen = asyncio.Event()

    def on_change(old: kubeobjects.Object | None, new: kubeobjects.Object | None) -> None:
        if informer.synced.is_set() and until((old, new)):
            seen.set()

    informer = kube.Informer(client, path, kubeobjects.Object, logging.getLogger("test"), on_change=on_change,
                             **options)  # type: ignore[arg-type]  # fmt: skip
    task = asyncio.create_task(informer.run(), name="informer")
    try:
        async with asyncio.timeout(10):
            await informer.synced.wait()
        yield informer, seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.close()


@pytest.mark.parametrize("accept", [kube.JSON, kube.METADATA_ONLY])
async def test_an_annotation_reaches_the_informer_as_a_modification(cluster: Cluster, accept: str) -> None:
    def annotated(change: Change) -> bool:
        old, new = change
        return old is not None and new is not None and new.metadata.annotations.get("checked") == accept

    async with informing(cluster, "/apis/apps/v1/deployments", annotated, accept=accept) as (informer, seen):
        assert set(informer.objects) == {"default/web", "kube-system/coredns", "shop/frontend", "shop/checkout",
                                         "shop/orders", "shop/payments", "monitoring/grafana"}  # fmt: skip
        await cluster.kubectl(
            "annotate", "deployment", "-n", "monitoring", "grafana", f"checked={accept}", "--overwrite"
        )
        async with asyncio.timeout(10):
            await seen.wait()


async def test_a_metadata_only_informer_of_running_pods_sees_new_pods_once_they_run(cluster: Cluster) -> None:
    def added(change: Change) -> bool:
        old, new = change
        return old is None and new is not None and new.metadata.name.startswith("prometheus-")

    params = [("fieldSelector", "status.phase=Running")]
    async with informing(cluster, "/api/v1/pods", added, accept=kube.METADATA_ONLY, params=params) as (informer, seen):
        assert len(informer.objects) == 30
        await cluster.kubectl("scale", "statefulset", "-n", "monitoring", "prometheus", "--replicas=4")
        async with asyncio.timeout(10):
            await seen.wait()
        assert "monitoring/prometheus-3" in informer.objects

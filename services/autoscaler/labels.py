"""KubeSphere's workload label, kept in step with the HPAs: `hpa.autoscaling.kubesphere.io/managed=true` on every
Deployment and StatefulSet an HPA points at, removed from any that none does. Runs on the leader, in actuate mode."""

import asyncio
import contextlib
import logging

import msgspec

from services.autoscaler import actions, kubesphere
from services.autoscaler.cluster import Cluster
from services.autoscaler.leader import Leadership
from services.lib import kube, kubeobjects

RESYNC_SECONDS = 60.0
Target = tuple[str, str, str]  # (namespace, kind, name)


async def labelled(api: kube.Kube) -> set[Target]:
    """Every workload that carries the managed label now."""
    found = set()
    for kind, plural in (("Deployment", "deployments"), ("StatefulSet", "statefulsets")):
        body = await api.request("GET", f"/apis/apps/v1/{plural}", [("labelSelector", f"{kubesphere.MANAGED}=true")])
        listed = msgspec.json.decode(body, type=kubeobjects.ObjectList[kubeobjects.Object])
        found |= {(item.metadata.namespace, kind, item.metadata.name) for item in listed.items}
    return found


async def reconcile_labels(api: kube.Kube, cluster: Cluster, logger: logging.Logger) -> None:
    """Label what HPAs target, unlabel what they no longer do."""
    wanted, current = kubesphere.managed_targets(list(cluster.hpas.values())), await labelled(api)
    writer = actions.Writer(api)
    for namespace, kind, name in wanted ^ current:
        try:
            await writer.patch_workload(
                namespace, kind, name, kubesphere.managed_patch((namespace, kind, name) in wanted)
            )
        except kube.KubeError as error:
            if error.status != 404:  # an HPA may point at a workload that does not exist (yet)
                logger.warning("labelling %s %s/%s failed: %s", kind, namespace, name, error)


async def maintain(api: kube.Kube, cluster: Cluster, changed: asyncio.Event, leadership: Leadership,
                   logger: logging.Logger) -> None:  # fmt: skip
    """Reconcile the labels whenever HPAs change, and every minute in case someone edited them."""
    while True:
        await leadership.leading.wait()
        changed.clear()
        try:
            await reconcile_labels(api, cluster, logger)
        except kube.KubeError as error:
            logger.warning("reconciling KubeSphere labels failed: %s", error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), RESYNC_SECONDS)

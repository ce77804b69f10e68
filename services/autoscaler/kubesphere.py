"""What KubeSphere's console reads, as the ks-autoscaling-controller maintains it (kubesphere-and-peers.md §1.4).

On each HPA: labels naming its scale target's kind and name, and an annotation saying whether it works. On each
Deployment or StatefulSet an HPA points at: a label marking it managed by an HPA, removed when none does.
"""

from services.autoscaler import objects

TARGET_KIND = "autoscaling.kubesphere.io/scale-target-kind"
TARGET_NAME = "autoscaling.kubesphere.io/scale-target-name"
READY = "hpa.autoscaling.kubesphere.io/ready"
MANAGED = "hpa.autoscaling.kubesphere.io/managed"
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


def hpa_patch(hpa: objects.HPA, conditions: list[objects.Condition]) -> dict[str, object] | None:
    """The metadata merge patch that brings an HPA's labels and ready annotation up to date, or None."""
    ref = hpa.spec.scale_target_ref
    labels = {TARGET_KIND: ref.kind, TARGET_NAME: ref.name}
    status = {c.type: c.status for c in conditions}
    ready = "true" if status.get("AbleToScale") == "True" and status.get("ScalingActive") == "True" else "false"
    metadata: dict[str, object] = {}
    if any(hpa.metadata.labels.get(k) != v for k, v in labels.items()):
        metadata["labels"] = labels
    if hpa.metadata.annotations.get(READY) != ready:
        metadata["annotations"] = {READY: ready}
    return {"metadata": metadata} if metadata else None


def managed_targets(hpas: list[objects.HPA]) -> set[tuple[str, str, str]]:
    """(namespace, kind, name) of every Deployment or StatefulSet some HPA points at."""
    return {
        (h.metadata.namespace, h.spec.scale_target_ref.kind, h.spec.scale_target_ref.name)
        for h in hpas
        if h.spec.scale_target_ref.kind in WORKLOAD_KINDS
    }


def managed_patch(managed: bool) -> dict[str, object]:
    """Set or remove the managed label (a null in a merge patch removes a key)."""
    return {"metadata": {"labels": {MANAGED: "true" if managed else None}}}

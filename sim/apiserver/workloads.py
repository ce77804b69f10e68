"""Deployments, ReplicaSets and StatefulSets as their controllers see them: names, hashes, owned objects, status."""

import random
from collections.abc import Callable

import msgspec

from sim.apiserver import objects, podspec, podstatus
from sim.apiserver.resources import Obj


def template_hash(template: Obj) -> str:
    """pod-template-hash / controller-revision-hash: FNV-32a of the template, safe-encoded (up to 10 characters)."""
    return objects.safe_encode(str(objects.fnv32a(msgspec.json.encode(template, order="sorted"))))


def replicas(workload: Obj) -> int:
    """spec.replicas, defaulting to 1."""
    value = workload.get("spec", {}).get("replicas", 1)
    return value if isinstance(value, int) else 1


def replica_set(deployment: Obj, hash_: str, *, uid: str, created: str, revision: int = 1) -> Obj:
    """The ReplicaSet a Deployment owns for its current template; `revision` counts the Deployment's templates."""
    metadata, spec = deployment["metadata"], deployment["spec"]
    template = spec["template"]
    labels = {**template.get("metadata", {}).get("labels", {}), "pod-template-hash": hash_}
    selector = {
        **spec["selector"],
        "matchLabels": {**spec["selector"].get("matchLabels", {}), "pod-template-hash": hash_},
    }
    count = replicas(deployment)
    annotations = {"deployment.kubernetes.io/desired-replicas": str(count),
                   "deployment.kubernetes.io/max-replicas": str(count + -(-count // 4)),  # maxSurge 25%, rounded up
                   "deployment.kubernetes.io/revision": str(revision)}  # fmt: skip
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"{metadata['name']}-{hash_}", "namespace": metadata["namespace"], "uid": uid,
                     "creationTimestamp": created, "generation": 1, "labels": labels, "annotations": annotations,
                     "ownerReferences": [objects.owner_reference(deployment)]},
        "spec": {"replicas": replicas(deployment), "minReadySeconds": spec.get("minReadySeconds", 0),
                 "selector": selector, "template": {**template, "metadata": {**template.get("metadata", {}),
                                                                             "labels": labels}}},
        "status": {"replicas": 0},
    }  # fmt: skip


def replica_set_shape(rs: Obj) -> podspec.Shape:
    """The shared parts of a ReplicaSet's pods."""
    return podspec.shape(rs["spec"]["template"], {}, [objects.owner_reference(rs)])


def statefulset_revision(sts: Obj) -> str:
    """controller-revision-hash label value of a StatefulSet's current template."""
    return f"{sts['metadata']['name']}-{template_hash(sts['spec']['template'])}"


def statefulset_shape(sts: Obj) -> podspec.Shape:
    """The shared parts of a StatefulSet's pods (each adds its own pod-name and pod-index labels)."""
    return podspec.shape(sts["spec"]["template"], {"controller-revision-hash": statefulset_revision(sts)},
                         [objects.owner_reference(sts)])  # fmt: skip


def statefulset_pod_labels(shape: podspec.Shape, name: str, ordinal: int) -> Obj:
    """Labels of the StatefulSet pod with this ordinal."""
    return {**shape.labels, "apps.kubernetes.io/pod-index": str(ordinal), "statefulset.kubernetes.io/pod-name": name}


def pod_name(rs_name: str, rng: random.Random, taken: Callable[[str], bool]) -> str:
    """A ReplicaSet pod's generated name, drawn again while taken (27^5 suffixes collide now and then at scale)."""
    name = f"{rs_name}-{objects.suffix(rng)}"
    while taken(name):
        name = f"{rs_name}-{objects.suffix(rng)}"
    return name


def _counts(pods: list[Obj]) -> tuple[int, int]:
    return len(pods), sum(1 for pod in pods if podstatus.is_ready(pod))


def replica_set_status(rs: Obj, pods: list[Obj]) -> Obj:
    """ReplicaSet status from its pods (zero counts omitted, as the API omits them)."""
    total, ready = _counts(pods)
    status: Obj = {"replicas": total, "fullyLabeledReplicas": total, "readyReplicas": ready,
                   "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}  # fmt: skip
    return {key: value for key, value in status.items() if value or key == "replicas"}


def deployment_status(deployment: Obj, current: str, pods_by_rs: dict[str, list[Obj]], now: str) -> Obj:
    """Deployment status from the pods of its ReplicaSets; `current` names the ReplicaSet of the current template."""
    total = sum(len(pods) for pods in pods_by_rs.values())
    ready = sum(_counts(pods)[1] for pods in pods_by_rs.values())
    desired = replicas(deployment)
    status: Obj = {"observedGeneration": deployment["metadata"].get("generation", 1), "replicas": total,
                   "updatedReplicas": len(pods_by_rs.get(current, [])), "readyReplicas": ready,
                   "availableReplicas": ready, "unavailableReplicas": max(desired - ready, 0)}  # fmt: skip
    status = {key: value for key, value in status.items() if value or key == "observedGeneration"}
    old = {c["type"]: c for c in deployment.get("status", {}).get("conditions", ())}
    status["conditions"] = [_available(old, ready >= desired - desired // 4, now),
                            _progressing(old, ready == desired == total, current, now)]  # fmt: skip
    return status


def _available(old: dict[str, Obj], ok: bool, now: str) -> Obj:
    """The Available condition: at least desired minus maxUnavailable (25%, rounded down) pods ready."""
    if ok:
        return _condition(
            old, "Available", True, now, "MinimumReplicasAvailable", "Deployment has minimum availability."
        )
    return _condition(old, "Available", False, now, "MinimumReplicasUnavailable",
                      "Deployment does not have minimum availability.")  # fmt: skip


def _progressing(old: dict[str, Obj], done: bool, current: str, now: str) -> Obj:
    """The Progressing condition: the current ReplicaSet is complete, or still rolling out."""
    if done:
        message = f'ReplicaSet "{current}" has successfully progressed.'
        return _condition(old, "Progressing", True, now, "NewReplicaSetAvailable", message)
    return _condition(old, "Progressing", True, now, "ReplicaSetUpdated", f'ReplicaSet "{current}" is progressing.')


def _condition(old: dict[str, Obj], kind: str, ok: bool, now: str, reason: str, message: str) -> Obj:
    status = "True" if ok else "False"
    previous = old.get(kind, {})
    same = previous.get("status") == status and previous.get("reason") == reason
    return {"type": kind, "status": status, "lastUpdateTime": previous["lastUpdateTime"] if same else now,
            "lastTransitionTime": previous.get("lastTransitionTime", now) if previous.get("status") == status else now,
            "reason": reason, "message": message}  # fmt: skip


def statefulset_status(sts: Obj, pods: list[Obj]) -> Obj:
    """StatefulSet status from its pods."""
    total, ready = _counts(pods)
    revision = statefulset_revision(sts)
    status: Obj = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": total,
                   "readyReplicas": ready, "currentReplicas": total, "updatedReplicas": total,
                   "currentRevision": revision, "updateRevision": revision, "collisionCount": 0,
                   "availableReplicas": ready}  # fmt: skip
    return {
        key: value
        for key, value in status.items()
        if value or key in ("replicas", "availableReplicas", "collisionCount")
    }

"""Pods built from a workload's template, and the statuses they pass through: Pending, Running, Ready.

Everything the pods of one workload have in common (labels, owner references, spec) is built once as a `Shape` and
shared by reference between those pods; only names, placement, times and container IDs are per pod.
"""

import functools
import hashlib
import random
from dataclasses import dataclass

from sim.apiserver.resources import Obj

_TOLERATIONS = [{"key": f"node.kubernetes.io/{taint}", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300} for taint in ("not-ready", "unreachable")]  # fmt: skip
_SPEC_DEFAULTS: Obj = {
    "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
    "serviceAccountName": "default", "serviceAccount": "default", "securityContext": {},
    "schedulerName": "default-scheduler", "tolerations": _TOLERATIONS, "priority": 0, "enableServiceLinks": True,
    "preemptionPolicy": "PreemptLowerPriority",
}  # fmt: skip
_CONTAINER_DEFAULTS: Obj = {"resources": {}, "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File"}  # fmt: skip


def defaulted_spec(spec: Obj) -> Obj:
    """A pod spec with the defaults kube-apiserver fills in."""
    containers = [_defaulted_container(container) for container in spec.get("containers", ())]
    return {**_SPEC_DEFAULTS, **spec, "containers": containers}


def _defaulted_container(container: Obj) -> Obj:
    image = container.get("image", "")
    pull = "Always" if ":" not in image.rpartition("/")[2] or image.endswith(":latest") else "IfNotPresent"
    return {**_CONTAINER_DEFAULTS, "imagePullPolicy": pull, **container}


def qos_class(containers: list[Obj]) -> str:
    """Guaranteed, Burstable or BestEffort, from the containers' requests and limits."""
    resources = [container.get("resources", {}) for container in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(_guaranteed(r.get("limits", {}), r.get("requests", {})) for r in resources)
    return "Guaranteed" if guaranteed else "Burstable"


def _guaranteed(limits: Obj, requests: Obj) -> bool:
    """Limits on cpu and memory, and requests (which default to limits) equal to them."""
    return all(name in limits and requests.get(name, limits[name]) == limits[name] for name in ("cpu", "memory"))


def image_ref(image: str) -> tuple[str, str]:
    """The image as the runtime reports it and its imageID, e.g. docker.io/library/nginx:1.27 and ...@sha256:..."""
    first = image.split("/", maxsplit=1)[0]
    if "/" not in image:
        image = f"docker.io/library/{image}"
    elif "." not in first and ":" not in first and first != "localhost":
        image = f"docker.io/{image}"
    repository = image.rsplit(":", 1)[0] if ":" in image.rpartition("/")[2] else image
    return image, f"{repository}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


@dataclass(frozen=True)
class Shape:
    """What every pod of one workload shares."""

    labels: Obj
    annotations: Obj
    owner_references: list[Obj]
    spec: Obj
    qos: str
    images: tuple[tuple[str, str, str], ...]  # (container name, image, imageID)


def shape(template: Obj, extra_labels: Obj, owner_references: list[Obj]) -> Shape:
    """The shared parts of the pods made from a pod template."""
    metadata, spec = template.get("metadata", {}), defaulted_spec(template.get("spec", {}))
    images = tuple((c["name"], *image_ref(c.get("image", ""))) for c in spec["containers"])
    return Shape({**metadata.get("labels", {}), **extra_labels}, metadata.get("annotations", {}), owner_references,
                 spec, qos_class(spec["containers"]), images)  # fmt: skip


def pod(shape: Shape, namespace: str, name: str, *, uid: str, created: str, node: str, status: Obj,
        labels: Obj | None = None, generate_name: str = "") -> Obj:  # fmt: skip
    """A pod of the workload, bound to node."""
    metadata: Obj = {"name": name, "namespace": namespace, "uid": uid, "creationTimestamp": created, "generation": 1,
                     "labels": labels or shape.labels, "ownerReferences": shape.owner_references}  # fmt: skip
    if generate_name:
        metadata["generateName"] = generate_name
    if shape.annotations:
        metadata["annotations"] = shape.annotations
    spec = {**shape.spec, "nodeName": node} if node else shape.spec
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def _condition(kind: str, ok: bool, at: str, reason: str = "", message: str = "") -> Obj:
    condition: Obj = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
                      "lastTransitionTime": at}  # fmt: skip
    if reason:
        condition["reason"], condition["message"] = reason, message
    return condition


def unschedulable_status(status: Obj, nodes: int, at: str) -> Obj:
    """A pod no node has room for, as the scheduler reports it (the transition time kept once set)."""
    old: Obj = next((c for c in status.get("conditions", ()) if c.get("type") == "PodScheduled"), {})
    message = f"0/{nodes} nodes are available: {nodes} Too many pods."
    condition = _condition("PodScheduled", False, old.get("lastTransitionTime", at), "Unschedulable", message)
    return {**status, "phase": "Pending", "conditions": [condition]}


def pending_status(shape: Shape, host_ip: str, at: str) -> Obj:
    """Scheduled, containers being created."""
    names = [name for name, _, _ in shape.images]
    waiting = [{"name": name, "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {}, "ready": False,
                "restartCount": 0, "image": image, "imageID": "", "started": False}
               for name, image, _ in shape.images]  # fmt: skip
    unready = f"containers with unready status: [{' '.join(names)}]"
    conditions = [_condition("PodReadyToStartContainers", False, at), _condition("Initialized", True, at),
                  _condition("Ready", False, at, "ContainersNotReady", unready),
                  _condition("ContainersReady", False, at, "ContainersNotReady", unready),
                  _condition("PodScheduled", True, at)]  # fmt: skip
    return {"phase": "Pending", "conditions": conditions, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
            "startTime": at, "containerStatuses": waiting, "qosClass": shape.qos}  # fmt: skip


def running_status(shape: Shape, host_ip: str, pod_ip: str, times: tuple[str, str, str], ready: bool,
                   rng: random.Random) -> Obj:  # fmt: skip
    """Containers running since times[1]; Ready since times[2] when ready. times[0] is the pod's start."""
    start, started, _ = times
    running = [{"name": name, "state": {"running": {"startedAt": started}}, "lastState": {}, "ready": ready,
                "restartCount": 0, "image": image, "imageID": image_id,
                "containerID": f"containerd://{rng.getrandbits(256):064x}", "started": True}
               for name, image, image_id in shape.images]  # fmt: skip
    unready = "" if ready else f"containers with unready status: [{' '.join(n for n, _, _ in shape.images)}]"
    return {"phase": "Running", "conditions": _running_conditions(times, ready, unready), "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}], "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": start,
            "containerStatuses": running, "qosClass": shape.qos}  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _running_conditions(times: tuple[str, str, str], ready: bool, unready: str) -> list[Obj]:
    """Shared between pods started at the same instant (seeded pods start on whole minutes); never mutated."""
    start, started, ready_at = times
    at = ready_at if ready else started
    return [_condition("PodReadyToStartContainers", True, started), _condition("Initialized", True, start),
            _condition("Ready", ready, at, unready and "ContainersNotReady", unready),
            _condition("ContainersReady", ready, at, unready and "ContainersNotReady", unready),
            _condition("PodScheduled", True, start)]  # fmt: skip


def ready_status(status: Obj, at: str) -> Obj:
    """A running pod's status once its containers pass their readiness checks."""
    containers = [{**container, "ready": True} for container in status.get("containerStatuses", ())]
    conditions = [{**c, "status": "True", "lastTransitionTime": at} if c["type"] in ("Ready", "ContainersReady") else c
                  for c in status.get("conditions", ())]  # fmt: skip
    for condition in conditions:
        condition.pop("reason", None), condition.pop("message", None)
    return {**status, "conditions": conditions, "containerStatuses": containers}


def is_ready(pod: Obj) -> bool:
    """Whether the pod's Ready condition is True."""
    conditions = pod.get("status", {}).get("conditions", ())
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

"""The statuses a starting pod passes through, as its kubelet reports them: Pending, Running, Ready.

With init containers the kubelet reports them in `initContainerStatuses`: while the pod is Pending every container
waits with reason PodInitializing (kubectl shows `Init:0/N`); once initialised a regular init container is
`terminated` (Completed, exit code 0, ready) and a native sidecar is `running` and `started`, ready with the pod.
Sidecars come before the containers in the unready lists, as the kubelet builds them.
"""

import functools
import random

from sim.apiserver.podspec import Shape
from sim.apiserver.resources import Obj


def condition(kind: str, ok: bool, at: str, reason: str = "", message: str = "") -> Obj:
    """A pod condition as the kubelet writes it."""
    result: Obj = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": at}
    if reason:
        result["reason"] = reason
    if message:
        result["message"] = message
    return result


def unschedulable_status(status: Obj, message: str, at: str) -> Obj:
    """A pod no node can take, as the scheduler reports it (the transition time kept once set)."""
    old: Obj = next((c for c in status.get("conditions", ()) if c.get("type") == "PodScheduled"), {})
    scheduled = condition("PodScheduled", False, old.get("lastTransitionTime", at), "Unschedulable", message)
    return {**status, "phase": "Pending", "conditions": [scheduled]}


def _unready(names: list[str]) -> str:
    return f"containers with unready status: [{' '.join(names)}]"


def _waiting(name: str, image: str, state: Obj) -> Obj:
    return {"name": name, "state": state, "lastState": {}, "ready": False, "restartCount": 0, "image": image,
            "imageID": "", "started": False}  # fmt: skip


def pending_status(shape: Shape, host_ip: str, at: str) -> Obj:
    """Scheduled, containers being created (or waiting for the init containers)."""
    waiting = {"waiting": {"reason": "PodInitializing" if shape.init_images else "ContainerCreating"}}
    unready = _unready([*shape.sidecars, *(name for name, _, _ in shape.images)])
    initialized = condition("Initialized", True, at)
    if shape.init_images:
        incomplete = f"containers with incomplete status: [{' '.join(name for name, *_ in shape.init_images)}]"
        initialized = condition("Initialized", False, at, "ContainersNotInitialized", incomplete)
    conditions = [condition("PodReadyToStartContainers", False, at), initialized,
                  condition("Ready", False, at, "ContainersNotReady", unready),
                  condition("ContainersReady", False, at, "ContainersNotReady", unready),
                  condition("PodScheduled", True, at)]  # fmt: skip
    status: Obj = {"phase": "Pending", "conditions": conditions, "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                   "startTime": at}  # fmt: skip
    if shape.init_images:
        status["initContainerStatuses"] = [_waiting(name, image, waiting) for name, image, *_ in shape.init_images]
    statuses = [_waiting(name, image, waiting) for name, image, _ in shape.images]
    return {**status, "containerStatuses": statuses, "qosClass": shape.qos}


def _container_id(rng: random.Random) -> str:
    return f"containerd://{rng.getrandbits(256):064x}"


def running_status(shape: Shape, host_ip: str, pod_ip: str, times: tuple[str, str, str], ready: bool,
                   rng: random.Random) -> Obj:  # fmt: skip
    """Containers running since times[1]; Ready since times[2] when ready. times[0] is the pod's start."""
    start, started, _ = times
    running = [{"name": name, "state": {"running": {"startedAt": started}}, "lastState": {}, "ready": ready,
                "restartCount": 0, "image": image, "imageID": image_id, "containerID": _container_id(rng),
                "started": True} for name, image, image_id in shape.images]  # fmt: skip
    unready = "" if ready else _unready([*shape.sidecars, *(n for n, _, _ in shape.images)])
    status: Obj = {"phase": "Running", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": pod_ip,
                   "podIPs": [{"ip": pod_ip}], "startTime": start}  # fmt: skip
    status["conditions"] = _running_conditions(times, ready, unready, bool(shape.init_images))
    if shape.init_images:
        status["initContainerStatuses"] = [_init_status(init, times, ready, rng) for init in shape.init_images]
    return {**status, "containerStatuses": running, "qosClass": shape.qos}


def _init_status(init: tuple[str, str, str, bool], times: tuple[str, str, str], ready: bool,
                 rng: random.Random) -> Obj:  # fmt: skip
    """A sidecar running since times[1], or a regular init container that ran from times[0] to times[1]."""
    name, image, image_id, sidecar = init
    container_id = _container_id(rng)
    if sidecar:
        state: Obj = {"running": {"startedAt": times[1]}}
    else:
        state = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": times[0], "finishedAt": times[1],
                                "containerID": container_id}}  # fmt: skip
    return {"name": name, "state": state, "lastState": {}, "ready": ready or not sidecar, "restartCount": 0,
            "image": image, "imageID": image_id, "containerID": container_id, "started": sidecar}  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _running_conditions(times: tuple[str, str, str], ready: bool, unready: str, init: bool) -> list[Obj]:
    """Shared between pods started at the same instant (seeded pods start on whole minutes); never mutated."""
    start, started, ready_at = times
    at = ready_at if ready else started
    return [condition("PodReadyToStartContainers", True, started), condition("Initialized", True, started if init
            else start), condition("Ready", ready, at, unready and "ContainersNotReady", unready),
            condition("ContainersReady", ready, at, unready and "ContainersNotReady", unready),
            condition("PodScheduled", True, start)]  # fmt: skip


def ready_status(status: Obj, at: str) -> Obj:
    """A running pod's status once its containers and sidecars pass their readiness checks."""
    containers = [{**container, "ready": True} for container in status.get("containerStatuses", ())]
    conditions = [_passed(c, at) if c["type"] in ("Ready", "ContainersReady") else c
                  for c in status.get("conditions", ())]  # fmt: skip
    result = {**status, "conditions": conditions, "containerStatuses": containers}
    if "initContainerStatuses" in status:
        result["initContainerStatuses"] = [{**c, "ready": True} if "running" in c["state"] else c
                                           for c in status["initContainerStatuses"]]  # fmt: skip
    return result


def _passed(old: Obj, at: str) -> Obj:
    """A readiness condition turned True at `at` (a new dict: cached conditions are shared)."""
    kept = {key: value for key, value in old.items() if key not in ("reason", "message")}
    return {**kept, "status": "True", "lastTransitionTime": at}


def is_ready(pod: Obj) -> bool:
    """Whether the pod's Ready condition is True."""
    conditions = pod.get("status", {}).get("conditions", ())
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)

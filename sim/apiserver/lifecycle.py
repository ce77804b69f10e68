"""Pod lifecycle beyond start-up, as pure transitions with the time passed in (nodes: `nodestatus`).

Driven by annotations, so the real `kubectl annotate` (or a manifest) causes them:
- pod `sim.flowmeter.dev/restarts: <n>`: every running container whose restartCount is not n restarts: restartCount
  n, a new container ID, `state.running.startedAt` = now, `lastState.terminated` = the run that ended.
- bare pod (no controller) `sim.flowmeter.dev/exit-after: <Go duration>` and optional
  `sim.flowmeter.dev/exit-code: <int>` (default 0): that long after the pod became Running (its
  PodReadyToStartContainers transition) its containers terminate and it goes Succeeded (0) or Failed (non-zero).
Graceful deletion follows kube-apiserver's pod strategy: a bound, non-terminal pod gets a deletionTimestamp and stays
until its grace period (the request's, else spec.terminationGracePeriodSeconds) is over; a second delete may only
shorten it; grace 0, an unbound or a finished pod goes at once.
"""

import re
from collections.abc import Callable

from services.lib import timefmt
from sim.apiserver import objects
from sim.apiserver.resources import Obj

RESTARTS = "sim.flowmeter.dev/restarts"
EXIT_AFTER = "sim.flowmeter.dev/exit-after"
EXIT_CODE = "sim.flowmeter.dev/exit-code"
SECOND_NS = 10**9
_INTEGER = re.compile(r"[+-]?[0-9]+")
_READY_CONDITIONS = ("Ready", "ContainersReady", "PodReadyToStartContainers")


def _annotations(obj: Obj) -> Obj:
    return obj["metadata"].get("annotations") or {}


def _integer(value: object) -> int | None:
    """A decimal integer annotation value, or None."""
    text = str(value).strip()
    return int(text) if _INTEGER.fullmatch(text) else None


def is_terminating(pod: Obj) -> bool:
    """Whether the pod has been deleted gracefully and waits for its grace period to end."""
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_terminal(pod: Obj) -> bool:
    """Whether the pod has finished: Succeeded or Failed."""
    return pod.get("status", {}).get("phase") in ("Succeeded", "Failed")


def is_active(pod: Obj) -> bool:
    """Whether a workload controller counts the pod: neither terminating nor finished (kube's FilterActivePods)."""
    return not is_terminating(pod) and not is_terminal(pod)


def _running(pod: Obj) -> bool:
    return pod.get("status", {}).get("phase") == "Running" and not is_terminating(pod)


def wanted_restarts(pod: Obj) -> int | None:
    """The restartCount the restarts annotation asks for; None when absent or not a whole number."""
    wanted = _integer(_annotations(pod).get(RESTARTS, ""))
    return None if wanted is None or wanted < 0 else wanted


def needs_restart(pod: Obj) -> bool:
    """Whether a running container of a Running pod has another restartCount than the annotation asks for."""
    wanted = wanted_restarts(pod)
    if wanted is None or not _running(pod):
        return False
    statuses = pod["status"].get("containerStatuses", ())
    return any("running" in c.get("state", {}) and c.get("restartCount", 0) != wanted for c in statuses)


def restarted_status(status: Obj, restarts: int, now: str, new_id: Callable[[], str]) -> Obj:
    """The status after the running containers restarted at `now` to reach `restarts` restarts."""
    containers = [_restarted(c, restarts, now, new_id()) if "running" in c.get("state", {}) and
                  c.get("restartCount", 0) != restarts else c for c in status.get("containerStatuses", ())]  # fmt: skip
    return {**status, "containerStatuses": containers}


def _restarted(container: Obj, restarts: int, now: str, container_id: str) -> Obj:
    ended = {"exitCode": 1, "reason": "Error", "startedAt": container["state"]["running"].get("startedAt", now),
             "finishedAt": now, "containerID": container.get("containerID", "")}  # fmt: skip
    return {**container, "state": {"running": {"startedAt": now}}, "lastState": {"terminated": ended},
            "restartCount": restarts, "containerID": container_id}  # fmt: skip


def exit_after_ns(pod: Obj) -> int | None:
    """The exit-after duration; None when absent, not a Go duration, or negative."""
    value = _annotations(pod).get(EXIT_AFTER)
    try:
        after = timefmt.parse_duration(str(value)) if value is not None else None
    except timefmt.DurationError:
        return None
    return after if after is not None and after >= 0 else None


def exit_code(pod: Obj) -> int:
    """The exit-code annotation; 0 when absent or not an integer."""
    return _integer(_annotations(pod).get(EXIT_CODE, "0")) or 0


def running_since_ns(pod: Obj) -> int | None:
    """When the pod became Running: its PodReadyToStartContainers condition turning True."""
    found = next((c for c in pod.get("status", {}).get("conditions", ()) if c.get("type") == _READY_CONDITIONS[2]
                  and c.get("status") == "True" and c.get("lastTransitionTime")), None)  # fmt: skip
    return None if found is None else timefmt.parse_rfc3339(found["lastTransitionTime"])


def exit_due_ns(pod: Obj) -> int | None:
    """When a Running bare pod with an exit-after annotation exits; None for any other pod."""
    after = exit_after_ns(pod)
    if after is None or objects.controller_of(pod) is not None or not _running(pod):
        return None
    since = running_since_ns(pod)
    return None if since is None else since + after


def completed_status(status: Obj, code: int, now: str) -> Obj:
    """The status once the containers exited with `code` (sidecars stop cleanly): Succeeded or Failed."""
    phase, reason = ("Succeeded", "PodCompleted") if code == 0 else ("Failed", "PodFailed")
    conditions = [_false(c, now, reason) if c.get("type") in _READY_CONDITIONS else c
                  for c in status.get("conditions", ())]  # fmt: skip
    containers = [_terminated(c, code, now) for c in status.get("containerStatuses", ())]
    result = {**status, "phase": phase, "conditions": conditions, "containerStatuses": containers}
    if "initContainerStatuses" in status:
        result["initContainerStatuses"] = [_terminated(c, 0, now) if "running" in c.get("state", {}) else c
                                           for c in status["initContainerStatuses"]]  # fmt: skip
    return result


def _false(old: Obj, now: str, reason: str) -> Obj:
    kept = {key: value for key, value in old.items() if key not in ("reason", "message")}
    changed = {"status": "False", "lastTransitionTime": now}
    return {**kept, **changed, **({"reason": reason} if old["type"] != "PodReadyToStartContainers" else {})}


def _terminated(container: Obj, code: int, now: str) -> Obj:
    started = container.get("state", {}).get("running", {}).get("startedAt", now)
    ended = {"exitCode": code, "reason": "Completed" if code == 0 else "Error", "startedAt": started,
             "finishedAt": now, "containerID": container.get("containerID", "")}  # fmt: skip
    return {**container, "state": {"terminated": ended}, "ready": False, "started": False}


def grace_period(pod: Obj, requested: int | None) -> int:
    """The grace period a delete gives the pod, as kube's pod strategy decides (CheckGracefulDelete)."""
    period = requested if requested is not None else pod.get("spec", {}).get("terminationGracePeriodSeconds", 0)
    if not pod.get("spec", {}).get("nodeName") or is_terminal(pod):
        return 0
    return 1 if period < 0 else period


def graceful_delete(pod: Obj, requested: int | None, now_ns: int) -> Obj | None:
    """The pod as a delete leaves it (the same object when nothing changes); None when it is to go at once."""
    period, metadata = grace_period(pod, requested), pod["metadata"]
    if not metadata.get("deletionTimestamp"):
        generation = {"generation": metadata["generation"] + 1} if metadata.get("generation") else {}
        return None if period == 0 else _deleting(pod, now_ns + period * SECOND_NS, period, generation)
    old = metadata.get("deletionGracePeriodSeconds") or 0
    if old == 0 or period == 0:
        return None
    if period >= old:
        return pod
    return _deleting(pod, timefmt.parse_rfc3339(metadata["deletionTimestamp"]) + (period - old) * SECOND_NS, period, {})


def _deleting(pod: Obj, at_ns: int, period: int, extra: Obj) -> Obj:
    metadata = {**pod["metadata"], "deletionTimestamp": timefmt.rfc3339(at_ns), "deletionGracePeriodSeconds": period}
    return {**pod, "metadata": {**metadata, **extra}}

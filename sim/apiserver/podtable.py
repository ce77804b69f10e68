"""The `kubectl get pods` row: kube-apiserver's printPod (pkg/printers/internalversion), init containers included.

READY counts the containers plus the native sidecars; STATUS is `Init:i/N` while init containers run, the reason of
a waiting or terminated container, `Completed`/`Error` once the pod finished, `Terminating` after a graceful delete;
RESTARTS reads `n (age ago)` once a container has a last termination.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sim.apiserver.resources import Obj

Age = Callable[[str, int], str]  # printers.age: time since an RFC 3339 timestamp, passed in to keep imports one way


@dataclass
class _Tally:
    """What the container loops add up."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: str = ""  # RFC 3339 of the latest last-termination finish; "" for none

    def count(self, container: Obj) -> None:
        """Add a container's restarts and its last termination."""
        self.restarts += container.get("restartCount", 0)
        finished = container.get("lastState", {}).get("terminated", {}).get("finishedAt") or ""
        self.last_restart = max(self.last_restart, finished)


def _terminated_reason(terminated: Obj, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _init_containers(pod: Obj, tally: _Tally, sidecar_tally: _Tally) -> bool:
    """Walk the init containers as printPod does; whether the pod is still initialising (tally.reason set then)."""
    spec, status = pod.get("spec", {}), pod.get("status", {})
    sidecars = {c["name"] for c in spec.get("initContainers", ()) if c.get("restartPolicy") == "Always"}
    total = len(spec.get("initContainers", ()))
    for index, container in enumerate(status.get("initContainerStatuses", ())):
        tally.count(container)
        if container["name"] in sidecars:
            sidecar_tally.count(container)
        reason = _init_reason(container, container["name"] in sidecars, f"Init:{index}/{total}", tally)
        if reason:
            tally.reason = reason
            return True
    return False


def _init_reason(container: Obj, sidecar: bool, progress: str, tally: _Tally) -> str:
    """'' for a completed init container or a started sidecar (counted if ready); else the pod's STATUS."""
    state = container.get("state", {})
    if "terminated" in state and state["terminated"].get("exitCode", 0) == 0:
        return ""
    if sidecar and container.get("started"):
        tally.ready += bool(container.get("ready"))
        return ""
    waiting = state.get("waiting", {}).get("reason", "")
    if "terminated" in state:
        return _terminated_reason(state["terminated"], "Init:")
    return "Init:" + waiting if waiting and waiting != "PodInitializing" else progress


def _containers(pod: Obj, tally: _Tally) -> None:
    """The regular containers, last first, as printPod walks them."""
    has_running = False
    for container in reversed(pod.get("status", {}).get("containerStatuses", ())):
        tally.count(container)
        state = container.get("state", {})
        if state.get("waiting", {}).get("reason"):
            tally.reason = state["waiting"]["reason"]
        elif "terminated" in state:
            tally.reason = _terminated_reason(state["terminated"])
        elif container.get("ready") and "running" in state:
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed" and has_running:
        conditions = pod.get("status", {}).get("conditions", ())
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
        tally.reason = "Running" if ready else "NotReady"


def _initialized(status: Obj) -> bool:
    return any(c.get("type") == "Initialized" and c.get("status") == "True" for c in status.get("conditions", ()))


def columns(pod: Obj, now_ns: int, age: Age) -> tuple[str, str, str]:
    """(READY, STATUS, RESTARTS) of a pod."""
    spec, status = pod.get("spec", {}), pod.get("status", {})
    phase = status.get("phase", "Pending")
    tally = _Tally(status.get("reason") or phase)
    sidecars = _Tally("")
    initializing = _init_containers(pod, tally, sidecars)
    if not initializing or _initialized(status):
        tally.restarts, tally.last_restart = sidecars.restarts, sidecars.last_restart
        _containers(pod, tally)
    if pod["metadata"].get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        tally.reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    total = len(spec.get("containers", ())) + sum(
        c.get("restartPolicy") == "Always" for c in spec.get("initContainers", ())
    )
    restarts = str(tally.restarts)
    if tally.restarts and tally.last_restart:
        restarts = f"{tally.restarts} ({age(tally.last_restart, now_ns)} ago)"
    return f"{tally.ready}/{total}", tally.reason, restarts

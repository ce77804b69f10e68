"""A node's Ready condition as its annotation asks, the way the kubelet posts it (pure, time passed in).

Node `sim.flowmeter.dev/ready: "false"` makes the Ready condition False (reason KubeletNotReady, STATUS NotReady in
`kubectl get nodes`); `"true"` makes it True (KubeletReady), and so does removing the annotation from a node that is
NotReady with reason KubeletNotReady. Any other value is ignored. The node's kubelet keeps serving metrics either way.
"""

from sim.apiserver.resources import Obj

READY = "sim.flowmeter.dev/ready"
NOT_READY_MESSAGE = "container runtime is down"


def _annotations(node: Obj) -> Obj:
    return node["metadata"].get("annotations") or {}


def _ready_condition(node: Obj) -> Obj | None:
    return next((c for c in node.get("status", {}).get("conditions", ()) if c.get("type") == "Ready"), None)


def wanted_node_ready(node: Obj) -> bool | None:
    """The Ready status the ready annotation asks for, when it differs from the node's; None when nothing changes."""
    value = str(_annotations(node).get(READY, "")).strip().lower()
    current = _ready_condition(node)
    if READY not in _annotations(node):
        restore = (
            current is not None and current.get("status") == "False" and current.get("reason") == "KubeletNotReady"
        )
        return True if restore else None
    if value not in ("true", "false"):
        return None
    wanted = value == "true"
    return None if current is not None and (current.get("status") == "True") == wanted else wanted


def node_ready_status(node: Obj, ready: bool, now: str) -> Obj:
    """The node's status with its Ready condition set as the kubelet posts it."""
    reason, message = ("KubeletReady", "kubelet is posting ready status") if ready else (
        "KubeletNotReady", NOT_READY_MESSAGE)  # fmt: skip
    condition = {"type": "Ready", "status": "True" if ready else "False", "lastHeartbeatTime": now,
                 "lastTransitionTime": now, "reason": reason, "message": message}  # fmt: skip
    status = node.get("status", {})
    others = [c for c in status.get("conditions", ()) if c.get("type") != "Ready"]
    return {**status, "conditions": [*others, condition]}

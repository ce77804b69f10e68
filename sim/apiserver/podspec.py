"""Pod specs as kube-apiserver defaults them, and pods built from a workload's template.

Everything the pods of one workload have in common (labels, owner references, spec) is built once as a `Shape` and
shared by reference between those pods; only names, placement, times and container IDs are per pod. Init
containers are part of the shape: a regular one runs to completion before the containers start, one with
`restartPolicy: Always` is a native sidecar that keeps running next to them (Kubernetes 1.29+).
"""

import hashlib
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
    defaulted = {**_SPEC_DEFAULTS, **spec, "containers": containers}
    if spec.get("initContainers"):
        defaulted["initContainers"] = [_defaulted_container(container) for container in spec["initContainers"]]
    return defaulted


def is_sidecar(container: Obj) -> bool:
    """Whether an init container is a native sidecar (restartPolicy Always): it keeps running, like a container."""
    return container.get("restartPolicy") == "Always"


def all_containers(spec: Obj) -> list[Obj]:
    """Init containers, then containers: what QoS and resource totals are computed over."""
    return [*spec.get("initContainers", ()), *spec.get("containers", ())]


def _defaulted_container(container: Obj) -> Obj:
    image = container.get("image", "")
    pull = "Always" if ":" not in image.rpartition("/")[2] or image.endswith(":latest") else "IfNotPresent"
    defaulted = {**_CONTAINER_DEFAULTS, "imagePullPolicy": pull, **container}
    if container.get("ports"):
        defaulted["ports"] = [{**port, "protocol": port.get("protocol") or "TCP"} for port in container["ports"]]
    return defaulted


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
    init_images: tuple[tuple[str, str, str, bool], ...] = ()  # (name, image, imageID, is a sidecar), in spec order

    @property
    def sidecars(self) -> list[str]:
        """Names of the native sidecars."""
        return [name for name, _, _, sidecar in self.init_images if sidecar]


def shape(template: Obj, extra_labels: Obj, owner_references: list[Obj]) -> Shape:
    """The shared parts of the pods made from a pod template."""
    metadata, spec = template.get("metadata", {}), defaulted_spec(template.get("spec", {}))
    images = tuple((c["name"], *image_ref(c.get("image", ""))) for c in spec["containers"])
    inits = tuple((c["name"], *image_ref(c.get("image", "")), is_sidecar(c)) for c in spec.get("initContainers", ()))
    return Shape({**metadata.get("labels", {}), **extra_labels}, metadata.get("annotations", {}), owner_references,
                 spec, qos_class(all_containers(spec)), images, inits)  # fmt: skip


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

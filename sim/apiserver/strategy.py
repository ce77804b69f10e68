"""What kube-apiserver does to an object on create and update, before storing it (its REST "strategies").

Create: check kind, name and namespace, stamp uid/creationTimestamp/generation, fill defaults. Update: keep the
immutable metadata, refuse a stale resourceVersion, keep status on the main resource and everything but status on
`/status`, bump generation when spec changes. `/scale` converts to and from an autoscaling/v1 Scale.
HorizontalPodAutoscalers are defaulted and validated by `hpa` on create and on every update.
"""

import re
from typing import Any

from sim.apiserver import errors, hpa, objects, podspec
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_NAME_RULE = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
              "must start and end with an alphanumeric character")  # fmt: skip
GENERATIONAL = (r.PODS, r.DEPLOYMENTS, r.REPLICASETS, r.STATEFULSETS)
WORKLOADS = (r.DEPLOYMENTS, r.REPLICASETS, r.STATEFULSETS)
_ROLLING_UPDATE: Obj = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
_IMMUTABLE = ("name", "namespace", "uid", "creationTimestamp", "generateName", "deletionTimestamp",
              "deletionGracePeriodSeconds")  # fmt: skip


def check_kind(resource: Resource, obj: Any) -> Obj:
    """The body as an object of this resource; ApiError 400 for anything else."""
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
        raise errors.bad_request(f"the body of the request is not a {resource.kind} object")
    version, kind = obj.get("apiVersion", resource.api_version), obj.get("kind", resource.kind)
    if version != resource.api_version:
        raise errors.bad_request(f"the API version in the data ({version}) does not match the expected API version "
                                 f"({resource.api_version})")  # fmt: skip
    if kind != resource.kind:
        raise errors.bad_request(f"the kind in the data ({kind}) does not match the expected kind ({resource.kind})")
    return obj


def prepare_create(resource: Resource, obj: Obj, namespace: str, *, uid: str, now: str, name: str = "") -> Obj:
    """The object as stored by a create: `name` replaces a missing name (from generateName)."""
    metadata = {key: value for key, value in obj.get("metadata", {}).items()
                if key not in ("resourceVersion", "uid", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
                                "managedFields")}  # fmt: skip
    metadata["name"] = metadata.get("name") or name
    _check_name(resource, metadata)
    if resource.namespaced:
        if metadata.get("namespace", namespace) != namespace:
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the "
                                     "request")  # fmt: skip
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    metadata |= {"uid": uid, "creationTimestamp": metadata.get("creationTimestamp") or now}
    if resource in GENERATIONAL:
        metadata["generation"] = 1
    created = {**obj, "apiVersion": resource.api_version, "kind": resource.kind, "metadata": metadata}
    return _defaults(resource, created)


def _check_name(resource: Resource, metadata: Obj) -> None:
    name = metadata["name"]
    if not name:
        raise errors.invalid(resource, "", "metadata.name", "Required value: name or generateName is required")
    if resource.group == r.RBAC:  # RBAC names are path segments (ValidatePathSegmentName): `system:masters` is fine
        problem = f"may not be '{name}'" if name in (".", "..") else next(
            (f"may not contain '{char}'" for char in "/%" if char in name), None)  # fmt: skip
        if problem:
            raise errors.invalid(resource, name, "metadata.name", f'Invalid value: "{name}": {problem}')
        return
    if len(name) > 253 or not _NAME.match(name):
        raise errors.invalid(resource, name, "metadata.name", f'Invalid value: "{name}": {_NAME_RULE}')


def _defaults(resource: Resource, obj: Obj) -> Obj:
    name = obj["metadata"]["name"]
    if resource is r.NAMESPACES:
        labels = {**obj["metadata"].get("labels", {}), "kubernetes.io/metadata.name": name}
        return {**obj, "metadata": {**obj["metadata"], "labels": labels}, "spec": obj.get("spec") or
                {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}  # fmt: skip
    if resource is r.PODS:
        spec = podspec.defaulted_spec(obj.get("spec", {}))
        status = obj.get("status") or {"phase": "Pending", "qosClass": podspec.qos_class(podspec.all_containers(spec))}
        return {**obj, "spec": spec, "status": status}
    if resource in WORKLOADS:
        spec = obj.get("spec", {})
        _check_selector(resource, name, spec)
        template = spec["template"]
        template = {**template, "spec": podspec.defaulted_spec(template.get("spec", {}))}
        if resource is r.DEPLOYMENTS:
            spec = {"revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, **spec,
                    "strategy": spec.get("strategy") or _ROLLING_UPDATE}  # fmt: skip
        return {**obj, "spec": {"replicas": 1, **spec, "template": template}, "status": obj.get("status") or {}}
    return hpa.admit_create(obj) if resource is r.HPAS else obj


def _check_selector(resource: Resource, name: str, spec: Obj) -> None:
    labels = objects.path(spec, "template.metadata.labels", {})
    if not spec.get("selector") or not spec.get("template"):
        raise errors.invalid(resource, name, "spec.selector", "Required value")
    if not objects.selector_of(spec["selector"]).matches(labels):
        raise errors.invalid(resource, name, "spec.template.metadata.labels",
                             f"Invalid value: {labels}: `selector` does not match template `labels`")  # fmt: skip
    replicas = spec.get("replicas", 1)
    if not isinstance(replicas, int) or replicas < 0:
        raise errors.invalid(
            resource, name, "spec.replicas", f"Invalid value: {replicas}: must be a non-negative integer"
        )


def _check_update(resource: Resource, old: Obj, new: Obj) -> None:
    """The body is of this kind, names the same object and is not based on an older version."""
    check_kind(resource, new)
    name, new_meta = old["metadata"]["name"], new.get("metadata", {})
    if new_meta.get("name", name) != name:
        raise errors.bad_request(f"the name of the object ({new_meta.get('name')}) does not match the name on the URL "
                                 f"({name})")  # fmt: skip
    version = new_meta.get("resourceVersion")
    if version and version != old["metadata"].get("resourceVersion"):
        raise errors.conflict(resource, name)


def prepare_update(resource: Resource, old: Obj, new: Obj, subresource: str = "") -> Obj:
    """The object as stored by an update of the main resource or of `/status`."""
    _check_update(resource, old, new)
    old_meta, new_meta, name = old["metadata"], new.get("metadata", {}), old["metadata"]["name"]
    if subresource == "status":
        return hpa.admit_status(old, new) if resource is r.HPAS else {**old, "status": new.get("status", {})}
    metadata = {**new_meta, **{k: old_meta[k] for k in (*_IMMUTABLE, "generation") if k in old_meta}}
    for key in _IMMUTABLE:
        if key not in old_meta:
            metadata.pop(key, None)
    if "generation" in old_meta:
        metadata["generation"] = old_meta["generation"] + (new.get("spec") != old.get("spec"))
    updated = {**new, "apiVersion": resource.api_version, "kind": resource.kind, "metadata": metadata}
    if "status" in resource.subresources and "status" in old:
        updated["status"] = old["status"]  # the main resource ignores status changes, as in kube-apiserver
    if resource in WORKLOADS:
        _check_selector(resource, name, updated.get("spec", {}))
    return hpa.admit_update(old, updated) if resource is r.HPAS else updated


def to_scale(obj: Obj) -> Obj:
    """The autoscaling/v1 Scale of a Deployment, ReplicaSet or StatefulSet."""
    metadata = obj["metadata"]
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {key: metadata[key] for key in ("name", "namespace", "uid", "resourceVersion",
                                                          "creationTimestamp") if key in metadata},
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": objects.format_selector(obj["spec"].get("selector"))}}  # fmt: skip


def from_scale(resource: Resource, obj: Obj, scale: Any) -> Obj:
    """The object with the replicas a Scale asks for; ApiError on a bad Scale or a stale resourceVersion."""
    name = obj["metadata"]["name"]
    replicas = objects.path(scale, "spec.replicas", 0) if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or replicas < 0:
        cause = errors.field_invalid("spec.replicas", replicas, "must be greater than or equal to 0")
        raise errors.invalid_object("Scale", "autoscaling", name, [cause])
    version = objects.path(scale, "metadata.resourceVersion")
    if version and version != obj["metadata"].get("resourceVersion"):
        raise errors.conflict(resource, name)
    return prepare_update(resource, obj, {**obj, "spec": {**obj["spec"], "replicas": replicas}})

"""Create, read, update, patch and delete with kube-apiserver's semantics, for HTTP handlers and the controller alike.

Subresources: `status` (status only) and `scale` (an autoscaling/v1 Scale view of spec.replicas). Deleting a pod
is graceful (see `lifecycle.graceful_delete`): the pod is marked and its kubelet removes it when the grace period ends.
Objects go in and come out in the version of the resource asked for (`versions`); the store holds the storage
version. Bodies are JSON or Kubernetes protobuf (`protobuf`); answers are always JSON.
"""

import random
import time
from collections.abc import Callable
from typing import Any

import msgspec

from services.lib import timefmt
from sim.apiserver import errors, lifecycle, listing, objects, patch, protobuf, strategy, versions
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource
from sim.apiserver.store import Store

_decoder = msgspec.json.Decoder()


def decode(body: bytes, content_type: str = "application/json") -> Any:
    """A JSON or protobuf request body; ApiError 415 for other media types, 400 if it does not decode."""
    media_type = content_type.split(";", maxsplit=1)[0].strip()
    if media_type == protobuf.MEDIA_TYPE:
        try:
            return protobuf.decode(body)
        except protobuf.ProtobufError as error:
            raise errors.bad_request(f"the request body is not a Kubernetes protobuf object: {error}") from None
    if media_type not in ("application/json", ""):
        raise errors.unsupported_media_type(("application/json", protobuf.MEDIA_TYPE))
    try:
        return _decoder.decode(body)
    except msgspec.DecodeError as error:
        raise errors.bad_request(f"the request body is not valid JSON: {error}") from None


class Registry:
    """The write path in front of the store."""

    def __init__(self, store: Store, rng: random.Random, clock: Callable[[], int] = time.time_ns) -> None:
        self.store, self.rng, self.clock = store, rng, clock

    def now(self) -> str:
        """The current time in RFC 3339."""
        return timefmt.rfc3339(self.clock())

    def get(self, resource: Resource, namespace: str, name: str, subresource: str = "") -> Obj:
        """One object in the resource's version (or its Scale); ApiError 404 if absent."""
        obj = self.stored_object(resource, namespace, name)
        check_subresource(resource, subresource)
        return strategy.to_scale(obj) if subresource == "scale" else versions.served(resource, obj)

    def stored_object(self, resource: Resource, namespace: str, name: str) -> Obj:
        """One object as stored (in the storage version); ApiError 404 if absent."""
        obj = self.store.get(resource.stored, namespace if resource.namespaced else "", name)
        if obj is None:
            raise errors.not_found(resource, name)
        return obj

    def create(self, resource: Resource, namespace: str, body: Any) -> Obj:
        """Store a new object; ApiError 409 if the name is taken, 404 if the namespace does not exist."""
        served, resource = resource, resource.stored
        obj = versions.stored(served, strategy.check_kind(served, body))
        if resource.namespaced and self.store.get(r.NAMESPACES, "", namespace) is None:
            raise errors.not_found(r.NAMESPACES, namespace)
        generate = obj.get("metadata", {}).get("generateName", "")
        name = f"{generate}{objects.suffix(self.rng)}" if generate else ""
        while name and self.store.get(resource, namespace if resource.namespaced else "", name) is not None:
            name = f"{generate}{objects.suffix(self.rng)}"  # as kube-apiserver retries generated names
        created = strategy.prepare_create(resource, obj, namespace if resource.namespaced else "",
                                          uid=objects.new_uid(self.rng), now=self.now(), name=name)  # fmt: skip
        if self.store.get(resource, created["metadata"].get("namespace", ""), created["metadata"]["name"]) is not None:
            raise errors.already_exists(resource, created["metadata"]["name"])
        return versions.served(served, self.store.create(resource, created))

    def update(self, resource: Resource, namespace: str, name: str, body: Any, subresource: str = "") -> Obj:
        """Replace an object (or its status, or its scale); ApiError 409 on a stale resourceVersion."""
        old = self.stored_object(resource, namespace, name)
        check_subresource(resource, subresource)
        if subresource == "scale":
            return strategy.to_scale(self._replace(resource, old, strategy.from_scale(resource, old, body)))
        new = versions.stored(resource, strategy.check_kind(resource, body))
        updated = strategy.prepare_update(resource.stored, old, new, subresource)
        return versions.served(resource, self._replace(resource.stored, old, updated))

    def patch(
        self, resource: Resource, namespace: str, name: str, kind: str, body: bytes, subresource: str = ""
    ) -> Obj:
        """Apply a patch of the given content type to an object (or its status, or its scale)."""
        current = self.get(resource, namespace, name, subresource)
        patched = apply_patch(kind, current, decode(body))
        return self.update(resource, namespace, name, patched, subresource)

    def _replace(self, resource: Resource, old: Obj, new: Obj) -> Obj:
        return old if new == old else self.store.replace(resource, new)

    def delete(self, resource: Resource, namespace: str, name: str, grace: int | None = None) -> Obj:
        """Remove an object, or mark a running pod Terminating for `grace` seconds (default: its own grace period).

        Dependents go too (the controller's garbage collection).
        """
        current = self.stored_object(resource, namespace, name)
        terminating = lifecycle.graceful_delete(current, grace, self.clock()) if resource is r.PODS else None
        if terminating is not None:
            return self._replace(resource, current, terminating)
        gone = self.store.delete(resource.stored, namespace if resource.namespaced else "", name)
        assert gone is not None
        return versions.served(resource, gone)

    def delete_collection(self, resource: Resource, namespace: str | None, options: listing.Options) -> list[Obj]:
        """Delete every object the selectors match, in one namespace or all: the objects as each delete left them."""
        if not resource.collection_delete:
            raise errors.method_not_supported(resource, "deletecollection")
        selection = listing.Options(options.labels, options.fields)
        doomed = listing.page(self.store.collections[resource.stored], namespace, selection, 0)[0]
        return [self.delete(resource, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]) for obj in doomed]


def check_subresource(resource: Resource, subresource: str) -> None:
    if subresource and subresource not in resource.subresources:
        raise errors.no_such_path()


def apply_patch(kind: str, current: Obj, body: Any) -> Any:
    """The patched object; ApiError 415 for an unknown patch type, 422/400 when the patch does not apply."""
    kind = kind.split(";", maxsplit=1)[0].strip()
    if kind not in (patch.MERGE_PATCH, patch.JSON_PATCH, patch.STRATEGIC):
        raise errors.unsupported_media_type(patch.TYPES)
    try:
        if kind == patch.JSON_PATCH:
            return patch.json_patch(current, body)
        if not isinstance(body, dict):
            raise errors.bad_request("a merge patch must be a JSON object")
        return patch.merge(current, body) if kind == patch.MERGE_PATCH else patch.strategic(current, body)
    except patch.PatchError as error:
        raise errors.ApiError(422, "Invalid", str(error)) from None

"""Objects in the version a request names, for resources served in more than their storage version.

Reads convert stored objects out (`served`), writes convert request bodies in (`stored`); every other resource is
served as stored. Today that is autoscaling/v1 HorizontalPodAutoscalers over the stored autoscaling/v2 ones.
"""

from collections.abc import Callable
from typing import Any

from sim.apiserver import hpaconvert
from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource

_CONVERSIONS: dict[Resource, tuple[Callable[[Obj], Obj], Callable[[Obj], Obj]]] = {
    r.HPAS_V1: (hpaconvert.to_v1, hpaconvert.from_v1)
}


def converts(resource: Resource) -> bool:
    """Whether the resource's objects differ from the stored ones (lists of everything else are passed through)."""
    return resource in _CONVERSIONS


def served(resource: Resource, obj: Obj) -> Obj:
    """A stored object as the resource's version shows it (anything not of its kind, e.g. a Status, unchanged)."""
    conversion = _CONVERSIONS.get(resource)
    return conversion[0](obj) if conversion is not None and obj.get("kind") == resource.kind else obj


def stored(resource: Resource, body: Any) -> Any:
    """A request body of the resource's version in the storage version (the caller checked its kind)."""
    conversion = _CONVERSIONS.get(resource)
    return conversion[1](body) if conversion is not None and isinstance(body, dict) else body

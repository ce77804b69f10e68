"""Server-side conversions kubectl and metadata informers ask for: meta.k8s.io/v1 Table and PartialObjectMetadata."""

from typing import Any

from sim.apiserver import printers
from sim.apiserver.resources import Obj, Resource

META = "meta.k8s.io/v1"


def partial(obj: Obj) -> Obj:
    """An object reduced to its metadata."""
    return {"kind": "PartialObjectMetadata", "apiVersion": META, "metadata": obj["metadata"]}


def partial_list(items: list[Obj], list_meta: Obj) -> Obj:
    """A PartialObjectMetadataList of objects."""
    return {"kind": "PartialObjectMetadataList", "apiVersion": META, "metadata": list_meta,
            "items": [partial(item) for item in items]}  # fmt: skip


def column_definitions(resource: Resource) -> list[Obj]:
    """The Table columns of a resource, wide ones with priority 1."""
    columns = printers.PRINTERS[resource][0] if resource in printers.PRINTERS else [printers.NAME, printers.AGE]
    return [{"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": "",
             "priority": priority} for name, kind, priority in columns]  # fmt: skip


def row(resource: Resource, obj: Obj, now_ns: int, include: str = "Metadata") -> Obj:
    """One Table row; `include` is the includeObject parameter: None, Object or Metadata."""
    if resource in printers.PRINTERS:
        cells: list[Any] = printers.PRINTERS[resource][1](obj, now_ns)
    else:
        cells = [obj["metadata"]["name"], printers.age(obj["metadata"].get("creationTimestamp"), now_ns)]
    result: Obj = {"cells": cells}
    if include == "Object":
        result["object"] = obj
    elif include != "None":
        result["object"] = partial(obj)
    return result


def table(
    resource: Resource, objects: list[Obj], now_ns: int, *, include: str = "Metadata", list_meta: Obj | None = None,
    headers: bool = True,
) -> Obj:  # fmt: skip
    """A Table of objects; without headers (later watch events) the column definitions are left out."""
    result: Obj = {"kind": "Table", "apiVersion": META, "metadata": list_meta or {}}
    if headers:
        result["columnDefinitions"] = column_definitions(resource)
    result["rows"] = [row(resource, obj, now_ns, include) for obj in objects]
    return result

"""The in-memory object store: one Collection per resource, one global resourceVersion, synchronous listeners.

Stored objects are never mutated; every write stores a new dict. Listeners (the watch hub, the controller) run
inside the write, so they see changes in resourceVersion order without locks: asyncio gives us one writer.
"""

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sim.apiserver.resources import Obj, Resource

Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects


@dataclass(frozen=True)
class Change:
    """One write, as watch events and the controller see it."""

    type: str  # ADDED, MODIFIED or DELETED
    resource: Resource
    rv: int
    object: Obj  # the new state; for DELETED the last state stamped with the deletion's resourceVersion
    previous: Obj | None  # the state before the write; None for ADDED


def key_of(obj: Obj) -> Key:
    """(namespace, name) of an object."""
    metadata = obj["metadata"]
    return metadata.get("namespace", ""), metadata["name"]


def with_rv(obj: Obj, rv: int) -> Obj:
    """A copy of the object carrying a resourceVersion."""
    return {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}


def owner_uids(obj: Obj) -> set[str]:
    """uids of an object's owners."""
    return {ref["uid"] for ref in obj["metadata"].get("ownerReferences", ())}


class Collection:
    """The objects of one resource by namespace and name, with sorted names for paging and secondary indexes."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource
        self.objects: dict[str, dict[str, Obj]] = {}
        self.index: dict[str, dict[str, set[Key]]] = {label: {} for label in resource.indexed}
        self.owned: dict[str, set[Key]] = {}  # owner uid -> keys of dependents in this collection
        self._sorted: dict[str, list[str]] = {}  # lazily sorted names per namespace; dropped when names change
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def get(self, namespace: str, name: str) -> Obj | None:
        """The object, if stored."""
        return self.objects.get(namespace, {}).get(name)

    def put(self, obj: Obj) -> Obj | None:
        """Store an object; the one it replaced, if any."""
        namespace, name = key = key_of(obj)
        space = self.objects.setdefault(namespace, {})
        old = space.get(name)
        space[name] = obj
        if old is None:
            self._count += 1
            self._sorted.pop(namespace, None)
        self._reindex(key, old, obj)
        return old

    def remove(self, namespace: str, name: str) -> Obj | None:
        """Drop an object; the one removed, if any."""
        space = self.objects.get(namespace, {})
        old = space.pop(name, None)
        if old is not None:
            self._count -= 1
            self._sorted.pop(namespace, None)
            self._reindex((namespace, name), old, None)
            if not space:
                del self.objects[namespace]
        return old

    def _reindex(self, key: Key, old: Obj | None, new: Obj | None) -> None:
        for label, values in self.index.items():
            before_value = None if old is None else self.resource.field_value(old, label)
            _move(values, key, before_value, None if new is None else self.resource.field_value(new, label))
        before, after = owner_uids(old) if old else set(), owner_uids(new) if new else set()
        for uid in before - after:
            _move(self.owned, key, uid, None)
        for uid in after - before:
            _move(self.owned, key, None, uid)

    def names(self, namespace: str) -> list[str]:
        """Names in one namespace, sorted."""
        names = self._sorted.get(namespace)
        if names is None:
            names = self._sorted[namespace] = sorted(self.objects.get(namespace, ()))
        return names

    def scan(self, namespace: str | None, after: Key | None = None) -> Iterator[Obj]:
        """Objects in (namespace, name) order, in one namespace or all, starting after a key."""
        spaces = [namespace] if namespace is not None else sorted(self.objects)
        for space in spaces:
            if after is not None and space < after[0]:
                continue
            names = self.names(space)
            start = bisect_right(names, after[1]) if after is not None and space == after[0] else 0
            objects = self.objects.get(space, {})
            for index in range(start, len(names)):
                yield objects[names[index]]

    def indexed(self, label: str, value: str, namespace: str | None, after: Key | None = None) -> Iterator[Obj]:
        """Objects whose indexed field equals value, in key order."""
        keys = sorted(key for key in self.index[label].get(value, ()) if namespace in (None, key[0]))
        for namespace_, name in keys[bisect_right(keys, after) if after else 0 :]:
            yield self.objects[namespace_][name]

    def dependents(self, uid: str) -> list[Obj]:
        """Objects that name uid among their ownerReferences."""
        return [self.objects[namespace][name] for namespace, name in self.owned.get(uid, ())]


def _move(values: dict[str, set[Key]], key: Key, old: str | None, new: str | None) -> None:
    if old == new:
        return
    if old is not None:
        keys = values[old]
        keys.discard(key)
        if not keys:
            del values[old]
    if new is not None:
        values.setdefault(new, set()).add(key)


class Store:
    """Every collection, the resourceVersion counter and the listeners told of each change."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.collections = {resource: Collection(resource) for resource in resources
                            if resource.storage is None and not resource.review}  # fmt: skip
        self.rv = 0
        self.listeners: list[Callable[[Change], None]] = []

    def get(self, resource: Resource, namespace: str, name: str) -> Obj | None:
        """One object, if stored."""
        return self.collections[resource].get(namespace, name)

    def load(self, resource: Resource, objects: Iterable[Obj]) -> None:
        """Bulk-insert fresh objects without telling listeners (seeding); their metadata is stamped in place."""
        collection = self.collections[resource]
        for obj in objects:
            self.rv += 1
            obj["metadata"]["resourceVersion"] = str(self.rv)
            collection.put(obj)

    def create(self, resource: Resource, obj: Obj) -> Obj:
        """Store a new object (the caller checked the name is free) and announce it."""
        return self._write(resource, obj, "ADDED")

    def replace(self, resource: Resource, obj: Obj) -> Obj:
        """Store a new version of an existing object and announce it."""
        return self._write(resource, obj, "MODIFIED")

    def _write(self, resource: Resource, obj: Obj, kind: str) -> Obj:
        self.rv += 1
        stored = with_rv(obj, self.rv)
        previous = self.collections[resource].put(stored)
        self._announce(Change(kind, resource, self.rv, stored, previous))
        return stored

    def delete(self, resource: Resource, namespace: str, name: str) -> Obj | None:
        """Remove an object and announce it; the last state stamped with the deletion's resourceVersion."""
        previous = self.collections[resource].remove(namespace, name)
        if previous is None:
            return None
        self.rv += 1
        gone = with_rv(previous, self.rv)
        self._announce(Change("DELETED", resource, self.rv, gone, previous))
        return gone

    def _announce(self, change: Change) -> None:
        for listener in self.listeners:
            listener(change)

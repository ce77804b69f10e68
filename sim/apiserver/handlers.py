"""The read verbs of resource endpoints: get, list and watch, in JSON, Table or metadata-only form.

Objects are read as stored; JSON and metadata answers show them in the requested version (`versions`), Tables are
printed from the stored form, as kube-apiserver prints from its internal one.
"""

import time
from collections.abc import AsyncIterator, Callable

import msgspec
from starlette.responses import Response, StreamingResponse

from sim.apiserver import errors, listing, tables, versions, watch
from sim.apiserver.negotiate import Output
from sim.apiserver.registry import Registry, check_subresource
from sim.apiserver.requestinfo import RequestInfo
from sim.apiserver.resources import Obj, Resource

_encoder = msgspec.json.Encoder()
JSON = "application/json"


def respond(obj: Obj, status: int = 200) -> Response:
    """A JSON response encoded with msgspec."""
    return Response(_encoder.encode(obj), status_code=status, media_type=JSON)


def convert(resource: Resource, obj: Obj, output: Output, include: str, clock: Callable[[], int]) -> Obj:
    """One stored object (or a Scale) in the requested representation and version."""
    if output is Output.TABLE and obj.get("kind") == resource.kind:
        return tables.table(resource.stored, [obj], clock(), include=include,
                            list_meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")})  # fmt: skip
    obj = versions.served(resource, obj)
    if output is Output.METADATA and "metadata" in obj:
        return tables.partial(obj)
    return obj


class Reads:
    """get, list and watch against the registry and the watch hub."""

    def __init__(self, registry: Registry, hub: watch.Hub) -> None:
        self.registry, self.hub = registry, hub

    def get(self, resource: Resource, info: RequestInfo, output: Output, include: str) -> Response:
        """GET of one object or subresource."""
        if info.subresource == "scale":
            obj = self.registry.get(resource, info.namespace, info.name, info.subresource)
        else:
            obj = self.registry.stored_object(resource, info.namespace, info.name)
            check_subresource(resource, info.subresource)
        return respond(convert(resource, obj, output, include, self.registry.clock))

    def list_items(self, resource: Resource, info: RequestInfo, output: Output, options: listing.Options) -> Response:
        """GET of a collection, one page of it when `limit` is set."""
        rv = self.registry.store.rv
        collection = self.registry.store.collections[resource.stored]
        items, token = listing.page(collection, _scope(resource, info), options, rv)
        meta: Obj = {"resourceVersion": str(rv), **({"continue": token} if token else {})}
        if output is Output.TABLE:
            return respond(
                tables.table(resource.stored, items, self.registry.clock(), include=options.include, list_meta=meta)
            )
        if versions.converts(resource):
            items = [versions.served(resource, item) for item in items]
        if output is Output.METADATA:
            return respond(tables.partial_list(items, meta))
        return respond({"kind": f"{resource.kind}List", "apiVersion": resource.api_version, "metadata": meta,
                        "items": items})  # fmt: skip

    def watch_items(self, resource: Resource, info: RequestInfo, output: Output, options: listing.Options) -> Response:
        """A streaming watch: newline-delimited JSON events until timeoutSeconds."""
        watcher = watch.Watcher(resource.stored, _scope(resource, info), listing.matcher(resource, options))
        encode = _EventEncoder(resource, output, options.include, self.registry.clock)
        try:
            backlog = self._backlog(watcher, options, resource)
        except errors.ApiError as error:
            return StreamingResponse(iter([encode("ERROR", error.status())]), media_type=JSON)
        bookmark = self._bookmark(resource) if options.bookmarks else None
        return StreamingResponse(self._events(watcher, backlog, options.timeout, bookmark, encode), media_type=JSON)

    def _backlog(self, watcher: watch.Watcher, options: listing.Options, resource: Resource) -> list[watch.Event]:
        version = options.resource_version
        if version in ("", "0") or options.initial_events:
            current = listing.page(self.registry.store.collections[watcher.resource], watcher.namespace,
                                   listing.Options(options.labels, options.fields), 0)[0]  # fmt: skip
            self.hub.subscribe(watcher, None)
            initial = [("ADDED", obj) for obj in current]
            if options.initial_events and options.bookmarks:
                initial.append(self._bookmark(resource, initial_end=True)())
            return initial
        if not version.isdigit():
            raise errors.bad_request(f"invalid resource version {version!r}")
        return self.hub.subscribe(watcher, int(version))

    def _bookmark(self, resource: Resource, initial_end: bool = False) -> Callable[[], watch.Event]:
        def bookmark() -> watch.Event:
            metadata: Obj = {"resourceVersion": str(self.registry.store.rv), "creationTimestamp": None}
            if initial_end:
                metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
            return "BOOKMARK", {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": metadata}

        return bookmark

    async def _events(
        self, watcher: watch.Watcher, backlog: list[watch.Event], timeout: float,
        bookmark: Callable[[], watch.Event] | None, encode: "_EventEncoder",
    ) -> AsyncIterator[bytes]:  # fmt: skip
        try:
            async for kind, obj in watcher.stream(backlog, timeout, bookmark):
                yield encode(kind, obj)
        finally:
            self.hub.unsubscribe(watcher)


def _scope(resource: Resource, info: RequestInfo) -> str | None:
    """The namespace a request is limited to; None for all namespaces or cluster-scoped resources."""
    return info.namespace if resource.namespaced and info.namespace else None


class _EventEncoder:
    """Watch events as lines; a Table stream sends its column definitions with the first event only."""

    def __init__(
        self, resource: Resource, output: Output, include: str, clock: Callable[[], int] = time.time_ns
    ) -> None:
        self.resource, self.output, self.include, self.clock = resource, output, include, clock
        self.first = True

    def __call__(self, kind: str, obj: Obj) -> bytes:
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            if self.output is Output.TABLE:
                obj = tables.table(self.resource.stored, [obj], self.clock(), include=self.include, headers=self.first)
                self.first = False
            else:
                obj = versions.served(self.resource, obj)
                obj = tables.partial(obj) if self.output is Output.METADATA else obj
        elif kind == "BOOKMARK" and self.output is Output.METADATA:
            obj = tables.partial(obj)
        return _encoder.encode({"type": kind, "object": obj}) + b"\n"

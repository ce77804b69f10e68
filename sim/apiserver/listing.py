"""List and watch options (selectors, paging, resourceVersion, timeouts) and the filtered, paged scan of a collection.

Lists come out in (namespace, name) order, as from etcd, so `limit`/`continue` pages are stable. An equality on an
indexed field (pods' spec.nodeName) or on metadata.name narrows the scan instead of reading every object.
"""

import base64
import binascii
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import msgspec

from services.lib import selectors
from sim.apiserver import errors
from sim.apiserver.requestinfo import is_true
from sim.apiserver.resources import Obj, Resource
from sim.apiserver.store import Collection, Key

DEFAULT_WATCH_SECONDS = 1800.0  # kube-apiserver's --min-request-timeout


class _Token(msgspec.Struct):
    rv: int
    after: tuple[str, str]


@dataclass(frozen=True)
class Options:
    """The query parameters of a list or watch."""

    labels: selectors.LabelSelector
    fields: selectors.FieldSelector
    limit: int = 0
    after: Key | None = None  # from `continue`
    resource_version: str = ""
    bookmarks: bool = False
    initial_events: bool = False  # sendInitialEvents
    timeout: float = DEFAULT_WATCH_SECONDS
    include: str = "Metadata"  # includeObject for Table output


def parse(resource: Resource, query: Mapping[str, str]) -> Options:
    """Options from a query string; ApiError 400 for bad selectors, unsupported fields or bad numbers."""
    try:
        labels = selectors.parse_labels(query.get("labelSelector", ""))
        fields = selectors.parse_fields(query.get("fieldSelector", ""))
    except selectors.SelectorError as error:
        raise errors.bad_request(str(error)) from None
    for field in sorted(fields.fields()):
        if field not in resource.fields:
            raise errors.bad_request(f"field label not supported: {field}")
    return Options(
        labels, fields, limit=_number(query, "limit", 0), after=_after(query.get("continue", "")),
        resource_version=query.get("resourceVersion", ""), bookmarks=is_true(query.get("allowWatchBookmarks", "")),
        initial_events=is_true(query.get("sendInitialEvents", "")),
        timeout=float(_number(query, "timeoutSeconds", 0)) or DEFAULT_WATCH_SECONDS,
        include=query.get("includeObject", "Metadata"),
    )  # fmt: skip


def _number(query: Mapping[str, str], name: str, default: int) -> int:
    try:
        return max(int(query.get(name, default)), 0)
    except ValueError:
        raise errors.bad_request(f"invalid {name} {query[name]!r}: must be an integer") from None


def continue_token(rv: int, last: Obj) -> str:
    """The `continue` value that resumes a list after the last object returned."""
    after = (last["metadata"].get("namespace", ""), last["metadata"]["name"])
    return base64.urlsafe_b64encode(msgspec.json.encode(_Token(rv, after))).decode()


def _after(token: str) -> Key | None:
    if not token:
        return None
    try:
        return msgspec.json.decode(base64.urlsafe_b64decode(token.encode()), type=_Token).after
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise errors.bad_request("continue key is not valid: incorrect encoded start resourceVersion") from None


class _Fields(Mapping[str, str]):
    """An object's selectable fields, computed only when a selector reads them."""

    def __init__(self, resource: Resource, obj: Obj) -> None:
        self.resource, self.obj = resource, obj

    def __getitem__(self, label: str) -> str:
        if label not in self.resource.fields:
            raise KeyError(label)
        return self.resource.field_value(self.obj, label)

    def __iter__(self) -> Iterator[str]:
        return iter(self.resource.fields)

    def __len__(self) -> int:
        return len(self.resource.fields)


def matcher(resource: Resource, options: Options) -> Callable[[Obj], bool]:
    """Whether an object satisfies the label and field selectors."""
    labels, fields = options.labels, options.fields
    if not labels.requirements and not fields.terms:
        return lambda obj: True
    return lambda obj: labels.matches(obj["metadata"].get("labels") or {}) and fields.matches(_Fields(resource, obj))


def scan(collection: Collection, namespace: str | None, options: Options) -> Iterator[Obj]:
    """Candidate objects in key order, narrowed by an index, a name or a namespace when the selector allows."""
    fields = options.fields
    namespace = fields.value("metadata.namespace") if namespace is None else namespace
    name = fields.value("metadata.name")
    if name is not None and namespace is not None:
        obj = collection.get(namespace, name)
        return iter([obj] if obj is not None and (options.after is None or options.after < (namespace, name)) else [])
    for label in collection.resource.indexed:
        value = fields.value(label)
        if value is not None:
            return collection.indexed(label, value, namespace, options.after)
    return collection.scan(namespace, options.after)


def page(collection: Collection, namespace: str | None, options: Options, rv: int) -> tuple[list[Obj], str]:
    """The matching objects of one page, and the continue token ('' on the last page)."""
    matches = matcher(collection.resource, options)
    found = (obj for obj in scan(collection, namespace, options) if matches(obj))
    if not options.limit:
        return list(found), ""
    items = list(itertools.islice(found, options.limit))
    more = len(items) == options.limit and next(found, None) is not None
    return items, continue_token(rv, items[-1]) if more else ""

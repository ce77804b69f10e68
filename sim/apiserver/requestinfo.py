"""What a request asks for, read from its method and path alone, as kube-apiserver's RequestInfoResolver does.

Authorization (`auth`) decides on a RequestInfo, so it is computed before any handler runs.
"""

from collections.abc import Mapping
from dataclasses import dataclass

_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete", "GET": "get", "HEAD": "get"}


@dataclass(frozen=True)
class RequestInfo:
    """A resource request; non-resource requests (discovery, /version, health) have is_resource False."""

    verb: str  # get list watch create update patch delete deletecollection, or the lower-case HTTP method
    path: str
    is_resource: bool = False
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    name: str = ""
    subresource: str = ""


def resolve(method: str, path: str, query: Mapping[str, str]) -> RequestInfo:
    """Classify a request like kube-apiserver: /api/v1/... and /apis/<group>/<version>/... are resource requests."""
    parts = [part for part in path.strip("/").split("/") if part]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return RequestInfo(verb=method.lower(), path=path)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource, name, subresource = [*rest, "", "", ""][:3]
    return RequestInfo(
        verb=_verb(method, bool(name), query), path=path, is_resource=True, group=group, version=version,
        namespace=namespace, resource=resource, name=name, subresource=subresource,
    )  # fmt: skip


def _verb(method: str, named: bool, query: Mapping[str, str]) -> str:
    verb = _VERBS.get(method.upper(), method.lower())
    if verb == "get" and not named:
        return "watch" if is_true(query.get("watch", "")) else "list"
    if verb == "delete" and not named:
        return "deletecollection"
    return verb


def is_true(value: str) -> bool:
    """A boolean query parameter as Go's strconv.ParseBool reads it."""
    return value in ("1", "t", "T", "true", "TRUE", "True")

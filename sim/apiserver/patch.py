"""Patches as kube-apiserver applies them: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge.

Strategic merge patch is approximated: a merge patch in which lists of objects with a known merge key (containers by
name, conditions by type, ...) are merged element by element, `$patch: delete|replace` directives are honoured and
the `$setElementOrder`/`$retainKeys`/`$deleteFromPrimitiveList` directives kubectl adds are dropped. All functions
return new values and share the untouched parts of the target, which stays unmodified.
"""

import copy
from typing import Any

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC)  # served; server-side apply is not
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "ports": "containerPort", "conditions": "type",
    "imagePullSecrets": "name", "ownerReferences": "uid", "readinessGates": "conditionType", "addresses": "type",
    "containerStatuses": "name", "initContainerStatuses": "name", "hostAliases": "ip", "podIPs": "ip",
}  # fmt: skip


class PatchError(ValueError):
    """A patch that cannot be applied; the message says where."""


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


def strategic(target: Any, patch: Any, field: str = "") -> Any:
    """Strategic merge patch, approximated as described in the module docstring."""
    if isinstance(patch, list) and isinstance(target, list) and field in MERGE_KEYS:
        return _merge_list(target, patch, MERGE_KEYS[field])
    if not isinstance(patch, dict):
        return patch
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    base = {} if directive == "replace" or not isinstance(target, dict) else dict(target)
    for key, value in patch.items():
        if key.startswith("$"):  # $patch, $setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...
            continue
        merged = None if value is None else strategic(base.get(key), value, key)
        if merged is None:
            base.pop(key, None)
        else:
            base[key] = merged
    return base


def _merge_list(target: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    result = list(target)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise PatchError(f"list item {item!r} lacks its merge key {merge_key!r}")
        same = (i for i, old in enumerate(result) if isinstance(old, dict) and old.get(merge_key) == item[merge_key])
        at = next(same, None)
        merged = strategic(result[at] if at is not None else None, item)
        if at is None and merged is not None:
            result.append(merged)
        elif at is not None:
            result[at : at + 1] = [] if merged is None else [merged]
    return result


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 on a deep copy of the target."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    document = copy.deepcopy(target)
    for operation in operations:
        document = _apply_operation(document, operation)
    return document


def _apply_operation(document: Any, operation: Any) -> Any:
    if not isinstance(operation, dict) or "path" not in operation:
        raise PatchError(f"invalid JSON patch operation {operation!r}")
    op, path = operation.get("op"), operation["path"]
    if op in ("add", "replace", "test") and "value" not in operation:
        raise PatchError(f"{op} operation at {path!r} lacks a value")
    if op == "test":
        if _get(document, path) != operation["value"]:
            raise PatchError(f"test failed at {path!r}")
        return document
    if op in ("move", "copy"):
        value = copy.deepcopy(_get(document, operation.get("from", "")))
        if op == "move":
            document = _remove(document, operation["from"])
        return _add(document, path, value)
    if op == "remove":
        return _remove(document, path)
    if op in ("add", "replace"):
        if op == "replace":
            _get(document, path)  # replace needs an existing target
            document = _remove(document, path)
        return _add(document, path, copy.deepcopy(operation["value"]))
    raise PatchError(f"unknown JSON patch operation {op!r}")


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _step(container: Any, token: str, path: str) -> Any:
    if isinstance(container, dict) and token in container:
        return container[token]
    if isinstance(container, list) and token.isdigit() and int(token) < len(container):
        return container[int(token)]
    raise PatchError(f"path {path!r} does not exist")


def _get(document: Any, path: str) -> Any:
    for token in _tokens(path):
        document = _step(document, token, path)
    return document


def _parent(document: Any, path: str) -> tuple[Any, str]:
    *head, last = _tokens(path) or [""]
    parent = document
    for token in head:
        parent = _step(parent, token, path)
    return parent, last


def _add(document: Any, path: str, value: Any) -> Any:
    if path == "":
        return value
    parent, last = _parent(document, path)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and (last == "-" or (last.isdigit() and int(last) <= len(parent))):
        parent.insert(len(parent) if last == "-" else int(last), value)
    else:
        raise PatchError(f"cannot add at {path!r}")
    return document


def _remove(document: Any, path: str) -> Any:
    parent, last = _parent(document, path)
    _step(parent, last, path)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return document

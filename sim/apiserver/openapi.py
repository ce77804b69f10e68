"""A minimal OpenAPI v3 discovery: enough for kubectl to see that writes take `fieldValidation`.

kubectl create/apply first ask /openapi/v3 whether the server validates fields itself; if it cannot tell, they
validate on the client against /openapi/v2 and fail without it. Each group version's document lists, per resource,
the PATCH operation with its x-kubernetes-group-version-kind and the fieldValidation query parameter. There are no
schemas, so `kubectl explain` does not work and client-side apply computes patches from its compiled-in types.
"""

import hashlib

import msgspec

from sim.apiserver import resources as r
from sim.apiserver.resources import Obj, Resource

_QUERY = [{"name": name, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
          for name in ("dryRun", "fieldManager", "fieldValidation", "force")]  # fmt: skip


def _prefix(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _item_path(resource: Resource) -> str:
    scope = "namespaces/{namespace}/" if resource.namespaced else ""
    return f"/{_prefix(resource.group, resource.version)}/{scope}{resource.plural}/{{name}}"


def group_version(group: str, version: str) -> Obj | None:
    """GET /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>, or None if not served."""
    served = [res for res in r.ALL if res.group == group and res.version == version]
    if not served:
        return None
    paths = {_item_path(res): {"patch": {
        "operationId": f"patch{res.kind}", "parameters": _QUERY, "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": res.group, "version": res.version, "kind": res.kind},
    }} for res in served}  # fmt: skip
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.37.0"}, "paths": paths,
            "components": {"schemas": {}}}  # fmt: skip


def root() -> Obj:
    """GET /openapi/v3: where each group version's document is, with a content hash as real servers give."""
    paths: Obj = {}
    for group, versions in r.group_versions().items():
        for version in versions:
            digest = hashlib.sha512(msgspec.json.encode(group_version(group, version))).hexdigest()[:128].upper()
            paths[_prefix(group, version)] = {
                "serverRelativeURL": f"/openapi/v3/{_prefix(group, version)}?hash={digest}"
            }
    return {"paths": paths}

"""OpenAPI v2 and v3 documents describing exactly what the api serves: paths, parameters, objects and Status errors."""

import hashlib
import json
from typing import Any

from services import __version__
from services.api.discovery import KINDS, VERSIONS
from services.api.views import GROUP

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
TITLE = "Flowmeter metrics.k8s.io"


def _model(version: str, kind: str) -> str:
    return f"io.k8s.metrics.pkg.apis.metrics.{version}.{kind}"


def _definitions(ref: str) -> dict[str, Any]:
    """Every schema, with `$ref`s rooted at `ref` (#/definitions/ or #/components/schemas/)."""
    string, time = {"type": "string"}, {"type": "string", "format": "date-time"}
    usage = {"type": "object", "additionalProperties": {"$ref": ref + QUANTITY}}
    meta = {
        "type": "object",
        "properties": {
            "name": string,
            "namespace": string,
            "creationTimestamp": time,
            "labels": {"type": "object", "additionalProperties": string},
        },
    }
    definitions: dict[str, Any] = {
        QUANTITY: {"type": "string", "description": "A quantity such as 250m or 64Mi"},
        f"{META}.ObjectMeta": meta,
        f"{META}.ListMeta": {"type": "object", "properties": {"resourceVersion": string, "continue": string}},
        f"{META}.StatusDetails": {"type": "object", "properties": {"name": string, "group": string, "kind": string}},
        f"{META}.Status": {
            "type": "object",
            "properties": {
                "kind": string,
                "apiVersion": string,
                "metadata": {"$ref": ref + f"{META}.ListMeta"},
                "status": string,
                "message": string,
                "reason": string,
                "details": {"$ref": ref + f"{META}.StatusDetails"},
                "code": {"type": "integer", "format": "int32"},
            },
        },
    }
    for version in VERSIONS:
        common = {
            "kind": string,
            "apiVersion": string,
            "metadata": {"$ref": ref + f"{META}.ObjectMeta"},
            "timestamp": {**time, "nullable": True} if ref.startswith("#/components") else time,
            "window": {"type": "string", "description": "A Go duration such as 15s"},
        }
        container = {"type": "object", "required": ["name", "usage"], "properties": {"name": string, "usage": usage}}
        definitions[_model(version, "ContainerMetrics")] = container
        definitions[_model(version, "NodeMetrics")] = _kind(version, "NodeMetrics", {**common, "usage": usage}, "usage")
        containers = {"type": "array", "items": {"$ref": ref + _model(version, "ContainerMetrics")}}
        definitions[_model(version, "PodMetrics")] = _kind(
            version, "PodMetrics", {**common, "containers": containers}, "containers"
        )
        for kind in KINDS.values():
            items = {"type": "array", "items": {"$ref": ref + _model(version, kind)}}
            list_properties = {
                "kind": string,
                "apiVersion": string,
                "metadata": {"$ref": ref + f"{META}.ListMeta"},
                "items": items,
            }
            definitions[_model(version, kind + "List")] = _kind(version, kind + "List", list_properties, "items")
    return definitions


def _kind(version: str, kind: str, properties: dict[str, Any], required: str) -> dict[str, Any]:
    gvk = [{"group": GROUP, "version": version, "kind": kind}]
    return {
        "type": "object",
        "required": ["metadata", required],
        "properties": properties,
        "x-kubernetes-group-version-kind": gvk,
    }


def _operations(version: str) -> list[tuple[str, str, str, str, list[str]]]:
    """(path, operationId, action, kind, path parameters) of every operation of one version."""
    prefix, v = f"/apis/{GROUP}/{version}", version.capitalize()
    return [
        (f"{prefix}/nodes", f"listMetrics{v}NodeMetrics", "list", "NodeMetricsList", []),
        (f"{prefix}/nodes/{{name}}", f"readMetrics{v}NodeMetrics", "get", "NodeMetrics", ["name"]),
        (f"{prefix}/pods", f"listMetrics{v}PodMetricsForAllNamespaces", "list", "PodMetricsList", []),
        (
            f"{prefix}/namespaces/{{namespace}}/pods",
            f"listMetrics{v}NamespacedPodMetrics",
            "list",
            "PodMetricsList",
            ["namespace"],
        ),
        (
            f"{prefix}/namespaces/{{namespace}}/pods/{{name}}",
            f"readMetrics{v}NamespacedPodMetrics",
            "get",
            "PodMetrics",
            ["namespace", "name"],
        ),
    ]


def _parameters(action: str, names: list[str], v3: bool) -> list[dict[str, Any]]:
    def parameter(name: str, where: str, description: str) -> dict[str, Any]:
        base = {"name": name, "in": where, "description": description, "required": where == "path"}
        return {**base, "schema": {"type": "string"}} if v3 else {**base, "type": "string"}

    parameters = [parameter(name, "path", f"the {name} of the object") for name in names]
    if action == "list":
        parameters.append(parameter("labelSelector", "query", "label selector, e.g. app=web,tier in (a,b)"))
        parameters.append(parameter("fieldSelector", "query", "field selector on metadata.name or metadata.namespace"))
    return parameters


def _responses(ref: str, kind: str, version: str, v3: bool) -> dict[str, Any]:
    def body(model: str, description: str) -> dict[str, Any]:
        schema = {"$ref": ref + model}
        return (
            {"description": description, "content": {"application/json": {"schema": schema}}}
            if v3
            else {"description": description, "schema": schema}
        )

    status = f"{META}.Status"
    return {
        "200": body(_model(version, kind), "OK"),
        "400": body(status, "Bad request: an invalid selector"),
        "404": body(status, "Not found"),
        "405": body(status, "Method not supported, e.g. watch"),
    }


def _paths(ref: str, versions: tuple[str, ...], v3: bool) -> dict[str, Any]:
    paths = {}
    for version in versions:
        for path, operation_id, action, kind, names in _operations(version):
            gvk = {"group": GROUP, "version": version, "kind": kind.removesuffix("List")}
            operation = {
                "operationId": operation_id,
                "tags": [f"metrics_{version}"],
                "produces": ["application/json"],
                "parameters": _parameters(action, names, v3),
                "responses": _responses(ref, kind, version, v3),
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk,
            }
            if v3:
                del operation["produces"]
            paths[path] = {"get": operation}
    return paths


def v2() -> dict[str, Any]:
    """`/openapi/v2`: Swagger 2.0 for every served version."""
    return {
        "swagger": "2.0",
        "info": {"title": TITLE, "version": __version__},
        "paths": _paths("#/definitions/", VERSIONS, v3=False),
        "definitions": _definitions("#/definitions/"),
    }


def v3(version: str) -> dict[str, Any]:
    """`/openapi/v3/apis/metrics.k8s.io/<version>`: OpenAPI 3.0 for one group version."""
    ref = "#/components/schemas/"
    return {
        "openapi": "3.0.0",
        "info": {"title": TITLE, "version": __version__},
        "paths": _paths(ref, (version,), v3=True),
        "components": {"schemas": _definitions(ref)},
    }


def v3_index() -> dict[str, Any]:
    """`/openapi/v3`: where each group version's document is, with a content hash as kube-apiserver gives."""
    paths = {}
    for version in VERSIONS:
        digest = hashlib.sha512(json.dumps(v3(version), sort_keys=True).encode()).hexdigest()[:128]
        paths[f"apis/{GROUP}/{version}"] = {
            "serverRelativeURL": f"/openapi/v3/apis/{GROUP}/{version}?hash={digest.upper()}"
        }
    return {"paths": paths}

"""The api's HTTP surface: `build_app(source, ...)` returns the Starlette app serving metrics.k8s.io."""

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from services.api import discovery, health, views
from services.api.readmodel import NodeRow, PodRow
from services.lib import selectors

FIELDS = ("metadata.name", "metadata.namespace")
EVERYTHING = selectors.LabelSelector()  # the only field selectors the apiserver converts for us


class MetricsSource(Protocol):
    """What the HTTP layer reads: the api's read model."""

    def nodes(self, labels: selectors.LabelSelector, fields: selectors.FieldSelector) -> list[NodeRow]: ...
    def pods(
        self, namespace: str, labels: selectors.LabelSelector, fields: selectors.FieldSelector
    ) -> list[PodRow]: ...
    def knows_node(self, name: str) -> bool: ...
    def knows_pod(self, namespace: str, name: str) -> bool: ...


class ApiError(Exception):
    """An error answered as a Kubernetes Status."""

    def __init__(self, status: views.Status) -> None:
        super().__init__(status.message)
        self.status = status


def _json(document: Any, status: int = 200) -> Response:
    return Response(views.ENCODER.encode(document), status_code=status, media_type="application/json")


def _selectors(request: Request, resource: str) -> tuple[selectors.LabelSelector, selectors.FieldSelector]:
    """The request's label and field selectors; a 400 Status when either is invalid, 405 for a watch."""
    if request.query_params.get("watch", "").lower() in ("true", "1"):
        raise ApiError(
            views.status(
                405,
                "MethodNotAllowed",
                f'watch is not supported on resources of kind "{resource}.{views.GROUP}"',
                views.StatusDetails(group=views.GROUP, kind=resource),
            )
        )
    try:
        labels = selectors.parse_labels(request.query_params.get("labelSelector", ""))
        fields = selectors.parse_fields(request.query_params.get("fieldSelector", ""))
    except selectors.SelectorError as error:
        raise ApiError(views.status(400, "BadRequest", str(error))) from None
    for field in sorted(fields.fields() - set(FIELDS)):
        message = f'"{field}" is not a known field selector: only "{FIELDS[0]}", "{FIELDS[1]}"'
        raise ApiError(views.status(400, "BadRequest", message))
    return labels, fields


def _version(request: Request) -> str:
    version: str = request.path_params["version"]
    if version not in discovery.VERSIONS:
        raise HTTPException(404)
    return version


def build_app(
    source: MetricsSource,
    checks: Mapping[str, Mapping[str, health.Check]],
    node_selector: selectors.LabelSelector = EVERYTHING,
    clock: Callable[[], int] = time.time_ns,
) -> Starlette:
    """The metrics.k8s.io app over `source`; `checks` maps livez/readyz/healthz to their named checks."""

    async def list_nodes(request: Request) -> Response:
        labels, fields = _selectors(request, "nodes")
        return _json(views.node_list(source.nodes(labels & node_selector, fields), clock(), _version(request)))

    async def get_node(request: Request) -> Response:
        name, version = request.path_params["name"], _version(request)
        if not source.knows_node(name):
            raise ApiError(views.not_found("node", name))
        rows = source.nodes(EVERYTHING, selectors.parse_fields(f"metadata.name={name}"))
        if not rows:
            raise ApiError(views.not_found("nodemetrics", name, views.GROUP))
        return _json(views.node_metrics(rows[0], clock(), version))

    async def list_pods(request: Request) -> Response:
        labels, fields = _selectors(request, "pods")
        namespace = request.path_params.get("namespace", "")
        return _json(views.pod_list(source.pods(namespace, labels, fields), clock(), _version(request)))

    async def get_pod(request: Request) -> Response:
        namespace, name, version = request.path_params["namespace"], request.path_params["name"], _version(request)
        if not source.knows_pod(namespace, name):
            raise ApiError(views.not_found("pods", name))
        rows = source.pods(namespace, EVERYTHING, selectors.parse_fields(f"metadata.name={name}"))
        if not rows:
            raise ApiError(views.not_found("podmetrics", f"{namespace}/{name}", views.GROUP))
        return _json(views.pod_metrics(rows[0], clock(), version))

    async def group_version(request: Request) -> Response:
        return _json(discovery.api_resource_list(_version(request)))

    async def apis(request: Request) -> Response:
        return _json(discovery.api_group_list())

    async def group(request: Request) -> Response:
        return _json(discovery.api_group())

    def health_routes(endpoint: str) -> list[Route]:
        async def handler(request: Request) -> Response:
            status, body = health.report(
                endpoint, checks[endpoint], "verbose" in request.query_params, request.path_params.get("check")
            )
            return PlainTextResponse(body, status_code=status)

        return [Route(f"/{endpoint}", handler), Route(f"/{endpoint}/{{check}}", handler)]

    base = "/apis/metrics.k8s.io/{version}"
    routes = [
        Route("/apis", apis),
        Route("/apis/metrics.k8s.io", group),
        Route(base, group_version),
        Route(f"{base}/nodes", list_nodes),
        Route(f"{base}/nodes/{{name}}", get_node),
        Route(f"{base}/pods", list_pods),
        Route(f"{base}/namespaces/{{namespace}}/pods", list_pods),
        Route(f"{base}/namespaces/{{namespace}}/pods/{{name}}", get_pod),
    ]
    for endpoint in checks:
        routes.extend(health_routes(endpoint))
    return Starlette(routes=routes, exception_handlers={ApiError: _api_error, HTTPException: _http_error})


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return _json(error.status, error.status.code)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        return _json(
            views.status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"),
            405,
        )
    return _json(
        views.status(404, "NotFound", "the server could not find the requested resource", views.StatusDetails()), 404
    )

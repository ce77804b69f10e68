"""The api's HTTP surface: `build_app(source, ...)` returns the Starlette app serving metrics.k8s.io."""

import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services import __version__
from services.api import discovery, openapi, tables, views
from services.api.readmodel import NodeRow, PodRow
from services.api.telemetry import Telemetry
from services.lib import health, selectors

FIELDS = ("metadata.name", "metadata.namespace")  # the only field selectors the apiserver converts for us
EVERYTHING = selectors.LabelSelector()
VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
Handler = Callable[[Request], Awaitable[Response]]


class MetricsSource(Protocol):
    """What the HTTP layer reads: the api's read model."""

    def nodes(self, labels: selectors.LabelSelector, fields: selectors.FieldSelector, now_ns: int) -> list[NodeRow]: ...
    def pods(
        self, namespace: str, labels: selectors.LabelSelector, fields: selectors.FieldSelector, now_ns: int
    ) -> list[PodRow]: ...
    def knows_node(self, name: str) -> bool: ...
    def knows_pod(self, namespace: str, name: str) -> bool: ...


class ApiError(Exception):
    """An error answered as a Kubernetes Status."""

    def __init__(self, status: views.Status) -> None:
        super().__init__(status.message)
        self.status = status


def _json(document: Any, status: int = 200, media_type: str = "application/json") -> Response:
    return Response(views.ENCODER.encode(document), status_code=status, media_type=media_type)


def _not_supported(action: str, resource: str) -> ApiError:
    message = f'{action} is not supported on resources of kind "{resource}.{views.GROUP}"'
    return ApiError(
        views.status(405, "MethodNotAllowed", message, views.StatusDetails(group=views.GROUP, kind=resource))
    )


def _selectors(request: Request, resource: str) -> tuple[selectors.LabelSelector, selectors.FieldSelector]:
    """The request's label and field selectors; a 400 Status when either is invalid, 405 for a watch."""
    if request.query_params.get("watch", "").lower() in ("true", "1"):
        raise _not_supported("watch", resource)
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


def _named(name: str) -> selectors.FieldSelector:
    return selectors.FieldSelector((("metadata.name", "=", name),))


def _resource(path: str, resource: str, handler: Handler) -> Route:
    """A route that serves GET and answers every other verb with upstream's 405 Status."""

    async def endpoint(request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            return await handler(request)
        action = VERBS.get(request.method, request.method.lower())
        if action == "delete" and "name" not in request.path_params:
            action = "deletecollection"
        raise _not_supported(action, resource)

    return Route(path, endpoint, methods=["GET", "HEAD", *VERBS])


def build_app(
    source: MetricsSource,
    checks: health.Checks,
    telemetry: Telemetry,
    node_selector: selectors.LabelSelector = EVERYTHING,
    clock: Callable[[], int] = time.time_ns,
) -> Starlette:
    """The metrics.k8s.io app over `source`; `checks` maps livez/readyz/healthz to their named checks."""

    def table(request: Request, now: int, timestamps: list[int]) -> tables.TableRequest | None:
        """The Table the request asks for, if any, after recording the freshness of what it serves."""
        telemetry.observe(now, timestamps)
        return tables.wanted(request.headers.get("accept", ""), request.query_params.get("includeObject", ""))

    def respond_nodes(request: Request, now: int, rows: list[NodeRow], single: bool) -> Response:
        version, wanted = _version(request), table(request, now, [row.usage.timestamp_ns for row in rows])
        if wanted is not None:
            return _json(tables.nodes(wanted, rows, now, version))
        return _json(views.node_metrics(rows[0], now, version) if single else views.node_list(rows, now, version))

    def respond_pods(request: Request, now: int, rows: list[PodRow], single: bool) -> Response:
        version, wanted = _version(request), table(request, now, [row.usage.timestamp_ns for row in rows])
        if wanted is not None:
            return _json(tables.pods(wanted, rows, now, version))
        return _json(views.pod_metrics(rows[0], now, version) if single else views.pod_list(rows, now, version))

    async def list_nodes(request: Request) -> Response:
        labels, fields = _selectors(request, "nodes")
        now = clock()
        return respond_nodes(request, now, source.nodes(labels & node_selector, fields, now), single=False)

    async def get_node(request: Request) -> Response:
        name, now = request.path_params["name"], clock()
        _selectors(request, "nodes")
        if not source.knows_node(name):
            raise ApiError(views.not_found("node", name))
        rows = source.nodes(EVERYTHING, _named(name), now)
        if not rows:
            raise ApiError(views.not_found("nodemetrics", name, views.GROUP))
        return respond_nodes(request, now, rows, single=True)

    async def list_pods(request: Request) -> Response:
        labels, fields = _selectors(request, "pods")
        now = clock()
        rows = source.pods(request.path_params.get("namespace", ""), labels, fields, now)
        return respond_pods(request, now, rows, single=False)

    async def get_pod(request: Request) -> Response:
        namespace, name, now = request.path_params["namespace"], request.path_params["name"], clock()
        _selectors(request, "pods")
        if not source.knows_pod(namespace, name):
            raise ApiError(views.not_found("pods", name))
        rows = source.pods(namespace, EVERYTHING, _named(name), now)
        if not rows:
            raise ApiError(views.not_found("podmetrics", f"{namespace}/{name}", views.GROUP))
        return respond_pods(request, now, rows, single=True)

    base = "/apis/metrics.k8s.io/{version}"
    routes = [
        *_documents(),
        _resource(f"{base}/nodes", "nodes", list_nodes),
        _resource(f"{base}/nodes/{{name}}", "nodes", get_node),
        _resource(f"{base}/pods", "pods", list_pods),
        _resource(f"{base}/namespaces/{{namespace}}/pods", "pods", list_pods),
        _resource(f"{base}/namespaces/{{namespace}}/pods/{{name}}", "pods", get_pod),
        *health.routes(checks, telemetry.registry),
    ]
    return Starlette(routes=routes, exception_handlers={ApiError: _api_error, HTTPException: _http_error})


def _documents() -> list[Route]:
    """Discovery, OpenAPI and version documents."""

    async def apis(request: Request) -> Response:
        if discovery.wants_aggregated(request.headers.get("accept", "")):
            return _json(discovery.aggregated(), media_type=discovery.AGGREGATED)
        return _json(discovery.api_group_list())

    async def group(request: Request) -> Response:
        return _json(discovery.api_group())

    async def group_version(request: Request) -> Response:
        return _json(discovery.api_resource_list(_version(request)))

    async def openapi_v2(request: Request) -> Response:
        return _json(openapi.v2())

    async def openapi_v3(request: Request) -> Response:
        return _json(openapi.v3_index())

    async def openapi_v3_group(request: Request) -> Response:
        return _json(openapi.v3(_version(request)))

    async def version(request: Request) -> Response:
        return _json(
            {
                "major": "1",
                "minor": "37",
                "gitVersion": f"v{__version__}-flowmeter",
                "gitCommit": "",
                "gitTreeState": "clean",
                "buildDate": "",
                "goVersion": "",
                "compiler": "cpython",
                "platform": "linux/amd64",
            }
        )

    return [
        Route("/apis", apis),
        Route("/apis/metrics.k8s.io", group),
        Route("/apis/metrics.k8s.io/{version}", group_version),
        Route("/openapi/v2", openapi_v2),
        Route("/openapi/v3", openapi_v3),
        Route("/openapi/v3/apis/metrics.k8s.io/{version}", openapi_v3_group),
        Route("/version", version),
    ]


async def _api_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ApiError)
    return _json(error.status, error.status.code)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        message = "the server does not allow this method on the requested resource"
        return _json(views.status(405, "MethodNotAllowed", message), 405)
    message = "the server could not find the requested resource"
    return _json(views.status(404, "NotFound", message, views.StatusDetails()), 404)

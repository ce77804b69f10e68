"""The Starlette application: authentication and authorization (`auth`), dispatch of resource verbs and reviews, the
aggregation proxy, Status errors."""

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sim.apiserver import auth, authn, discovery, errors, listing, negotiate, openapi, requestinfo, reviews
from sim.apiserver import resources as r
from sim.apiserver.handlers import Reads, respond
from sim.apiserver.proxy import PREFIX, Proxy
from sim.apiserver.registry import decode
from sim.apiserver.writes import Writes

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
_encoder = msgspec.json.Encoder()


class Api:
    """Every endpoint, closed over the read and write handlers, the optional metrics proxy and authn/authz."""

    def __init__(self, reads: Reads, writes: Writes, proxy: Proxy | None, guard: auth.Auth) -> None:
        self.reads, self.writes, self.proxy, self.guard = reads, writes, proxy, guard

    async def handle(self, request: Request) -> Response:
        """Resolve, authenticate, authorize, then answer or forward the request.

        Requests for the aggregated metrics API are authorized here too, as kube-apiserver's filters run before its
        aggregator, then forwarded with the caller's identity; the metrics API server authorizes them again itself.
        """
        info = requestinfo.resolve(request.method, request.url.path, request.query_params)
        user = self.guard.authenticate(request)
        self.guard.authorize(user, info, request.query_params)
        if request.url.path.startswith(PREFIX) and self.proxy is not None:
            return await self.proxy.forward(request, user)
        if not info.is_resource:
            return self.non_resource(info, request.headers.get("accept", ""))
        return await self.resource(request, info, user)

    def non_resource(self, info: requestinfo.RequestInfo, accept: str = "") -> Response:
        """Discovery documents, /version and the health endpoints."""
        path = info.path.rstrip("/") or "/"
        if path in ("/healthz", "/livez", "/readyz"):
            return PlainTextResponse("ok")
        if path in ("/api", "/apis") and negotiate.aggregated_discovery(accept):
            body = _encoder.encode(discovery.aggregated(path, self.proxy is not None))
            return Response(body, media_type=discovery.AGGREGATED, headers={"Vary": "Accept"})
        parts = path.strip("/").split("/")
        document = {
            "/version": discovery.version, "/api": lambda: discovery.core_versions(""),
            "/apis": lambda: discovery.group_list(self.proxy is not None),
        }.get(path, lambda: None)()  # fmt: skip
        if document is None and parts[0] == "openapi" and parts[1:2] == ["v3"]:
            document = openapi.root() if len(parts) == 2 else openapi.group_version(*_group_version(parts[2:]))
        elif document is None and parts[0] == "apis" and len(parts) == 2:
            document = discovery.group(parts[1], self.proxy is not None)
        elif document is None and len(parts) in (2, 3) and parts[0] in ("api", "apis"):
            document = discovery.resource_list("" if parts[0] == "api" else parts[1], parts[-1])
        if document is None:
            raise errors.no_such_path()
        return respond(document)

    async def resource(self, request: Request, info: requestinfo.RequestInfo, user: authn.User) -> Response:
        """A verb on a resource collection, object or subresource."""
        resource = r.lookup(info.group, info.version, info.resource)
        if resource is None:
            raise errors.no_such_path()
        verb = info.verb
        if resource.review:
            return await self.review(request, resource, info, user)
        if verb in ("get", "list", "watch"):
            output = negotiate.choose(request.headers.get("accept", ""))
            options = listing.parse(resource, request.query_params)
            if verb == "get":
                return self.reads.get(resource, info, output, options.include)
            if info.subresource:
                raise errors.no_such_path()
            return (self.reads.list_items if verb == "list" else self.reads.watch_items)(
                resource, info, output, options
            )
        writes = self.writes
        handler = {"create": writes.create, "update": writes.update, "patch": writes.patch, "delete": writes.delete,
                   "deletecollection": writes.delete_collection}.get(verb)  # fmt: skip
        if handler is None:
            raise errors.method_not_supported(resource, verb)
        if request.query_params.get("dryRun"):  # refuse rather than persist what the client meant as a trial
            raise errors.bad_request("dryRun is not supported by the simulated API server")
        return await handler(request, resource, info)

    async def review(
        self, request: Request, resource: r.Resource, info: requestinfo.RequestInfo, user: authn.User
    ) -> Response:
        """POST of a TokenReview, SubjectAccessReview or kin: 201 with the answer; nothing is stored."""
        if info.verb != "create" or info.subresource:
            raise errors.method_not_supported(resource, info.verb)
        body = decode(await request.body(), request.headers.get("content-type", ""))
        guard = self.guard
        return respond(reviews.answer(resource, body, user, info.namespace, guard.policy, guard.tokens), 201)


def _group_version(parts: list[str]) -> tuple[str, str]:
    """(group, version) of ['api', 'v1'] or ['apis', group, version]; ('', '') for anything else."""
    if parts[:1] == ["api"] and len(parts) == 2:
        return "", parts[1]
    return (parts[1], parts[2]) if parts[:1] == ["apis"] and len(parts) == 3 else ("", "")


async def _status(request: Request, error: Exception) -> Response:
    del request
    assert isinstance(error, errors.ApiError)
    return respond(error.status(), error.code)


def build_app(api: Api) -> Starlette:
    """The ASGI app: every path goes through Api.handle."""
    routes = [Route("/{path:path}", api.handle, methods=METHODS)]
    return Starlette(routes=routes, exception_handlers={errors.ApiError: _status})

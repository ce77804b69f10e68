"""The write verbs of resource endpoints: create (POST), update (PUT), patch (PATCH) and delete (DELETE)."""

from starlette.requests import Request
from starlette.responses import Response

from sim.apiserver import errors
from sim.apiserver.handlers import respond
from sim.apiserver.registry import Registry, decode
from sim.apiserver.requestinfo import RequestInfo
from sim.apiserver.resources import Resource


class Writes:
    """Write endpoints in front of the registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def create(self, request: Request, resource: Resource, info: RequestInfo) -> Response:
        """POST to a collection: 201 with the stored object."""
        if info.subresource:
            raise errors.method_not_supported(resource, "create")
        created = self.registry.create(
            resource, info.namespace, decode(await request.body(), request.headers.get("content-type", ""))
        )
        return respond(created, 201)

    async def update(self, request: Request, resource: Resource, info: RequestInfo) -> Response:
        """PUT of an object or subresource: 200 with the stored state."""
        body = decode(await request.body(), request.headers.get("content-type", ""))
        return respond(self.registry.update(resource, info.namespace, info.name, body, info.subresource))

    async def patch(self, request: Request, resource: Resource, info: RequestInfo) -> Response:
        """PATCH of an object or subresource in any of the three patch formats."""
        kind = request.headers.get("content-type", "")
        body = await request.body()
        return respond(self.registry.patch(resource, info.namespace, info.name, kind, body, info.subresource))

    async def delete(self, request: Request, resource: Resource, info: RequestInfo) -> Response:
        """DELETE of an object: 200 with its last state."""
        del request  # DeleteOptions (grace period, propagation) are accepted and ignored: deletion is immediate
        if info.subresource:
            raise errors.method_not_supported(resource, "delete")
        return respond(self.registry.delete(resource, info.namespace, info.name))

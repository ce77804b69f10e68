"""The write verbs of resource endpoints: create (POST), update (PUT), patch (PATCH), delete and deletecollection
(DELETE). Bodies may be JSON or Kubernetes protobuf; answers are JSON."""

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sim.apiserver import errors, listing
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
        """DELETE of an object: 200 with its last state, or with the pod marked Terminating.

        DeleteOptions' gracePeriodSeconds is honoured (body or query); propagation policy and preconditions are not.
        """
        if info.subresource:
            raise errors.method_not_supported(resource, "delete")
        body = await request.body()
        options = decode(body, request.headers.get("content-type", "")) if body.strip() else {}
        grace = grace_period(options, request.query_params)
        return respond(self.registry.delete(resource, info.namespace, info.name, grace))

    async def delete_collection(self, request: Request, resource: Resource, info: RequestInfo) -> Response:
        """DELETE of a collection: every object its label and field selectors match, answered as a list of them."""
        options = listing.parse(resource, request.query_params)
        namespace = info.namespace if resource.namespaced and info.namespace else None
        items = self.registry.delete_collection(resource, namespace, options)
        return respond({"kind": f"{resource.kind}List", "apiVersion": resource.api_version,
                        "metadata": {"resourceVersion": str(self.registry.store.rv)}, "items": items})  # fmt: skip


def grace_period(options: Any, query: Mapping[str, str]) -> int | None:
    """DeleteOptions.gracePeriodSeconds from the body, else the query; None when unset. ApiError 400 if not a number."""
    value = options.get("gracePeriodSeconds") if isinstance(options, dict) else None
    if value is None:
        value = query.get("gracePeriodSeconds")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    raise errors.bad_request(f"invalid gracePeriodSeconds {value!r}: must be an integer")

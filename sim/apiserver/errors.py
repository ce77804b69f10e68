"""Kubernetes `Status` errors with the reasons, codes, messages and details kube-apiserver uses."""

import json
from dataclasses import dataclass

from sim.apiserver.resources import Obj, Resource


class ApiError(Exception):
    """An error answered as a Kubernetes Status object."""

    def __init__(self, code: int, reason: str, message: str, details: Obj | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> Obj:
        """The Status body."""
        body: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": self.message, "reason": self.reason}  # fmt: skip
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(resource: Resource, name: str) -> Obj:
    details: Obj = {"name": name}
    if resource.group:
        details["group"] = resource.group
    details["kind"] = resource.plural
    return details


def not_found(resource: Resource, name: str) -> ApiError:
    """404 for a missing object, e.g. `pods "x" not found`."""
    return ApiError(404, "NotFound", f'{resource.qualified} "{name}" not found', _details(resource, name))


def no_such_path() -> ApiError:
    """404 for a path that names no resource."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: Resource, name: str) -> ApiError:
    """409 for a create whose name is taken."""
    return ApiError(409, "AlreadyExists", f'{resource.qualified} "{name}" already exists', _details(resource, name))


def conflict(resource: Resource, name: str) -> ApiError:
    """409 for a write against a stale resourceVersion."""
    message = (f'Operation cannot be fulfilled on {resource.qualified} "{name}": the object has been modified; '
               "please apply your changes to the latest version and try again")  # fmt: skip
    return ApiError(409, "Conflict", message, _details(resource, name))


@dataclass(frozen=True)
class Cause:
    """One field error of a 422, as k8s.io/apimachinery's field.Error renders it."""

    reason: str  # FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueForbidden
    field: str  # e.g. spec.metrics[0].resource.target.averageUtilization
    message: str  # the error body, e.g. 'Invalid value: 0: must be greater than 0'

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def go_value(value: object) -> str:
    """A bad value as field.Error prints it: numbers and booleans bare, strings quoted, nil as null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else json.dumps(str(value))


def field_invalid(field: str, value: object, detail: str) -> Cause:
    """field.Invalid."""
    return Cause("FieldValueInvalid", field, f"Invalid value: {go_value(value)}: {detail}")


def field_required(field: str, detail: str = "") -> Cause:
    """field.Required."""
    return Cause("FieldValueRequired", field, f"Required value: {detail}" if detail else "Required value")


def field_forbidden(field: str, detail: str) -> Cause:
    """field.Forbidden."""
    return Cause("FieldValueForbidden", field, f"Forbidden: {detail}")


def field_not_supported(field: str, value: object, supported: tuple[str, ...]) -> Cause:
    """field.NotSupported, the supported values quoted and sorted as given."""
    return Cause("FieldValueNotSupported", field, f"Unsupported value: {go_value(value)}: supported values: "
                 + ", ".join(json.dumps(option) for option in supported))  # fmt: skip


def invalid_object(kind: str, group: str, name: str, causes: list[Cause]) -> ApiError:
    """422 with every cause; the message aggregates them as errors.NewInvalid does (duplicates once)."""
    texts = list(dict.fromkeys(str(cause) for cause in causes))
    aggregate = texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"
    qualified = f"{kind}.{group}" if group else kind
    details: Obj = {"name": name, **({"group": group} if group else {}), "kind": kind, "causes": [
        {"reason": c.reason, "message": c.message, "field": c.field} for c in causes]}  # fmt: skip
    return ApiError(422, "Invalid", f'{qualified} "{name}" is invalid: {aggregate}', details)


def invalid(resource: Resource, name: str, field: str, detail: str) -> ApiError:
    """422 for an object that fails validation on one field; detail is the error body."""
    reason = "FieldValueRequired" if detail.startswith("Required value") else "FieldValueInvalid"
    return invalid_object(resource.kind, resource.group, name, [Cause(reason, field, detail)])


def bad_request(message: str) -> ApiError:
    """400 for a malformed request."""
    return ApiError(400, "BadRequest", message)


def method_not_supported(resource: Resource, verb: str) -> ApiError:
    """405 for a verb the resource does not serve."""
    details = {"group": resource.group, "kind": resource.plural} if resource.group else {"kind": resource.plural}
    return ApiError(405, "MethodNotAllowed", f'{verb} is not supported on resources of kind "{resource.qualified}"',
                    details)  # fmt: skip


def unsupported_media_type(accepted: tuple[str, ...]) -> ApiError:
    """415 for a body in a format the endpoint does not take."""
    message = "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted)
    return ApiError(415, "UnsupportedMediaType", message)


def not_acceptable() -> ApiError:
    """406 when the client accepts no media type the server can produce."""
    message = "only the following media types are accepted: application/json"
    return ApiError(406, "NotAcceptable", message)


def expired(message: str) -> ApiError:
    """410 for a watch resuming from a resourceVersion older than the retained history."""
    return ApiError(410, "Expired", message)


def service_unavailable() -> ApiError:
    """503 when an aggregated API server cannot be reached."""
    return ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request")


def unauthorized() -> ApiError:
    """401 for missing or invalid credentials; kubectl says `You must be logged in to the server (Unauthorized)`."""
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(group: str, resource: str, name: str, message: str) -> ApiError:
    """403 as kube's NewForbidden builds it: `pods is forbidden: <message>`, or `forbidden: ...` for a path."""
    qualified = f"{resource}.{group}" if group else resource
    if not resource:
        text = f"forbidden: {message}"
    else:
        text = f'{qualified} "{name}" is forbidden: {message}' if name else f"{qualified} is forbidden: {message}"
    details: Obj = {**({"name": name} if name else {}), **({"group": group} if group else {}),
                    **({"kind": resource} if resource else {})}  # fmt: skip
    return ApiError(403, "Forbidden", text, details)

"""Kubernetes `Status` errors with the reasons, codes, messages and details kube-apiserver uses."""

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


def invalid(resource: Resource, name: str, field: str, detail: str) -> ApiError:
    """422 for an object that fails validation."""
    message = f'{resource.kind}{"." + resource.group if resource.group else ""} "{name}" is invalid: {field}: {detail}'
    details = {**_details(resource, name), "kind": resource.kind, "causes": [
        {"reason": "FieldValueInvalid", "message": detail, "field": field}]}  # fmt: skip
    return ApiError(422, "Invalid", message, details)


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

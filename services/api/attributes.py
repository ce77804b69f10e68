"""What a request asks to do, in the terms of a SubjectAccessReview (pure)."""

from dataclasses import dataclass

from services.api.views import GROUP

WRITE_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass(frozen=True)
class Attributes:
    """A resource request (resource set) or a non-resource request (path only)."""

    verb: str
    path: str
    resource: str = ""
    namespace: str = ""
    name: str = ""
    version: str = ""

    @property
    def is_resource(self) -> bool:
        return bool(self.resource)

    def review(self) -> dict[str, object]:
        """The resourceAttributes or nonResourceAttributes of a SubjectAccessReview spec."""
        if not self.is_resource:
            return {"nonResourceAttributes": {"path": self.path, "verb": self.verb}}
        attributes = {"verb": self.verb, "group": GROUP, "version": self.version, "resource": self.resource,
                      "namespace": self.namespace, "name": self.name}  # fmt: skip
        return {"resourceAttributes": {k: v for k, v in attributes.items() if v}}


def of(method: str, path: str, watch: bool) -> Attributes:
    """The attributes of a request to this server."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 4 or parts[:2] != ["apis", GROUP]:
        return Attributes(verb="get" if method in ("GET", "HEAD") else method.lower(), path=path)
    version, rest = parts[2], parts[3:]
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource, name = rest[0], rest[1] if len(rest) > 1 else ""
    if method in ("GET", "HEAD"):
        verb = "get" if name else "watch" if watch else "list"
    else:
        verb = WRITE_VERBS.get(method, method.lower())
        verb = "deletecollection" if verb == "delete" and not name else verb
    return Attributes(verb, path, resource, namespace, name, version)


def forbidden_message(user: str, attributes: Attributes, reason: str) -> str:
    """kube-apiserver's wording for a denied request."""
    if not attributes.is_resource:
        message = f'forbidden: User "{user}" cannot {attributes.verb} path "{attributes.path}"'
    else:
        subject = (
            f'{attributes.resource}.{GROUP} "{attributes.name}"'
            if attributes.name
            else f"{attributes.resource}.{GROUP}"
        )
        where = f'in the namespace "{attributes.namespace}"' if attributes.namespace else "at the cluster scope"
        message = (f'{subject} is forbidden: User "{user}" cannot {attributes.verb} resource "{attributes.resource}" '
                   f'in API group "{GROUP}" {where}')  # fmt: skip
    return f"{message}: {reason}" if reason else message

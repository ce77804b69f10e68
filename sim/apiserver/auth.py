"""Who is asking and whether they may, as kube-apiserver's authentication, impersonation and authorization filters
decide before any handler runs: a verified client certificate or a static token (`authn`), then `Impersonate-*`
headers (`impersonation`), then RBAC over the Roles, ClusterRoles and bindings in the store (`rbac`).

Missing or bad credentials are 401 (anonymous callers only reach the public health and version paths). A request
RBAC does not allow is 403 with kube's message.
"""

from collections.abc import Iterable, Mapping

from starlette.requests import Request

from services.lib import selectors
from sim import identities
from sim.apiserver import authn, errors, impersonation, rbac, tlspeer
from sim.apiserver import resources as r
from sim.apiserver.requestinfo import RequestInfo
from sim.apiserver.resources import Obj
from sim.apiserver.store import Store


class StorePolicy:
    """The RBAC objects as stored right now (rbac.Policy)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def cluster_role(self, name: str) -> Obj | None:
        return self.store.get(r.CLUSTER_ROLES, "", name)

    def role(self, namespace: str, name: str) -> Obj | None:
        return self.store.get(r.ROLES, namespace, name)

    def cluster_role_bindings(self) -> Iterable[Obj]:
        return self.store.collections[r.CLUSTER_ROLE_BINDINGS].scan(None)

    def role_bindings(self, namespace: str) -> Iterable[Obj]:
        return self.store.collections[r.ROLE_BINDINGS].scan(namespace)


def attributes(info: RequestInfo, query: Mapping[str, str]) -> rbac.Attributes:
    """What RBAC decides on; a list or watch narrowed to one metadata.name is about that name, as in kube."""
    if not info.is_resource:
        return rbac.Attributes(verb=info.verb, resource_request=False, path=info.path)
    name = info.name
    if not name and info.verb in ("list", "watch"):
        try:
            name = selectors.parse_fields(query.get("fieldSelector", "")).value("metadata.name") or ""
        except selectors.SelectorError:
            name = ""  # the handler answers the bad selector
    return rbac.Attributes(verb=info.verb, path=info.path, group=info.group, version=info.version,
                           namespace=info.namespace, resource=info.resource, subresource=info.subresource,
                           name=name)  # fmt: skip


class Auth:
    """The authenticators' token table and the authorizer's view of the store."""

    def __init__(self, tokens: Mapping[str, identities.Identity], store: Store) -> None:
        self.tokens, self.policy = tokens, StorePolicy(store)

    def authenticate(self, request: Request) -> authn.User:
        """The caller, or the user it impersonates; ApiError 401 for bad credentials, 403 for refused impersonation."""
        subject = request.scope.get("state", {}).get(tlspeer.SUBJECT)
        try:
            user = authn.authenticate(request.headers.get("authorization", ""), subject, request.url.path, self.tokens)
        except authn.Unauthenticated:
            raise errors.unauthorized() from None
        wanted = impersonation.requested(request.headers.items())
        if wanted is None:
            return user
        for asked in impersonation.checks(wanted):
            self.check(user, asked)
        return impersonation.as_user(wanted)

    def authorize(self, user: authn.User, info: RequestInfo, query: Mapping[str, str]) -> None:
        """Return if RBAC allows the request; ApiError 403 otherwise."""
        self.check(user, attributes(info, query))

    def check(self, user: authn.User, asked: rbac.Attributes) -> None:
        """Return if RBAC allows; ApiError 403 otherwise."""
        if rbac.decide(user, asked, self.policy)[0]:
            return
        resource = asked.resource if asked.resource_request else ""
        raise errors.forbidden(asked.group, resource, asked.name, rbac.forbidden_message(user.name, asked))

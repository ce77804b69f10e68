"""A kubelet's authentication and authorization in webhook mode, the parts that need no I/O (pure).

As pkg/kubelet/server/auth.go: a client certificate verified against the cluster CA names the user (CN, O groups);
else a bearer token is checked by TokenReview; no credentials is 401 (anonymous auth off, as kubeadm sets it). The
user then needs a SubjectAccessReview allowing the verb (GET get, POST create, PUT update, PATCH patch, DELETE
delete, anything else -- HEAD too -- the empty verb) on `nodes/<subresource>` named after the node, where the
subresource follows the path: /metrics... -> metrics, /stats... -> stats, /logs... -> log, else proxy. Refusals are
kubelet's plain-text bodies. Answers are remembered for a while (`Expiring`), as the webhook caches do.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from sim.kubelets import httpserver

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
UNAUTHORIZED = httpserver.Response(status=401, body=b"Unauthorized")
_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
_SUBRESOURCES = (("/stats", "stats"), ("/metrics", "metrics"), ("/logs", "log"), ("/spec", "spec"),
                 ("/checkpoint", "checkpoint"), ("/configz", "configz"), ("/healthz", "healthz"))  # fmt: skip


@dataclass(frozen=True)
class User:
    """Who a TokenReview or a client certificate says is asking."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""


@dataclass(frozen=True)
class Attributes:
    """What the request asks of the node, as a SubjectAccessReview's resourceAttributes carry it."""

    verb: str
    subresource: str
    node: str

    def review(self, user: User) -> dict[str, object]:
        """The SubjectAccessReview spec for this request by this user."""
        resource = {"verb": self.verb, "version": "v1", "resource": "nodes", "subresource": self.subresource,
                    "name": self.node}  # fmt: skip
        return {"resourceAttributes": resource, "user": user.name, "groups": list(user.groups), "uid": user.uid}


def attributes(method: str, path: str, node: str) -> Attributes:
    """The SubjectAccessReview attributes of a request to the node's kubelet."""
    subresource = next((sub for prefix, sub in _SUBRESOURCES if path == prefix or path.startswith(prefix + "/")),
                       "proxy")  # fmt: skip
    return Attributes(_VERBS.get(method, ""), subresource, node)


def from_certificate(peer: httpserver.Peer | None) -> User | None:
    """The user a verified client certificate names, if the connection has one."""
    if peer is None or not peer[0]:
        return None
    return User(peer[0], peer[1])


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def forbidden(user: User, asked: Attributes) -> httpserver.Response:
    """403 with the kubelet's message."""
    message = (f"Forbidden (user={user.name}, verb={asked.verb}, resource=nodes, "
               f"subresource={asked.subresource})")  # fmt: skip
    return httpserver.Response(status=403, body=message.encode())


def review_failed(user: User, asked: Attributes) -> httpserver.Response:
    """500 when the SubjectAccessReview could not be made."""
    message = (f"Authorization error (user={user.name}, verb={asked.verb}, resource=nodes, "
               f"subresource={asked.subresource})")  # fmt: skip
    return httpserver.Response(status=500, body=message.encode())


class Expiring(Generic[K, V]):
    """Answers kept until their own expiry time; expired ones are swept once the table doubles in size."""

    def __init__(self) -> None:
        self._entries: dict[K, tuple[float, V]] = {}
        self._sweep_at = 1024

    def get(self, key: K, now: float) -> tuple[bool, V | None]:
        """(found, value): found is False when absent or expired."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return False, None
        return True, entry[1]

    def put(self, key: K, value: V, now: float, ttl: float) -> None:
        """Remember a value for ttl seconds."""
        self._entries[key] = (now + ttl, value)
        if len(self._entries) >= self._sweep_at:
            self._entries = {k: entry for k, entry in self._entries.items() if entry[0] > now}
            self._sweep_at = max(1024, 2 * len(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

"""Authentication and authorization in front of the metrics API, as an aggregated API server does it.

Authentication: the front proxy's certificate (then its X-Remote-* headers), a client certificate, a bearer token by
TokenReview, else anonymous. Authorization: always-allowed paths, `system:masters`, else a SubjectAccessReview.
Both reviews are cached for their TTLs. Failures are Kubernetes Status responses: 401 or 403.
"""

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import msgspec
from cryptography import x509
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api import attributes, identity, views
from services.lib import web

Review = Callable[[str, dict[str, object]], Awaitable[dict[str, object]]]  # (path, body) -> status of the review


@dataclass(frozen=True)
class Settings:
    """Who is trusted, and for how long answers are remembered."""

    proxy: identity.ProxySettings
    proxy_cas: tuple[x509.Certificate, ...]
    client_cas: tuple[x509.Certificate, ...]
    always_allow: tuple[str, ...]
    token_ttl: float
    allowed_ttl: float
    denied_ttl: float


class ReviewUnavailable(Exception):
    """The Kubernetes API could not answer a review."""


class Denied(Exception):
    def __init__(self, status: views.Status) -> None:
        super().__init__(status.message)
        self.status = status


UNAUTHORIZED = views.status(401, "Unauthorized", "Unauthorized")
UNAVAILABLE = views.status(
    500, "InternalError", "an error on the server has prevented the request from being authorized"
)


class Gate:
    """ASGI middleware: authenticate, authorize, then pass the request on."""

    def __init__(self, app: ASGIApp, settings: Settings, peers: web.PeerCertificates, review: Review) -> None:
        self.app, self.settings, self.peers, self.review = app, settings, peers, review
        self._tokens: dict[str, tuple[float, identity.User | None]] = {}
        self._decisions: dict[tuple[object, ...], tuple[float, bool, str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        try:
            user = await self.authenticate(scope, headers)
            await self.authorize(user, scope)
        except Denied as denied:
            body = views.ENCODER.encode(denied.status)
            response = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": denied.status.code, "headers": response})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    async def authenticate(self, scope: Scope, headers: Sequence[tuple[str, str]]) -> identity.User:
        client = scope.get("client")
        der = self.peers.get((client[0], client[1])) if client else None
        if der is not None:
            cert = x509.load_der_x509_certificate(der)
            if identity.signed_by(cert, self.settings.proxy_cas):
                if not identity.is_allowed_proxy(cert, self.settings.proxy):
                    raise Denied(UNAUTHORIZED)
                return identity.from_headers(headers, self.settings.proxy) or identity.ANONYMOUS
            if identity.signed_by(cert, self.settings.client_cas):
                return identity.from_client_certificate(cert)
        token = identity.bearer_token(headers)
        if token is not None:
            user = await self._token_user(token)
            if user is None:
                raise Denied(UNAUTHORIZED)
            return user
        return identity.ANONYMOUS

    async def _token_user(self, token: str) -> identity.User | None:
        now = time.monotonic()
        cached = self._tokens.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            status = await self.review("/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": token}})
        except ReviewUnavailable:
            raise Denied(UNAUTHORIZED) from None
        user = _user(status) if status.get("authenticated") else None
        self._tokens[token] = (now + self.settings.token_ttl, user)
        return user

    async def authorize(self, user: identity.User, scope: Scope) -> None:
        path = scope["path"]
        if any(path == p or (p.endswith("*") and path.startswith(p[:-1])) for p in self.settings.always_allow):
            return
        if "system:masters" in user.groups:
            return
        watch = (
            "watch=true" in scope.get("query_string", b"").decode()
            or "watch=1" in scope.get("query_string", b"").decode()
        )
        asked = attributes.of(scope["method"], path, watch)
        key = (user.name, user.groups, user.uid, tuple(sorted(user.extra.items())), asked)
        now = time.monotonic()
        cached = self._decisions.get(key)
        if cached is None or cached[0] <= now:
            spec = {"user": user.name, "groups": list(user.groups), "uid": user.uid,
                    "extra": {k: list(v) for k, v in user.extra.items()}, **asked.review()}  # fmt: skip
            try:
                status = await self.review("/apis/authorization.k8s.io/v1/subjectaccessreviews", {"spec": spec})
            except ReviewUnavailable:
                raise Denied(UNAVAILABLE) from None
            allowed = bool(status.get("allowed")) and not status.get("denied")
            ttl = self.settings.allowed_ttl if allowed else self.settings.denied_ttl
            cached = (now + ttl, allowed, str(status.get("reason", "")))
            self._decisions[key] = cached
        if not cached[1]:
            message = attributes.forbidden_message(user.name, asked, cached[2])
            details = views.StatusDetails(
                name=asked.name, group=views.GROUP if asked.is_resource else "", kind=asked.resource
            )
            raise Denied(views.status(403, "Forbidden", message, details))


def _user(status: dict[str, object]) -> identity.User:
    found = status.get("user")
    user = msgspec.convert(found if isinstance(found, dict) else {}, type=_ReviewedUser)
    return identity.User(user.username, tuple(user.groups), user.uid, {k: tuple(v) for k, v in user.extra.items()})


class _ReviewedUser(msgspec.Struct):
    username: str = ""
    uid: str = ""
    groups: list[str] = []
    extra: dict[str, list[str]] = {}

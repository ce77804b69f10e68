"""Every node's kubelet asks the control plane who a bearer token is (TokenReview) and whether that user may use the
node's API (SubjectAccessReview), and remembers the answers as a kubelet's webhook caches do.

A request whose answers are cached is let through or refused at once (no task); otherwise one review per token and
per (user, request) is in flight however many scrapes wait for it. A review that fails is not remembered: an
authentication failure is 401, an authorization failure 500, as a kubelet answers.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import msgspec

from services.lib import kube
from sim.kubelets import authz, httpserver

Answer = httpserver.Response | Awaitable[httpserver.Response]


class Reviews(Protocol):
    """The control plane's review endpoints; both raise ReviewFailed when no answer could be had."""

    async def token(self, token: str) -> authz.User | None: ...
    async def access(self, user: authz.User, asked: authz.Attributes) -> bool: ...


class ReviewFailed(Exception):
    """The control plane could not be asked."""


class _ReviewedUser(msgspec.Struct):
    username: str = ""
    uid: str = ""
    groups: list[str] = []


class _Status(msgspec.Struct):
    authenticated: bool = False
    allowed: bool = False
    user: _ReviewedUser = msgspec.field(default_factory=_ReviewedUser)


class _Review(msgspec.Struct):
    status: _Status = msgspec.field(default_factory=_Status)


class KubeReviews:
    """TokenReview and SubjectAccessReview through the kubelets' own client of the control plane."""

    def __init__(self, client: kube.Kube) -> None:
        self.client = client

    async def _review(self, path: str, kind: str, spec: dict[str, object]) -> _Status:
        body = msgspec.json.encode({"apiVersion": path.split("/")[2] + "/v1", "kind": kind, "spec": spec})
        try:
            answer = await self.client.request("POST", path, body=body, timeout=10)
            return msgspec.json.decode(answer, type=_Review).status
        except (kube.KubeError, aiohttp.ClientError, OSError, TimeoutError, msgspec.DecodeError) as error:
            raise ReviewFailed(f"{kind}: {error}") from error

    async def token(self, token: str) -> authz.User | None:
        status = await self._review("/apis/authentication.k8s.io/v1/tokenreviews", "TokenReview", {"token": token})
        user = status.user
        return authz.User(user.username, tuple(user.groups), user.uid) if status.authenticated else None

    async def access(self, user: authz.User, asked: authz.Attributes) -> bool:
        path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
        return (await self._review(path, "SubjectAccessReview", asked.review(user))).allowed


@dataclass(frozen=True)
class Ttls:
    """How long answers are remembered, in seconds (kubelet's --authentication-token-webhook-cache-ttl and
    --authorization-webhook-cache-(un)authorized-ttl)."""

    token: float = 120.0
    allowed: float = 300.0
    denied: float = 30.0


class Gate:
    """Authentication and authorization in front of every node's handler."""

    def __init__(self, reviews: Reviews, ttls: Ttls, logger: logging.Logger,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.reviews, self.ttls, self.logger, self.clock = reviews, ttls, logger, clock
        self.users: authz.Expiring[str, authz.User | None] = authz.Expiring()
        self.decisions: authz.Expiring[tuple[authz.User, authz.Attributes], bool] = authz.Expiring()
        self._asking: dict[object, asyncio.Future[object]] = {}

    def guard(self, node: str, handler: httpserver.Handler) -> httpserver.Handler:
        """The node's handler behind authentication and authorization."""

        def handle(request: httpserver.Request) -> Answer:
            asked, now = authz.attributes(request.method, request.path, node), self.clock()
            user = authz.from_certificate(request.peer)
            token = authz.bearer_token(request.headers) if user is None else None
            if user is None and token is None:
                return authz.UNAUTHORIZED
            if user is None:
                found, user = self.users.get(token or "", now)
                if found and user is None:
                    return authz.UNAUTHORIZED
            if user is not None:
                found, allowed = self.decisions.get((user, asked), now)
                if found:
                    return handler(request) if allowed else authz.forbidden(user, asked)
            return self._later(request, handler, asked, user, token)

        return handle

    async def _later(self, request: httpserver.Request, handler: httpserver.Handler, asked: authz.Attributes,
                     user: authz.User | None, token: str | None) -> httpserver.Response:  # fmt: skip
        if user is None:
            try:
                user = await self._token(token or "")
            except ReviewFailed as error:
                self.logger.warning("TokenReview failed: %s", error)
                return authz.UNAUTHORIZED
            if user is None:
                return authz.UNAUTHORIZED
        try:
            allowed = await self._access(user, asked)
        except ReviewFailed as error:
            self.logger.warning("SubjectAccessReview failed: %s", error)
            return authz.review_failed(user, asked)
        if not allowed:
            return authz.forbidden(user, asked)
        answer = handler(request)
        return answer if isinstance(answer, httpserver.Response) else await answer

    async def _token(self, token: str) -> authz.User | None:
        user = await self._once(("token", token), lambda: self.reviews.token(token))
        assert user is None or isinstance(user, authz.User)
        self.users.put(token, user, self.clock(), self.ttls.token)
        return user

    async def _access(self, user: authz.User, asked: authz.Attributes) -> bool:
        found, known = self.decisions.get((user, asked), self.clock())
        if found:
            return bool(known)
        allowed = bool(await self._once(("access", user, asked), lambda: self.reviews.access(user, asked)))
        self.decisions.put((user, asked), allowed, self.clock(), self.ttls.allowed if allowed else self.ttls.denied)
        return allowed

    async def _once(self, key: object, ask: Callable[[], Awaitable[object]]) -> object:
        """One review per key in flight; waiters leaving (a client hung up) do not cancel it for the others."""
        task = self._asking.get(key)
        if task is None:
            task = self._asking[key] = asyncio.ensure_future(ask())
            task.add_done_callback(lambda done: self._asked(key, done))
        return await asyncio.shield(task)

    def _asked(self, key: object, done: "asyncio.Future[object]") -> None:
        self._asking.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every waiter has left

"""The aggregation layer: requests under /apis/metrics.k8s.io/ go to the metrics API server, as an APIService routes.

Like kube-apiserver's aggregator it presents the front-proxy client certificate, names the authenticated caller in
X-Remote-User, one X-Remote-Group per group and X-Remote-Extra-<key> per extra value (any such headers the caller
sent are dropped: only Accept, Content-Type and User-Agent are passed on), skips verifying the backend's certificate
(the APIService has insecureSkipTLSVerify: true) and streams status, body and Content-Type back.

The backends are the endpoints of the api's Service, one per replica: requests are spread over them in turn, as a
Service spreads connections. A backend that refuses the connection (nothing was sent, so trying again is safe) is
skipped for DOWN_SECONDS, as the Service drops an endpoint that failed its readiness probe, and the request goes to
the next one; only when every backend refuses is the answer a 503.
"""

import itertools
import logging
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from sim.apiserver import errors
from sim.apiserver.authn import User

PREFIX = "/apis/metrics.k8s.io/"
_FORWARDED = ("accept", "content-type", "user-agent")
DOWN_SECONDS = 2.0  # how long a refusing backend is left out: about a readiness probe's period


def client_context(cert: Path, key: Path) -> ssl.SSLContext:
    """TLS to the backend: our front-proxy identity, no verification of theirs."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(cert, key)
    return context


class Proxy:
    """One reused aiohttp session to every backend."""

    def __init__(self, backends: Sequence[str], context: ssl.SSLContext, logger: logging.Logger) -> None:
        self.backends = [backend.rstrip("/") for backend in backends]
        self.logger = logger
        self._turn = itertools.count()
        self._down_until = dict.fromkeys(self.backends, 0.0)  # backend -> monotonic time it may be tried again
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=5)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context), timeout=timeout,
                                             auto_decompress=False)  # fmt: skip

    async def close(self) -> None:
        """Close the session."""
        await self.session.close()

    def headers(self, request: Request, user: User) -> CIMultiDict[str]:
        """What the backend receives: the content headers and the caller's identity."""
        headers: CIMultiDict[str] = CIMultiDict((name, value) for name, value in request.headers.items()
                                                if name.lower() in _FORWARDED)  # fmt: skip
        headers["X-Remote-User"] = user.name
        for group in user.groups:
            headers.add("X-Remote-Group", group)
        for key, values in user.extra.items():
            for value in values:  # keys are percent-encoded, as kube's SetAuthProxyHeaders does
                headers.add(f"X-Remote-Extra-{quote(key, safe='')}", value)
        return headers

    def order(self, now: float) -> list[str]:
        """The backends to try for one request: the next in turn first, those that refused lately last."""
        start = next(self._turn) % len(self.backends)
        turn = self.backends[start:] + self.backends[:start]
        return sorted(turn, key=lambda backend: self._down_until[backend] > now)  # stable: keeps the turn

    async def forward(self, request: Request, user: User) -> Response:
        """Send the request on; 503 ServiceUnavailable when no backend can be reached."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body, headers = await request.body(), self.headers(request, user)
        for backend in self.order(time.monotonic()):
            try:
                response = await self.session.request(request.method, backend + target, headers=headers,
                                                      data=body or None, allow_redirects=False)  # fmt: skip
            except aiohttp.ClientConnectorError as error:  # not connected: nothing was sent, another may take it
                self.logger.warning("metrics API backend url=%s refused: %s", backend + target, error)
                self._down_until[backend] = time.monotonic() + DOWN_SECONDS
                continue
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                self.logger.warning("metrics API backend url=%s failed: %s", backend + target, error)
                raise errors.service_unavailable() from None
            passed = {name: value for name, value in response.headers.items()
                      if name.lower() in ("content-type", "content-encoding")}  # fmt: skip
            return StreamingResponse(self._body(response), status_code=response.status, headers=passed)
        raise errors.service_unavailable()

    async def _body(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.content.iter_any():
                yield chunk
        finally:
            response.release()

"""A lean HTTP/1.1 server for kubelet scrapes: one `asyncio.Protocol` per connection, keep-alive, Content-Length.

Scrapers keep their connections alive and send one small GET at a time, so the parser is minimal: a request line
and headers up to a blank line, any Content-Length body skipped, pipelined requests answered in order. A handler
answers at once (the fast path: no task per request) or returns an awaitable, which is how slow faults and
TokenReview/SubjectAccessReview checks slot in without touching the fast path. A client certificate the TLS layer
verified is passed on with every request of its connection as `Request.peer`.
"""

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

MAX_HEAD_BYTES = 64 * 1024
CLOSE_HEADER = "Connection: close\r\n"
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
           501: "Not Implemented", 503: "Service Unavailable"}  # fmt: skip


Peer = tuple[str, tuple[str, ...]]  # a verified client certificate's common name and organizations


class Request(msgspec.Struct, frozen=True, kw_only=True):
    """One parsed request; header names lower-case."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = {}
    peer: Peer | None = None  # the connection's verified client certificate, if it presented one


class Response(msgspec.Struct, frozen=True, kw_only=True):
    """One response; `close` ends the connection after it."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    close: bool = False


Handler = Callable[[Request], Response | Awaitable[Response]]


class BadRequest(Exception):
    """A request this server will not parse; the connection is answered and closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = Response(status=status, body=message.encode() + b"\n", close=True)


class Connection(asyncio.Protocol):
    """One client connection: parse requests as bytes arrive, answer them in order."""

    def __init__(self, handler: Handler, connections: set["Connection"], logger: logging.Logger) -> None:
        self._handler, self._connections, self._logger = handler, connections, logger
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._pending: asyncio.Future[Response] | None = None
        self._keep_alive = True
        self._closed = False
        self._peer: Peer | None = None
        # Registered from creation, not from connection_made: with TLS that comes only after the handshake, and a
        # connection still shaking hands when its listener stops must be dropped too.
        connections.add(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._peer = peer_of(transport.get_extra_info("peercert"))
        if self._closed:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        if self._pending is not None:
            self._pending.cancel()
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._serve()

    def close(self) -> None:
        """Drop the connection, abandoning any answer in progress."""
        self._closed = True
        self._connections.discard(self)
        if self._pending is not None:
            self._pending.cancel()
        if self._transport is not None:
            self._transport.close()

    def _serve(self) -> None:
        """Answer every complete request in the buffer, stopping at one whose answer is still awaited."""
        while self._pending is None and self._keep_alive and self._transport is not None:
            try:
                request = self._next_request()
            except BadRequest as error:
                self._send(error.response, head_only=False)
                return
            if request is None:
                return
            answer = self._handler(request)
            if isinstance(answer, Response):
                self._send(answer, head_only=request.method == "HEAD")
            else:
                self._pending = asyncio.ensure_future(answer)
                self._pending.add_done_callback(functools.partial(self._answered, request=request))

    def _answered(self, done: "asyncio.Future[Response]", *, request: Request) -> None:
        self._pending = None
        if done.cancelled() or self._transport is None:
            return
        error = done.exception()
        if error is not None:
            self._logger.error("handler failed for %s: %r", request.path, error)
            self._send(Response(status=500, body=b"internal error\n", close=True), head_only=False)
            return
        self._send(done.result(), head_only=request.method == "HEAD")
        self._serve()

    def _next_request(self) -> Request | None:
        """The next complete request from the buffer (consumed), or None until more bytes arrive."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                raise BadRequest(431, "request header too large")
            return None
        request, length, keep_alive = parse_head(self._buffer[:end], self._peer)
        if len(self._buffer) < end + 4 + length:
            return None  # wait for the rest of the body, which is skipped
        self._buffer = self._buffer[end + 4 + length :]
        self._keep_alive = keep_alive
        return request

    def _send(self, response: Response, head_only: bool) -> None:
        if self._transport is None:
            return
        close = response.close or not self._keep_alive
        head = (f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Unknown')}\r\n"
                f"Content-Type: {response.content_type}\r\nContent-Length: {len(response.body)}\r\n"
                f"{CLOSE_HEADER if close else ''}\r\n").encode()  # fmt: skip
        self._transport.write(head if head_only else head + response.body)
        if close:
            self._keep_alive = False
            self._transport.close()


def peer_of(certificate: dict[str, Any] | None) -> Peer | None:
    """Common name and organizations of a certificate as `ssl` reports a verified one; None without one."""
    if not certificate:
        return None
    pairs = [pair for rdn in certificate.get("subject", ()) for pair in rdn]
    names = [value for key, value in pairs if key == "commonName"]
    return (names[0] if names else "", tuple(value for key, value in pairs if key == "organizationName"))


def parse_head(head: bytes, peer: Peer | None = None) -> tuple[Request, int, bool]:
    """(request, body length to skip, keep the connection alive) from the bytes before the blank line."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, "malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise BadRequest(400, "malformed header line")
        headers[name.strip().lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise BadRequest(501, "transfer-encoding is not supported")
    length = headers.get("content-length", "0")
    if not length.isdigit():
        raise BadRequest(400, "bad content-length")
    connection = headers.get("connection", "").lower()
    keep_alive = connection != "close" if parts[2] == "HTTP/1.1" else connection == "keep-alive"
    path, _, query = parts[1].partition("?")
    return Request(method=parts[0], path=path, query=query, headers=headers, peer=peer), int(length), keep_alive

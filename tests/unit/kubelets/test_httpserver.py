"""The lean HTTP/1.1 server: keep-alive, pipelining, closing, bad requests, answers that take time."""

import asyncio
import logging
from typing import Any

import pytest

from sim.kubelets import httpserver

LOGGER = logging.getLogger("test")


class Transport(asyncio.Transport):
    """Records what the server writes; closing reports the connection lost, as asyncio does."""

    def __init__(self, peercert: dict[str, Any] | None = None) -> None:
        super().__init__({"peercert": peercert})
        self.written = b""
        self.closed = False
        self.protocol: asyncio.Protocol | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        if not self.closed and self.protocol is not None:
            self.closed = True
            self.protocol.connection_lost(None)

    def is_closing(self) -> bool:
        return self.closed


def echo(request: httpserver.Request) -> httpserver.Response:
    if request.path == "/missing":
        return httpserver.Response(status=404, body=b"404 page not found\n")
    return httpserver.Response(status=200, body=f"{request.method} {request.path} {request.query}".encode())


def connect(
    handler: httpserver.Handler = echo, peercert: dict[str, Any] | None = None
) -> tuple[httpserver.Connection, Transport, set[httpserver.Connection]]:
    connections: set[httpserver.Connection] = set()
    connection = httpserver.Connection(handler, connections, LOGGER)
    transport = Transport(peercert)
    transport.protocol = connection
    connection.connection_made(transport)
    return connection, transport, connections


def test_requests_on_a_kept_alive_connection_are_answered_in_order_with_content_length() -> None:
    connection, transport, connections = connect()

    connection.data_received(b"GET /metrics/resource HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\n")
    connection.data_received(b"Host: x\r\n\r\nGET /a?b=c HTTP/1.1\r\n\r\n")

    assert transport.written == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 22\r\n\r\n"
        b"GET /metrics/resource "
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\n\r\n"
        b"404 page not found\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\n\r\nGET /a b=c"
    )
    assert not transport.closed and connections == {connection}


def test_connection_close_and_http_1_0_end_the_connection_after_the_answer() -> None:
    for request in (b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", b"GET / HTTP/1.0\r\n\r\n"):
        connection, transport, connections = connect()

        connection.data_received(request + b"GET /ignored HTTP/1.1\r\n\r\n")

        assert transport.written.count(b"HTTP/1.1 200") == 1
        assert b"Connection: close\r\n" in transport.written
        assert transport.closed and not connections


def test_a_request_body_is_skipped_and_head_gets_no_body() -> None:
    connection, transport, _ = connect()

    connection.data_received(b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel")
    connection.data_received(b"loHEAD /y HTTP/1.1\r\n\r\n")

    assert transport.written.endswith(
        b"Content-Length: 8\r\n\r\nPOST /x HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 8\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"nonsense\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"501"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * httpserver.MAX_HEAD_BYTES, b"431"),
    ],
)
def test_a_bad_request_is_answered_and_the_connection_closed(raw: bytes, status: bytes) -> None:
    connection, transport, _ = connect()

    connection.data_received(raw)

    assert transport.written.startswith(b"HTTP/1.1 " + status)
    assert transport.closed


async def test_an_answer_that_takes_time_holds_back_the_next_pipelined_request() -> None:
    release = asyncio.Event()

    async def later(request: httpserver.Request) -> httpserver.Response:
        await release.wait()
        return echo(request)

    def handler(request: httpserver.Request) -> httpserver.Response | asyncio.Task[httpserver.Response]:
        return asyncio.ensure_future(later(request)) if request.path == "/slow" else echo(request)

    connection, transport, _ = connect(handler)
    connection.data_received(b"GET /slow HTTP/1.1\r\n\r\nGET /fast HTTP/1.1\r\n\r\n")
    await asyncio.sleep(0)
    assert transport.written == b""

    release.set()
    for _ in range(3):
        await asyncio.sleep(0)

    assert transport.written.index(b"GET /slow") < transport.written.index(b"GET /fast")


async def test_a_client_that_leaves_cancels_its_pending_answer() -> None:
    never: asyncio.Future[httpserver.Response] = asyncio.get_running_loop().create_future()
    connection, transport, connections = connect(lambda request: never)
    connection.data_received(b"GET /hang HTTP/1.1\r\n\r\n")

    transport.close()

    assert never.cancelled() and not connections


async def test_a_failing_answer_is_a_500_and_closes_the_connection() -> None:
    async def broken(request: httpserver.Request) -> httpserver.Response:
        raise RuntimeError("boom")

    connection, transport, _ = connect(lambda request: asyncio.ensure_future(broken(request)))
    connection.data_received(b"GET / HTTP/1.1\r\n\r\n")
    for _ in range(3):
        await asyncio.sleep(0)

    assert transport.written.startswith(b"HTTP/1.1 500") and transport.closed


def test_every_request_of_a_connection_carries_its_verified_client_certificates_names() -> None:
    seen: list[httpserver.Peer | None] = []

    def record(request: httpserver.Request) -> httpserver.Response:
        seen.append(request.peer)
        return httpserver.Response(status=200)

    subject = ((("organizationName", "system:masters"),), (("commonName", "admin"),))
    connection, _, _ = connect(record, {"subject": subject, "issuer": ()})
    connection.data_received(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
    anonymous, _, _ = connect(record)
    anonymous.data_received(b"GET /a HTTP/1.1\r\n\r\n")

    assert seen == [("admin", ("system:masters",)), ("admin", ("system:masters",)), None]

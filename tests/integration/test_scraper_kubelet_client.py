"""The scraper's kubelet client against a real local HTTPS kubelet: TLS verification, timeouts, failures as events."""

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from kubernetes_asyncio.client import Configuration

from services import events
from services.lib import kubeobjects, tls
from services.scraper import kubelets, parse
from services.scraper.config import Config
from services.scraper.service import sample as scrape

BODY = (Path(__file__).parent.parent / "fixtures" / "kubelet-70-pods.txt").read_text()


class Kubelet:
    """A local HTTPS server standing in for a kubelet: its handler and certificate are the test's to choose."""

    def __init__(self, tmp_path: Path) -> None:
        self.ca = tls.new_ca("test-cluster-ca")
        self.ca_file = tmp_path / "ca.crt"
        self.ca_file.write_bytes(self.ca.cert_pem)
        self.tmp_path = tmp_path
        self.handler: Callable[[web.Request], object] = self.ok
        self.requests: list[web.Request] = []
        self.client_ports: list[int] = []  # the client side of each request's connection
        self.port = 0

    async def ok(self, request: web.Request) -> web.Response:
        return web.Response(text=BODY, content_type="text/plain")

    async def start(self, hosts: tuple[str, ...] = ("127.0.0.1",)) -> web.AppRunner:
        tls.issue(self.ca, "kubelet", hosts=hosts).write(self.tmp_path / "kubelet.crt", self.tmp_path / "kubelet.key")
        context = tls.server_context(self.tmp_path / "kubelet.crt", self.tmp_path / "kubelet.key")

        async def handle(request: web.Request) -> web.StreamResponse:
            self.requests.append(request)
            assert request.transport is not None
            self.client_ports.append(request.transport.get_extra_info("peername")[1])
            return await self.handler(request)  # type: ignore[misc, no-any-return]

        app = web.Application()
        app.router.add_get("/{path:.*}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return runner


def node(port: int, annotations: dict[str, str] | None = None) -> kubeobjects.Node:
    return kubeobjects.Node(
        metadata=kubeobjects.ObjectMeta(name="node-1", annotations=annotations or {}),
        status=kubeobjects.NodeStatus(
            addresses=[
                kubeobjects.NodeAddress(type="Hostname", address="node-1.invalid"),
                kubeobjects.NodeAddress(type="InternalIP", address="127.0.0.1"),
            ],
            daemon_endpoints=kubeobjects.NodeDaemonEndpoints(kubelet_endpoint=kubeobjects.DaemonEndpoint(port=port)),
        ),
    )


@pytest.fixture
async def kubelet(tmp_path: Path) -> AsyncIterator[Kubelet]:
    server = Kubelet(tmp_path)
    yield server


async def sample(
    kubelet: Kubelet,
    annotations: dict[str, str] | None = None,
    token: str | None = "Bearer token-1",
    **overrides: object,
) -> events.SampleEvent:
    settings: dict[str, object] = {
        "kubelet_certificate_authority": str(kubelet.ca_file),
        "kubelet_use_node_status_port": True,
        "kubelet_preferred_address_types": ("InternalIP",),
        "metric_resolution": 10.0,
        "kubelet_request_timeout": 1.0,
        "replica_name": "test",
    }
    config = Config(**{**settings, **overrides})  # type: ignore[arg-type]
    async with kubelets.session(config, Configuration()) as http:
        return (await scrape(http, config, node(kubelet.port, annotations), token))[0]


async def test_a_verified_kubelet_gives_a_complete_node_sample_with_the_bearer_token(kubelet: Kubelet) -> None:
    runner = await kubelet.start()
    try:
        event = await sample(kubelet)
    finally:
        await runner.cleanup()
    assert isinstance(event, events.NodeSampled) and event.node == "node-1" and len(event.pods) == 70
    assert kubelet.requests[0].path == "/metrics/resource"
    assert kubelet.requests[0].headers["Authorization"] == "Bearer token-1"


async def test_a_kubelet_certificate_without_the_nodes_ip_fails_verification(kubelet: Kubelet) -> None:
    runner = await kubelet.start(hosts=("node-1",))
    try:
        event = await sample(kubelet)
        insecure = await sample(kubelet, kubelet_certificate_authority="", kubelet_insecure_tls=True)
    finally:
        await runner.cleanup()
    assert isinstance(event, events.NodeScrapeFailed) and event.reason == "TLS"
    assert "does not contain the address scraped in its SANs" in event.message
    assert "--kubelet-insecure-tls" in event.message and "--kubelet-preferred-address-types=Hostname" in event.message
    assert isinstance(insecure, events.NodeSampled)


@pytest.mark.parametrize(
    ("respond", "reason", "message"),
    [
        (
            lambda r: web.Response(status=500, text="boom"),
            "HTTPStatus",
            'request failed, status: "500 Internal Server Error"',
        ),
        (
            lambda r: web.Response(text="node_cpu_usage_seconds_total zero 1\n"),
            "Parse",
            "failed parsing metrics: line 1",
        ),
        (lambda r: asyncio.sleep(5), "Timeout", "timeout to access kubelet"),
    ],
)
async def test_a_failing_kubelet_becomes_a_failed_scrape_event_with_its_reason(
    kubelet: Kubelet, respond: Callable[[web.Request], object], reason: str, message: str
) -> None:
    async def handler(request: web.Request) -> object:
        result = respond(request)
        return await result if asyncio.iscoroutine(result) else result

    kubelet.handler = handler
    runner = await kubelet.start()
    try:
        event = await sample(kubelet)
    finally:
        await runner.cleanup()
    assert isinstance(event, events.NodeScrapeFailed)
    assert (event.reason, event.node) == (reason, "node-1") and event.message.startswith(message)


async def test_a_node_without_a_preferred_address_or_a_listening_kubelet_fails_with_that_reason(
    kubelet: Kubelet,
) -> None:
    no_address = await sample(kubelet, kubelet_preferred_address_types=("ExternalIP",))
    assert isinstance(no_address, events.NodeScrapeFailed) and no_address.reason == "NoAddress"
    refused = await sample(kubelet)  # nothing listens on port 0
    assert isinstance(refused, events.NodeScrapeFailed) and refused.reason == "Connection"


def test_the_fixture_body_parses() -> None:
    assert len(parse.parse(BODY, 1)[1]) == 70


def test_kubelet_tls_is_verified_by_default() -> None:
    context = kubelets.ssl_context(Config(), Configuration())
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


async def test_a_path_annotation_moves_the_request_and_no_token_sends_no_header(kubelet: Kubelet) -> None:
    runner = await kubelet.start()
    try:
        await sample(kubelet, {"metrics.k8s.io/resource-metrics-path": "/custom/metrics"}, token=None)
    finally:
        await runner.cleanup()
    assert kubelet.requests[0].path == "/custom/metrics" and "Authorization" not in kubelet.requests[0].headers


async def test_successive_scrapes_of_a_kubelet_reuse_one_kept_alive_connection(kubelet: Kubelet) -> None:
    runner = await kubelet.start()
    config = Config(
        kubelet_certificate_authority=str(kubelet.ca_file),
        kubelet_use_node_status_port=True,
        kubelet_preferred_address_types=("InternalIP",),
        metric_resolution=10.0,
        kubelet_request_timeout=1.0,
    )
    try:
        async with kubelets.session(config, Configuration()) as http:
            for _ in range(3):
                assert isinstance((await scrape(http, config, node(kubelet.port), None))[0], events.NodeSampled)
    finally:
        await runner.cleanup()
    assert len(kubelet.client_ports) == 3 and len(set(kubelet.client_ports)) == 1


async def test_a_kubelet_certificate_from_an_unknown_ca_fails_naming_the_ca_flag(
    kubelet: Kubelet, tmp_path: Path
) -> None:
    runner = await kubelet.start()
    other = tmp_path / "other-ca.crt"
    other.write_bytes(tls.new_ca("someone-else").cert_pem)
    try:
        event = await sample(kubelet, kubelet_certificate_authority=str(other))
    finally:
        await runner.cleanup()
    assert isinstance(event, events.NodeScrapeFailed) and event.reason == "TLS"
    assert "not signed by a trusted CA" in event.message and "--kubelet-certificate-authority" in event.message

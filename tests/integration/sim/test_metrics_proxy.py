"""The aggregation layer: /apis/metrics.k8s.io/ forwarded to a metrics API server as kube-apiserver's aggregator does,
with the authenticated caller's identity in X-Remote-* headers and nothing the caller claims itself."""

import contextlib
import json
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from services.lib import tls
from sim import pki
from tests.integration.sim.conftest import Cluster, apiserver

NODES = {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": []}


@dataclass
class Seen:
    """One request as the stub metrics API received it."""

    path: str
    query: str
    headers: dict[str, str]
    remote_groups: list[str]
    remote: list[tuple[str, str]]  # every X-Remote-* header, in order, names lower-cased
    client_cn: str


@dataclass
class Backend:
    """A stub metrics API server over HTTPS that records what reaches it."""

    url: str
    seen: list[Seen] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        remote = [(k.lower(), v) for k, v in request.headers.items() if k.lower().startswith("x-remote-")]
        self.seen.append(Seen(request.path, request.query_string, dict(request.headers),
                              request.headers.getall("X-Remote-Group", []), remote,
                              subject.get("commonName", "")))  # fmt: skip
        if request.path.endswith("/nodes/missing"):
            status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                      "message": 'nodemetrics.metrics.k8s.io "missing" not found'}  # fmt: skip
            return web.json_response(status, status=404)
        return web.json_response(NODES)


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[Backend]:
    """The stub on a free port, trusting only clients with a front-proxy certificate of this run directory."""
    async with stub_backend(tmp_path) as stub:
        yield stub


@contextlib.asynccontextmanager
async def stub_backend(tmp_path: Path) -> AsyncIterator[Backend]:
    layout = pki.Layout(tmp_path)
    pki.ensure(layout)
    tls.issue(pki.cluster_ca(layout), "metrics-server", hosts=("127.0.0.1",)).write(
        tmp_path / "metrics.crt", tmp_path / "metrics.key")  # fmt: skip
    context = tls.server_context(tmp_path / "metrics.crt", tmp_path / "metrics.key", layout.front_proxy_ca[0])
    context.verify_mode = ssl.CERT_REQUIRED
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    stub = Backend(f"https://127.0.0.1:{sock.getsockname()[1]}")
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stub.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock, ssl_context=context).start()
    yield stub
    await runner.cleanup()


async def test_requests_reach_the_backend_with_path_query_accept_and_the_callers_identity(
    backend: Backend, tmp_path: Path
) -> None:
    with apiserver(tmp_path, "--metrics-api-url", backend.url) as cluster:
        groups = json.loads(await cluster.kubectl("get", "--raw", "/apis"))["groups"]
        body = await cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=app%3Dweb")
        code, _, err = await cluster.run("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes/missing")

    assert groups[-1]["name"] == "metrics.k8s.io"
    assert json.loads(body) == NODES
    first = backend.seen[0]
    assert (first.path, first.query) == ("/apis/metrics.k8s.io/v1beta1/nodes", "labelSelector=app%3Dweb")
    assert first.headers["Accept"] == "application/json, */*"
    assert first.headers["X-Remote-User"] == "admin" and "system:masters" in first.remote_groups
    assert first.client_cn == "front-proxy-client"
    assert code != 0 and 'Error from server (NotFound): nodemetrics.metrics.k8s.io "missing" not found' in err


async def test_discovery_lists_metrics_v1_first_and_v1_requests_reach_the_backend(
    backend: Backend, tmp_path: Path
) -> None:
    with apiserver(tmp_path, "--metrics-api-url", backend.url) as cluster:
        legacy = json.loads(await cluster.kubectl("get", "--raw", "/apis"))["groups"][-1]
        group = json.loads(await cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io"))
        versions = (await cluster.kubectl("api-versions")).split()
        resources = await cluster.kubectl("api-resources", "--api-group=metrics.k8s.io", "--no-headers")
        await cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1/namespaces/shop/pods")

    v1, v1beta1 = ({"groupVersion": f"metrics.k8s.io/{v}", "version": v} for v in ("v1", "v1beta1"))
    assert legacy == {"name": "metrics.k8s.io", "versions": [v1, v1beta1], "preferredVersion": v1}
    assert group == {"kind": "APIGroup", "apiVersion": "v1", **legacy}
    assert {"metrics.k8s.io/v1", "metrics.k8s.io/v1beta1"} <= set(versions)
    assert [line.split() for line in resources.splitlines()] == [
        ["nodes", "metrics.k8s.io/v1", "false", "NodeMetrics"],
        ["pods", "metrics.k8s.io/v1", "true", "PodMetrics"],
    ]
    assert [seen.path for seen in backend.seen] == ["/apis/metrics.k8s.io/v1/namespaces/shop/pods"]


def unreachable() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"https://127.0.0.1:{probe.getsockname()[1]}"  # nothing will listen once the probe closes


async def test_requests_are_spread_over_every_backend_and_one_that_refuses_is_skipped(
    backend: Backend, tmp_path: Path
) -> None:
    async with stub_backend(tmp_path) as other:
        urls = ",".join((backend.url, unreachable(), other.url))
        with apiserver(tmp_path, "--metrics-api-url", urls) as cluster:
            for _ in range(6):
                assert json.loads(await cluster.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")) == NODES

    assert len(backend.seen) + len(other.seen) == 6 and len(backend.seen) >= 2 and len(other.seen) >= 2


async def test_an_unreachable_backend_is_service_unavailable(tmp_path: Path) -> None:
    with apiserver(tmp_path, "--metrics-api-url", unreachable()) as cluster:
        code, _, err = await cluster.run("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes")

    assert code != 0 and "Error from server (ServiceUnavailable)" in err
    assert "the server is currently unable to handle the request" in err


def server_url(cluster: Cluster) -> str:
    return str(json.loads(cluster.layout.admin_kubeconfig.read_text())["clusters"][0]["cluster"]["server"])


async def test_the_backend_learns_who_is_asking_from_the_control_plane_only(backend: Backend, tmp_path: Path) -> None:
    claims = {"X-Remote-User": "mallory", "X-Remote-Group": "system:masters", "X-Remote-Extra-Scopes": "all"}
    path = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"
    with apiserver(tmp_path, "--metrics-api-url", backend.url) as cluster:
        viewer = ("--kubeconfig", str(cluster.layout.users_kubeconfig), "--context", "viewer")
        await cluster.kubectl("get", "--raw", path, *viewer)
        context = ssl.create_default_context(cafile=cluster.layout.ca[0])
        async with httpx.AsyncClient(verify=context) as http:
            admin = {"Authorization": f"Bearer {pki.ADMIN_TOKEN}"}
            claimed = (await http.get(server_url(cluster) + path, headers={**admin, **claims})).status_code
            impersonating = {**admin, "Impersonate-User": "viewer", "Impersonate-Group": "team",
                             "Impersonate-Extra-Scopes": "read", **claims}  # fmt: skip
            impersonated = (await http.get(server_url(cluster) + path, headers=impersonating)).status_code
            response = await http.get(server_url(cluster) + path, headers=claims)
            anonymous = response.status_code, response.json()

    assert claimed == impersonated == 200
    as_viewer, as_admin, as_impersonated = backend.seen
    user, group = "x-remote-user", "x-remote-group"
    assert as_viewer.remote == [(user, "viewer"), (group, "system:authenticated")]
    assert as_admin.remote == [(user, "admin"), (group, "system:masters"), (group, "system:authenticated")]
    assert as_impersonated.remote == [(user, "viewer"), (group, "team"), (group, "system:authenticated"),
                                      ("x-remote-extra-scopes", "read")]  # fmt: skip
    assert "Authorization" not in as_admin.headers and as_admin.client_cn == "front-proxy-client"
    assert anonymous == (401, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": "Unauthorized", "reason": "Unauthorized", "code": 401})  # fmt: skip

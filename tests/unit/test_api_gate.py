"""The api's gate: who is believed, what is reviewed, and the Status every refusal gets."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from services.api import attributes, gate, identity
from services.lib import tls

Connect = Callable[..., Awaitable[httpx.Response]]
PROXY_CA, CLIENT_CA, OTHER_CA = tls.new_ca("front-proxy-ca"), tls.new_ca("cluster-ca"), tls.new_ca("someone-else")
SETTINGS = identity.ProxySettings(
    ("front-proxy-client",), ("x-remote-user",), ("x-remote-group",), ("x-remote-extra-",)
)


def certificate(ca: tls.KeyPair, name: str, organizations: tuple[str, ...] = ()) -> bytes:
    pem = tls.issue(ca, name, organizations=organizations, client=True).cert_pem
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


class Cluster:
    """Answers reviews: tokens and a policy (user -> allowed verbs on pods in namespace default)."""

    def __init__(self) -> None:
        self.reviews: list[tuple[str, dict[str, object]]] = []

    async def review(self, path: str, body: dict[str, object]) -> dict[str, object]:
        self.reviews.append((path, body))
        spec = body["spec"]
        assert isinstance(spec, dict)
        if path.endswith("tokenreviews"):
            known = {"viewer-token": {"username": "viewer", "groups": ["system:authenticated"]}}
            return {"authenticated": spec["token"] in known, "user": known.get(spec["token"], {})}
        resource = spec.get("resourceAttributes", {})
        allowed = (
            spec["user"] == "viewer" and resource.get("namespace") == "default" and resource.get("resource") == "pods"
        )
        return {"allowed": allowed, "reason": "" if allowed else "no RBAC policy matched"}


@pytest.fixture
def cluster() -> Cluster:
    return Cluster()


@pytest.fixture
async def connect(cluster: Cluster) -> AsyncIterator[Connect]:
    peers: dict[tuple[str, int], bytes] = {}

    async def ok(request: Request) -> PlainTextResponse:
        return PlainTextResponse("served")

    app = Starlette(routes=[Route("/{path:path}", ok)])
    settings = gate.Settings(SETTINGS, (x509.load_pem_x509_certificate(PROXY_CA.cert_pem),),
                             (x509.load_pem_x509_certificate(CLIENT_CA.cert_pem),), ("/healthz", "/livez", "/readyz"), 10, 10, 10)  # fmt: skip
    application = gate.Gate(app, settings, peers, cluster.review)

    async def request(path: str, headers: dict[str, str] | None = None, cert: bytes | None = None) -> httpx.Response:
        client = ("10.0.0.1", 40000 + len(peers))
        if cert is not None:
            peers[client] = cert
        transport = httpx.ASGITransport(application, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="https://api") as http:
            return await http.get(path, headers=headers or {})

    yield request


PODS = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"


async def test_the_front_proxy_with_an_allowed_name_asserts_the_user_and_groups(
    connect: Connect, cluster: Cluster
) -> None:
    response = await connect(
        PODS, {"X-Remote-User": "viewer", "X-Remote-Group": "team-a"}, certificate(PROXY_CA, "front-proxy-client")
    )
    assert response.text == "served"
    spec: Any = cluster.reviews[-1][1]["spec"]
    assert spec["user"] == "viewer" and spec["groups"] == ["team-a"]
    assert spec["resourceAttributes"] == {
        "verb": "list",
        "group": "metrics.k8s.io",
        "version": "v1beta1",
        "resource": "pods",
        "namespace": "default",
    }


async def test_identity_headers_without_the_proxy_certificate_are_ignored(connect: Connect, cluster: Cluster) -> None:
    response = await connect(PODS, {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"})
    assert response.status_code == 403
    assert response.json()["message"].startswith(
        'pods.metrics.k8s.io is forbidden: User "system:anonymous" cannot list resource "pods"'
    )


async def test_a_proxy_certificate_with_a_name_not_allowed_is_refused(connect: Connect) -> None:
    response = await connect(
        PODS, {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"}, certificate(PROXY_CA, "intruder")
    )
    assert response.status_code == 401 and response.json()["reason"] == "Unauthorized"


async def test_a_certificate_from_another_ca_asserts_nothing(connect: Connect) -> None:
    response = await connect(
        PODS,
        {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"},
        certificate(OTHER_CA, "front-proxy-client"),
    )
    assert response.status_code == 403


async def test_a_client_certificate_names_the_user_and_system_masters_skips_review(
    connect: Connect, cluster: Cluster
) -> None:
    response = await connect(
        "/apis/metrics.k8s.io/v1beta1/nodes", cert=certificate(CLIENT_CA, "admin", ("system:masters",))
    )
    assert response.text == "served" and not cluster.reviews


async def test_bearer_tokens_are_reviewed_once_per_ttl_and_unknown_ones_get_401(
    connect: Connect, cluster: Cluster
) -> None:
    assert (await connect(PODS, {"Authorization": "Bearer viewer-token"})).text == "served"
    assert (await connect(PODS, {"Authorization": "Bearer viewer-token"})).text == "served"
    assert [path for path, _ in cluster.reviews].count("/apis/authentication.k8s.io/v1/tokenreviews") == 1
    refused = await connect(PODS, {"Authorization": "Bearer forged"})
    assert refused.status_code == 401 and refused.json()["message"] == "Unauthorized"


async def test_a_denied_request_gets_kubernetes_forbidden_wording(connect: Connect) -> None:
    response = await connect("/apis/metrics.k8s.io/v1beta1/nodes/node-1", {"Authorization": "Bearer viewer-token"})
    assert response.status_code == 403
    assert response.json()["message"] == ('nodes.metrics.k8s.io "node-1" is forbidden: User "viewer" cannot get resource "nodes" '
                                          'in API group "metrics.k8s.io" at the cluster scope: no RBAC policy matched')  # fmt: skip


async def test_health_paths_are_always_allowed_and_metrics_needs_authorization(connect: Connect) -> None:
    assert (await connect("/readyz")).text == "served"
    refused = await connect("/metrics")
    assert refused.status_code == 403 and refused.json()["message"].startswith(
        'forbidden: User "system:anonymous" cannot get path "/metrics"'
    )


def test_request_attributes_follow_the_api_paths() -> None:
    assert attributes.of("GET", "/apis/metrics.k8s.io/v1/pods", watch=True).verb == "watch"
    assert attributes.of("DELETE", "/apis/metrics.k8s.io/v1/namespaces/a/pods", watch=False).verb == "deletecollection"
    named = attributes.of("GET", "/apis/metrics.k8s.io/v1/namespaces/a/pods/b", watch=False)
    assert (named.verb, named.namespace, named.name, named.resource) == ("get", "a", "b", "pods")
    assert not attributes.of("GET", "/apis", watch=False).is_resource

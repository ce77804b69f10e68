"""Who gets in: each kubeconfig context through the real kubectl, and spoofing attempts straight at the api."""

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from services.lib import tls
from sim import pki
from sim.pki import Layout
from tests.e2e.conftest import NODES, Stack

pytestmark = pytest.mark.e2e

PODS, NODES_PATH = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", "/apis/metrics.k8s.io/v1beta1/nodes"
FORBIDDEN = "Error from server (Forbidden)"


def test_admin_sees_every_node_and_pod(stack: Stack) -> None:
    assert len(stack.kubectl("--context", "admin", "top", "nodes").stdout.splitlines()) == NODES + 1
    assert "kube-system" in stack.kubectl("--context", "admin", "top", "pods", "-A").stdout


def test_viewer_sees_pod_metrics_in_default_and_is_forbidden_elsewhere(stack: Stack) -> None:
    assert "web-" in stack.kubectl("--context", "viewer", "top", "pods", "-n", "default").stdout
    elsewhere = stack.kubectl("--context", "viewer", "top", "pods", "-n", "kube-system", check=False)
    assert elsewhere.returncode == 1
    assert elsewhere.stderr.startswith(f'{FORBIDDEN}: pods.metrics.k8s.io is forbidden: User "viewer" cannot list')
    nodes = stack.kubectl("--context", "viewer", "top", "nodes", check=False)
    assert FORBIDDEN in nodes.stderr and 'cannot list resource "nodes" in API group "metrics.k8s.io"' in nodes.stderr


def test_nobody_is_forbidden_and_no_credentials_is_unauthorized(stack: Stack, tmp_path: Path) -> None:
    nobody = stack.kubectl("--context", "nobody", "top", "pods", "-n", "default", check=False)
    assert nobody.returncode == 1 and FORBIDDEN in nobody.stderr
    config = json.loads(stack.kubectl("config", "view", "--raw", "-o", "json").stdout)
    for user in config["users"]:
        user["user"] = {"username": "anonymous"}  # basic auth, which kube no longer reads: no credentials at all
    anonymous = tmp_path / "anonymous.kubeconfig"
    anonymous.write_text(json.dumps(config))
    refused = stack.kubectl("--kubeconfig", str(anonymous), "top", "nodes", check=False)
    assert refused.returncode == 1  # kubectl words a 401 during discovery as "the server has asked for credentials"
    assert refused.stderr.startswith("error: You must be logged in to the server (")


class Api:
    """Straight to the api's HTTPS port, past the aggregation layer, as an attacker inside the cluster could."""

    def __init__(self, stack: Stack, tmp_path: Path, url: str = "") -> None:
        self.url, self.layout, self.tmp_path = url or str(stack.status()["api_url"]), Layout(stack.run_dir), tmp_path

    def certificate(self, ca: tls.KeyPair, name: str) -> tuple[Path, Path]:
        pair = tls.issue(ca, name, client=True)
        cert, key = self.tmp_path / f"{name}.crt", self.tmp_path / f"{name}.key"
        pair.write(cert, key)
        return cert, key

    def get(
        self, path: str, headers: dict[str, str] | None = None, cert: tuple[Path, Path] | None = None
    ) -> tuple[int, dict[str, object]]:
        """Status code and JSON body."""
        status, text = self.fetch(path, headers, cert)
        return status, json.loads(text)

    def fetch(
        self, path: str, headers: dict[str, str] | None = None, cert: tuple[Path, Path] | None = None
    ) -> tuple[int, str]:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # its self-signed --cert-dir certificate
        if cert:
            context.load_cert_chain(*cert)
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {pki.token_of(self.layout, key)}"}


@pytest.fixture
def api(stack: Stack, tmp_path: Path) -> Api:
    return Api(stack, tmp_path)


ADMIN_HEADERS = {"X-Remote-User": "system:admin", "X-Remote-Group": "system:masters"}


def test_identity_headers_without_the_front_proxy_certificate_are_ignored(api: Api) -> None:
    status, body = api.get(NODES_PATH, ADMIN_HEADERS)
    assert (status, body["reason"]) == (403, "Forbidden")  # as upstream: no credentials is system:anonymous
    assert str(body["message"]).startswith('nodes.metrics.k8s.io is forbidden: User "system:anonymous" cannot list')


def test_a_certificate_from_another_ca_is_refused_at_the_handshake(api: Api) -> None:
    stranger = api.certificate(tls.new_ca("someone-else"), "front-proxy-client")
    # With TLS 1.3 the client learns of the refusal as an alert or a closed connection, depending on timing.
    with pytest.raises((urllib.error.URLError, ssl.SSLError, ConnectionError)):
        api.get(NODES_PATH, ADMIN_HEADERS, stranger)


def test_a_front_proxy_certificate_with_a_name_not_allowed_asserts_nothing(api: Api) -> None:
    intruder = api.certificate(tls.KeyPair.read(*api.layout.front_proxy_ca), "intruder")
    status, body = api.get(NODES_PATH, ADMIN_HEADERS, intruder)
    assert (status, body["reason"]) == (401, "Unauthorized")


def test_the_real_front_proxy_asserts_the_user_and_the_api_still_authorizes_it(api: Api) -> None:
    viewer = {"X-Remote-User": "viewer", "X-Remote-Group": "system:authenticated"}
    status, body = api.get(PODS, viewer, api.layout.front_proxy_client)
    assert status == 200 and body["kind"] == "PodMetricsList"
    status, body = api.get(NODES_PATH, viewer, api.layout.front_proxy_client)
    assert (status, body["reason"]) == (403, "Forbidden")
    assert body["message"] == (
        'nodes.metrics.k8s.io is forbidden: User "viewer" cannot list resource "nodes" in API group '
        '"metrics.k8s.io" at the cluster scope'
    )


def test_bearer_tokens_are_reviewed_and_metrics_need_authorization(api: Api) -> None:
    assert api.get(PODS, api.token("viewer"))[0] == 200
    assert api.get(NODES_PATH, api.token("viewer"))[0] == 403
    assert api.get(NODES_PATH, {"Authorization": "Bearer not-a-token"})[0] == 401
    assert api.fetch("/livez") == (200, "ok")
    assert api.fetch("/metrics")[0] == 403
    assert api.fetch("/metrics", api.token("viewer"))[0] == 403
    assert "metrics_server_api_metric_freshness_seconds" in api.fetch("/metrics", api.token("admin"))[1]


def test_no_token_or_password_reaches_a_log(stack: Stack, api: Api) -> None:
    api.get(NODES_PATH, {"Authorization": "Bearer not-a-token"})  # a refused token is logged by no one either
    secrets = [*pki.read_tokens(api.layout), "not-a-token"]
    secrets += [path.read_text().strip().partition(":")[2] for path in (stack.run_dir / "nats").glob("*.creds")]
    logs = {path.name: path.read_text() for path in (stack.run_dir / "logs").glob("*.log")}
    assert {"apiserver.log", "api.log", "scraper.log", "nats.log"} <= set(logs)
    leaked = [(name, secret[:6]) for name, text in logs.items() for secret in secrets if secret in text]
    assert not leaked

"""The simulated cluster's run-directory layout and certificates: cluster CA, front-proxy CA and their leaves."""

import base64
from dataclasses import dataclass
from pathlib import Path

import msgspec

from services.lib import tls

ADMIN_TOKEN = "flowmeter-admin"  # the static bearer token of the `admin` user


@dataclass(frozen=True)
class Layout:
    """Where the simulated cluster keeps its files under one run directory."""

    run_dir: Path

    @property
    def pki(self) -> Path:
        return self.run_dir / "pki"

    @property
    def ca(self) -> tuple[Path, Path]:
        """Cluster CA: signs the API server's and every kubelet's serving certificate."""
        return self.pki / "ca.crt", self.pki / "ca.key"

    @property
    def front_proxy_ca(self) -> tuple[Path, Path]:
        """Front-proxy CA: signs the client certificate the aggregation proxy presents to the metrics API."""
        return self.pki / "front-proxy-ca.crt", self.pki / "front-proxy-ca.key"

    @property
    def front_proxy_client(self) -> tuple[Path, Path]:
        return self.pki / "front-proxy-client.crt", self.pki / "front-proxy-client.key"

    @property
    def apiserver(self) -> tuple[Path, Path]:
        return self.pki / "apiserver.crt", self.pki / "apiserver.key"

    @property
    def admin_kubeconfig(self) -> Path:
        """Written by the API server once it listens; what the services and the kubelets connect with."""
        return self.run_dir / "admin.kubeconfig"


def ensure(layout: Layout) -> None:
    """Create any missing CA or certificate; existing ones are kept so restarts keep trusting each other."""
    ca = _ensure_ca(*layout.ca, "flowmeter-sim-ca")
    front_proxy_ca = _ensure_ca(*layout.front_proxy_ca, "flowmeter-sim-front-proxy-ca")
    if not layout.apiserver[0].exists():
        hosts = ("127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")
        tls.issue(ca, "kube-apiserver", hosts=hosts).write(*layout.apiserver)
    if not layout.front_proxy_client[0].exists():
        tls.issue(front_proxy_ca, "front-proxy-client", client=True).write(*layout.front_proxy_client)


def _ensure_ca(cert: Path, key: Path, name: str) -> tls.KeyPair:
    if cert.exists() and key.exists():
        return tls.KeyPair.read(cert, key)
    pair = tls.new_ca(name)
    pair.write(cert, key)
    return pair


def cluster_ca(layout: Layout) -> tls.KeyPair:
    """The cluster CA, for issuing kubelet serving certificates."""
    return tls.KeyPair.read(*layout.ca)


def kubeconfig(server: str, ca_pem: bytes, token: str, context: str = "admin") -> bytes:
    """A kubeconfig (JSON is valid YAML) for one user with a bearer token."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "flowmeter-sim",
                "cluster": {"server": server, "certificate-authority-data": base64.b64encode(ca_pem).decode()},
            }
        ],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": "flowmeter-sim", "user": context}}],
        "current-context": context,
    }
    return msgspec.json.format(msgspec.json.encode(document))

"""The simulated cluster's run-directory layout and credentials: cluster CA, front-proxy CA and their leaves, the
static token file, and the kubeconfigs of the people, the services and the kubelets.

Files are created once and kept, so a restarted control plane still trusts what its clients hold. The token file
gives `admin` the fixed ADMIN_TOKEN and every other identity a random token.
"""

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from services.lib import tls
from sim import identities

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
    def tokens(self) -> Path:
        """The static token file (kube-apiserver's --token-auth-file format)."""
        return self.pki / "tokens.csv"

    @property
    def admin_kubeconfig(self) -> Path:
        """The admin (system:masters), for tooling; written last once the API server listens: launchers wait for it."""
        return self.run_dir / "admin.kubeconfig"

    @property
    def users_kubeconfig(self) -> Path:
        """Contexts `admin` (current), `viewer` and `nobody` on one cluster entry."""
        return self.run_dir / "users.kubeconfig"

    def service_kubeconfig(self, name: str) -> Path:
        """The kubeconfig of a service (`scraper`, `store`, `api`, `autoscaler`) or of the `kubelets`."""
        return self.run_dir / "kubeconfigs" / f"{name}.kubeconfig"


def ensure(layout: Layout) -> None:
    """Create any missing CA or certificate; existing ones are kept so restarts keep trusting each other."""
    ca = _ensure_ca(*layout.ca, "flowmeter-sim-ca")
    front_proxy_ca = _ensure_ca(*layout.front_proxy_ca, "flowmeter-sim-front-proxy-ca")
    if not layout.apiserver[0].exists():
        hosts = ("127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")
        tls.issue(ca, "kube-apiserver", hosts=hosts).write(*layout.apiserver)
    if not layout.front_proxy_client[0].exists():
        tls.issue(front_proxy_ca, "front-proxy-client", client=True).write(*layout.front_proxy_client)
    _ensure_tokens(layout)


def _ensure_tokens(layout: Layout) -> None:
    """A token for every identity: kept when the file has one (a run directory of an older version may lack some)."""
    table = read_tokens(layout) if layout.tokens.exists() else {}
    known = {identity.name for identity in table.values()}
    issued = [(ADMIN_TOKEN if key == "admin" else secrets.token_urlsafe(24), identity)
              for key, identity in identities.IDENTITIES.items() if identity.name not in known]  # fmt: skip
    if issued:
        layout.tokens.touch(mode=0o600)
        layout.tokens.write_text(identities.render([*table.items(), *issued]))


def read_tokens(layout: Layout) -> dict[str, identities.Identity]:
    """The token file: token -> identity."""
    return identities.parse(layout.tokens.read_text())


def token_of(layout: Layout, key: str) -> str:
    """The bearer token of one of the cluster's identities, by key (`viewer`, `scraper`, ...)."""
    return identities.tokens_by_user(read_tokens(layout))[identities.IDENTITIES[key].name]


def _ensure_ca(cert: Path, key: Path, name: str) -> tls.KeyPair:
    if cert.exists() and key.exists():
        return tls.KeyPair.read(cert, key)
    pair = tls.new_ca(name)
    pair.write(cert, key)
    return pair


def cluster_ca(layout: Layout) -> tls.KeyPair:
    """The cluster CA, for issuing kubelet serving certificates."""
    return tls.KeyPair.read(*layout.ca)


def kubeconfig(server: str, ca_pem: bytes, users: Sequence[tuple[str, str]]) -> bytes:
    """A kubeconfig (JSON is valid YAML) with one context per (name, bearer token), the first one current."""
    cluster = {"server": server, "certificate-authority-data": base64.b64encode(ca_pem).decode()}
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "flowmeter-sim", "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token}} for name, token in users],
        "contexts": [{"name": name, "context": {"cluster": "flowmeter-sim", "user": name}} for name, _ in users],
        "current-context": users[0][0],
    }
    return msgspec.json.format(msgspec.json.encode(document))


def write_kubeconfigs(layout: Layout, server: str) -> None:
    """Every kubeconfig for a server URL: the services', the kubelets', the users', and the admin's last."""
    ca_pem, tokens = layout.ca[0].read_bytes(), identities.tokens_by_user(read_tokens(layout))

    def token(key: str) -> str:
        return tokens[identities.IDENTITIES[key].name]

    for key in (*identities.SERVICES, identities.KUBELETS):
        _write(layout.service_kubeconfig(key), kubeconfig(server, ca_pem, [(key, token(key))]))
    _write(layout.users_kubeconfig, kubeconfig(server, ca_pem, [(key, token(key)) for key in identities.PEOPLE]))
    _write(layout.admin_kubeconfig, kubeconfig(server, ca_pem, [("admin", token("admin"))]))


def _write(path: Path, content: bytes) -> None:
    """Replace a file at once, so a reader polling for it never sees half of it; owner-only, it holds a token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.touch(mode=0o600)
    temporary.write_bytes(content)
    temporary.replace(path)

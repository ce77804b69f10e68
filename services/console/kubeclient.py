"""Kubernetes requests made with the identity of the person using the console.

The kubeconfig (or the pod's in-cluster settings) names the API server and its CA. A bearer token the person signed
in with is sent as theirs; without one, the kubeconfig's own credentials are used (a person running the console
locally with their kubeconfig). In-cluster, the console's service account token is never used: no shared credential.
"""

import os
import ssl
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec

from services.lib import kube

IN_CLUSTER_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)


class KubeError(Exception):
    """The API server answered with an error (401 and 403 included); `status` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Identity:
    """Who the request is made as: a bearer token, or the kubeconfig's own credentials."""

    token: str = ""


def _message(status: int, data: bytes) -> str:
    try:
        document = msgspec.json.decode(data)
        if isinstance(document, dict) and document.get("message"):
            return str(document["message"])
    except msgspec.DecodeError:
        pass
    return data[:200].decode(errors="replace") or f"HTTP {status}"


class Cluster:
    """One API server; one HTTP session for every person, each request carrying its person's credentials."""

    def __init__(self, server: str, ca_file: str | None, own_token: str, own_cert: tuple[str, str] | None) -> None:
        self.server, self._own_token = server.rstrip("/"), own_token
        self._plain = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        self._own_tls = self._plain
        if own_cert:  # the kubeconfig's client certificate is presented only for requests without a token
            self._own_tls = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
            self._own_tls.load_cert_chain(*own_cert)
        self._session = aiohttp.ClientSession(timeout=TIMEOUT)

    @classmethod
    async def load(cls, kubeconfig: str) -> "Cluster":
        """The cluster a kubeconfig points at (with its credentials as the fallback), or in-cluster without any."""
        if not kubeconfig:
            host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ["KUBERNETES_SERVICE_PORT"]
            return cls(f"https://{host}:{port}", IN_CLUSTER_CA, "", None)
        settings = await kube.configuration(kubeconfig)
        token = str((settings.api_key or {}).get("authorization", "")).removeprefix("Bearer ").strip()
        cert = (settings.cert_file, settings.key_file) if settings.cert_file and settings.key_file else None
        return cls(str(settings.host), settings.ssl_ca_cert, token, cert)

    @property
    def has_own_credentials(self) -> bool:
        return bool(self._own_token) or self._own_tls is not self._plain

    async def close(self) -> None:
        await self._session.close()

    async def request(
        self, who: Identity, method: str, path: str, params: dict[str, str] | None = None, body: Any = None
    ) -> Any:
        """The decoded JSON answer; KubeError for a status >= 400 (401 without any credentials)."""
        token = who.token or self._own_token
        if not token and self._own_tls is self._plain:
            raise KubeError(401, "Sign in with a bearer token to use the cluster.")
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else msgspec.json.encode(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        tls = self._plain if who.token else self._own_tls
        async with self._session.request(
            method, self.server + path, params=params, data=data, headers=headers, ssl=tls
        ) as response:
            raw = await response.read()
            if response.status >= 400:
                raise KubeError(response.status, _message(response.status, raw))
            return msgspec.json.decode(raw) if raw else {}

    async def items(self, who: Identity, path: str, params: dict[str, str] | None = None) -> list[Any]:
        """Every item of a list, read in pages of 500 as kubectl does."""
        found: list[Any] = []
        token = ""
        while True:
            page = {**(params or {}), "limit": "500", **({"continue": token} if token else {})}
            answer = await self.request(who, "GET", path, page)
            found += answer.get("items") or []
            token = (answer.get("metadata") or {}).get("continue") or ""
            if not token:
                return found

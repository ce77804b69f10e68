"""What the fault suite's stack serves through its aggregation layer, read over HTTPS as the admin (the same
path `kubectl get --raw` takes, without starting a kubectl per read so a poll can be frequent)."""

import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from services.lib import quantity
from sim import pki
from tests.stack import Stack

METRICS = "/apis/metrics.k8s.io/v1beta1"


def client(stack: Stack, timeout: float = 10) -> httpx.Client:
    """An HTTPS client of the simulated control plane, as the admin; one per thread."""
    layout = pki.Layout(stack.run_dir)
    context = ssl.create_default_context(cafile=layout.ca[0])
    headers = {"Authorization": f"Bearer {pki.ADMIN_TOKEN}"}
    return httpx.Client(base_url=str(stack.status()["apiserver_url"]), verify=context, headers=headers,
                        timeout=timeout)  # fmt: skip


def insecure() -> ssl.SSLContext:
    """TLS that trusts any server: the api replicas' self-signed --cert-dir certificates, for their health paths."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def seconds(timestamp: str) -> float:
    """An RFC 3339 timestamp as Unix seconds."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class Usage:
    """One served node or pod: the sample time (s), CPU (millicores) and memory (MiB) of the node or of each
    container."""

    timestamp: float
    cpu: dict[str, float]
    memory: dict[str, float]


def _usage(item: dict[str, Any]) -> Usage:
    parts = item.get("containers") or [{"name": "", "usage": item["usage"]}]
    cpu = {c["name"]: quantity.to_nanocores(c["usage"]["cpu"]) / 1e6 for c in parts}
    memory = {c["name"]: quantity.to_bytes(c["usage"]["memory"]) / 2**20 for c in parts}
    return Usage(seconds(item["timestamp"]), cpu, memory)


def nodes(http: httpx.Client) -> dict[str, Usage]:
    """node -> its served usage; empty when the list fails."""
    response = http.get(f"{METRICS}/nodes")
    if response.status_code != 200:
        return {}
    return {item["metadata"]["name"]: _usage(item) for item in response.json()["items"]}


def pods(http: httpx.Client) -> dict[tuple[str, str], Usage]:
    """(namespace, pod) -> its served usage; empty when the list fails."""
    response = http.get(f"{METRICS}/pods")
    if response.status_code != 200:
        return {}
    return {(i["metadata"]["namespace"], i["metadata"]["name"]): _usage(i) for i in response.json()["items"]}


def running_pods(stack: Stack) -> set[tuple[str, str]]:
    """Every Running pod, as the control plane lists them."""
    items = stack.json("get", "pods", "-A", "--field-selector=status.phase=Running", "-o", "json")["items"]
    return {(pod["metadata"]["namespace"], pod["metadata"]["name"]) for pod in items}

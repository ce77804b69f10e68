"""deploy/'s NATS pieces fit together: `flowmeter nats-secrets` makes the Secrets, the StatefulSet's mounts and
ConfigMap run a real nats-server with TLS, and a Deployment's mounts and flags connect to it as its own user.

Each pod's volumes are materialized under a temporary root exactly as its manifest mounts them.
"""

import asyncio
import base64
import contextlib
import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import DeliverPolicy
from prometheus_client import CollectorRegistry

from services import events
from services.lib import jetstream, natsaccess, telemetry
from tests.conftest import NatsServer
from tests.integration.manifests import environment, rendered
from tests.integration.test_store_service import sample
from tests.processes import module

METRICS = telemetry.stream_metrics(CollectorRegistry())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """The rendered manifests, the generated Secrets, and a root directory standing in for every pod's filesystem."""

    def __init__(self, root: Path, overlay: str = "single") -> None:
        self.root, self.objects = root, rendered(overlay)
        generated = subprocess.run(
            [str(Path(sys.executable).parent / "flowmeter"), "nats-secrets"], check=True, capture_output=True, text=True
        )
        secrets = json.loads(generated.stdout)["items"]
        self.data = {("Secret", s["metadata"]["name"]): {k: base64.b64decode(v) for k, v in s["data"].items()}
                     for s in secrets}  # fmt: skip
        self.data |= {("ConfigMap", o["metadata"]["name"]): {k: v.encode() for k, v in o["data"].items()}
                      for o in self.objects if o["kind"] == "ConfigMap"}  # fmt: skip

    def workload(self, kind: str, name: str) -> dict[str, Any]:
        return next(o for o in self.objects if o["kind"] == kind and o["metadata"]["name"] == name)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def mount(self, workload: dict[str, Any]) -> None:
        """Write each configMap, secret and projected volume's files where the container mounts them."""
        spec = workload["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        for mounted in container["volumeMounts"]:
            volume = volumes.get(mounted["name"])
            sources = volume.get("projected", {}).get("sources", [volume]) if volume else []
            for source in sources:
                kind = "Secret" if "secret" in source else "ConfigMap" if "configMap" in source else ""
                if not kind:
                    continue
                ref = source["secret"] if kind == "Secret" else source["configMap"]
                files = self.data[(kind, ref.get("secretName") or ref["name"])]
                for item in ref.get("items") or [{"key": k, "path": k} for k in files]:
                    target = self.path(mounted["mountPath"]) / item["path"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(files[item["key"]])

    def args(self, workload: dict[str, Any]) -> list[str]:
        """The container's flags, then its environment as flags, with absolute paths moved under the root."""
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        prefix = container["command"][2].removeprefix("services.").upper() + "_"
        settings = [f"--{key.removeprefix(prefix).lower().replace('_', '-')}={value}"
                    for key, value in environment(self.objects, container).items()]  # fmt: skip
        return [re.sub(r"=(/etc/\S+)", lambda m: "=" + str(self.path(m.group(1))), arg)
                for arg in [*container["args"], *settings]]  # fmt: skip


@pytest.fixture
def cluster(tmp_path: Path) -> Cluster:
    return Cluster(tmp_path / "root")


@pytest.fixture
def nats_server(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """nats-server as the StatefulSet runs it; its address as localhost (the certificate names it for port-forward)."""
    monkeypatch.setenv("POD_NAME", "nats-0")  # the StatefulSet's env, which the configuration names the server by
    statefulset = cluster.workload("StatefulSet", "nats")
    cluster.mount(statefulset)
    config = cluster.path("/etc/nats/config/nats.conf")
    port = free_port()
    text = config.read_text().replace("/etc/", f"{cluster.root}/etc/").replace("/data", f"{cluster.root}/data")
    config.write_text(re.sub(r"(?m)^port: 4222$", f"port: {port}", text).replace("http_port: 8222", "http_port: -1"))
    server = NatsServer(cluster.root, config=config)
    yield f"localhost:{port}"
    server.stop()


def service_flags(cluster: Cluster, name: str, address: str) -> list[str]:
    deployment = cluster.workload("Deployment", f"flowmeter-{name}")
    cluster.mount(deployment)
    return [arg.replace("nats.flowmeter.svc:4222", address) for arg in cluster.args(deployment)]


async def test_the_store_deployment_reaches_nats_over_tls_as_its_own_user(cluster: Cluster, nats_server: str) -> None:
    store_flags = service_flags(cluster, "store", nats_server)
    assert f"--nats-url=tls://{nats_server}" in store_flags
    ca = cluster.path("/etc/flowmeter/nats/ca.crt")
    user, _ = natsaccess.read_credentials(str(cluster.path("/etc/flowmeter/nats/user.creds"))) or ("", "")
    assert user == "store"
    scraper = await nats.connect(f"tls://{nats_server}", user="scraper", password=_password(cluster, "scraper"),
                                 tls=natsaccess.client_tls(str(ca)), inbox_prefix=natsaccess.inbox_prefix("scraper"))  # fmt: skip
    try:
        js = scraper.jetstream()
        await jetstream.ensure_stream(js, events.SAMPLES)
        with module("services.store", *store_flags, "--metrics-bind-address=127.0.0.1:0") as store:
            while "publishing live" not in store.log and store.popen.poll() is None:  # noqa: ASYNC110 - its log
                await asyncio.sleep(0.1)
            assert store.popen.poll() is None, store.log
            await jetstream.publish(js, sample(0, 100.0), METRICS)
            await jetstream.publish(js, sample(1, 102.5), METRICS)
            api = await nats.connect(f"tls://{nats_server}", user="api", password=_password(cluster, "api"),
                                     tls=natsaccess.client_tls(str(ca)), inbox_prefix=natsaccess.inbox_prefix("api"))  # fmt: skip
            try:
                rates = await api.jetstream().subscribe(
                    events.RATES.subject("node-1.zone-a"), stream=events.RATES.name, deliver_policy=DeliverPolicy.LAST
                )
                while (event := events.RATE_DECODER.decode((await rates.next_msg(timeout=20)).data)).node_usage is None:
                    pass
            finally:
                await api.close()
    finally:
        await scraper.close()
    assert event.node_usage.cpu_nanocores == 1_000_000_000


def _password(cluster: Cluster, user: str) -> str:
    return cluster.data[("Secret", "flowmeter-nats-users")][f"{user}.creds"].decode().strip().partition(":")[2]


async def test_the_deployed_nats_refuses_plain_text_connections(cluster: Cluster, nats_server: str) -> None:
    host, port = nats_server.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    info = json.loads((await reader.readline()).removeprefix(b"INFO "))
    writer.write(b'CONNECT {"verbose":false,"user":"api","pass":"' + _password(cluster, "api").encode() + b'"}\r\n')
    writer.write(b"PING\r\n")
    try:
        answer = await reader.readline()
    except ConnectionResetError:  # it hung up with our bytes unread, so the kernel answered with a reset
        answer = b""
    writer.close()
    with contextlib.suppress(ConnectionResetError):
        await writer.wait_closed()
    assert info["tls_required"] is True
    assert answer == b"", "the server hangs up on a client that sends its password in the clear"


def test_each_deployment_mounts_only_its_own_nats_credentials(cluster: Cluster) -> None:
    for name in natsaccess.SERVICES:
        volumes = cluster.workload("Deployment", f"flowmeter-{name}")["spec"]["template"]["spec"]["volumes"]
        keys = [item["key"] for v in volumes for s in v.get("projected", {}).get("sources", [])
                for item in s["secret"]["items"]]  # fmt: skip
        assert keys == [f"{name}.creds", "ca.crt"]

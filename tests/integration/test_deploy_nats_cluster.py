"""The ha overlay's NATS: three real nats-servers with its configuration and `flowmeter nats-secrets`' certificate
form a cluster over mutually verified TLS routes, and the services' streams and KV buckets get three replicas there.

The servers run on this machine, so each one's ports and the route addresses move to localhost (the certificate
names localhost for port-forwarding) and each keeps its data in its own directory.
"""

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import APIError

from services import events
from services.lib import jetstream, natsaccess
from tests.conftest import NatsServer
from tests.integration.test_deploy_nats import Cluster, free_port

SERVERS = 3


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[tuple[Cluster, str]]:
    """The ha overlay's three servers; (the rendered cluster, one server's client address)."""
    cluster = Cluster(tmp_path / "root", "ha")
    cluster.mount(cluster.workload("StatefulSet", "nats"))
    template = cluster.path("/etc/nats/config/nats.conf").read_text()
    clients, routes = [free_port() for _ in range(SERVERS)], [free_port() for _ in range(SERVERS)]
    servers = []
    try:
        for i in range(SERVERS):
            text = template.replace("/etc/", f"{cluster.root}/etc/").replace("/data", f"{cluster.root}/data-{i}")
            text = text.replace("$POD_NAME", f"nats-{i}").replace("http_port: 8222", "http_port: -1")
            text = re.sub(r"(?m)^port: 4222$", f"port: {clients[i]}", text).replace("port: 6222", f"port: {routes[i]}")
            for j in range(SERVERS):
                text = text.replace(f"nats-{j}.nats-headless.flowmeter.svc:6222", f"localhost:{routes[j]}")
            config = cluster.path(f"/etc/nats/config/nats-{i}.conf")
            config.write_text(text)
            servers.append(NatsServer(cluster.root, config=config))
        yield cluster, f"localhost:{clients[0]}"
    finally:
        for server in servers:
            server.stop()


async def test_streams_and_buckets_get_three_replicas_on_the_ha_nats_cluster(nats_cluster: tuple[Cluster, str]) -> None:
    cluster, address = nats_cluster
    password = cluster.data[("Secret", "flowmeter-nats-users")]["scraper.creds"].decode().strip().partition(":")[2]
    ca = str(cluster.path("/etc/nats/tls/ca.crt"))
    client = await nats.connect(f"tls://{address}", user="scraper", password=password,
                                tls=natsaccess.client_tls(ca), inbox_prefix=natsaccess.inbox_prefix("scraper"))  # fmt: skip
    try:
        js = client.jetstream(timeout=1)  # a request before a leader exists goes unanswered: give up on it soon
        deadline = time.monotonic() + 60
        while True:  # the servers elect a JetStream leader once their routes are up: other processes, so poll
            try:
                await jetstream.ensure_stream(js, events.SAMPLES)
                break
            except (APIError, NatsTimeoutError):  # no leader yet: an error, or no answer at all
                assert time.monotonic() < deadline, "the three servers never formed a JetStream cluster"
                await asyncio.sleep(0.5)
        info = await js.stream_info(events.SAMPLES.name)
        await jetstream.key_value(js, events.SCRAPER_BUCKET, ttl_seconds=15)
        bucket = await js.stream_info(f"KV_{events.SCRAPER_BUCKET}")
    finally:
        await client.close()
    assert info.config.num_replicas == 3 and info.cluster is not None
    assert len(info.cluster.replicas or []) == 2, "the leader and two more copies, one per server"
    assert bucket.config.num_replicas == 3

"""NATS locked down per service: each does its own job with its own credentials and nothing else.

A real nats-server runs the configuration `natsaccess.provision` writes, the same one `./just up` runs.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from prometheus_client import CollectorRegistry

from services import events
from services.lib import jetstream, natsaccess, telemetry
from tests.conftest import NatsServer
from tests.integration.test_store_service import sample
from tests.processes import module

METRICS = telemetry.stream_metrics(CollectorRegistry())


class Secured:
    """A nats-server with one user per service; `connect(user)` logs in as that service would."""

    def __init__(self, tmp_path: Path) -> None:
        self.directory = tmp_path / "nats"
        config = natsaccess.provision(self.directory, "127.0.0.1", -1, tmp_path / "jetstream")
        self.server = NatsServer(tmp_path, config=config)
        self.url = self.server.url
        self.errors: dict[str, asyncio.Queue[str]] = {}

    def credentials(self, user: str) -> str:
        return str(self.directory / f"{user}.creds")

    async def connect(self, user: str) -> Client:
        """Connected as `user`, with the server's complaints about it collected in `errors[user]`."""
        name, password = natsaccess.read_credentials(self.credentials(user)) or ("", "")
        complaints = self.errors.setdefault(user, asyncio.Queue())

        async def on_error(error: Exception) -> None:
            complaints.put_nowait(str(error))

        return await nats.connect(
            self.url, user=name, password=password, inbox_prefix=natsaccess.inbox_prefix(name), error_cb=on_error
        )

    async def violation(self, user: str) -> str:
        """The next permissions violation the server reported to `user` (nats-py lowercases the server's words)."""
        while "permissions violation" not in (complaint := await asyncio.wait_for(self.errors[user].get(), 10)):
            pass
        return complaint


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Secured]:
    server = Secured(tmp_path)
    yield server
    server.server.stop()


@pytest.fixture
async def clients(secured: Secured) -> AsyncIterator[dict[str, Client]]:
    connected = {user: await secured.connect(user) for user in natsaccess.SERVICES}
    yield connected
    for client in connected.values():
        await client.close()


async def test_samples_flow_from_the_scraper_user_through_the_store_to_the_api_user(
    secured: Secured, clients: dict[str, Client]
) -> None:
    scraper, api = clients["scraper"].jetstream(), clients["api"].jetstream()
    await jetstream.ensure_stream(scraper, events.SAMPLES)
    store_flags = ["--nats-url", secured.url, "--nats-credentials-file", secured.credentials("store")]
    with module(
        "services.store", *store_flags, "--metric-resolution", "10s", "--metrics-bind-address=127.0.0.1:0"
    ) as store:
        while "publishing live" not in store.log and store.popen.poll() is None:  # noqa: ASYNC110 - another process's log
            await asyncio.sleep(0.1)
        rates = await api.subscribe(
            events.RATES.subject("node-1.zone-a"), stream=events.RATES.name, deliver_policy=DeliverPolicy.NEW
        )
        await jetstream.publish(scraper, sample(0, 100.0), METRICS)
        await jetstream.publish(scraper, sample(1, 102.5), METRICS)
        while True:
            event = events.RATE_DECODER.decode((await rates.next_msg(timeout=20)).data)
            if event.node_usage is not None:
                break
    assert event.node_usage.cpu_nanocores == 1_000_000_000


async def test_the_scraper_user_cannot_forge_rates_or_delete_streams(
    secured: Secured, clients: dict[str, Client]
) -> None:
    scraper, store = clients["scraper"], clients["store"].jetstream()
    await jetstream.ensure_stream(store, events.RATES)
    forged = events.NodeRatesComputed(node="node-1", scraped_at_ns=1, node_usage=None, pods=())
    await scraper.publish(events.RATES.subject("node-1"), events.ENCODER.encode(forged))
    assert "flowmeter.rates.node-1" in await secured.violation("scraper")
    await scraper.publish(f"$JS.API.STREAM.DELETE.{events.RATES.name}", b"")
    assert "stream.delete.rates" in await secured.violation("scraper")
    assert (await store.stream_info(events.RATES.name)).state.messages == 0


async def test_the_api_user_can_read_rates_but_not_raw_samples_nor_another_services_replies(
    secured: Secured, clients: dict[str, Client]
) -> None:
    await jetstream.ensure_stream(clients["scraper"].jetstream(), events.SAMPLES)
    api = clients["api"]
    await api.subscribe(f"{natsaccess.inbox_prefix('store')}.>")
    assert 'subscription to "_inbox_store.>"' in await secured.violation("api")
    with pytest.raises(nats.errors.TimeoutError):
        await api.jetstream().subscribe(events.SAMPLES.subjects[0], stream=events.SAMPLES.name, ordered_consumer=True)
    assert "consumer.create.samples" in await secured.violation("api")


async def test_the_autoscaler_user_keeps_its_history_and_leadership_in_its_buckets(clients: dict[str, Client]) -> None:
    js = clients["autoscaler"].jetstream()
    history = await js.create_key_value(bucket=events.HISTORY_BUCKET, history=1)
    await history.put("shop/frontend", b"kept")
    assert (await history.get("shop/frontend")).value == b"kept"
    leaders = await js.create_key_value(bucket=events.LEADER_BUCKET, ttl=10, history=1)
    assert await leaders.create("autoscaler", b"replica-1") > 0


async def test_a_client_without_credentials_or_with_a_wrong_password_is_refused(secured: Secured) -> None:
    # Spoken in the NATS protocol directly: nats-py leaks its socket when the server refuses it.
    host, port = secured.url.removeprefix("nats://").rsplit(":", 1)
    for credentials in ({}, {"user": "scraper", "pass": "guessed"}):
        reader, writer = await asyncio.open_connection(host, int(port))
        assert (await reader.readline()).startswith(b"INFO ")
        writer.write(b"CONNECT " + json.dumps({"verbose": False, **credentials}).encode() + b"\r\nPING\r\n")
        assert await reader.readline() == b"-ERR 'Authorization Violation'\r\n"
        writer.close()
        await writer.wait_closed()


async def test_the_console_user_records_usage_history_but_cannot_forge_samples_or_rates(secured: Secured) -> None:
    store = await secured.connect("store")
    console = await secured.connect("console")
    try:
        await jetstream.ensure_stream(store.jetstream(), events.RATES)
        js = console.jetstream()
        await jetstream.ensure_stream(js, events.USAGE)
        record = events.UsageRecorded(namespace="shop", minute_ns=60 * 10**9, pods=())
        await jetstream.publish(js, record, METRICS)  # acknowledged: stored
        replayed: list[events.UsageRecorded] = []

        async def on_usage(msg: Msg) -> None:
            replayed.append(events.USAGE_DECODER.decode(msg.data))

        await jetstream.replay(js, events.USAGE, on_usage, METRICS)  # a consumer of its own stream
        assert replayed == [record]
        forged = events.NodeRatesComputed(node="node-1", scraped_at_ns=1, node_usage=None, pods=())
        await console.publish(events.RATES.subject("node-1"), events.ENCODER.encode(forged))
        assert "flowmeter.rates.node-1" in await secured.violation("console")
        await console.publish(events.SAMPLES.subject("node-1"), b"")
        assert "flowmeter.samples." in await secured.violation("console")
        await console.publish(f"$JS.API.STREAM.DELETE.{events.USAGE.name}", b"")
        assert "stream.delete.usage" in await secured.violation("console")
        assert (await store.jetstream().stream_info(events.RATES.name)).state.messages == 0
    finally:
        await console.close()
        await store.close()

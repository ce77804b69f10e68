"""NATS JetStream plumbing shared by the services: connect with logging callbacks, create streams, publish, follow."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.aio.client import DEFAULT_INBOX_PREFIX, Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, BadRequestError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from services import events
from services.lib import natsaccess
from services.lib.config import NatsConnection
from services.lib.telemetry import StreamMetrics

DUPLICATE_WINDOW_SECONDS = 120.0
STREAM_POLL_SECONDS = 1.0
CLUSTER_REPLICAS = 3  # copies of every stream and KV bucket on a clustered NATS: one server may fail
REPLICAS_NEED_A_CLUSTER = 10074  # JetStream's error code: "replicas > 1 not supported in non-clustered mode"
T = TypeVar("T")


async def connect(settings: NatsConnection, name: str, logger: logging.Logger) -> Client:
    """A connection that reconnects forever and logs every state change through the service's logger.

    With a credentials file (`user:password`), it authenticates as that user; the password never reaches a log.
    With a CA file, it speaks TLS and verifies the server's certificate against that CA.
    """
    url = settings.nats_url
    credentials = natsaccess.read_credentials(settings.nats_credentials_file)
    user, password = credentials if credentials else (None, None)
    tls = natsaccess.client_tls(settings.nats_tls_ca_file)

    async def on_error(error: Exception) -> None:
        logger.warning("nats error: %s", error)

    async def on_disconnected() -> None:
        if not client.is_closed:  # closing on shutdown disconnects too, and is no cause for a warning
            logger.warning("nats disconnected url=%s", url)

    async def on_reconnected() -> None:
        logger.info("nats reconnected url=%s", url)

    client = Client()
    await client.connect(
        servers=[url],
        name=name,
        user=user,
        password=password,
        inbox_prefix=natsaccess.inbox_prefix(user) if user else DEFAULT_INBOX_PREFIX,
        tls=tls,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,  # type: ignore[arg-type]  # annotated int, used as seconds in asyncio.sleep
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
    )
    return client


async def ensure_stream(js: JetStreamContext, spec: events.StreamSpec) -> None:
    """Create the stream, or bring an existing one to this configuration; safe to call from every replica.
    Replicated as `_replicated` says."""

    async def create(replicas: int) -> None:
        config = StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            description=spec.description,
            max_msgs_per_subject=spec.max_msgs_per_subject,
            max_age=spec.max_age_seconds,
            max_bytes=spec.max_bytes,
            storage=StorageType.FILE,
            duplicate_window=duplicate_window(spec),
            num_replicas=replicas,
        )
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)  # it exists with another configuration

    await _replicated(create)


def duplicate_window(spec: events.StreamSpec) -> float:
    """How long JetStream remembers a Nats-Msg-Id: DUPLICATE_WINDOW_SECONDS, or the stream's max age when that is
    shorter (nats-server refuses a window longer than the max age, e.g. the console's USAGE at --retention=1m)."""
    if spec.max_age_seconds:
        return min(DUPLICATE_WINDOW_SECONDS, spec.max_age_seconds)
    return DUPLICATE_WINDOW_SECONDS


async def key_value(js: JetStreamContext, bucket: str, ttl_seconds: float = 0, description: str = "") -> KeyValue:
    """A KV bucket, created by whichever replica gets there first; with a TTL its entries expire unless renewed.
    Replicated as streams are."""
    try:
        return await js.key_value(bucket)
    except BucketNotFoundError:
        pass

    async def create(replicas: int) -> KeyValue:
        return await js.create_key_value(bucket=bucket, ttl=ttl_seconds or None, history=1,
                                         description=description or None, replicas=replicas)  # fmt: skip

    return await _replicated(create)


async def _replicated(create: Callable[[int], Awaitable[T]]) -> T:
    """Three copies on a clustered NATS, so one server may fail; a single server refuses more than one, so there
    one."""
    try:
        return await create(CLUSTER_REPLICAS)
    except APIError as error:
        if error.err_code != REPLICAS_NEED_A_CLUSTER:
            raise
    return await create(1)


async def await_stream(js: JetStreamContext, spec: events.StreamSpec, logger: logging.Logger) -> None:
    """Wait until the stream exists: only its producer may create it (readers' NATS users cannot)."""
    waiting = False
    while True:
        try:
            await js.stream_info(spec.name)
            return
        except NotFoundError:
            if not waiting:
                logger.info("waiting for stream %s, which its producer creates", spec.name)
                waiting = True
            await asyncio.sleep(STREAM_POLL_SECONDS)


async def publish(js: JetStreamContext, event: events.Event, metrics: StreamMetrics) -> None:
    """Publish an event on its stream's subject with its identity as `Nats-Msg-Id`, so a retry is stored once."""
    spec, subject = events.route(event)
    await js.publish(subject, events.ENCODER.encode(event), headers={"Nats-Msg-Id": events.message_id(event)})
    metrics.published.labels(spec.name).inc()


async def follow(
    js: JetStreamContext,
    spec: events.StreamSpec,
    deliver: DeliverPolicy,
    handle: Callable[[Msg], Awaitable[None]],
    caught_up: asyncio.Event,
    metrics: StreamMetrics,
    subject: str = "",
) -> JetStreamContext.PushSubscription:
    """Replay a stream (or the part of it under `subject`) with an ordered consumer, then keep following it;
    `caught_up` is set once the replay is done.

    An ordered consumer (ephemeral, no acks) fits a projection that is rebuilt from the retained stream on every
    start: there is no per-service position worth keeping. Messages reach `handle` one at a time, in stream order.
    """

    consumed, pending = metrics.consumed.labels(spec.name), metrics.pending.labels(spec.name)

    async def on_message(msg: Msg) -> None:
        await handle(msg)
        consumed.inc()
        pending.set(msg.metadata.num_pending)
        if msg.metadata.num_pending == 0:
            caught_up.set()

    if subject:  # a part of the stream: is anything stored under it?
        empty = not (await js.stream_info(spec.name, subjects_filter=subject)).state.subjects
    else:
        subject, empty = spec.subjects[0], (await js.stream_info(spec.name)).state.messages == 0
    if empty:
        caught_up.set()
    subscription = await js.subscribe(
        subject,
        stream=spec.name,
        cb=on_message,
        ordered_consumer=True,
        deliver_policy=deliver,
        pending_msgs_limit=-1,
        pending_bytes_limit=-1,
    )
    return subscription


# What a publish can fail with while NATS is away or slow: the event is lost, the caller carries on.
PUBLISH_ERRORS = (NatsError, TimeoutError, OSError)


async def replay(
    js: JetStreamContext, spec: events.StreamSpec, handle: Callable[[Msg], Awaitable[None]], metrics: StreamMetrics
) -> None:
    """Hand every message the stream holds to `handle`, in order, and return once done (no following)."""
    done = asyncio.Event()
    subscription = await follow(js, spec, DeliverPolicy.ALL, handle, done, metrics)
    try:
        await done.wait()
    finally:
        await subscription.unsubscribe()

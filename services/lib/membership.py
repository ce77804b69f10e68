"""Live replicas of a service, kept in a NATS KV bucket whose entries expire unless renewed.

Each replica renews its own entry every third of the TTL and watches the bucket. A replica that stops cleanly deletes
its entry, so the others take its share at once; one that dies stops renewing and drops out when its entry is older
than the TTL (the bucket's max age removes it from NATS at the same time).
"""

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from services import events


class Membership:
    """The replicas seen alive; `changed` is called whenever that set changes."""

    def __init__(self, bucket: str, me: str, ttl_seconds: float, logger: logging.Logger) -> None:
        self.name, self.me, self.ttl, self.logger = bucket, me, ttl_seconds, logger
        self.on_change: Callable[[], None] = lambda: None
        self.share = 0  # how many items this replica takes, reported in its heartbeat
        self.watching = asyncio.Event()  # set once the initial entries are read
        self._renewed_ns: dict[str, int] = {}  # replica -> wall clock of its last renewal
        self._live: frozenset[str] = frozenset()
        self._kv: KeyValue | None = None

    @property
    def live(self) -> frozenset[str]:
        return self._live

    async def bucket(self, js: JetStreamContext) -> KeyValue:
        """The members' bucket, created with the TTL by the first replica."""
        try:
            return await js.key_value(self.name)
        except BucketNotFoundError:
            return await js.create_key_value(bucket=self.name, ttl=self.ttl, history=1)

    async def run(self, js: JetStreamContext) -> None:
        """Renew this replica's entry and follow everyone's until cancelled; then leave the bucket."""
        self._kv = await self.bucket(js)
        await self.renew()
        try:
            await asyncio.gather(self._renew_forever(), self._watch(self._kv), self._expire_forever())
        finally:
            await self.leave()

    async def renew(self) -> None:
        if self._kv is None:
            return
        heartbeat = events.ReplicaHeartbeat(at_ns=time.time_ns(), share=self.share)
        try:
            await self._kv.put(self.me, events.ENCODER.encode(heartbeat))
        except Exception as error:  # nats raises many kinds while reconnecting; the next renewal retries
            self.logger.warning("could not renew membership in %s: %s", self.name, error)

    async def leave(self) -> None:
        """Delete this replica's entry so the others take its nodes now rather than after the TTL."""
        if self._kv is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._kv.delete(self.me)), timeout=2)
            self.logger.info("left %s", self.name)
        except Exception as error:  # shutting down: the entry then expires by itself
            self.logger.warning("could not leave %s: %s", self.name, error)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await self.renew()

    async def _expire_forever(self) -> None:
        """Drop replicas that stopped renewing; checked often so a dead one's share moves soon after its TTL."""
        while True:
            await asyncio.sleep(self.ttl / 10)
            self._recompute()

    async def _watch(self, kv: KeyValue) -> None:
        watcher = await kv.watchall()
        async for entry in watcher:
            if entry is None:  # the initial entries have all arrived
                self.watching.set()
            elif entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
                self._renewed_ns.pop(entry.key, None)
            else:
                try:
                    self._renewed_ns[entry.key] = events.HEARTBEAT_DECODER.decode(entry.value).at_ns
                except msgspec.DecodeError as error:
                    self.logger.error("ignoring an undecodable heartbeat of %s: %s", entry.key, error)
            self._recompute()

    def _recompute(self) -> None:
        oldest = time.time_ns() - round(self.ttl * 1e9)
        live = frozenset(name for name, at in self._renewed_ns.items() if at > oldest)
        if live != self._live:
            joined, left = sorted(live - self._live), sorted(self._live - live)
            self._live = live
            self.logger.info("%s: replicas now %s (joined %s, left %s)", self.name, sorted(live), joined, left)
            self.on_change()

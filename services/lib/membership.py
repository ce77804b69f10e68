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
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from services import events
from services.lib import jetstream


class Membership:
    """The replicas seen alive; `changed` is called whenever that set changes."""

    def __init__(self, bucket: str, me: str, ttl_seconds: float, logger: logging.Logger) -> None:
        self.name, self.me, self.ttl, self.logger = bucket, me, ttl_seconds, logger
        self.on_change: Callable[[], None] = lambda: None
        self.share = 0  # how many items this replica takes, reported in its heartbeat
        self.watching = asyncio.Event()  # set once the initial entries are read
        self._renewed_ns: dict[str, int] = {}  # replica -> wall clock of its last renewal
        self._live: frozenset[str] = frozenset()

    @property
    def live(self) -> frozenset[str]:
        return self._live

    async def run(self, js: JetStreamContext) -> None:
        """Renew this replica's entry and follow everyone's until cancelled; then leave the bucket."""
        kv = await jetstream.key_value(js, self.name, self.ttl)
        await self._renew(kv)  # before watching, so the initial entries include this replica
        try:
            await asyncio.gather(self._renew_forever(kv), self._watch(kv), self._expire_forever())
        finally:
            await self._leave(kv)

    async def _renew(self, kv: KeyValue) -> None:
        heartbeat = events.ReplicaHeartbeat(at_ns=time.time_ns(), share=self.share)
        try:
            await kv.put(self.me, events.ENCODER.encode(heartbeat))
        except Exception as error:  # nats raises many kinds while reconnecting; the next renewal retries
            self.logger.warning("could not renew membership in %s: %s", self.name, error)

    async def _renew_forever(self, kv: KeyValue) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await self._renew(kv)

    async def _leave(self, kv: KeyValue) -> None:
        """Delete this replica's entry so the others take its share now rather than after the TTL."""
        try:
            await asyncio.wait_for(asyncio.shield(kv.delete(self.me)), timeout=2)
            self.logger.info("left %s", self.name)
        except Exception as error:  # shutting down: the entry then expires by itself
            self.logger.warning("could not leave %s: %s", self.name, error)

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

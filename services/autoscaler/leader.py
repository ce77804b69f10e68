"""Leader election over a NATS KV bucket whose entries expire: the replica holding the key acts, others wait.

The leader renews its entry every third of the TTL with a compare-and-set on the revision it last wrote; if the
leader dies its entry expires and the first replica to create it again takes over. Two replicas never both lead
for longer than one renewal, because a stale leader's update fails on the revision. A leader that cannot reach NATS
to renew stops leading and keeps trying: an outage ends the lead, not the process, and once NATS answers again it
takes back its own entry if no other replica has written it.
"""

import asyncio
import logging

from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services import events
from services.lib import jetstream


class Leadership:
    """Whether this replica leads `name`; `leading` is set while it does."""

    def __init__(self, name: str, me: str, ttl_seconds: float, logger: logging.Logger) -> None:
        self.name, self.me, self.ttl, self.logger = name, me, ttl_seconds, logger
        self.leading = asyncio.Event()
        self._revision = 0

    async def run(self, js: JetStreamContext) -> None:
        """Try to lead, and keep leading, until cancelled."""
        kv = await jetstream.key_value(js, events.LEADER_BUCKET, self.ttl)
        while True:
            await self.attempt(kv)
            await asyncio.sleep(self.ttl / 3)

    async def attempt(self, kv: KeyValue) -> None:
        """Take the lead if it is free, or renew ours; give it up when that fails. After an outage the entry we last
        wrote is retaken at once when nobody has written it since (the compare-and-set proves it), rather than left
        to expire first."""
        try:
            if self.leading.is_set() or self._revision:
                self._revision = await kv.update(self.name, self.me.encode(), last=self._revision)
            else:
                self._revision = await kv.create(self.name, self.me.encode())
            if not self.leading.is_set():
                self.logger.info("leading %s as %s", self.name, self.me)
                self.leading.set()
        except KeyWrongLastSequenceError:
            if self.leading.is_set():
                self.logger.warning("lost the lead of %s", self.name)
            self.leading.clear()
            self._revision = 0
        except jetstream.PUBLISH_ERRORS as error:
            if self.leading.is_set():
                self.logger.warning(
                    "gave up the lead of %s: cannot renew it: %s", self.name, error or type(error).__name__
                )
            self.leading.clear()

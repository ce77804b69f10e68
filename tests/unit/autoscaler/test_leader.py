"""Stories of leader election over a KV bucket, told with a bucket that answers as NATS does or fails as it does
when the server is away."""

import logging

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.autoscaler.leader import Leadership


class Bucket:
    """The one key of the leaders' bucket (revision 0: no entry, or it expired); `down` makes every call fail as it does
    while NATS is unavailable."""

    def __init__(self) -> None:
        self.revision, self.sequence, self.down = 0, 0, False  # revisions are stream sequences: never reused

    async def create(self, key: str, value: bytes) -> int:
        if self.down:
            raise NatsTimeoutError
        if self.revision:
            raise KeyWrongLastSequenceError
        self.sequence += 1
        self.revision = self.sequence
        return self.revision

    async def update(self, key: str, value: bytes, last: int) -> int:
        if self.down:
            raise NatsTimeoutError
        if last != self.revision:
            raise KeyWrongLastSequenceError
        self.sequence += 1
        self.revision = self.sequence
        return self.revision


def kv(bucket: Bucket) -> KeyValue:
    return bucket  # type: ignore[return-value]  # the two methods Leadership calls


async def test_a_leader_that_cannot_reach_nats_gives_up_the_lead_and_takes_it_back_when_nobody_took_it() -> None:
    bucket, me = Bucket(), Leadership("autoscaler", "a", 10, logging.getLogger("test"))
    await me.attempt(kv(bucket))
    assert me.leading.is_set()

    bucket.down = True
    await me.attempt(kv(bucket))
    assert not me.leading.is_set()

    bucket.down = False
    await me.attempt(kv(bucket))  # our entry is still the last one written: no need to wait for it to expire
    assert me.leading.is_set()


async def test_a_leader_back_from_an_outage_does_not_take_the_lead_another_replica_took_meanwhile() -> None:
    bucket, me = Bucket(), Leadership("autoscaler", "a", 10, logging.getLogger("test"))
    await me.attempt(kv(bucket))
    bucket.down = True
    await me.attempt(kv(bucket))

    bucket.down, bucket.revision = False, 0  # our entry expired
    other = Leadership("autoscaler", "b", 10, logging.getLogger("test"))
    await other.attempt(kv(bucket))
    assert other.leading.is_set()
    await me.attempt(kv(bucket))
    await me.attempt(kv(bucket))
    assert not me.leading.is_set() and other.leading.is_set()

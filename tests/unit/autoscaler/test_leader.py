"""Stories of leader election over a KV bucket, told with a bucket that answers as NATS does or fails as it does
when the server is away."""

import logging

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from services.autoscaler.leader import Leadership


class Bucket:
    """The one key of the leaders' bucket; `down` makes every call fail as it does while NATS is unavailable."""

    def __init__(self) -> None:
        self.revision, self.down = 0, False

    async def create(self, key: str, value: bytes) -> int:
        if self.down:
            raise NatsTimeoutError
        if self.revision:
            raise KeyWrongLastSequenceError
        self.revision += 1
        return self.revision

    async def update(self, key: str, value: bytes, last: int) -> int:
        if self.down:
            raise NatsTimeoutError
        if last != self.revision:
            raise KeyWrongLastSequenceError
        self.revision += 1
        return self.revision


def kv(bucket: Bucket) -> KeyValue:
    return bucket  # type: ignore[return-value]  # the two methods Leadership calls


async def test_a_leader_that_cannot_reach_nats_gives_up_the_lead_and_takes_it_again_once_free() -> None:
    bucket, me = Bucket(), Leadership("autoscaler", "a", 10, logging.getLogger("test"))
    await me.attempt(kv(bucket))
    assert me.leading.is_set()

    bucket.down = True
    await me.attempt(kv(bucket))
    assert not me.leading.is_set()

    bucket.down = False
    await me.attempt(kv(bucket))  # our old entry has not expired yet
    assert not me.leading.is_set()
    bucket.revision = 0  # it expired
    await me.attempt(kv(bucket))
    assert me.leading.is_set()

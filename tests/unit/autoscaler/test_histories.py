"""Stories of the HPA histories an autoscaler keeps in memory and in KV, told with a bucket that answers as NATS does
or fails as it does when the server is away."""

import logging

import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import KeyNotFoundError

from services import events
from services.autoscaler import normalize
from services.autoscaler.histories import Histories, HistoryUnavailable, kept_of

S = 1_000_000_000
SCALED = normalize.History((normalize.Recommendation(4, 100 * S),), (normalize.ScaleEvent(2, 100 * S),), ())


class Entry:
    def __init__(self, value: bytes) -> None:
        self.value = value


class Bucket:
    """The histories' bucket; `down` makes every call fail as it does while NATS is unavailable."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.down = False

    async def get(self, key: str) -> Entry:
        if self.down:
            raise NatsTimeoutError
        if key not in self.values:
            raise KeyNotFoundError
        return Entry(self.values[key])

    async def put(self, key: str, value: bytes) -> int:
        if self.down:
            raise NatsTimeoutError
        self.values[key] = value
        return len(self.values)


def histories(bucket: Bucket) -> Histories:
    return Histories(bucket, logging.getLogger("test"))  # type: ignore[arg-type]  # the two calls Histories makes


async def test_a_new_autoscaler_continues_the_history_its_predecessor_kept() -> None:
    bucket = Bucket()
    await histories(bucket).keep("shop/web", SCALED)
    assert await histories(bucket).get("shop/web") == SCALED
    assert await histories(bucket).get("shop/new") is None


async def test_an_hpa_whose_history_cannot_be_read_is_not_evaluated_rather_than_evaluated_without_it() -> None:
    bucket = Bucket()
    bucket.values["shop/web"] = events.ENCODER.encode(kept_of(SCALED))
    bucket.down = True
    with pytest.raises(HistoryUnavailable, match="shop/web"):
        await histories(bucket).get("shop/web")
    bucket.down = False
    assert await histories(bucket).get("shop/web") == SCALED


async def test_a_history_that_cannot_be_written_stays_in_memory_and_the_next_change_writes_it() -> None:
    bucket = Bucket()
    logged = histories(bucket)
    bucket.down = True
    await logged.keep("shop/web", SCALED)
    assert await logged.get("shop/web") == SCALED and not bucket.values
    bucket.down = False
    later = normalize.History((*SCALED.recommendations, normalize.Recommendation(5, 115 * S)), SCALED.up, ())
    await logged.keep("shop/web", later)
    assert await histories(bucket).get("shop/web") == later

"""Stream settings nats-server accepts: the duplicate window never outlasts the stream's max age."""

from msgspec import structs

from services import events
from services.lib import jetstream


def test_the_duplicate_window_is_two_minutes_unless_the_stream_keeps_messages_for_less() -> None:
    assert jetstream.duplicate_window(structs.replace(events.USAGE, max_age_seconds=0)) == 120.0
    assert jetstream.duplicate_window(structs.replace(events.USAGE, max_age_seconds=3600)) == 120.0
    assert jetstream.duplicate_window(structs.replace(events.USAGE, max_age_seconds=60)) == 60.0

"""Each HPA's scaling history (recommendations and scale events), kept in memory and in a NATS KV bucket so that a
restarted or newly elected autoscaler continues the stabilization windows where the last one left them."""

import logging

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from services import events
from services.autoscaler import normalize
from services.lib import jetstream


class HistoryUnavailable(Exception):
    """The HPA's history is neither in memory nor readable from NATS now: deciding without it could skip a
    stabilization window, so the HPA is not evaluated until it can be read."""


def history_of(kept: events.HistoryKept) -> normalize.History:
    return normalize.History(
        tuple(normalize.Recommendation(r, t) for r, t in kept.recommendations),
        tuple(normalize.ScaleEvent(c, t) for c, t in kept.scale_up_events),
        tuple(normalize.ScaleEvent(c, t) for c, t in kept.scale_down_events),
    )


def kept_of(history: normalize.History) -> events.HistoryKept:
    return events.HistoryKept(
        recommendations=tuple((r.replicas, r.time_ns) for r in history.recommendations),
        scale_up_events=tuple((e.change, e.time_ns) for e in history.up),
        scale_down_events=tuple((e.change, e.time_ns) for e in history.down),
    )


class Histories:
    """Histories by HPA key; memory first, then the bucket."""

    def __init__(self, bucket: KeyValue, logger: logging.Logger) -> None:
        self.bucket, self.logger = bucket, logger
        self._known: dict[str, normalize.History | None] = {}

    async def get(self, key: str) -> normalize.History | None:
        """The HPA's history, None when it has never been evaluated; HistoryUnavailable while NATS is away."""
        if key not in self._known:
            try:
                entry = await self.bucket.get(key)
            except KeyNotFoundError:
                self._known[key] = None
            except jetstream.PUBLISH_ERRORS as error:
                raise HistoryUnavailable(f"history of hpa={key} unreadable: {error or type(error).__name__}") from None
            else:
                self._known[key] = history_of(events.HISTORY_DECODER.decode(entry.value or b""))
        return self._known[key]

    async def keep(self, key: str, history: normalize.History) -> None:
        """Remember a changed history; a failed write is logged and memory keeps it, the next change writes it."""
        if history == self._known.get(key) or not history.recommendations:
            return
        self._known[key] = history
        try:
            await self.bucket.put(key, events.ENCODER.encode(kept_of(history)))
        except jetstream.PUBLISH_ERRORS as error:
            self.logger.warning("keeping the history of hpa=%s failed: %s", key, error or type(error).__name__)

    def forget(self, key: str) -> None:
        self._known.pop(key, None)

"""Usage history to USAGE: the points the series gained from RATES, grouped per namespace and minute, become one
`UsageRecorded` each once the minute is over (by the data's own clock, so no timer wakes the console), and whatever is
still pending on shutdown. Pure: the service publishes what `due` and `drain` return.

A point is recorded at the resolution RATES had it (whole ms, CPU in millicores), so the charts rebuilt after a
restart are the charts the console showed before it.
"""

from services import events
from services.console.history import MS, NS, PodKey, Usage

MINUTE_NS = 60 * NS
GRACE_NS = 30 * NS  # a minute is recorded this long after it ends, so every node's last scrape in it can arrive
Pending = dict[str, list[tuple[int, int, int]]]  # pod -> (ms after the minute's start, CPU millicores, memory bytes)


def minute_of(at_ns: int) -> int:
    return at_ns - at_ns % MINUTE_NS


def record(namespace: str, minute_ns: int, pods: Pending) -> events.UsageRecorded:
    """One namespace's minute, pods by name."""
    recorded = tuple(events.PodRecorded(name=name, points=tuple(pods[name])) for name in sorted(pods))
    return events.UsageRecorded(namespace=namespace, minute_ns=minute_ns, pods=recorded)


class Recorder:
    """Points waiting for their minute to end; `add` is the only writer."""

    def __init__(self) -> None:
        self._pending: dict[tuple[int, str], Pending] = {}  # (minute, namespace) -> pods

    def add(self, key: PodKey, point: Usage) -> None:
        minute = minute_of(point.at_ns)
        pods = self._pending.setdefault((minute, key[0]), {})
        pods.setdefault(key[1], []).append(((point.at_ns - minute) // MS, point.cpu_milli, point.memory_bytes))

    def due(self, now_ns: int) -> list[events.UsageRecorded]:
        """The records of every minute that ended at least GRACE_NS before `now_ns`, oldest first; forgotten here."""
        return self._take([k for k in self._pending if k[0] + MINUTE_NS + GRACE_NS <= now_ns])

    def drain(self) -> list[events.UsageRecorded]:
        """Every pending record, the current minute's included, oldest first (on shutdown)."""
        return self._take(list(self._pending))

    def _take(self, keys: list[tuple[int, str]]) -> list[events.UsageRecorded]:
        return [record(namespace, minute, self._pending.pop((minute, namespace))) for minute, namespace in sorted(keys)]

"""Stories of the usage history surviving a restart: the points the series gain are recorded per namespace and
minute, a record stays within the stated size bound, and records folded back in rebuild the same charts."""

from services import events
from services.console import detail, history, recording
from services.console.config import Config
from tests.unit.test_console_history import MIB, T0, S, rates

MINUTE = 60 * S


def recorded(usage: history.History, recorder: recording.Recorder, event: events.NodeRatesComputed) -> None:
    """What the service does with one RATES event."""
    for key, point in usage.apply(event):
        recorder.add(key, point)


def test_points_are_recorded_per_namespace_and_minute_once_the_minute_is_over() -> None:
    usage, recorder = history.History(3600 * S, 100), recording.Recorder()
    for i in range(6):  # 15 s apart from T0 (a whole minute): four points in the first minute, two in the next
        recorded(usage, recorder, rates("n1", T0 + i * 15 * S, ("web-1", 100 + i, MIB)))
    assert recorder.due(T0 + MINUTE + recording.GRACE_NS - 1) == []
    (first,) = recorder.due(T0 + MINUTE + recording.GRACE_NS)
    assert first == events.UsageRecorded(namespace="shop", minute_ns=T0, pods=(
        events.PodRecorded(name="web-1", points=((0, 100, MIB), (15_000, 101, MIB), (30_000, 102, MIB),
                                                 (45_000, 103, MIB))),))  # fmt: skip
    (rest,) = recorder.drain()
    assert (rest.minute_ns, [len(p.points) for p in rest.pods]) == (T0 + MINUTE, [2])
    assert recorder.drain() == []


def test_a_replayed_rates_event_is_not_recorded_twice() -> None:
    usage, recorder = history.History(3600 * S, 100), recording.Recorder()
    recorded(usage, recorder, rates("n1", T0, ("web-1", 100, MIB)))
    recorded(usage, recorder, rates("n1", T0, ("web-1", 100, MIB)))
    assert [len(r.pods[0].points) for r in recorder.drain()] == [1]


def test_records_folded_into_a_fresh_history_rebuild_the_same_charts() -> None:
    before, recorder = history.History(3600 * S, 100), recording.Recorder()
    for i in range(10):  # two pods on two nodes, scraped at odd times, one pod leaving half-way
        recorded(before, recorder, rates("n1", T0 + i * 15 * S + 1_234_567, ("web-abc12-xyz12", 100 + i, MIB)))
        if i < 5:
            recorded(before, recorder, rates("n2", T0 + i * 15 * S + 7 * S, ("web-abc12-qwe34", 300, 2 * MIB)))
    after = history.History(3600 * S, 100)
    for record in recorder.drain():
        after.restore(events.USAGE_DECODER.decode(events.ENCODER.encode(record)))  # as it comes back from USAGE
    pods = detail.pods_in_history(after, "shop", "Deployment", "web", [])
    assert pods == detail.pods_in_history(before, "shop", "Deployment", "web", []) and len(pods) == 2
    now = T0 + 200 * S
    assert detail.charts(after, [], pods, "shop", now, 3600 * S) == detail.charts(
        before, [], pods, "shop", now, 3600 * S
    )
    assert [p.cpu_milli for p in after.series[("shop", "web-abc12-xyz12")].points()] == list(range(100, 110))


def test_restored_points_older_than_the_retention_are_swept() -> None:
    usage = history.History(120 * S, 100)
    old = events.UsageRecorded(
        namespace="shop", minute_ns=T0, pods=(events.PodRecorded(name="old", points=((0, 1, 1),)),)
    )
    new = events.UsageRecorded(namespace="shop", minute_ns=T0 + 10 * MINUTE,
                               pods=(events.PodRecorded(name="new", points=((0, 1, 1),)),))  # fmt: skip
    usage.restore(old)
    usage.restore(new)
    usage.sweep(T0 + 10 * MINUTE + 30 * S)
    assert list(usage.series) == [("shop", "new")]


def test_a_pod_records_at_most_the_stated_bytes_an_hour() -> None:
    name = "w" * 63  # the longest pod name Kubernetes allows in a label-safe workload
    points = tuple((offset * 10_000, 64_000, 2**62) for offset in range(6))  # 10 s resolution, 64-bit memory
    minute = events.UsageRecorded(namespace="shop", minute_ns=T0, pods=(events.PodRecorded(name=name, points=points),))
    empty = events.UsageRecorded(namespace="shop", minute_ns=T0, pods=())
    per_minute = len(events.ENCODER.encode(minute)) - len(events.ENCODER.encode(empty))
    assert per_minute * 60 <= events.USAGE_BYTES_PER_POD_HOUR


def test_the_usage_stream_keeps_the_retention_and_a_size_bound_from_the_pods_with_history() -> None:
    spec = Config(retention=7200, max_history_pods=1000).usage_stream()
    assert (spec.name, spec.max_age_seconds, spec.max_bytes) == ("USAGE", 7200, 2 * 1000 * 10 * 1024)
    assert Config(retention=60, max_history_pods=0).usage_stream().max_bytes == 2**20  # never unbounded

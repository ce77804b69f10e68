"""Watches: filtered fan-out with ADDED/DELETED on selector transitions, history for resuming, 410 when too old."""

import pytest

from sim.apiserver import errors, listing, watch
from sim.apiserver import resources as r
from sim.apiserver.registry import Registry


@pytest.mark.parametrize(
    ("kind", "was", "now", "seen"),
    [("ADDED", False, True, "ADDED"), ("ADDED", False, False, None), ("MODIFIED", True, True, "MODIFIED"),
     ("MODIFIED", True, False, "DELETED"), ("MODIFIED", False, True, "ADDED"), ("MODIFIED", False, False, None),
     ("DELETED", True, False, "DELETED"), ("DELETED", False, False, None)],
)  # fmt: skip
def test_a_watcher_sees_an_object_leave_and_enter_its_selection(kind: str, was: bool, now: bool, seen: str) -> None:
    assert watch.transition(kind, was, now) == seen


def watcher(resource: r.Resource, namespace: str | None = None, **query: str) -> watch.Watcher:
    return watch.Watcher(resource, namespace, listing.matcher(resource, listing.parse(resource, query)))


def label(registry: Registry, name: str, value: str) -> None:
    registry.patch(
        r.PODS, "shop", name, "application/merge-patch+json", b'{"metadata":{"labels":{"tier":"%s"}}}' % value.encode()
    )


def test_labelling_in_and_out_of_a_selector_reads_as_added_then_deleted(registry: Registry, hub: watch.Hub) -> None:
    selective = watcher(r.PODS, "shop", labelSelector="tier=db")
    hub.subscribe(selective, None)

    label(registry, "cart-0", "db")
    label(registry, "cart-0", "db")  # no change: no event
    registry.patch(r.PODS, "shop", "cart-0", "application/merge-patch+json", b'{"metadata":{"annotations":{"a":"b"}}}')
    label(registry, "cart-0", "web")
    label(registry, "cart-1", "web")

    events = [(kind, obj["metadata"]["name"], obj["metadata"]["labels"].get("tier")) for kind, obj in selective.pending]
    assert events == [("ADDED", "cart-0", "db"), ("MODIFIED", "cart-0", "db"), ("DELETED", "cart-0", "db")]
    deleted = selective.pending[-1][1]
    assert deleted["metadata"]["resourceVersion"] == str(registry.store.rv - 1)  # the last matching state, new version


def test_a_watcher_only_hears_of_its_namespace(registry: Registry, hub: watch.Hub) -> None:
    default, everywhere = watcher(r.PODS, "default"), watcher(r.PODS)
    hub.subscribe(default, None)
    hub.subscribe(everywhere, None)

    label(registry, "cart-0", "db")

    assert not default.pending and [kind for kind, _ in everywhere.pending] == ["MODIFIED"]


def test_resuming_replays_what_happened_after_the_version_and_too_old_versions_expire(registry: Registry) -> None:
    hub = watch.Hub(registry.store, size=3)
    start = registry.store.rv
    for tier in ("a", "b"):
        label(registry, "cart-0", tier)

    replay = hub.subscribe(watcher(r.PODS, "shop"), start)
    assert [obj["metadata"]["labels"]["tier"] for _, obj in replay] == ["a", "b"]
    assert hub.subscribe(watcher(r.PODS, "shop"), registry.store.rv) == []

    for tier in ("c", "d"):
        label(registry, "cart-0", tier)
    with pytest.raises(errors.ApiError, match=f"too old resource version: {start}") as raised:
        hub.subscribe(watcher(r.PODS, "shop"), start)
    assert (raised.value.code, raised.value.reason) == (410, "Expired")


def test_other_resources_keep_their_own_history(registry: Registry) -> None:
    hub = watch.Hub(registry.store, size=1)
    start = registry.store.rv
    for tier in ("a", "b", "c"):
        label(registry, "cart-0", tier)

    assert hub.subscribe(watcher(r.NODES), start) == []


async def test_a_stream_sends_the_backlog_then_live_events_and_ends_with_a_bookmark(
    registry: Registry, hub: watch.Hub
) -> None:
    live = watcher(r.PODS, "shop")
    hub.subscribe(live, None)
    label(registry, "cart-1", "db")
    live.close()  # ends the stream once what is queued has been sent

    stream = live.stream([("ADDED", {"metadata": {"name": "x"}})], 5, lambda: ("BOOKMARK", {}))
    events = [(kind, obj.get("metadata", {}).get("name")) async for kind, obj in stream]

    assert events == [("ADDED", "x"), ("MODIFIED", "cart-1")]


async def test_a_stream_ends_at_its_timeout_with_a_bookmark_for_resuming(hub: watch.Hub) -> None:
    quiet = watcher(r.NODES)
    hub.subscribe(quiet, None)

    events = [kind async for kind, _ in quiet.stream([], 0.01, lambda: ("BOOKMARK", {}))]

    assert events == ["BOOKMARK"]

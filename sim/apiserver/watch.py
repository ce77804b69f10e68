"""Watches: each resource's recent history for resuming, and the fan-out of changes to filtered watchers.

A watcher sees an object that stops matching its selectors as DELETED and one that starts matching as ADDED, as
kube-apiserver's watch cache does, so a client's view of "pods on node X" or "Running pods" stays exact.
"""

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable

from sim.apiserver import errors
from sim.apiserver.resources import Obj, Resource
from sim.apiserver.store import Change, Store, with_rv

HISTORY = 10_000  # changes kept per resource; a watch from an older resourceVersion gets 410 Expired
MAX_PENDING = 200_000  # events a watcher may fall behind by before its watch is ended (the client re-watches)
BOOKMARK_SECONDS = 60.0  # kube-apiserver sends a bookmark about once a minute
Event = tuple[str, Obj]  # (type, object)
Matcher = Callable[[Obj], bool]


def transition(kind: str, was: bool, now: bool) -> str | None:
    """The event type a watcher sees for a change, given whether the object matched before and after."""
    if kind == "ADDED":
        return "ADDED" if now else None
    if kind == "DELETED":
        return "DELETED" if was else None
    if was and now:
        return "MODIFIED"
    return "DELETED" if was else "ADDED" if now else None


def translate(change: Change, matches: Matcher) -> Event | None:
    """The event one watcher receives for a change, if any."""
    was = change.previous is not None and matches(change.previous)
    now = change.type != "DELETED" and matches(change.object)
    kind = transition(change.type, was, now)
    if kind is None:
        return None
    if kind == "DELETED" and change.type == "MODIFIED":
        assert change.previous is not None
        return kind, with_rv(change.previous, change.rv)  # the last state it matched in, at the change's version
    return kind, change.object


class History:
    """The last changes of one resource; every change after `horizon` is retained."""

    def __init__(self, horizon: int, size: int = HISTORY) -> None:
        self.horizon = horizon
        self.changes: deque[Change] = deque(maxlen=size)

    def record(self, change: Change) -> None:
        """Remember a change, forgetting the oldest when full."""
        if len(self.changes) == self.changes.maxlen:
            self.horizon = self.changes[0].rv
        self.changes.append(change)

    def since(self, rv: int) -> list[Change]:
        """Changes after rv, oldest first; ApiError 410 if some of them are forgotten."""
        if rv < self.horizon:
            oldest = self.changes[0].rv if self.changes else self.horizon
            raise errors.expired(f"too old resource version: {rv} ({oldest})")
        newer: list[Change] = []
        for change in reversed(self.changes):
            if change.rv <= rv:
                break
            newer.append(change)
        return newer[::-1]


class Watcher:
    """One watch request's queue of pending events."""

    def __init__(self, resource: Resource, namespace: str | None, matches: Matcher) -> None:
        self.resource, self.namespace, self.matches = resource, namespace, matches
        self.pending: deque[Event] = deque()
        self.wakeup = asyncio.Event()
        self.closed = False

    def offer(self, change: Change) -> None:
        """Queue the event this watcher sees for a change."""
        event = translate(change, self.matches)
        if event is not None and not self.closed:
            self.pending.append(event)
            self.wakeup.set()
            if len(self.pending) > MAX_PENDING:
                self.close()

    def close(self) -> None:
        """End the watch after the events already queued."""
        self.closed = True
        self.wakeup.set()

    async def stream(self, backlog: Iterable[Event], timeout: float, bookmark: Callable[[], Event] | None,
                     ) -> AsyncIterator[Event]:  # fmt: skip
        """The backlog, then live events until the timeout, closing or the client going away."""
        for event in backlog:
            yield event
        deadline = time.monotonic() + timeout
        while not self.closed or self.pending:
            while self.pending:
                yield self.pending.popleft()
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                break
            self.wakeup.clear()
            woken = await _woken(self.wakeup, min(left, BOOKMARK_SECONDS))
            if not woken and left > BOOKMARK_SECONDS and bookmark is not None:
                yield bookmark()  # a periodic bookmark; the last one follows the loop
        if bookmark is not None and not self.closed:
            yield bookmark()  # a last bookmark lets the client resume from the newest version


async def _woken(event: asyncio.Event, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
        return True
    except TimeoutError:
        return False


class Hub:
    """Every resource's history and watchers; listens to the store."""

    def __init__(self, store: Store, size: int = HISTORY) -> None:
        self.histories = {resource: History(store.rv, size) for resource in store.collections}
        self.watchers: dict[Resource, set[Watcher]] = {resource: set() for resource in store.collections}
        store.listeners.append(self.record)

    def record(self, change: Change) -> None:
        """Remember a change and queue it for the watchers of its namespace."""
        self.histories[change.resource].record(change)
        namespace = change.object["metadata"].get("namespace", "")
        for watcher in self.watchers[change.resource]:
            if watcher.namespace is None or watcher.namespace == namespace:
                watcher.offer(change)

    def subscribe(self, watcher: Watcher, since: int | None) -> list[Event]:
        """Register a watcher; the events after `since` it missed (none when since is None)."""
        missed = [] if since is None else self.histories[watcher.resource].since(since)
        self.watchers[watcher.resource].add(watcher)
        in_scope = (c for c in missed if watcher.namespace in (None, c.object["metadata"].get("namespace", "")))
        return [event for change in in_scope if (event := translate(change, watcher.matches)) is not None]

    def unsubscribe(self, watcher: Watcher) -> None:
        """Forget a watcher whose stream ended."""
        self.watchers[watcher.resource].discard(watcher)

    def close(self) -> None:
        """End every watch, for shutdown."""
        for watchers in self.watchers.values():
            for watcher in watchers:
                watcher.close()

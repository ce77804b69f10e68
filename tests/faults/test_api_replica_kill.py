"""Issue 9, item 2: with two api replicas behind the aggregation layer, kill -9 one under a steady query load; no
request fails beyond those in flight at the kill.

The load is what a cluster sends: the HPA controller's namespaced label-selector list and `kubectl top nodes`' list,
from THREADS clients each pacing itself to RATE_PER_THREAD requests a second, through the simulated control plane, which
spreads them over both replicas as a Service does and stops sending to one that refuses connections. A request is in
flight at the kill when it started before and ended after it. Figures are printed: `pytest -s` collects them.
"""

import os
import signal
import statistics
import threading
import time
from dataclasses import dataclass

import httpx
import pytest

from tests.faults import served
from tests.faults.conftest import RESOLUTION_SECONDS
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]
THREADS, RATE_PER_THREAD = 6, 5.0  # 30 requests a second
PATHS = (f"{served.METRICS}/namespaces/default/pods?labelSelector=app%3Dweb", f"{served.METRICS}/nodes")
BEFORE_SECONDS = 3.0  # load before the kill


@dataclass(frozen=True)
class Request:
    started: float
    ended: float
    ok: bool
    what: str  # status code or error


def load(stack: Stack, stop: threading.Event, done: list[Request]) -> None:
    """One client's paced requests until `stop`, each recorded (list.append is atomic)."""
    period, turn = 1 / RATE_PER_THREAD, 0
    with served.client(stack, timeout=30) as http:
        next_at = time.monotonic()
        while not stop.is_set():
            started = time.monotonic()
            try:
                response = http.get(PATHS[turn % len(PATHS)])
                ok, what = response.status_code == 200 and bool(response.json()["items"]), str(response.status_code)
            except (httpx.HTTPError, ValueError) as error:
                ok, what = False, type(error).__name__
            done.append(Request(started, time.monotonic(), ok, what))
            turn, next_at = turn + 1, max(next_at + period, time.monotonic())
            stop.wait(next_at - time.monotonic())


def test_killing_one_of_two_api_replicas_fails_no_request_beyond_those_in_flight(stack: Stack) -> None:
    assert len(stack.status()["api_urls"]) == 2  # type: ignore[arg-type]
    stop, done = threading.Event(), list[Request]()
    threads = [threading.Thread(target=load, args=(stack, stop, done), name=f"load-{i}") for i in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        stop.wait(BEFORE_SECONDS)  # load before the kill: nothing to await
        victim = stack.pid("api-2")
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        eventually(lambda: stack.pid("api-2") != victim, 30, "api-2 being restarted")
        # until the restarted replica serves again, and a resolution more of load on both
        eventually(lambda: len(done) and all(r.ok for r in done[-2 * THREADS :]), 60, "the load succeeding")
        stop.wait(RESOLUTION_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    in_flight = [r for r in done if r.started <= killed < r.ended]
    failed = [r for r in done if not r.ok]
    latencies = sorted(r.ended - r.started for r in done if r.ok)
    seconds = max(r.ended for r in done) - min(r.started for r in done)
    print(f"kill -9 api-2 under load: {len(done)} requests in {seconds:.0f}s ({len(done) / seconds:.0f}/s), "
          f"{len(failed)} failed ({sorted({r.what for r in failed})}), {len(in_flight)} in flight at the kill; "
          f"p50 {1000 * statistics.median(latencies):.0f} ms, "
          f"p99 {1000 * latencies[int(0.99 * (len(latencies) - 1))]:.0f} ms")  # fmt: skip
    late = [r for r in failed if r not in in_flight]
    assert len(failed) <= len(in_flight) and not late, f"failed beyond those in flight: {late}"

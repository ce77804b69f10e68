"""Issue 9, item 4: NATS unavailable for OUTAGE_SECONDS, then back: services reconnect by themselves, readiness
reflects the outage, and no sample stored before the outage is lost from the SAMPLES stream.

How NATS is made unavailable: kill -9 nats-server, and kill -9 each process the launcher starts in its place until
OUTAGE_SECONDS have passed (the launcher restarts a dead child after a backoff of 0.2, 1, then 5 s; the test polls for
the new pid every few milliseconds). That is a real crash loop of the NATS server, with nothing added to the product
for the test; a new server may accept connections for the few milliseconds before it is killed again, which a real
crash loop allows as well. SIGSTOP would be a hang, not an outage. Afterwards the launcher's next restart brings NATS
back on its JetStream file store (run_dir/nats/data): a kill -9 loses nothing the server wrote to the OS, and the
messages read just before the kill are those an in-process buffer would lose. So that none of them may go for the
stream's two-per-node limit, the scraper (the only producer of samples) is paused with SIGSTOP once it has reported
itself not ready, and resumed once the stream has been read after the outage.
"""

import asyncio
import os
import signal
import threading
import time
import urllib.request
from urllib.error import URLError

import pytest
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, DeliverPolicy

from services import events
from tests.faults import served
from tests.faults.conftest import NODES, RESOLUTION_SECONDS
from tests.stack import Stack, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.faults]
OUTAGE_SECONDS = 30.0
WINDOW = 2 * NODES  # the last two scrape cycles' samples


async def stored_samples(stack: Stack, first_seq: int = 0) -> tuple[int, dict[int, str]]:
    """SAMPLES' last sequence, and seq -> subject of every message from `first_seq` (default: the last WINDOW)."""
    nc = await stack.nats("store")  # the store's user reads SAMPLES
    try:
        js = nc.jetstream()
        last = (await js.stream_info(events.SAMPLES.name)).state.last_seq
        start = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                               opt_start_seq=first_seq or max(1, last - WINDOW + 1))  # fmt: skip
        sub = await js.subscribe(events.SAMPLES.subjects[0], stream=events.SAMPLES.name, ordered_consumer=True,
                                 config=start)  # fmt: skip
        found = {}
        while True:
            msg = await sub.next_msg(timeout=10)
            found[msg.metadata.sequence.stream] = msg.subject
            if not msg.metadata.num_pending:
                return last, found
    finally:
        await nc.close()


def stored_once_back(stack: Stack, first_seq: int) -> tuple[int, dict[int, str]] | None:
    """`stored_samples` from `first_seq`, or None while NATS does not answer yet."""
    try:
        return asyncio.run(stored_samples(stack, first_seq))
    except (NatsError, OSError, TimeoutError):
        return None


def probe(url: str) -> int:
    """The HTTP status of a health endpoint; 0 when it does not answer."""
    context = served.insecure()
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as response:
            return int(response.status)
    except URLError as error:
        return int(getattr(error, "code", 0))
    except OSError:  # reset or refused on the way
        return 0


def keep_killing(stack: Stack, name: str, seconds: float, killed: list[int]) -> None:
    """kill -9 every process the launcher starts as `name` for `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid = stack.pid(name)
        except ValueError:  # stack.json caught mid-write
            continue
        if pid not in killed:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        time.sleep(0.005)  # another process's file: nothing to await


def test_a_nats_outage_shows_in_readiness_and_loses_no_stored_sample(stack: Stack) -> None:
    status = stack.status()
    probes = {name: f"http://{address}" for name, address in status["probes"].items()}  # type: ignore[attr-defined]
    probes |= {f"api@{url}": url for url in status["api_urls"]}  # type: ignore[attr-defined]
    probes["console"] = stack.console_url
    eventually(lambda: all(probe(f"{url}/readyz") == 200 for url in probes.values()), 30, "everything ready")
    last_before, before = asyncio.run(stored_samples(stack))
    killed: list[int] = []
    outage = threading.Thread(target=keep_killing, args=(stack, "nats", OUTAGE_SECONDS, killed))
    outage.start()
    started = time.monotonic()
    not_ready: dict[str, float] = {}
    not_live: set[str] = set()
    scraper = stack.pid("scraper")
    try:
        while outage.is_alive():
            for name, url in probes.items():
                if name not in not_ready and probe(f"{url}/readyz") != 200:
                    not_ready[name] = time.monotonic() - started
                if name != "scraper" or "scraper" not in not_ready:
                    not_live.update([name] if probe(f"{url}/livez") != 200 else [])
            if "scraper" in not_ready:
                os.kill(scraper, signal.SIGSTOP)  # no new samples until the stream is read again
            outage.join(timeout=0.5)
        ended, ended_at = time.monotonic(), time.time()
        last_after, after = eventually(lambda: stored_once_back(stack, min(before)), 30, "NATS back")
    finally:
        os.kill(scraper, signal.SIGCONT)
    print(f"NATS down {ended - started:.1f}s ({len(killed)} server processes killed); not ready after {not_ready}")
    assert not_ready.keys() == probes.keys(), f"still ready during the outage: {probes.keys() - not_ready.keys()}"
    assert not not_live, f"not live during the outage: {not_live}"

    eventually(lambda: all(probe(f"{url}/readyz") == 200 for url in probes.values()), 60, "everything ready again")
    ready = time.monotonic() - ended
    http = served.client(stack)
    eventually(lambda: len(nodes := served.nodes(http)) == NODES and min(u.timestamp for u in nodes.values()) > ended_at,
               3 * RESOLUTION_SECONDS, "fresh rates of every node")  # fmt: skip
    fresh = time.monotonic() - ended
    http.close()
    # A sample may go only when two newer ones of its node are stored (the stream keeps two per node).
    newer = {
        seq: sum(1 for s, other in after.items() if other == subject and s > seq) for seq, subject in before.items()
    }
    lost = {seq: subject for seq, subject in before.items() if seq not in after and newer[seq] < 2}
    print(f"after the outage: all ready in {ready:.1f}s, every node fresh in {fresh:.1f}s; SAMPLES last seq "
          f"{last_before} before, {last_after} after; {len(before)} samples read before the kill, "
          f"{len(before.keys() & after.keys())} still stored, {len(lost)} lost")  # fmt: skip
    assert last_after >= last_before and not lost, f"samples lost: {lost}"

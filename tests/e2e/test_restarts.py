"""While `./just up` runs, a killed api or store comes back serving from the streams, without waiting for scrapes."""

import json
import os
import signal
import time

import pytest

from tests.e2e.conftest import NODES, RESOLUTION_SECONDS, Stack
from tests.stack import eventually

pytestmark = pytest.mark.e2e
NODES_PATH = "/apis/metrics.k8s.io/v1beta1/nodes"


def served_nodes(stack: Stack) -> dict[str, str]:
    """node -> timestamp of its metrics, as served through the aggregation layer."""
    result = stack.kubectl("get", "--raw", NODES_PATH, check=False)
    if result.returncode != 0:
        return {}
    return {item["metadata"]["name"]: item["timestamp"] for item in json.loads(result.stdout)["items"]}


def restarted(stack: Stack, name: str, old_pid: int) -> float:
    """Wait for the launcher to restart a killed process; the moment it did."""
    eventually(lambda: stack.pid(name) != old_pid, 30, f"{name} being restarted")
    return time.monotonic()


def test_a_killed_api_serves_every_node_again_from_the_streams_while_scraping_is_paused(stack: Stack) -> None:
    scraper = stack.pid("scraper")
    before = eventually(
        lambda: (nodes := served_nodes(stack)) and len(nodes) == NODES and nodes, 30, "all nodes served"
    )
    os.kill(scraper, signal.SIGSTOP)  # no new scrapes: whatever is served next comes from the streams
    try:
        api = stack.pid("api")
        os.kill(api, signal.SIGKILL)
        started = restarted(stack, "api", api)
        after = eventually(
            lambda: len(nodes := served_nodes(stack)) == NODES and nodes, 30, "the restarted api serving"
        )
        print(f"the restarted api served all {NODES} nodes {time.monotonic() - started:.2f}s after its restart")
        assert after == before, "served data must be what the streams held, not new scrapes"
    finally:
        os.kill(scraper, signal.SIGCONT)


def test_a_killed_store_resumes_its_windows_from_the_stream_and_the_api_keeps_serving(stack: Stack) -> None:
    before = eventually(
        lambda: (nodes := served_nodes(stack)) and len(nodes) == NODES and nodes, 30, "all nodes served"
    )
    store = stack.pid("store")
    os.kill(store, signal.SIGKILL)
    restarted(stack, "store", store)
    assert len(served_nodes(stack)) == NODES, "the api serves the last rates while the store restarts"

    def all_fresher() -> dict[str, str]:
        nodes = served_nodes(stack)
        return nodes if len(nodes) == NODES and all(nodes[n] > before[n] for n in before) else {}

    eventually(all_fresher, 2 * RESOLUTION_SECONDS, "rates from the restarted store's first samples")

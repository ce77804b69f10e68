"""Active-active api: a second replica, built from the same RATES stream, gives the same answers as the first."""

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_security import ADMIN_HEADERS, Api

pytestmark = pytest.mark.e2e

PATHS = ("/apis/metrics.k8s.io/v1beta1/nodes", "/apis/metrics.k8s.io/v1/pods")


def answers(api: Api) -> list[Any]:
    """Both lists as the aggregation layer would get them, without the one field that is the time of the answer."""
    bodies = []
    for path in PATHS:
        status, body = api.get(path, ADMIN_HEADERS, api.layout.front_proxy_client)
        assert status == 200, body
        for item in body["items"]:  # type: ignore[attr-defined]
            del item["metadata"]["creationTimestamp"]
        bodies.append(body)
    return bodies


def test_a_second_api_replica_answers_exactly_as_the_first(stack: Stack, tmp_path: Path) -> None:
    urls = [str(url) for url in stack.status()["api_urls"]]  # type: ignore[attr-defined]
    first, second = Api(stack, tmp_path, urls[0]), Api(stack, tmp_path, urls[1])

    # Fresh rates reach the two replicas a few milliseconds apart: compare pairs of reads until one pair falls between
    # two scrapes (another process's state, so poll with a deadline).
    deadline = time.monotonic() + 30
    while (pair := (answers(first), answers(second)))[0] != pair[1]:
        assert time.monotonic() < deadline, "the replicas kept disagreeing"
        time.sleep(0.2)

    nodes, pods = pair[0]
    assert len(urls) == 2 and nodes["items"] and pods["items"]

"""The whole system, started with the README's own command (`./just up`) on a small simulated cluster."""

from collections.abc import Iterator

import pytest

from tests.stack import ROOT, Stack, run_stack

__all__ = ["NODES", "RESOLUTION_SECONDS", "ROOT", "Stack"]
RESOLUTION_SECONDS = 10
NODES, PODS_PER_NODE = 3, 10


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`./just up` with a 10 s resolution, torn down before the fault suite starts a stack of its own."""
    yield from run_stack(
        tmp_path_factory,
        NODES,
        PODS_PER_NODE,
        RESOLUTION_SECONDS,
        node_selector="metrics-server-skip!=true",
        apis="2",  # both behind the aggregation layer; test_replicas asks each directly
    )

"""The fault suite's own `./just up`: 50 simulated nodes, two api replicas, faults injected while it serves.

Every module here is marked `pytestmark = [pytest.mark.e2e, pytest.mark.faults]`, so the suite runs after the
end-to-end tests, once their stack is gone."""

from collections.abc import Iterator

import pytest

from tests.stack import Stack, run_stack

RESOLUTION_SECONDS = 10
NODES, PODS_PER_NODE = 50, 10


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`./just up` on 50 nodes at a 10 s resolution with two api replicas."""
    yield from run_stack(tmp_path_factory, NODES, PODS_PER_NODE, RESOLUTION_SECONDS, apis="2")

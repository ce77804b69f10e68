"""The fault suite's stack serves every node of its 50."""

import json

import pytest

from tests.faults.conftest import NODES
from tests.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


def test_the_fault_suites_stack_serves_all_its_nodes(stack: Stack) -> None:
    nodes = json.loads(stack.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes").stdout)["items"]
    assert len(nodes) == NODES

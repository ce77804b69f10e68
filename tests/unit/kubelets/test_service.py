"""One node's request path: the metrics body, other paths and methods, and the faults that delay answers."""

import asyncio

from sim.kubelets import body, cluster, faults, httpserver, service
from tests.unit.kubelets.pods import T0, node, pod


def world(fault: str = "") -> cluster.Cluster:
    model = cluster.Cluster(10**9, {}, {})
    model.node_changed(None, node(fault=fault), T0)
    model.pod_changed(None, pod("a"), T0)
    return model


def get(path: str, method: str = "GET") -> httpserver.Request:
    return httpserver.Request(method=method, path=path)


def test_the_metrics_path_answers_with_the_rendered_body_and_others_are_not_found() -> None:
    handle = service.metrics_handler(world(), "node-1", lambda: T0 + 15 * 10**9)

    answer = handle(get("/metrics/resource"))

    assert isinstance(answer, httpserver.Response)
    assert (answer.status, answer.content_type) == (200, body.CONTENT_TYPE)
    assert b'container_cpu_usage_seconds_total{container="main",namespace="default",pod="a"}' in answer.body
    assert handle(get("/metrics")) == service.NOT_FOUND
    assert handle(get("/metrics/resource", "POST")) == service.NOT_ALLOWED


def test_a_node_the_model_does_not_know_is_unavailable() -> None:
    answer = service.metrics_handler(world(), "node-9", lambda: T0)(get("/metrics/resource"))

    assert isinstance(answer, httpserver.Response) and answer.status == 503


async def test_a_slow_node_answers_later_and_a_hanging_node_never() -> None:
    model = world(fault="slow=10ms")
    slow = service.metrics_handler(model, "node-1", lambda: T0)(get("/metrics/resource"))
    assert isinstance(slow, asyncio.Future)
    assert (await slow).status == 200

    model.nodes["node-1"].fault = faults.Fault(kind="hang")
    hanging = service.metrics_handler(model, "node-1", lambda: T0)(get("/metrics/resource"))
    assert isinstance(hanging, asyncio.Future) and not hanging.done()
    hanging.cancel()

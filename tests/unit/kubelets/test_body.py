"""The rendered body has the kubelet's exact layout, and its numbers are what a scraper expects."""

from pathlib import Path

import pytest

from sim.kubelets import body, faults, gofloat, node, targets
from tests.unit.kubelets import exposition
from tests.unit.kubelets.pods import T0, pod

SECOND = 10**9
GOLDEN = Path(__file__).parent / "golden_two_pods.txt"
# Reference 2.3: one node, 2 pods (3 containers), kubelet >= 1.30, swap series omitted.
REFERENCE = """\
# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="coredns",namespace="kube-system",pod="coredns-5d78c9869d-8xk2p"} 412.873215 1754300415312
container_cpu_usage_seconds_total{container="log-shipper",namespace="default",pod="web-6c8f9b7d4-q7rtz"} 37.104421 1754300411907
container_cpu_usage_seconds_total{container="nginx",namespace="default",pod="web-6c8f9b7d4-q7rtz"} 128.550067 1754300409876
# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="coredns",namespace="kube-system",pod="coredns-5d78c9869d-8xk2p"} 1.814528e+07 1754300415312
container_memory_working_set_bytes{container="log-shipper",namespace="default",pod="web-6c8f9b7d4-q7rtz"} 2.3166976e+07 1754300411907
container_memory_working_set_bytes{container="nginx",namespace="default",pod="web-6c8f9b7d4-q7rtz"} 1.0129408e+07 1754300409876
# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds
# TYPE container_start_time_seconds gauge
container_start_time_seconds{container="coredns",namespace="kube-system",pod="coredns-5d78c9869d-8xk2p"} 1.7542103119853475e+09
container_start_time_seconds{container="log-shipper",namespace="default",pod="web-6c8f9b7d4-q7rtz"} 1.754296207310042e+09
container_start_time_seconds{container="nginx",namespace="default",pod="web-6c8f9b7d4-q7rtz"} 1.7542962059917855e+09
# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 45770.147028 1754300413550
# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.616273408e+09 1754300413550
# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds
# TYPE pod_cpu_usage_seconds_total counter
pod_cpu_usage_seconds_total{namespace="default",pod="web-6c8f9b7d4-q7rtz"} 165.71934 1754300410224
pod_cpu_usage_seconds_total{namespace="kube-system",pod="coredns-5d78c9869d-8xk2p"} 412.901177 1754300408832
# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes
# TYPE pod_memory_working_set_bytes gauge
pod_memory_working_set_bytes{namespace="default",pod="web-6c8f9b7d4-q7rtz"} 3.3783808e+07 1754300410224
pod_memory_working_set_bytes{namespace="kube-system",pod="coredns-5d78c9869d-8xk2p"} 1.8403328e+07 1754300408832
# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise
# TYPE resource_scrape_error gauge
resource_scrape_error 0
"""


def two_pods(period_ns: int = SECOND) -> node.NodeUsage:
    """The reference's node: coredns in kube-system, and web with nginx and a log shipper."""
    model = node.new_node("node-1", T0 - 3 * 86_400 * SECOND, period_ns)
    node.put_pod(model, pod("coredns-5d78c9869d-8xk2p", ("coredns",), namespace="kube-system"), targets.Targets(), T0)
    web = pod("web-6c8f9b7d4-q7rtz", ("nginx", "log-shipper"))
    node.put_pod(model, web, targets.Targets(cpu_nanocores=125_000_000, memory_bytes=32 * 2**20), T0)
    return model


def test_a_two_pod_node_has_the_reference_layout_line_by_line() -> None:
    rendered = body.render(two_pods(), T0 + 15 * SECOND).decode()

    assert exposition.mask(rendered).splitlines() == exposition.mask(REFERENCE).splitlines()


def test_the_two_pod_body_matches_its_golden_text() -> None:
    rendered = body.render(two_pods(), T0 + 15 * SECOND).decode()

    assert rendered == GOLDEN.read_text()


def test_every_value_is_in_gos_float_form_and_every_sample_a_little_before_the_scrape() -> None:
    scrape_ms = (T0 + 15 * SECOND) // 10**6
    families = exposition.parse(body.render(two_pods(), T0 + 15 * SECOND).decode())

    for family in families.values():
        for sample in family:
            assert gofloat.format_float(sample.value) == sample.text
            if sample.timestamp_ms is not None:
                assert scrape_ms - 1000 < sample.timestamp_ms <= scrape_ms
    assert [s.timestamp_ms for s in families["container_start_time_seconds"]] == [None, None, None]


def test_pod_series_are_the_sums_of_their_containers_and_the_node_adds_its_own_share() -> None:
    families = exposition.parse(body.render(two_pods(), T0 + 15 * SECOND).decode())
    cpu = {s.key: s for s in families["container_cpu_usage_seconds_total"]}
    memory = {s.key: s.value for s in families["container_memory_working_set_bytes"]}
    web = ("default", "web-6c8f9b7d4-q7rtz")
    pod_cpu = {s.key: s for s in families["pod_cpu_usage_seconds_total"]}
    pod_memory = {s.key: s.value for s in families["pod_memory_working_set_bytes"]}
    node_memory = families["node_memory_working_set_bytes"][0].value

    containers = [("nginx", *web), ("log-shipper", *web)]
    assert pod_cpu[web].value == pytest.approx(sum(cpu[c].value for c in containers), rel=1e-12)
    assert pod_cpu[web].timestamp_ms == max(cpu[c].timestamp_ms or 0 for c in containers)
    assert pod_memory[web] == sum(memory[c] for c in containers)
    assert 2**30 <= node_memory - sum(memory.values()) <= 2 * 2**30


def test_a_node_without_pods_reports_only_its_own_series() -> None:
    model = node.new_node("node-1", T0 - 86_400 * SECOND, SECOND)

    families = exposition.parse(body.render(model, T0).decode())

    assert list(families) == ["node_cpu_usage_seconds_total", "node_memory_working_set_bytes", "resource_scrape_error"]


def test_a_container_started_after_its_last_sample_reports_only_its_start_time() -> None:
    model = node.new_node("node-1", T0 - 86_400 * SECOND, 10 * SECOND)
    node.put_pod(model, pod("fresh", started="2025-08-04T09:39:59Z"), targets.Targets(), T0)

    families = exposition.parse(body.render(model, T0).decode())

    assert [s.key for s in families["container_start_time_seconds"]] == [("main", "default", "fresh")]
    assert "container_cpu_usage_seconds_total" not in families
    assert "pod_cpu_usage_seconds_total" not in families


def test_the_zero_fault_reports_zero_cpu_and_memory_everywhere() -> None:
    model = two_pods()
    model.fault = faults.Fault(kind="zero")

    families = exposition.parse(body.render(model, T0 + 15 * SECOND).decode())

    for name, family in families.items():
        if name not in ("container_start_time_seconds", "resource_scrape_error"):
            assert {s.text for s in family} == {"0"}, name
            assert all(s.timestamp_ms for s in family)


def test_the_malformed_fault_garbles_the_body() -> None:
    model = two_pods()
    model.fault = faults.Fault(kind="malformed")

    rendered = body.render(model, T0 + 15 * SECOND)

    assert b'{garbled="' in rendered
    assert not rendered.endswith(b"resource_scrape_error 0\n")

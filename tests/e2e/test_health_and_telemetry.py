"""Every service answers /livez, /readyz, /healthz with named checks, and exports its self-metrics on /metrics."""

import re
import ssl
import urllib.request

import pytest

from sim import pki
from sim.pki import Layout
from tests.e2e.conftest import NODES, Stack

pytestmark = pytest.mark.e2e


def get(url: str, token: str = "") -> tuple[int, str]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the api's self-signed --cert-dir certificate
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus text."""
    selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}{{{selector}}} (\S+)$" if labels else rf"^{name} (\S+)$"
    match = re.search(pattern, metrics, re.MULTILINE)
    assert match, f"no {name}{{{selector}}} in /metrics"
    return float(match.group(1))


def probe(stack: Stack, service: str) -> str:
    status = stack.status()
    if service == "api":
        return str(status["api_url"])
    probes = status["probes"]
    assert isinstance(probes, dict)
    return f"http://{probes[service]}"


@pytest.mark.parametrize(
    ("service", "checks"),
    [
        ("api", ["ping", "nats-connection", "rates-replayed", "metric-storage-ready", "metric-informer-sync"]),
        ("scraper", ["ping", "nats-connection", "node-informer-sync", "scraper-membership"]),
        ("store", ["ping", "nats-connection", "store-membership", "samples-replayed", "metric-storage-ready"]),
    ],
)
def test_readyz_lists_each_named_check_and_each_can_be_asked_alone(
    stack: Stack, service: str, checks: list[str]
) -> None:
    base = probe(stack, service)
    assert get(f"{base}/readyz") == (200, "ok")  # always allowed: what the kubelet's probe asks
    # Beyond the exact probe paths the api wants an authorized caller, as upstream does.
    token = pki.token_of(Layout(stack.run_dir), "admin") if service == "api" else ""
    status, body = get(f"{base}/readyz?verbose", token)
    assert status == 200 and body == "".join(f"[+]{c} ok\n" for c in checks) + "readyz check passed\n"
    assert get(f"{base}/readyz/{checks[-1]}", token) == (200, "ok")
    assert get(f"{base}/readyz/no-such-check", token)[0] == 404
    assert get(f"{base}/livez")[0] == get(f"{base}/healthz")[0] == 200


def test_the_scraper_exports_upstreams_kubelet_and_cycle_metrics(stack: Stack) -> None:
    status, metrics = get(f"{probe(stack, 'scraper')}/metrics")
    assert status == 200
    assert sample(metrics, "metrics_server_kubelet_request_total", success="true") >= NODES
    nodes = set(re.findall(r'metrics_server_kubelet_last_request_time_seconds\{node="([^"]+)"\}', metrics))
    assert len(nodes) == NODES
    assert sample(metrics, "metrics_server_manager_tick_duration_seconds_count") >= 1
    assert sample(metrics, "flowmeter_events_published_total", stream="SAMPLES") >= NODES
    status, body = get(f"{probe(stack, 'scraper')}/livez?verbose")
    assert "[+]metric-collection-timely ok" in body


def test_the_store_and_the_api_count_points_events_and_freshness(stack: Stack) -> None:
    store = get(f"{probe(stack, 'store')}/metrics")[1]
    assert sample(store, "metrics_server_storage_points", type="node") == NODES
    assert sample(store, "metrics_server_storage_points", type="container") > NODES
    assert sample(store, "flowmeter_events_consumed_total", stream="SAMPLES") >= NODES
    assert sample(store, "flowmeter_events_published_total", stream="RATES") >= NODES
    stack.kubectl("top", "nodes")
    api = get(f"{probe(stack, 'api')}/metrics", pki.token_of(Layout(stack.run_dir), "admin"))[1]
    assert sample(api, "metrics_server_api_metric_freshness_seconds_count") >= NODES
    assert sample(api, "flowmeter_events_consumed_total", stream="RATES") >= NODES
    assert sample(api, "flowmeter_events_pending", stream="RATES") == 0

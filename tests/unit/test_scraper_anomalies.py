"""What the scraper notices in a body it uses (duplicate series, zero values, a kubelet clock off), and how it reports
failures and anomalies: counted every scrape, logged once per change."""

import logging

import pytest

from services import events
from services.scraper import anomalies, parse
from services.scraper.reports import NodeReports
from services.scraper.telemetry import Telemetry
from tests.unit.test_scraper_parse import CONTAINER_LINES, NODE_LINES

S = 1_000_000_000
RESOLUTION = 10 * S
SAMPLED_AT = 1633253809720000000  # the node lines' timestamp


def test_a_series_written_twice_counts_with_its_last_value_as_upstream() -> None:
    first = NODE_LINES.replace("357.35491", "1").replace("1.616273408e+09", "2")
    again = CONTAINER_LINES.replace("4.710169", "9").replace("1.253376e+07", "7") + CONTAINER_LINES
    decoded = parse.decode(again + first + NODE_LINES, SAMPLED_AT)
    assert (decoded.node, decoded.pods) == parse.parse(CONTAINER_LINES + NODE_LINES, SAMPLED_AT)
    assert decoded.duplicate_series == 5 and not decoded.incomplete_node and decoded.incomplete_pods == 0


def test_zero_values_make_the_node_and_its_pods_incomplete() -> None:
    zero = parse.decode((CONTAINER_LINES + NODE_LINES).replace("357.35491", "0").replace("4.710169", "0"), SAMPLED_AT)
    assert (zero.node, zero.pods, zero.incomplete_node, zero.incomplete_pods) == (None, (), True, 1)
    assert not parse.decode(CONTAINER_LINES, SAMPLED_AT).incomplete_node, "a body without node lines is not incomplete"


@pytest.mark.parametrize(
    ("offset_s", "noticed"),
    [(0, set()), (-30, set()), (10, set()), (11, {"ClockAhead"}), (3600, {"ClockAhead"}), (-31, {"ClockBehind"})],
)
def test_a_kubelet_clock_more_than_a_resolution_ahead_or_three_behind_is_noticed(
    offset_s: int, noticed: set[str]
) -> None:
    decoded = parse.decode(NODE_LINES, SAMPLED_AT)
    assert anomalies.notice(decoded, SAMPLED_AT + offset_s * S, SAMPLED_AT, RESOLUTION) == noticed


def sampled(offset_s: int = 0) -> events.NodeSampled:
    point = events.NodePoint(
        timestamp_ns=SAMPLED_AT + offset_s * S, cpu_core_nanoseconds_total=1, memory_working_set_bytes=1
    )
    return events.NodeSampled(node="node-1", scraped_at_ns=SAMPLED_AT, node_point=point, pods=())


FAILED = events.NodeScrapeFailed(node="node-1", scraped_at_ns=SAMPLED_AT, reason="Timeout", message="slow")
REFUSED = events.NodeScrapeFailed(node="node-1", scraped_at_ns=SAMPLED_AT, reason="Connection", message="refused")


def test_failures_and_anomalies_are_counted_every_scrape_and_logged_once_per_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    telemetry, ahead, pods = Telemetry(10), frozenset({"ClockAhead"}), frozenset({"IncompletePods"})
    reports = NodeReports(telemetry, logging.getLogger("scraper-test"))
    none: frozenset[str] = frozenset()
    outcomes: list[tuple[events.SampleEvent, frozenset[str]]] = [
        (FAILED, none), (FAILED, none), (REFUSED, none), (sampled(), none), (sampled(3600), ahead),
        (sampled(3600), ahead), (sampled(3600), ahead | pods), (sampled(), pods), (sampled(), none),
    ]  # fmt: skip
    with caplog.at_level(logging.INFO, "scraper-test"):
        for event, noticed in outcomes:
            reports.scraped(event, noticed)
    assert [record.getMessage() for record in caplog.records] == [
        "failed to scrape node=node-1 reason=Timeout: slow",
        "failed to scrape node=node-1 reason=Connection: refused",
        "scraping node=node-1 again after reason=Connection",
        "node=node-1 body used despite ClockAhead (kubelet clock +3600s from ours)",
        "node=node-1 body without anomalies again after ClockAhead",
    ]
    registry = telemetry.registry
    assert registry.get_sample_value("flowmeter_scrape_failures_total", {"reason": "Timeout"}) == 2
    assert registry.get_sample_value("flowmeter_scrape_anomalies_total", {"reason": "ClockAhead"}) == 3
    assert registry.get_sample_value("flowmeter_scrape_anomalies_total", {"reason": "IncompletePods"}) == 2

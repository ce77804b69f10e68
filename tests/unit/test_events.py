"""The wire contract: payloads saved by earlier versions still decode, and subjects round-trip node names."""

from collections import Counter
from pathlib import Path

import pytest

from services import events

SAVED = Path(__file__).parent.parent / "fixtures" / "events"


@pytest.mark.parametrize("kind", ["NodeSampled", "NodeScrapeFailed", "NodeRatesComputed"])
def test_a_payload_saved_by_version_1_still_decodes_to_the_same_event(kind: str) -> None:
    payload = (SAVED / f"{kind}.v1.msgpack").read_bytes()
    event = events.DECODER.decode(payload)
    assert type(event).__name__ == kind
    assert events.ENCODER.encode(event) == payload


def test_saved_payloads_decode_with_the_per_stream_decoders() -> None:
    sampled = events.SAMPLE_DECODER.decode((SAVED / "NodeSampled.v1.msgpack").read_bytes())
    assert isinstance(sampled, events.NodeSampled)
    assert sampled.pods[0].containers[0].cpu_core_nanoseconds_total == 128550067000
    rates = events.RATE_DECODER.decode((SAVED / "NodeRatesComputed.v1.msgpack").read_bytes())
    assert rates.node_usage is not None and rates.node_usage.cpu_nanocores == 123456789


@pytest.mark.parametrize("node", ["node-0001", "ip-10-0-1-7.eu-west-1.compute.internal", "a.b.c"])
def test_a_node_name_survives_the_trip_through_a_subject(node: str) -> None:
    subject = events.SAMPLES.subject(node)
    partition = events.partition(node, events.SAMPLES.partitions)

    assert subject == f"flowmeter.samples.{partition}.{node.replace('.', '_')}", "one token per node, in its partition"
    assert events.node_of_subject(subject) == node
    assert events.RATES.subject(node).count(".") == 2 and events.node_of_subject(events.RATES.subject(node)) == node


def test_nodes_spread_evenly_over_the_sample_partitions_the_stores_share() -> None:
    counts = Counter(events.partition(f"node-{i}", events.SAMPLES.partitions) for i in range(16_000))

    assert sorted(counts) == list(range(events.SAMPLES.partitions))
    assert all(850 < count < 1150 for count in counts.values()), counts


def test_a_sample_is_identified_by_node_and_kubelet_time_so_a_second_scrape_of_it_dedupes() -> None:
    saved = events.SAMPLE_DECODER.decode((SAVED / "NodeSampled.v1.msgpack").read_bytes())
    assert isinstance(saved, events.NodeSampled)
    rescraped = events.NodeSampled(
        node=saved.node,
        scraped_at_ns=saved.scraped_at_ns + 1,
        node_point=saved.node_point,
        pods=saved.pods,
        scraper="another",
    )
    assert events.message_id(rescraped) == events.message_id(saved) == "sampled:node-0001:1754300413550000000"


def test_a_failed_scrape_and_rates_are_identified_by_node_and_scrape_time() -> None:
    failed = events.DECODER.decode((SAVED / "NodeScrapeFailed.v1.msgpack").read_bytes())
    rates = events.DECODER.decode((SAVED / "NodeRatesComputed.v1.msgpack").read_bytes())
    assert events.message_id(failed) == "failed:node-0002:1754300415000000000"
    assert events.message_id(rates) == "rates:node-0001:1754300415000000000"

"""Stories of decoding kubelet bodies, after upstream metrics-server's decode_test.go cases."""

from pathlib import Path

import pytest

from services import events
from services.scraper import parse

FIXTURES = Path(__file__).parent.parent / "fixtures"
DEFAULT_TIME = 3_392_522_827_000_000_000  # 2077-07-07T07:07:07Z, as upstream's tests use

NODE_LINES = """\
# HELP node_cpu_usage_seconds_total [ALPHA] Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total 357.35491 1633253809720
# HELP node_memory_working_set_bytes [ALPHA] Current working set of the node in bytes
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.616273408e+09 1633253809720
"""
CONTAINER_LINES = """\
container_cpu_usage_seconds_total{container="coredns",namespace="kube-system",pod="coredns-558bd4d5db-4dpjz"} 4.710169 1633253812125
container_memory_working_set_bytes{container="coredns",namespace="kube-system",pod="coredns-558bd4d5db-4dpjz"} 1.253376e+07 1633253812125
container_start_time_seconds{container="coredns",namespace="kube-system",pod="coredns-558bd4d5db-4dpjz"} 1.6332527122294836e+09
"""
POD_LINES = 'pod_cpu_usage_seconds_total{namespace="kube-system",pod="coredns-558bd4d5db-4dpjz"} 4.7 1633253812125\n'


def test_a_full_body_gives_the_node_point_and_the_pod_with_kubelet_times() -> None:
    node, pods = parse.parse(CONTAINER_LINES + NODE_LINES + POD_LINES + "scrape_error 0\n", DEFAULT_TIME)
    assert node == events.NodePoint(
        timestamp_ns=1633253809720000000, cpu_core_nanoseconds_total=357354910000, memory_working_set_bytes=1616273408
    )
    (pod,) = pods
    assert (pod.namespace, pod.name) == ("kube-system", "coredns-558bd4d5db-4dpjz")
    assert pod.containers == (
        events.ContainerPoint(
            name="coredns",
            start_time_ns=1633252712229483520,
            timestamp_ns=1633253812125000000,
            cpu_core_nanoseconds_total=4710169000,
            memory_working_set_bytes=12533760,
        ),
    )


def test_samples_without_a_timestamp_take_the_time_the_request_was_sent() -> None:
    body = "\n".join(" ".join(line.split()[:2]) for line in (CONTAINER_LINES + NODE_LINES).splitlines())
    node, (pod,) = parse.parse(body, DEFAULT_TIME)
    assert node is not None and node.timestamp_ns == DEFAULT_TIME
    assert pod.containers[0].timestamp_ns == DEFAULT_TIME
    assert pod.containers[0].start_time_ns == 1633252712229483520


def test_a_body_with_only_containers_or_only_the_node_gives_just_that() -> None:
    assert parse.parse(CONTAINER_LINES, DEFAULT_TIME)[0] is None
    assert parse.parse(NODE_LINES, DEFAULT_TIME)[1] == ()


@pytest.mark.parametrize(
    ("dropped", "replacement"),
    [
        ("container_cpu_usage_seconds_total", None),
        ("container_cpu_usage_seconds_total", "0"),
        ("container_memory_working_set_bytes", None),
        ("container_memory_working_set_bytes", "0"),
        ("container_cpu_usage_seconds_total", "NaN"),
        ("container_memory_working_set_bytes", "+Inf"),
        ("container_cpu_usage_seconds_total", "-4.2"),
    ],
)
def test_a_pod_with_an_incomplete_container_is_dropped(dropped: str, replacement: str | None) -> None:
    assert parse.parse(_edit(CONTAINER_LINES, dropped, replacement), DEFAULT_TIME) == (None, ())


@pytest.mark.parametrize(
    ("dropped", "replacement"),
    [
        ("node_cpu_usage_seconds_total", None),
        ("node_cpu_usage_seconds_total", "0"),
        ("node_memory_working_set_bytes", None),
        ("node_memory_working_set_bytes", "0"),
        ("node_memory_working_set_bytes", "NaN"),
    ],
)
def test_a_node_without_complete_cpu_and_memory_has_no_point(dropped: str, replacement: str | None) -> None:
    assert parse.parse(_edit(NODE_LINES, dropped, replacement), DEFAULT_TIME) == (None, ())


def test_one_incomplete_container_drops_its_whole_pod_but_not_its_neighbours() -> None:
    sidecar = 'container_cpu_usage_seconds_total{container="sidecar",namespace="kube-system",pod="coredns-558bd4d5db-4dpjz"} 1 1633253812125\n'
    other = CONTAINER_LINES.replace("coredns-558bd4d5db-4dpjz", "other")
    assert [p.name for p in parse.parse(CONTAINER_LINES + sidecar + other, DEFAULT_TIME)[1]] == ["other"]


def test_a_negative_timestamp_fails_the_whole_node() -> None:
    bad = 'container_start_time_seconds{container="c",namespace="n",pod="p"} -6.795364578871e+09 -62135596800000\n'
    with pytest.raises(parse.ParseError, match="line 4"):
        parse.parse(CONTAINER_LINES + bad + NODE_LINES, DEFAULT_TIME)


@pytest.mark.parametrize(
    "garbage",
    [
        "node_cpu_usage_seconds_total abc 1\n",
        'container_cpu_usage_seconds_total{container="c" 1 1\n',
        "}{ 1\n",
        "node_cpu_usage_seconds_total\n",
        "node_cpu_usage_seconds_total 1 2 3\n",
        "1abc 2\n",
        'container_cpu_usage_seconds_total{namespace="n",pod="p"} 1 1\n',
    ],
)
def test_a_malformed_line_fails_the_node_with_a_message_naming_the_line(garbage: str) -> None:
    with pytest.raises(parse.ParseError, match="line 7"):
        parse.parse(NODE_LINES + garbage, DEFAULT_TIME)


def test_metrics_we_do_not_read_and_names_that_merely_start_alike_are_ignored() -> None:
    extra = "node_cpu_usage_seconds_total_foo 9 1\nnode_swap_usage_bytes 0 1633253809720\nresource_scrape_error 0\n"
    node, _ = parse.parse(NODE_LINES + extra, DEFAULT_TIME)
    assert node is not None and node.cpu_core_nanoseconds_total == 357354910000


def test_an_empty_body_is_no_error_and_no_data() -> None:
    assert parse.parse("", DEFAULT_TIME) == (None, ())


def test_a_seventy_pod_kubelet_body_gives_seventy_pods() -> None:
    node, pods = parse.parse((FIXTURES / "kubelet-70-pods.txt").read_text(), DEFAULT_TIME)
    assert node is not None and len(pods) == 70


def _edit(text: str, metric: str, replacement: str | None) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith((metric + " ", metric + "{")):
            if replacement is None:
                continue
            head, _, rest = line.partition("} ") if "{" in line else ("", "", line.partition(" ")[2])
            parts = rest.split()
            parts[0] = replacement
            lines.append((head + "} " if head else metric + " ") + " ".join(parts) + "\n")
        else:
            lines.append(line)
    return "".join(lines)


def test_other_writers_layouts_of_the_same_samples_give_the_same_points() -> None:
    """The kubelet's own layout is read by a fast path; labels in another order, extra spaces or a trailing blank
    take the general one, with the same result."""
    kubelet = parse.parse(CONTAINER_LINES + NODE_LINES + POD_LINES, DEFAULT_TIME)
    reordered = CONTAINER_LINES.replace(
        'container="coredns",namespace="kube-system",pod="coredns-558bd4d5db-4dpjz"',
        'pod="coredns-558bd4d5db-4dpjz",namespace="kube-system",container="coredns"',
    )
    spaced = CONTAINER_LINES.replace("} ", "}  ").replace(" 1633253812125", "  1633253812125 ")
    pods_spaced = POD_LINES.replace("} ", "}\t")
    assert parse.parse(reordered + NODE_LINES + POD_LINES, DEFAULT_TIME) == kubelet
    assert parse.parse(spaced + NODE_LINES + pods_spaced, DEFAULT_TIME) == kubelet


@pytest.mark.parametrize("line", [
    'pod_cpu_usage_seconds_total{namespace="a",pod="b"} fast 1633253812125',
    'container_cpu_usage_seconds_total{container="a",namespace="b",pod="c"} 1.0 16332538x',
    'pod_memory_working_set_bytes{namespace="a",pod="b"} 1 2 3',
])  # fmt: skip
def test_a_bad_value_or_timestamp_fails_the_node_on_either_path(line: str) -> None:
    with pytest.raises(parse.ParseError, match="line 1"):
        parse.parse(line + "\n" + CONTAINER_LINES, DEFAULT_TIME)


def test_a_value_too_large_for_a_counter_fails_the_node_instead_of_the_scraper() -> None:
    line = 'container_cpu_usage_seconds_total{container="a",namespace="b",pod="c"} 1e300 1633253812125'
    with pytest.raises(parse.ParseError, match="line 1"):
        parse.parse(line + "\n", DEFAULT_TIME)

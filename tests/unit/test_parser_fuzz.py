"""The kubelet parser under generated input: whatever a kubelet (or anything pretending to be one) sends, `parse`
either gives points or raises ParseError, which the scraper turns into one counted, logged scrape error for that
node. A few hundred cases run in every `./just test`; `./just fuzz` runs many more (FLOWMETER_FUZZ_EXAMPLES)."""

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scraper import parse

EXAMPLES = int(os.environ.get("FLOWMETER_FUZZ_EXAMPLES", "300"))
FIXTURE = (Path(__file__).parent.parent / "fixtures" / "kubelet-70-pods.txt").read_text()
LINES = FIXTURE.splitlines()
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces a body is made of, so generated lines look like metrics often enough to reach the deep paths.
TOKENS = st.sampled_from([
    "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_start_time_seconds",
    "node_cpu_usage_seconds_total", "node_memory_working_set_bytes", "pod_cpu_usage_seconds_total", "scrape_error",
    "{", "}", '"', ",", "=", " ", "\t", "\\", "#", "container=", "namespace=", "pod=", '"a"', "1", "-1", "1.5e+09",
    "NaN", "+Inf", "-Inf", "1e300", "1754300412841", "9" * 30, "x", "é", "\x00",
])  # fmt: skip


def outcome(text: str) -> str:
    try:
        node, pods = parse.parse(text, 1)
    except parse.ParseError:
        return "error"
    assert node is None or (node.cpu_core_nanoseconds_total > 0 and node.memory_working_set_bytes > 0)
    for pod in pods:
        assert pod.containers and all(c.cpu_core_nanoseconds_total > 0 for c in pod.containers)
    return "points"


@FUZZ
@given(st.text())
def test_any_text_gives_points_or_a_parse_error(text: str) -> None:
    outcome(text)


@FUZZ
@given(st.lists(st.lists(TOKENS, max_size=12).map("".join), max_size=20).map("\n".join))
def test_metric_shaped_garbage_gives_points_or_a_parse_error(text: str) -> None:
    outcome(text)


@FUZZ
@given(st.integers(0, len(LINES) - 1), st.integers(0, 200), st.text(min_size=1, max_size=8))
def test_a_real_body_with_one_line_damaged_gives_points_or_a_parse_error(line: int, at: int, junk: str) -> None:
    damaged = LINES.copy()
    damaged[line] = damaged[line][:at] + junk + damaged[line][at:]
    outcome("\n".join(damaged))

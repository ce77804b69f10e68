"""Kubernetes' canonical quantity, duration and time strings, from the examples in the reference."""

import pytest

from services.lib import quantity, timefmt


@pytest.mark.parametrize(
    ("nanocores", "text"),
    [
        (0, "0"),
        (123456789, "123456789n"),
        (250_000_000, "250m"),
        (1_000_000_000, "1"),
        (1_500_000_000, "1500m"),
        (2_500_000_000, "2500m"),
        (12_000_000, "12m"),
        (1000, "1u"),
        (3_000_000_000_000, "3k"),
        (7338891, "7338891n"),
    ],
)
def test_cpu_is_printed_in_the_largest_exact_decimal_unit(nanocores: int, text: str) -> None:
    assert quantity.format_cpu(nanocores) == text


@pytest.mark.parametrize(
    ("num_bytes", "text"),
    [
        (0, "0"),
        (500, "500"),
        (1000, "1k"),
        (1536, "1536"),
        (1616273408, "1578392Ki"),
        (12533760, "12240Ki"),
        (14868480, "14520Ki"),
        (3145728, "3Mi"),
        (1048576000, "1000Mi"),
        (2147483648, "2Gi"),
        (12533761, "12533761"),
    ],
)
def test_memory_is_printed_in_the_largest_exact_binary_unit(num_bytes: int, text: str) -> None:
    assert quantity.format_memory(num_bytes) == text


@pytest.mark.parametrize(
    ("text", "nanocores"),
    [
        ("250m", 250_000_000),
        ("1", 1_000_000_000),
        ("1.5", 1_500_000_000),
        ("0.1n", 1),
        ("2e-3", 2_000_000),
        ("100u", 100_000),
        ("1k", 1_000_000_000_000),
    ],
)
def test_cpu_quantities_parse_to_nanocores_rounding_up(text: str, nanocores: int) -> None:
    assert quantity.to_nanocores(text) == nanocores


@pytest.mark.parametrize(
    ("text", "num_bytes"), [("64Mi", 64 * 2**20), ("1Gi", 2**30), ("1G", 10**9), ("512", 512), ("1.5Ki", 1536)]
)
def test_memory_quantities_parse_to_bytes(text: str, num_bytes: int) -> None:
    assert quantity.to_bytes(text) == num_bytes


@pytest.mark.parametrize("bad", ["", "abc", "12Qi", "1.2.3", "m", "nan", "inf"])
def test_a_string_that_is_not_a_quantity_is_refused_with_its_text(bad: str) -> None:
    with pytest.raises(quantity.QuantityError):
        quantity.parse(bad)


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0s"),
        (15 * 10**9, "15s"),
        (15_003_000_000, "15.003s"),
        (60 * 10**9, "1m0s"),
        (60_500_000_000, "1m0.5s"),
        (500_000_000, "500ms"),
        (1500, "1.5µs"),
        (7, "7ns"),
        (3_723 * 10**9, "1h2m3s"),
        (14_991_000_000, "14.991s"),
    ],
)
def test_durations_print_as_go_does(ns: int, text: str) -> None:
    assert timefmt.format_duration(ns) == text


@pytest.mark.parametrize(
    ("text", "ns"),
    [("15s", 15 * 10**9), ("1m30s", 90 * 10**9), ("500ms", 5 * 10**8), ("0", 0), ("1.5h", 5400 * 10**9), ("2µs", 2000)],
)
def test_go_durations_parse(text: str, ns: int) -> None:
    assert timefmt.parse_duration(text) == ns


@pytest.mark.parametrize("bad", ["", "15", "s", "1x", "1s2", "--1s"])
def test_a_string_that_is_not_a_go_duration_is_refused(bad: str) -> None:
    with pytest.raises(timefmt.DurationError):
        timefmt.parse_duration(bad)


def test_times_are_rfc3339_seconds_in_utc_truncated() -> None:
    assert timefmt.rfc3339(1754300413_999_999_999) == "2025-08-04T09:40:13Z"
    assert timefmt.parse_rfc3339("2025-08-04T09:40:13Z") == 1754300413 * 10**9
    assert timefmt.parse_rfc3339("2025-08-04T09:40:13.25Z") == 1754300413_250_000_000

"""Values are written exactly as Prometheus' Go expfmt writes them."""

import math

import pytest

from sim.kubelets import gofloat


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12533760.0, "1.253376e+07"),
        (495616.0, "495616"),
        (357.35491, "357.35491"),
        (1754210311.9853475, "1.7542103119853475e+09"),
        (1616273408.0, "1.616273408e+09"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.0, "-1"),
        (0.5, "0.5"),
        (999999.0, "999999"),
        (1e6, "1e+06"),
        (-2.5e7, "-2.5e+07"),
        (123456789012345.6, "1.234567890123456e+14"),
        (1e16, "1e+16"),
        (1.5e300, "1.5e+300"),
        (0.0001, "0.0001"),
        (0.00012345, "0.00012345"),
        (1e-5, "1e-05"),
        (1.234e-7, "1.234e-07"),
        (5e-324, "5e-324"),
        (math.nan, "NaN"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
    ],
)
def test_floats_use_gos_shortest_g_form(value: float, text: str) -> None:
    assert gofloat.format_float(value) == text


@pytest.mark.parametrize("value", [0, 1, 999_999, 1_000_000, 18_145_280, 1_616_273_408, 2**52, -12_533_760])
def test_integers_format_like_their_float(value: int) -> None:
    assert gofloat.format_integer(value) == gofloat.format_float(float(value))

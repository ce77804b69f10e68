"""The fault annotation's values, and what the skew and duplicate faults do to a body."""

from pathlib import Path

import pytest

from sim.kubelets import faults
from tests.unit.kubelets import exposition

GOLDEN = (Path(__file__).parent / "golden_two_pods.txt").read_text()
HOUR_NS = 3600 * 10**9


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("", faults.HEALTHY),
        ("down", faults.Fault(kind="down")),
        ("malformed", faults.Fault(kind="malformed")),
        (" zero ", faults.Fault(kind="zero")),
        ("hang", faults.Fault(kind="hang")),
        ("restart", faults.Fault(kind="restart")),
        ("slow", faults.Fault(kind="slow", delay_s=faults.SLOW_DEFAULT_S)),
        ("slow=1500ms", faults.Fault(kind="slow", delay_s=1.5)),
        ("slow=soon", faults.Fault(kind="slow", delay_s=faults.SLOW_DEFAULT_S)),
        ("bad-cert", faults.Fault(kind="bad-cert")),
        ("wrong-ca", faults.Fault(kind="wrong-ca")),
        ("skew=+1h", faults.Fault(kind="skew", skew_ns=HOUR_NS)),
        ("skew=-10m", faults.Fault(kind="skew", skew_ns=-600 * 10**9)),
        ("skew", faults.HEALTHY),
        ("skew=later", faults.HEALTHY),
        ("duplicate", faults.Fault(kind="duplicate")),
        ("explode", faults.HEALTHY),
    ],
)
def test_an_annotation_value_names_a_fault(value: str, fault: faults.Fault) -> None:
    assert faults.parse(value) == fault


def test_a_skewed_clock_moves_every_timestamp_and_start_time_and_nothing_else() -> None:
    before, after = exposition.parse(GOLDEN), exposition.parse(faults.shift(GOLDEN.encode(), -HOUR_NS).decode())
    assert list(after) == list(before)
    for name, samples in before.items():
        for old, new in zip(samples, after[name], strict=True):
            assert (new.name, new.labels) == (old.name, old.labels)
            if name == faults.START_SERIES:
                assert new.value == pytest.approx(old.value - 3600, abs=1e-6)
            elif old.timestamp_ms is not None:
                assert (new.text, new.timestamp_ms) == (old.text, old.timestamp_ms - 3_600_000)
            else:
                assert new == old


def test_a_duplicating_kubelet_writes_each_series_twice_the_right_value_last() -> None:
    families = exposition.parse(faults.duplicate(GOLDEN.encode()).decode())
    for name, samples in exposition.parse(GOLDEN).items():
        assert families[name][1::2] == samples
        assert [(s.key, s.value, s.timestamp_ms) for s in families[name][::2]] == [
            (s.key, 2 * s.value, s.timestamp_ms) for s in samples
        ]

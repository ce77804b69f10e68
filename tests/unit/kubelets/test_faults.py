"""The fault annotation's values."""

import pytest

from sim.kubelets import faults


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
        ("explode", faults.HEALTHY),
    ],
)
def test_an_annotation_value_names_a_fault(value: str, fault: faults.Fault) -> None:
    assert faults.parse(value) == fault

"""Faults on demand: the node annotation `sim.flowmeter.dev/fault` makes that node's kubelet misbehave.

Values: `down` (connections refused), `malformed` (a garbled body), `zero` (every CPU and memory value 0, as the
cgroup v2 and CRI bugs report), `slow` or `slow=3s` (answers after a delay), `hang` (never answers), `restart` (once,
when set on a known node: every container on it reports a new start time, now, and counts CPU from 0 again, while the
pods' statuses stay as they were; the node answers normally otherwise; set it again after removing it to repeat),
`bad-cert` (serves a certificate of the cluster CA naming only the node's hostname, no IP SAN, as a self-signed
kubelet certificate does) and `wrong-ca` (serves one with the right SANs signed by an unrelated CA).
Anything else is ignored, so a typo leaves the node healthy rather than broken.
"""

import msgspec

from services.lib import timefmt

ANNOTATION = "sim.flowmeter.dev/fault"
TLS_KINDS = frozenset({"bad-cert", "wrong-ca"})  # faults of the serving certificate
KINDS = frozenset({"down", "malformed", "zero", "slow", "hang", "restart", *TLS_KINDS})
SLOW_DEFAULT_S = 5.0


class Fault(msgspec.Struct, frozen=True, kw_only=True):
    """The fault a node has now; kind '' = healthy."""

    kind: str = ""
    delay_s: float = 0.0  # for slow: how long each answer waits


HEALTHY = Fault()


def parse(value: str) -> Fault:
    """The fault an annotation value asks for; HEALTHY for an empty or unknown value."""
    kind, _, argument = value.strip().partition("=")
    if kind not in KINDS:
        return HEALTHY
    if kind != "slow":
        return Fault(kind=kind)
    try:
        delay_s = timefmt.parse_duration(argument) / 1e9 if argument else SLOW_DEFAULT_S
    except timefmt.DurationError:
        delay_s = SLOW_DEFAULT_S
    return Fault(kind=kind, delay_s=delay_s)


def garble(body: bytes) -> bytes:
    """A body cut off inside a series and followed by text no Prometheus parser accepts."""
    return body[: len(body) // 2] + b'{garbled="\n\x00not a metric\n'

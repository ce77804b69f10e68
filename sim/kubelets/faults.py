"""Faults on demand: the node annotation `sim.flowmeter.dev/fault` makes that node's kubelet misbehave.

Values: `down` (connections refused), `malformed` (a garbled body), `zero` (every CPU and memory value 0, as the
cgroup v2 and CRI bugs report), `slow` or `slow=3s` (answers after a delay), `hang` (never answers), `restart` (once,
when set on a known node: every container on it reports a new start time, now, and counts CPU from 0 again, while the
pods' statuses stay as they were; the node answers normally otherwise; set it again after removing it to repeat),
`bad-cert` (serves a certificate of the cluster CA naming only the node's hostname, no IP SAN, as a self-signed
kubelet certificate does), `wrong-ca` (serves one with the right SANs signed by an unrelated CA), `skew=+1h` or
`skew=-10m` (the kubelet's clock is off by that much, so every sample timestamp and container start time in its body
is too; removing it corrects the clock; a node back after an hour looks like `skew=+1h` to a store that saw no failed
scrape in between) and `duplicate` (every series appears twice, first with a different value, then with the right
one, as a kubelet whose cAdvisor sees two cgroups for one container does).
Anything else is ignored, so a typo leaves the node healthy rather than broken.
"""

import msgspec

from services.lib import timefmt
from sim.kubelets import gofloat

ANNOTATION = "sim.flowmeter.dev/fault"
TLS_KINDS = frozenset({"bad-cert", "wrong-ca"})  # faults of the serving certificate
KINDS = frozenset({"down", "malformed", "zero", "slow", "hang", "restart", "skew", "duplicate", *TLS_KINDS})
START_SERIES = "container_start_time_seconds"  # its value is a time: a skewed clock shifts it
SLOW_DEFAULT_S = 5.0


class Fault(msgspec.Struct, frozen=True, kw_only=True):
    """The fault a node has now; kind '' = healthy."""

    kind: str = ""
    delay_s: float = 0.0  # for slow: how long each answer waits
    skew_ns: int = 0  # for skew: how far the kubelet's clock is ahead (negative: behind)


HEALTHY = Fault()


def parse(value: str) -> Fault:
    """The fault an annotation value asks for; HEALTHY for an empty or unknown value."""
    kind, _, argument = value.strip().partition("=")
    if kind not in KINDS:
        return HEALTHY
    if kind == "skew":
        try:
            return Fault(kind=kind, skew_ns=timefmt.parse_duration(argument))
        except timefmt.DurationError:
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


def _sample(line: str) -> tuple[str, str, str] | None:
    """(series, value, timestamp or '') of a sample line; None for comments and blank lines."""
    if not line or line[0] == "#":
        return None
    end = line.rfind("}") + 1 if "{" in line else line.find(" ")
    value, _, stamp = line[end:].strip().partition(" ")
    return line[:end], value, stamp


def shift(body: bytes, skew_ns: int) -> bytes:
    """The body as a kubelet whose clock is `skew_ns` off writes it: sample times and start times moved."""

    def shifted(line: str) -> str:
        sample = _sample(line)
        if sample is not None and sample[0].startswith(START_SERIES):
            return f"{sample[0]} {gofloat.format_float(float(sample[1]) + skew_ns / 1e9)}"
        if sample is not None and sample[2]:
            return f"{sample[0]} {sample[1]} {int(sample[2]) + skew_ns // 1_000_000}"
        return line

    return "\n".join(map(shifted, body.decode().split("\n"))).encode()


def duplicate(body: bytes) -> bytes:
    """Every series twice: first a copy with twice the value, then the series itself, so the last line is right."""
    lines = []
    for line in body.decode().split("\n"):
        sample = _sample(line)
        if sample is not None:
            copy = f"{sample[0]} {gofloat.format_float(2 * float(sample[1]))}"
            lines.append(f"{copy} {sample[2]}" if sample[2] else copy)
        lines.append(line)
    return "\n".join(lines).encode()

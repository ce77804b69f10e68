"""A strict reader of the kubelet's Prometheus text, for checking what the simulator renders."""

import re

import msgspec

_SAMPLE = re.compile(r"^([a-z_]+)(\{[^}]*\})? (\S+)(?: (-?\d+))?$")
_LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


class Sample(msgspec.Struct, frozen=True):
    """One series line."""

    name: str
    labels: tuple[tuple[str, str], ...]
    text: str  # the value as written
    timestamp_ms: int | None

    @property
    def value(self) -> float:
        return float(self.text)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.labels)


def parse(body: str) -> dict[str, list[Sample]]:
    """Families in order of appearance; fails on any line out of the kubelet's shape."""
    families: dict[str, list[Sample]] = {}
    lines = body.split("\n")
    assert lines[-1] == "", "the body ends with a newline"
    for line in lines[:-1]:
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            families.setdefault(line.split(" ")[2], [])
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        labels = tuple(_LABEL.findall(match.group(2) or ""))
        stamp = int(match.group(4)) if match.group(4) else None
        families[match.group(1)].append(Sample(match.group(1), labels, match.group(3), stamp))
    return families


def mask(body: str) -> str:
    """The body with every value and timestamp replaced by a placeholder: its layout."""
    return re.sub(r"(?m)^([^#].*?\}?) \S+( -?\d+)?$", lambda m: f"{m.group(1)} V" + (" T" if m.group(2) else ""), body)

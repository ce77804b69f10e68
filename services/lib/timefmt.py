"""Times and durations in the forms Kubernetes prints and Go parses: RFC 3339 seconds, Go duration strings."""

import calendar
import re
import time

_GO_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    """A string that is not a Go duration."""


def rfc3339(ns: int) -> str:
    """UTC time truncated to whole seconds, e.g. '2025-08-04T09:40:13Z'."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ns // 1_000_000_000))


def parse_rfc3339(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 UTC time such as '2025-08-04T09:40:13Z' (fraction allowed)."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1_000_000_000 + int((fraction or "0").ljust(9, "0")[:9])


def format_duration(ns: int) -> str:
    """Go's time.Duration.String(): '15s', '15.003s', '1m0s', '500ms', '1.5µs', '0s'."""
    if ns < 0:
        return "-" + format_duration(-ns)
    if ns == 0:
        return "0s"
    if ns < 1_000:
        return f"{ns}ns"
    if ns < 1_000_000:
        return _fraction(ns, 1_000) + "µs"
    if ns < 1_000_000_000:
        return _fraction(ns, 1_000_000) + "ms"
    seconds = _fraction(ns % 60_000_000_000, 1_000_000_000) + "s"
    minutes, hours = (ns // 60_000_000_000) % 60, ns // 3_600_000_000_000
    if hours:
        return f"{hours}h{minutes}m{seconds}"
    return f"{minutes}m{seconds}" if minutes else seconds


def _fraction(value: int, unit: int) -> str:
    """value/unit in decimal without trailing zeros."""
    whole, rest = divmod(value, unit)
    if not rest:
        return str(whole)
    digits = str(rest).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def parse_duration(text: str) -> int:
    """Nanoseconds of a Go duration such as '15s', '1m30s', '500ms' or '0'."""
    text = text.strip()
    if text in ("0", "+0", "-0"):
        return 0
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.removeprefix("+"))
    total, position = 0.0, 0
    for match in _GO_DURATION_PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        position = match.end()
    if not body or position != len(body):
        raise DurationError(f"invalid duration {text!r}: expected a Go duration such as 15s, 1m30s or 500ms")
    return sign * round(total)

"""Times and durations in the forms Kubernetes prints and Go parses: RFC 3339 seconds, Go duration strings."""

import calendar
import functools
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


@functools.lru_cache(maxsize=4096)  # a list of 70,000 pods carries a few dozen distinct seconds
def _utc(seconds: int) -> str:
    t = time.gmtime(seconds)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"


def rfc3339(ns: int) -> str:
    """UTC time truncated to whole seconds, e.g. '2025-08-04T09:40:13Z'."""
    return _utc(ns // 1_000_000_000) + "Z"


def rfc3339_precise(ns: int) -> str:
    """UTC time with as many fractional digits as it has (none when whole), e.g. '2025-08-04T09:40:13.25Z'."""
    whole, fraction = divmod(ns, 1_000_000_000)
    text = _utc(whole)
    return f"{text}.{str(fraction).rjust(9, '0').rstrip('0')}Z" if fraction else f"{text}Z"


_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))")


class TimeError(ValueError):
    """A string that is not an RFC 3339 time."""


def parse_rfc3339(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 time such as '2025-08-04T09:40:13Z' or '...13.25+02:00'."""
    match = _RFC3339.fullmatch(text.strip())
    if not match:
        raise TimeError(f"invalid time {text!r}: expected RFC 3339 such as 2025-08-04T09:40:13Z")
    year, month, day, hour, minute, second, fraction, _, sign, off_h, off_m = match.groups()
    seconds = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second), 0, 0, 0))
    if sign:
        seconds -= (1 if sign == "+" else -1) * (int(off_h) * 3600 + int(off_m) * 60)
    return seconds * 1_000_000_000 + int((fraction or "0").ljust(9, "0")[:9])


@functools.lru_cache(maxsize=4096)  # windows repeat: resolutions give a handful of distinct values
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

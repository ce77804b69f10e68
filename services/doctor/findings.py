"""What a check found, and how findings are printed: aligned text for people, JSON for tools."""

import enum

import msgspec


class Level(enum.StrEnum):
    """How a finding bears on installing Flowmeter."""

    OK = "ok"
    WARN = "warn"  # works, with a caveat, or could not be checked from here
    FAIL = "fail"  # Flowmeter (or kubectl top, or an HPA) will not work until the remedy is applied


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One check's result."""

    check: str  # what was checked, e.g. "aggregation layer"
    level: Level
    summary: str  # what was seen, in one sentence
    remedy: str = ""  # what to do about it; empty when nothing is needed


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """Every finding, and whether any failed (the JSON output)."""

    ok: bool
    findings: list[Finding]


def ok(check: str, summary: str) -> Finding:
    """Nothing to do."""
    return Finding(check=check, level=Level.OK, summary=summary)


def warn(check: str, summary: str, remedy: str) -> Finding:
    """Works with a caveat, or could not be checked from here."""
    return Finding(check=check, level=Level.WARN, summary=summary, remedy=remedy)


def fail(check: str, summary: str, remedy: str) -> Finding:
    """Will not work until the remedy is applied."""
    return Finding(check=check, level=Level.FAIL, summary=summary, remedy=remedy)


def report(findings: list[Finding]) -> Report:
    """The findings with their verdict."""
    return Report(ok=all(f.level != Level.FAIL for f in findings), findings=findings)


def exit_code(findings: list[Finding]) -> int:
    """1 when any check failed, else 0."""
    return 0 if report(findings).ok else 1


def as_json(findings: list[Finding]) -> str:
    """The report as one JSON document."""
    return msgspec.json.format(msgspec.json.encode(report(findings)), indent=2).decode()


def as_text(findings: list[Finding]) -> str:
    """One line per finding, its remedy indented below it, and a last line with the verdict."""
    width = max((len(f.check) for f in findings), default=0)
    lines = []
    for finding in findings:
        lines.append(f"{finding.level.value:<4}  {finding.check:<{width}}  {finding.summary}")
        if finding.remedy:
            lines.append(f"{'':<4}  {'':<{width}}  -> {finding.remedy}")
    failed = sum(f.level == Level.FAIL for f in findings)
    warned = sum(f.level == Level.WARN for f in findings)
    lines.append(f"{failed} failed, {warned} warned, {len(findings) - failed - warned} ok")
    return "\n".join(lines)

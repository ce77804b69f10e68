"""What the benchmark reads: CPU time and peak RSS of processes from /proc, and a progress bar on stderr."""

import os
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PIPELINE = ("nats", "scraper", "store", "api")  # what the budget counts; not the simulator, not the autoscaler


def pipeline(pids: dict[str, int]) -> dict[str, int]:
    """The stack's processes that the per-node budget counts: nats-server and every scraper, store and api replica."""
    return {name: pid for name, pid in pids.items() if name.split("-")[0] in PIPELINE}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime, fields 14 and 15 of proc(5)


def peak_rss_bytes(pid: int) -> int:
    """The process's peak resident set size (VmHWM)."""
    return _status_bytes(pid, "VmHWM")


def rss_bytes(pid: int) -> int:
    """The process's resident set size now (VmRSS)."""
    return _status_bytes(pid, "VmRSS")


def _status_bytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no {field} for pid {pid}")


def open_fds(pid: int) -> int:
    """How many file descriptors the process has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def prometheus_values(text: str, metric: str) -> dict[str, float]:
    """The samples of one metric in Prometheus text, keyed by their label set as written (`stream="RATES"`)."""
    values = {}
    for line in text.splitlines():
        if line.startswith(metric + "{") or line.startswith(metric + " "):
            series, _, value = line.rpartition(" ")
            values[series.removeprefix(metric).strip("{} ")] = float(value)
    return values


class Progress:
    """A one-line progress bar on stderr: what runs now and how far through the whole benchmark it is."""

    def __init__(self, total_seconds: float, width: int = 30) -> None:
        self.total, self.width, self.started = max(total_seconds, 1.0), width, time.monotonic()
        self.interactive = sys.stderr.isatty()

    def show(self, phase: str) -> None:
        done = min(1.0, (time.monotonic() - self.started) / self.total)
        filled = round(done * self.width)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done:4.0%} {phase}"
        print(f"\r{line:<100}" if self.interactive else line, end="" if self.interactive else "\n", file=sys.stderr,
              flush=True)  # fmt: skip

    def wait(self, seconds: float, phase: str) -> None:
        """Sleep `seconds` while redrawing the bar (every second on a terminal, every 10 s in a log)."""
        end = time.monotonic() + seconds
        step = 1.0 if self.interactive else 10.0
        while (left := end - time.monotonic()) > 0:
            self.show(phase)
            time.sleep(min(step, left))

    def done(self) -> None:
        if self.interactive:
            print(file=sys.stderr)

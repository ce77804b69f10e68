"""A bounded soak (`./just soak [MINUTES] [NODES]`): the whole stack on a simulated cluster, watched for leaks.

It starts the embedded stack as `./just up` runs it (autoscaler and console included; the console keeps a minute of
history instead of an hour, so that its bounded history is full before the warm-up ends) and samples every
`--interval` seconds: the RSS and open file descriptors of every process, each consumer's backlog (the
`flowmeter_events_pending` gauge, JetStream's num_pending at its last delivery, from every service's /metrics, and
the events published on a stream less those consumed from it) and the messages SAMPLES and RATES hold. After the
warm-up it fits a least-squares slope to each series and fails (exit 1) when one grows: RSS faster than RSS_LIMIT,
file descriptors by more than FD_LIMIT, a backlog by more than one cycle's events, a process restarted.
"""

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import nats

from bench import measure, trend
from bench.harness import FRONT_PROXY_HEADERS, Stack, front_proxy_certificate, stack
from services import events
from services.lib import natsaccess

MIB = 2**20
RSS_LIMIT = trend.Limit(per_hour=8.0, share_per_hour=0.10, change=2.0)  # MiB: 8 MiB/h or 10 % of the RSS per hour
FD_LIMIT = trend.Limit(per_hour=0.0, change=8.0)  # rising, and 8 more than after the warm-up
PENDING, PUBLISHED, CONSUMED = (f"flowmeter_events_{name}" for name in ("pending", "published_total", "consumed_total"))
CONSOLE_FLAGS = "--retention=1m"
STREAMS = (events.SAMPLES.name, events.RATES.name)  # bounded by their limits; DECISIONS and USAGE keep history


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./just soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("minutes", nargs="?", type=float, default=10.0, help="how long to sample (default 10)")
    parser.add_argument("nodes", nargs="?", type=int, default=500, help="simulated nodes (default 500)")
    parser.add_argument("--pods-per-node", type=int, default=70, help="pods on each node (default 70)")
    parser.add_argument("--resolution", default="15s", help="metric resolution (default 15s)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between samples (default 10)")
    parser.add_argument("--warmup", type=float, help="seconds left out of the fits (default: a quarter, 2 to 5 min)")
    parser.add_argument("--json", metavar="FILE", help="write every sample and the trends as JSON to FILE")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.nodes < 1 or args.interval <= 0:
        parser.error("minutes, nodes and interval must be positive")
    if args.warmup is None:
        args.warmup = min(args.minutes * 30, max(120.0, min(300.0, args.minutes * 15)))
    return args


class Sampler:
    """Reads one sample of the running stack: processes from /proc, gauges and counters from /metrics, NATS streams."""

    def __init__(self, s: Stack, http: httpx.AsyncClient, api: httpx.AsyncClient) -> None:
        self.s, self.http, self.api = s, http, api
        self.first_pids: dict[str, int] = {}

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = json.loads((self.s.run_dir / "stack.json").read_text())
        return status

    async def sample(self, js: Any, elapsed: float) -> dict[str, Any]:
        status = self.status()
        pids: dict[str, int] = status["pids"]
        for name, pid in pids.items():
            self.first_pids.setdefault(name, pid)
        metrics = {name: await self.metrics(f"http://{address}/metrics", self.http)
                   for name, address in status["probes"].items()}  # fmt: skip
        metrics |= {f"api-{i + 1}" if i else "api": await self.metrics(f"{url}/metrics", self.api)
                    for i, url in enumerate(status["api_urls"])}  # fmt: skip
        streams = {name: (await js.stream_info(name)).state.messages for name in STREAMS}
        rss, fds = processes(pids)
        return {
            "t": round(elapsed, 1),
            "rss_mib": rss,
            "fds": fds,
            "pids": pids,
            "backlog": backlog(metrics),
            "streams": streams,
        }

    @staticmethod
    async def metrics(url: str, client: httpx.AsyncClient) -> str:
        try:
            return (await client.get(url)).text
        except httpx.HTTPError:
            return ""  # a restarting process: the restart shows in its pid


def processes(pids: dict[str, int]) -> tuple[dict[str, float], dict[str, int]]:
    """RSS in MiB and open files of each process; one restarting right now is left out of this sample."""
    rss, fds = {}, {}
    for name, pid in pids.items():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            rss[name], fds[name] = measure.rss_bytes(pid) / MIB, measure.open_fds(pid)
    return rss, fds


def backlog(metrics: dict[str, str]) -> dict[str, float]:
    """Per consumer, its pending gauge (`store/SAMPLES`); per stream, the events published on it less those consumed
    by the service that folds it: every store together for SAMPLES, each api replica for RATES (`RATES lag (api)`)."""
    result: dict[str, float] = {}
    published: Counter[str] = Counter()
    for name, text in metrics.items():
        result |= {f"{name}/{stream}": value for stream, value in _by_stream(text, PENDING).items()}
        published.update(_by_stream(text, PUBLISHED))
    consumed = {name: _by_stream(text, CONSUMED) for name, text in metrics.items()}
    samples, rates = events.SAMPLES.name, events.RATES.name
    folded = sum(counts.get(samples, 0.0) for name, counts in consumed.items() if name.startswith("store"))
    result[f"{samples} lag"] = published[samples] - folded
    for name in (name for name in consumed if name.startswith("api")):
        result[f"{rates} lag ({name})"] = published[rates] - consumed[name].get(rates, 0.0)
    return result


def _by_stream(text: str, metric: str) -> dict[str, float]:
    """One metric's samples keyed by their `stream` label."""
    values = measure.prometheus_values(text, metric).items()
    return {labels.partition('stream="')[2].partition('"')[0]: value for labels, value in values}


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Run the stack, sample it until the time is up, and return the samples."""
    progress = measure.Progress(args.minutes * 60 + 60)
    progress.show(f"{args.nodes} nodes × {args.pods_per_node} pods: starting the stack")
    # The console keeps an hour of usage history by design (bounded by --retention and --max-history-pods), which a
    # soak of minutes would read as growth: with a minute's retention it is full before the warm-up ends, so what the
    # fit sees afterwards is the console dropping as much history as it adds.
    settings = {"sim_nodes": str(args.nodes), "sim_pods_per_node": str(args.pods_per_node),
                "metric_resolution": args.resolution, "console_port": "0", "console_flags": CONSOLE_FLAGS}  # fmt: skip
    samples = []
    with stack(**settings) as s:
        creds = natsaccess.read_credentials(str(s.run_dir / "nats" / "store.creds")) or ("", "")
        url = json.loads((s.run_dir / "stack.json").read_text())["nats_url"]
        nc = await nats.connect(url, user=creds[0], password=creds[1], inbox_prefix=natsaccess.inbox_prefix(creds[0]))
        cert = front_proxy_certificate(s.run_dir)
        async with (
            httpx.AsyncClient(timeout=30) as http,
            httpx.AsyncClient(verify=False, cert=cert, headers=FRONT_PROXY_HEADERS, timeout=30) as api,
        ):
            sampler, started = Sampler(s, http, api), time.monotonic()
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                samples.append(await sampler.sample(nc.jetstream(), elapsed))
                phase = "warming up" if elapsed < args.warmup else "sampling"
                progress.show(f"{phase}: {elapsed / 60:.1f} of {args.minutes:g} min, {len(samples)} samples")
                await asyncio.sleep(max(0.0, started + len(samples) * args.interval - time.monotonic()))
        await nc.close()
    progress.done()
    restarted = {name for sample in samples for name, pid in sample["pids"].items() if pid != sampler.first_pids[name]}
    return {"samples": samples, "restarted": sorted(restarted)}


def trends(samples: list[dict[str, Any]], key: str, warmup: float) -> dict[str, trend.Trend]:
    """One trend per series under `key` in the samples (process, consumer or stream)."""
    names = sorted({name for sample in samples for name in sample[key]})
    return {name: trend.fit([(s["t"], s[key][name]) for s in samples if name in s[key]], warmup) for name in names}


def report(args: argparse.Namespace, result: dict[str, Any]) -> tuple[str, list[str], dict[str, Any]]:
    """The table to print, the failures, and the trends for --json."""
    samples = result["samples"]
    found = {key: trends(samples, key, args.warmup) for key in ("rss_mib", "fds", "backlog", "streams")}
    cycle = trend.Limit(per_hour=float(args.nodes), change=float(args.nodes))  # more than one cycle's events
    failures = [
        *trend.verdicts(found["rss_mib"], RSS_LIMIT, "RSS", "MiB"),
        *trend.verdicts(found["fds"], FD_LIMIT, "open files", "fds"),
        *trend.verdicts(found["backlog"], cycle, "backlog", "events"),
        *trend.verdicts(found["streams"], cycle, "stream", "messages"),
        *(f"{name}: restarted during the soak" for name in result["restarted"]),
    ]
    rows = [("series", "after warm-up", "slope per hour")]
    for key, unit in (("rss_mib", "MiB"), ("fds", "fds"), ("backlog", "events"), ("streams", "messages")):
        for name, t in found[key].items():
            rows.append((f"{name} {unit}", f"{t.first:.1f} -> {t.last:.1f}", f"{t.slope_per_hour:+.1f}"))
    width = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{width[0]}}  {b:>{width[1]}}  {c:>{width[2]}}" for a, b, c in rows]
    header = (f"{args.nodes} nodes × {args.pods_per_node} pods, {args.minutes:g} min, {len(samples)} samples every "
              f"{args.interval:g}s, fitted after a {args.warmup:g}s warm-up")  # fmt: skip
    as_json = {key: {name: vars(t) for name, t in value.items()} for key, value in found.items()}
    return "\n".join([header, *lines]), failures, as_json


def main(argv: list[str]) -> int:
    args = arguments(argv)
    result = asyncio.run(soak(args))
    table, failures, found = report(args, result)
    print(table)
    if args.json:
        document = {"arguments": vars(args), "trends": found, "failures": failures, **result}
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    if failures:
        print("\nsoak FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("\nsoak passed: no process grew, no backlog grew, no process restarted")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))

"""The whole-system benchmark (`./just bench`): the embedded stack on a simulated cluster of a given size, measured.

One run starts the stack, lets it warm up for a cycle, then measures for `--cycles` resolutions with no client load:
the CPU time of every pipeline process (nats-server, scrapers, stores, api replicas; not the simulator, and it
leaves the autoscaler and the console out) per cycle (cycles counted by the samples the scrapers published), per
node, per resolution, in millicores, and the sum of their peak RSS per node. Afterwards it
polls the api for freshness (kubelet sample time -> visible in the api) and times the queries an HPA and
`kubectl top pods -A` send, straight to the first api replica, as the control plane's aggregation layer would.
`--sweep` does this for several sizes and draws cost per node against nodes.
"""

import argparse
import contextlib
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench import measure, plot
from bench.harness import FRONT_PROXY_HEADERS, Stack, front_proxy_certificate, percentile, stack
from services.lib import timefmt

TARGET_MILLICORES, TARGET_MIB = 0.25, 0.5  # DESIGN.md section 5, at 5,000 nodes × 70 pods
UPSTREAM_MILLICORES, UPSTREAM_MIB = 1.0, 2.0  # metrics-server's published budget per node
START_ALLOWANCE_SECONDS = 60.0  # for the progress bar only


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./just bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000, help="simulated nodes (default 1000)")
    parser.add_argument("--pods-per-node", type=int, default=70, help="pods on each node (default 70)")
    parser.add_argument("--cycles", type=int, default=4, help="resolutions measured after a warm-up one (default 4)")
    parser.add_argument("--resolution", default="15s", help="metric resolution (default 15s)")
    parser.add_argument("--scrapers", type=int, default=1, help="scraper replicas (default 1)")
    parser.add_argument("--stores", type=int, default=1, help="store replicas (default 1)")
    parser.add_argument("--apis", type=int, default=1, help="api replicas (default 1)")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    parser.add_argument("--sweep", nargs="?", const="100,250,500,1000,2000,5000", metavar="SIZES",
                        help="run each node count of SIZES (default 100,...,5000) and draw a PNG")  # fmt: skip
    parser.add_argument("--png", default="docs/bench-sweep.png", help="where --sweep draws (default docs/...)")
    args = parser.parse_args(argv)
    if min(args.nodes, args.cycles, args.scrapers, args.stores, args.apis) < 1 or args.pods_per_node < 0:
        parser.error("sizes and counts must be positive")
    return args


def seconds(duration: str) -> float:
    return float(timefmt.parse_duration(duration)) / 1e9


class Api:
    """HTTPS to one api replica as the aggregation layer calls it: the front-proxy client certificate and headers."""

    def __init__(self, s: Stack, url: str) -> None:
        cert, headers = front_proxy_certificate(s.run_dir), FRONT_PROXY_HEADERS
        self.client = httpx.Client(base_url=url, verify=False, cert=cert, headers=headers, timeout=120)

    def get(self, path: str, **params: str) -> tuple[float, Any]:
        """Milliseconds the request took, and the decoded body."""
        started = time.perf_counter()
        response = self.client.get(path, params=params)
        response.raise_for_status()
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, response.json()


def freshness(api: Api, duration: float) -> list[float]:
    """For every node sample that appears while polling: seconds from its kubelet timestamp to when it was seen."""
    seen: set[tuple[str, str]] = set()
    delays = []
    end = time.monotonic() + duration
    while time.monotonic() < end:
        _, body = api.get("/apis/metrics.k8s.io/v1beta1/nodes")
        now = time.time()
        for item in body["items"]:
            key = (item["metadata"]["name"], item["timestamp"])
            if key not in seen:
                seen.add(key)
                delays.append(now - datetime.fromisoformat(item["timestamp"].replace("Z", "+00:00")).timestamp())
        time.sleep(0.5)
    first_poll = {name for name, _ in seen}
    return delays[len(first_poll) :]  # the first poll shows samples of unknown age; later ones are new


def hpa_query(s: Stack) -> tuple[str, str]:
    """The namespace and label selector of the biggest Deployment: what an HPA on it would list."""
    deployments = s.json("get", "deployments", "-A")["items"]
    biggest = max(deployments, key=lambda d: d["spec"].get("replicas", 0))
    labels = biggest["spec"]["selector"]["matchLabels"]
    return biggest["metadata"]["namespace"], ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def scraper_counter(probes: dict[str, str], prefix: str) -> int:
    """The sum over every scraper replica's /metrics of the samples whose line starts with `prefix`."""
    total = 0.0
    for name, address in probes.items():
        if name.split("-")[0] == "scraper":
            for line in httpx.get(f"http://{address}/metrics", timeout=30).text.splitlines():
                if line.startswith(prefix):
                    total += float(line.split()[-1])
    return int(total)


PUBLISHED_SAMPLES = 'flowmeter_events_published_total{stream="SAMPLES"}'
SCRAPE_FAILURES = "flowmeter_scrape_failures_total"


def run(args: argparse.Namespace, nodes: int, progress: measure.Progress) -> dict[str, Any]:
    """One benchmark of one cluster size."""
    resolution = seconds(args.resolution)
    label = f"{nodes} nodes × {args.pods_per_node} pods"
    progress.show(f"{label}: starting the stack")
    settings = {"sim_nodes": str(nodes), "sim_pods_per_node": str(args.pods_per_node),
                "metric_resolution": args.resolution, "scrapers": str(args.scrapers), "stores": str(args.stores),
                "apis": str(args.apis), "autoscaler": "false", "console": "false"}  # fmt: skip
    with stack(**settings) as s:
        status = json.loads((s.run_dir / "stack.json").read_text())
        pids, probes = measure.pipeline(status["pids"]), status["probes"]
        progress.wait(resolution, f"{label}: warming up for a cycle")
        before = {name: measure.cpu_seconds(pid) for name, pid in pids.items()}
        published = scraper_counter(probes, PUBLISHED_SAMPLES)
        progress.wait(args.cycles * resolution, f"{label}: measuring {args.cycles} cycles")
        cpu = {name: measure.cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        samples = scraper_counter(probes, PUBLISHED_SAMPLES) - published
        rss = {name: measure.peak_rss_bytes(pid) for name, pid in pids.items()}
        api = Api(s, status["api_url"])
        progress.show(f"{label}: polling the api for freshness")
        fresh = freshness(api, 2 * resolution)
        progress.show(f"{label}: timing queries")
        namespace, selector = hpa_query(s)
        hpa = [api.get(f"/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods", labelSelector=selector)[0]
               for _ in range(50)]  # fmt: skip
        everything = [api.get("/apis/metrics.k8s.io/v1beta1/pods")[0] for _ in range(3)]
        errors = scraper_counter(probes, SCRAPE_FAILURES)
        api.client.close()

    # Ticks come in bursts, so a window of N resolutions holds N or N + 1 of them: count the cycles by the samples
    # the scrapers published in it (nodes per cycle), not by the clock.
    cycles = samples / nodes if samples else args.cycles
    coverage = cycles / args.cycles

    def millicores(cpu_seconds: float) -> float:
        return float(cpu_seconds / cycles / resolution / nodes * 1000)

    return {
        "nodes": nodes, "pods": nodes * args.pods_per_node, "pods_per_node": args.pods_per_node,
        "cycles": args.cycles, "cycles_observed": round(cycles, 2), "resolution_s": resolution,
        "replicas": {"scrapers": args.scrapers, "stores": args.stores, "apis": args.apis},
        "per_node_millicores": round(millicores(sum(cpu.values())), 4),
        "per_node_mib": round(sum(rss.values()) / 2**20 / nodes, 4),
        "per_process": {name: {"per_node_millicores": round(millicores(cpu[name]), 4),
                               "cores": round(cpu[name] / (args.cycles * resolution), 3),
                               "per_node_mib": round(rss[name] / 2**20 / nodes, 4),
                               "peak_rss_mib": round(rss[name] / 2**20, 1)} for name in pids},
        "freshness_p50_s": round(percentile(fresh, 0.5), 2) if fresh else None,
        "freshness_p99_s": round(percentile(fresh, 0.99), 2) if fresh else None,
        "api_hpa_list_p50_ms": round(percentile(hpa, 0.5), 1),
        "api_hpa_list_p99_ms": round(percentile(hpa, 0.99), 1),
        "api_all_pods_ms": round(statistics.median(everything), 1),
        "scrape_errors": errors,
        "samples_per_node_per_cycle": round(coverage, 3),  # per resolution of wall time: below 1, scrapes were skipped
    }  # fmt: skip


def table(result: dict[str, Any]) -> str:
    """The figures of one run as a plain-text table, with the targets beside them."""
    rows = [
        ("nodes × pods per node", f"{result['nodes']} × {result['pods_per_node']} ({result['pods']} pods)", ""),
        ("cycles measured", f"{result['cycles_observed']} at {result['resolution_s']:g}s",
         f"{result['cycles']} resolutions of wall time"),
        ("CPU per node", f"{result['per_node_millicores']:.4f} millicores",
         f"target ≤ {TARGET_MILLICORES}, upstream {UPSTREAM_MILLICORES}"),
        ("memory per node (peak RSS)", f"{result['per_node_mib']:.4f} MiB",
         f"target ≤ {TARGET_MIB}, upstream {UPSTREAM_MIB}"),
        ("freshness p50 / p99", f"{result['freshness_p50_s']} s / {result['freshness_p99_s']} s", "kubelet time → api"),
        ("HPA pod list p50 / p99", f"{result['api_hpa_list_p50_ms']} ms / {result['api_hpa_list_p99_ms']} ms", ""),
        ("all pods list", f"{result['api_all_pods_ms']} ms", ""),
        ("scrape errors", str(result["scrape_errors"]), ""),
        ("samples per node per cycle", f"{result['samples_per_node_per_cycle']:.3f}", "below 1: scrapes were skipped"),
    ]  # fmt: skip
    for name, figures in result["per_process"].items():
        rows.append((f"  {name}", f"{figures['per_node_millicores']:.4f} mc/node, {figures['cores']:.3f} cores",
                     f"{figures['peak_rss_mib']:.0f} MiB peak"))  # fmt: skip
    width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    return "\n".join(f"{a:<{width}}  {b:<{value_width}}  {c}".rstrip() for a, b, c in rows)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    sizes = [int(size) for size in args.sweep.split(",")] if args.sweep else [args.nodes]
    resolution = seconds(args.resolution)
    progress = measure.Progress(len(sizes) * (START_ALLOWANCE_SECONDS + (args.cycles + 3) * resolution + 10))
    results = []
    for nodes in sizes:
        results.append(run(args, nodes, progress))
        if args.sweep:
            progress.show(
                f"{nodes} nodes: {results[-1]['per_node_millicores']:.4f} mc, {results[-1]['per_node_mib']:.3f} MiB"
            )
    progress.done()
    for result in results:
        print(table(result), end="\n\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results if args.sweep else results[0], indent=2) + "\n")
    if args.sweep:
        plot.sweep(results, Path(args.png), (TARGET_MILLICORES, TARGET_MIB), (UPSTREAM_MILLICORES, UPSTREAM_MIB))
        print(f"drew {args.png}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))

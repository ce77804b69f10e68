"""The api under load (`./just bench-api`): HPA-style and `kubectl top`-style queries at fixed rates while it ingests.

It starts the embedded stack on a simulated cluster (no autoscaler, no console: the load is ours), waits a cycle, then
sends queries open-loop: the i-th request of a step is due at i / rate seconds, whether or not earlier ones have
answered, so a slow api shows as latency (counted from when the request was due), not as a lower rate. The mix is
what an HPA controller and `kubectl top` send: a namespaced pod list with a Deployment's label selector (most of it),
all nodes, the pods of one namespace, one node. Requests go straight to the first api replica with the front proxy's
certificate and headers, as the aggregation layer sends them, or with `--via-apiserver` through the simulated
control plane's aggregation layer. Each `--rates` step reports the rate achieved, p50/p99/max latency and errors per
query kind, and how many cores the api used.
"""

import argparse
import asyncio
import contextlib
import json
import random
import ssl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import measure
from bench.harness import FRONT_PROXY_HEADERS, Stack, front_proxy_certificate, percentile, stack
from sim import pki

V1BETA1 = "/apis/metrics.k8s.io/v1beta1"
# Query kinds and their share of the requests: an HPA's pod list by label, `kubectl top nodes`, `kubectl top pods -n
# NS` (a load-NN namespace holds 5,000 pods), `kubectl top node NAME`.
MIX = {"hpa": 0.7, "top-nodes": 0.1, "top-pods-ns": 0.1, "top-node": 0.1}


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="./just bench-api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=500, help="simulated nodes (default 500)")
    parser.add_argument("--pods-per-node", type=int, default=70, help="pods on each node (default 70)")
    parser.add_argument("--rates", default="100,200,300", help="requests per second of each step (default 100,200,300)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each step (default 30)")
    parser.add_argument("--connections", type=int, default=32, help="most connections open at once (default 32)")
    parser.add_argument(
        "--kinds", default=",".join(MIX), help=f"query kinds sent, in MIX's shares (default {','.join(MIX)})"
    )
    parser.add_argument("--via-apiserver", action="store_true", help="through the control plane's aggregation layer")
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    args = parser.parse_args(argv)
    args.rates = [float(rate) for rate in args.rates.split(",")]
    args.kinds = args.kinds.split(",")
    if unknown := set(args.kinds) - set(MIX):
        parser.error(f"unknown query kinds {sorted(unknown)}; known: {', '.join(MIX)}")
    if min(args.nodes, args.seconds, args.connections, *args.rates) <= 0:
        parser.error("sizes, rates and counts must be positive")
    return args


@dataclass
class Kind:
    """The outcome of one query kind in one step."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def summary(kinds: dict[str, Kind], seconds: float) -> dict[str, Any]:
    """Per kind and over all: requests answered per second, p50/p99/max latency in ms, and errors."""

    def figures(latencies: list[float], errors: int) -> dict[str, Any]:
        if not latencies:
            return {"requests": errors, "rps": 0.0, "p50_ms": None, "p99_ms": None, "max_ms": None, "errors": errors}
        return {
            "requests": len(latencies) + errors,
            "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.5), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies), 1),
            "errors": errors,
        }

    result = {name: figures(kind.latencies_ms, sum(kind.errors.values())) for name, kind in kinds.items()}
    everything = [latency for kind in kinds.values() for latency in kind.latencies_ms]
    result["all"] = figures(everything, sum(sum(kind.errors.values()) for kind in kinds.values()))
    return result


def queries(s: Stack) -> dict[str, list[str]]:
    """The paths of each kind: one HPA query per Deployment, every namespace with pods, every node."""
    deployments = s.json("get", "deployments", "-A")["items"]
    hpa = []
    for deployment in deployments:
        labels = deployment["spec"]["selector"]["matchLabels"]
        selector = ",".join(f"{k}%3D{v}" for k, v in sorted(labels.items()))
        hpa.append(f"{V1BETA1}/namespaces/{deployment['metadata']['namespace']}/pods?labelSelector={selector}")
    namespaces = sorted({d["metadata"]["namespace"] for d in deployments})
    nodes = [node["metadata"]["name"] for node in s.json("get", "nodes")["items"]]
    return {
        "hpa": hpa,
        "top-nodes": [f"{V1BETA1}/nodes"],
        "top-pods-ns": [f"{V1BETA1}/namespaces/{namespace}/pods" for namespace in namespaces],
        "top-node": [f"{V1BETA1}/nodes/{name}" for name in nodes],
    }


async def one(session: aiohttp.ClientSession, url: str, due: float, kind: Kind) -> None:
    """One request; its latency counts from when it was due."""
    try:
        async with session.get(url) as response:
            await response.read()
            if response.status != 200:
                kind.error(str(response.status))
                return
    except (aiohttp.ClientError, TimeoutError) as error:
        kind.error(type(error).__name__)
        return
    kind.latencies_ms.append((time.monotonic() - due) * 1000)


async def step(session: aiohttp.ClientSession, base: str, paths: dict[str, list[str]], rate: float, seconds: float,
               rng: random.Random) -> tuple[dict[str, Kind], float]:  # fmt: skip
    """Send `rate` requests per second of the kinds in `paths` for `seconds`, open-loop; the outcomes and the wall
    time until all answered."""
    kinds = {name: Kind() for name in paths}
    names, weights = list(paths), [MIX[name] for name in paths]
    started, tasks = time.monotonic(), []
    for i in range(int(rate * seconds)):
        due = started + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        name = rng.choices(names, weights)[0]
        url = base + rng.choice(paths[name])
        tasks.append(asyncio.create_task(one(session, url, due, kinds[name])))
    await asyncio.gather(*tasks)
    return kinds, time.monotonic() - started


def client(s: Stack, via_apiserver: bool, connections: int) -> tuple[str, aiohttp.ClientSession]:
    """The base URL and a session that calls it as the aggregator (or, via the apiserver, as the admin) does."""
    status = json.loads((s.run_dir / "stack.json").read_text())
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # self-signed serving certificates
    if via_apiserver:
        base, headers = status["apiserver_url"], {"Authorization": f"Bearer {pki.ADMIN_TOKEN}"}
    else:
        base, headers = status["api_url"], FRONT_PROXY_HEADERS
        context.load_cert_chain(*front_proxy_certificate(s.run_dir))
    connector = aiohttp.TCPConnector(ssl=context, limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    return base, aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout)


async def load(args: argparse.Namespace, s: Stack) -> list[dict[str, Any]]:
    """Every step of `--rates` against the running stack, with the api's CPU use during each."""
    paths, rng = {kind: urls for kind, urls in queries(s).items() if kind in args.kinds}, random.Random(1)
    api_pid = json.loads((s.run_dir / "stack.json").read_text())["pids"]["api"]
    base, session = client(s, args.via_apiserver, args.connections)
    results = []
    async with session:
        for rate in args.rates:
            print(f"{rate:g} requests per second for {args.seconds:g}s ...", file=sys.stderr, flush=True)
            cpu = measure.cpu_seconds(api_pid)
            kinds, wall = await step(session, base, paths, rate, args.seconds, rng)
            api_cores = (measure.cpu_seconds(api_pid) - cpu) / wall
            errors = {name: kind.errors for name, kind in kinds.items()}
            results.append({"target_rps": rate, "seconds": round(wall, 1), "api_cores": round(api_cores, 2),
                            "kinds": summary(kinds, wall), "errors": errors})  # fmt: skip
    return results


def table(results: list[dict[str, Any]]) -> str:
    rows = [("target rps", "query", "rps", "p50 ms", "p99 ms", "max ms", "errors", "api cores")]
    for result in results:
        for name, f in result["kinds"].items():
            cores = str(result["api_cores"]) if name == "all" else ""
            figures = [str(f[key]) for key in ("rps", "p50_ms", "p99_ms", "max_ms", "errors")]
            rows.append((f"{result['target_rps']:g}", name, *figures, cores))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    settings = {"sim_nodes": str(args.nodes), "sim_pods_per_node": str(args.pods_per_node),
                "autoscaler": "false", "console": "false"}  # fmt: skip
    print(f"{args.nodes} nodes × {args.pods_per_node} pods: starting the stack", file=sys.stderr, flush=True)
    with stack(**settings) as s:
        time.sleep(15)  # a cycle of ingestion before the load starts; it goes on under the load
        results = asyncio.run(load(args, s))
    where = "through the control plane's aggregation layer" if args.via_apiserver else "straight to the api"
    mix = ", ".join(f"{kind} {MIX[kind] / sum(MIX[k] for k in args.kinds):.0%}" for kind in args.kinds)
    print(f"{args.nodes} nodes × {args.pods_per_node} pods, {where} ({mix}), ingesting at a 15s resolution")
    print(table(results))
    if args.json:
        document = {"nodes": args.nodes, "pods_per_node": args.pods_per_node, "kinds": args.kinds,
                    "via_apiserver": args.via_apiserver}  # fmt: skip
        Path(args.json).write_text(json.dumps({**document, "steps": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))

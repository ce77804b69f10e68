"""`python -m sim.kubelets.bench`: what serving costs — CPU per 70-pod render, and per TLS keep-alive scrape.

Builds N nodes × P pods in-process (no control plane), listens for every node on 127.S.x.y, and runs a client in a
separate process that scrapes every node once per round over kept-alive connections. Round 0 includes the TLS
handshakes; later rounds are what a scraper costs each resolution. The clock moves 15 s per round, so every scrape
renders fresh samples as it would at 15 s resolution. Prints one line per measurement.
"""

import argparse
import asyncio
import logging
import resource
import ssl
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import msgspec

from services.lib import tls
from sim.kubelets import body, cluster, listeners, node, objects, service, targets

RESOLUTION_NS = 15 * 10**9


def cpu_s() -> float:
    """User + system CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib() -> float:
    """Resident memory of this process now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def address(subnet: str, index: int) -> str:
    return f"{subnet}.{index // 250}.{index % 250 + 1}"


def make_pod(node_name: str, index: int, now_ns: int) -> objects.Pod:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_ns / 1e9 - 3600))
    containers = ("main", "sidecar") if index % 10 == 0 else ("main",)
    running = objects.ContainerState(running=objects.Running(started_at=started))
    return objects.Pod(
        metadata=objects.Meta(name=f"sleeper-{index:02d}-7d4b9c6f5-x{node_name[-5:]}", namespace="default",
                              uid=f"{node_name}-{index}"),
        spec=objects.PodSpec(node_name=node_name, containers=[objects.Container(name=c) for c in containers]),
        status=objects.PodStatus(phase="Running", container_statuses=[
            objects.ContainerStatus(name=c, state=running) for c in containers]),
    )  # fmt: skip


def build(nodes: int, pods: int, subnet: str, now_ns: int) -> cluster.Cluster:
    """A cluster model of `nodes` nodes, each with `pods` Running pods."""
    model = cluster.Cluster(10**9, {}, {})
    for n in range(nodes):
        name = f"node-{n:05d}"
        raw = {
            "metadata": {"name": name},
            "status": {"addresses": [{"type": "InternalIP", "address": address(subnet, n)}]},
        }
        model.node_changed(None, msgspec.convert(raw, objects.Node), now_ns)
        for p in range(pods):
            model.pod_changed(None, make_pod(name, p, now_ns), now_ns)
    return model


def measure_render(pods: int) -> None:
    now = time.time_ns()
    model = node.new_node("node-0", now - 86_400 * 10**9, 10**9)
    for p in range(pods):
        node.put_pod(model, make_pod("node-0", p, now), targets.Targets(), now)
    rounds, start = 2000, cpu_s()
    for r in range(rounds):
        size = len(body.render(model, now + r * RESOLUTION_NS))
    print(f"render: {(cpu_s() - start) / rounds * 1e3:.3f} ms CPU per {pods}-pod body ({size} bytes)")


async def serve(args: argparse.Namespace) -> None:
    """Build the model, listen for every node, and measure the server's CPU per round of the client."""
    now, start = time.time_ns(), cpu_s()
    model = build(args.nodes, args.pods, args.subnet, now)
    print(f"model: {args.nodes} nodes x {args.pods} pods built in {cpu_s() - start:.1f} s CPU, RSS {rss_mib():.0f} MiB")
    offset = [0]  # the clock moves one resolution per round
    directory = Path(tempfile.mkdtemp())
    served = await listen_all(model, directory, lambda: time.time_ns() + offset[0])
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sim.kubelets.bench", "--client", "--nodes", str(args.nodes), "--subnet", args.subnet,
        "--rounds", str(args.rounds), "--ca", str(directory / "ca.crt"),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert client.stdin is not None and client.stdout is not None
    for _ in range(args.rounds):
        offset[0] += RESOLUTION_NS
        mark = cpu_s()
        client.stdin.write(b"go\n")
        line = (await client.stdout.readline()).decode().strip()
        per_scrape = (cpu_s() - mark) / args.nodes * 1e3
        print(f"server: {line}: {per_scrape:.3f} ms CPU per scrape (render + HTTP + TLS), RSS {rss_mib():.0f} MiB")
    client.stdin.close()
    await client.wait()
    await served.close()


async def listen_all(model: cluster.Cluster, directory: Path, clock: service.Clock) -> listeners.Listeners:
    """A listener per node, with certificates from a throw-away CA."""
    ca = tls.new_ca("bench-ca")
    ca.write(directory / "ca.crt", directory / "ca.key")
    handler_for = lambda name: service.metrics_handler(model, name, clock)  # noqa: E731
    served = listeners.Listeners(ca, directory / "ca.crt", directory, handler_for, logging.getLogger("bench"))
    start = cpu_s()
    for name in model.nodes:
        await served.apply(name, model.endpoint(name))
    print(f"listen: {len(served.serving)} TLS listeners in {cpu_s() - start:.1f} s CPU, RSS {rss_mib():.0f} MiB")
    return served


async def scrape_all(args: argparse.Namespace) -> None:
    """The client side: every node once per round, kept-alive connections, bounded concurrency."""
    context = ssl.create_default_context(cafile=args.ca)
    limit = asyncio.Semaphore(200)
    connector = aiohttp.TCPConnector(ssl=context, limit=0, limit_per_host=1)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def one(index: int) -> int:
            async with limit, session.get(f"https://{address(args.subnet, index)}:10250/metrics/resource") as response:
                return len(await response.read()) if response.status == 200 else -1

        for r in range(args.rounds):
            await asyncio.to_thread(sys.stdin.readline)  # the server's go: it has marked its CPU clock
            start = time.monotonic()
            sizes = await asyncio.gather(*(one(i) for i in range(args.nodes)))
            assert min(sizes) > 0, "every scrape answered"
            print(f"round {r} ({'with handshakes' if r == 0 else 'kept alive'}, {time.monotonic() - start:.1f} s wall)",
                  flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=70)
    parser.add_argument("--subnet", default="127.251")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--client", action="store_true")
    parser.add_argument("--ca", default="")
    args = parser.parse_args()
    if args.client:
        asyncio.run(scrape_all(args))
        return
    measure_render(args.pods)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()

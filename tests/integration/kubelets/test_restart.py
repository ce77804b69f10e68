"""`python -m sim.kubelets` killed with SIGKILL and started again, as the launcher does: its counters carry on from
where they were (a real node's cgroups keep counting while its kubelet restarts), and a checkpoint it cannot use is
ignored with a warning."""

import asyncio
import signal
from pathlib import Path

from sim.kubelets import service
from tests.integration.kubelets.conftest import CPU, Families, control_plane, module

KUBELETS = ("--housekeeping-interval", "100ms", "--checkpoint-interval", "100ms")


def counters(families: Families) -> dict[tuple[str, ...], tuple[float, float]]:
    """Each container's and the node's (value, timestamp in s) of its CPU counter."""
    found = {key: (s.value, (s.timestamp_ms or 0) / 1000) for key, s in families[CPU].items()}
    node = families["node_cpu_usage_seconds_total"][()]
    return found | {("node",): (node.value, (node.timestamp_ms or 0) / 1000)}


def rate(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Cores between two (value, timestamp) points, as metrics-server computes them."""
    return (second[0] - first[0]) / (second[1] - first[1])


async def test_a_killed_kubelets_process_started_again_carries_every_counter_on(tmp_path: Path) -> None:
    async with control_plane(tmp_path, nodes=1, pods_per_node=4) as sim:
        ip = next(iter((await sim.nodes()).values()))
        async with module("sim.kubelets", "--run-dir", str(tmp_path), *KUBELETS) as (first, stderr):
            await stderr.wait_for(r"kubelets serving 1 nodes")
            before = await sim.scrape(ip)
            await asyncio.sleep(0.5)  # a rate needs time to pass, and a few checkpoints go by; nothing to await
            served = counters(await sim.scrape(ip))
            first.send_signal(signal.SIGKILL)
            await first.wait()
        async with module("sim.kubelets", "--run-dir", str(tmp_path), *KUBELETS) as (_, stderr):
            await stderr.wait_for(r"kubelets serving 1 nodes")
            restored = await stderr.wait_for(r"carrying on the counters")
            after = await sim.scrape(ip)

    assert "of 1 nodes" in restored
    starts = {key: s.text for key, s in after["container_start_time_seconds"].items()}
    assert starts == {key: s.text for key, s in before["container_start_time_seconds"].items()}
    earlier, last = counters(before), counters(after)
    rates = {key: rate(served[key], last[key]) for key in served}
    told = {key: rate(earlier[key], served[key]) for key in served}  # what the first process served
    assert all(abs(rates[key] - told[key]) <= 0.1 * told[key] for key in told), (rates, told)


async def test_a_checkpoint_it_cannot_read_is_ignored_with_a_warning(tmp_path: Path) -> None:
    async with control_plane(tmp_path, nodes=1, pods_per_node=4) as sim:
        saved = service.checkpoint_file(sim.layout)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_bytes(b"not a checkpoint")
        async with module("sim.kubelets", "--run-dir", str(tmp_path), *KUBELETS) as (_, stderr):
            warning = await stderr.wait_for(r"ignoring the counters' checkpoint")
            await stderr.wait_for(r"kubelets serving 1 nodes")
            assert CPU in await sim.scrape(next(iter((await sim.nodes()).values())))
    assert str(saved) in warning

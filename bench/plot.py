"""The sweep's picture: CPU and memory per node against cluster size, beside our targets and upstream's budget."""

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: draw straight to a file
import matplotlib.pyplot as plt


def sweep(results: list[dict[str, Any]], png: Path, target: tuple[float, float], upstream: tuple[float, float]) -> None:
    nodes = [result["nodes"] for result in results]
    figure, (cpu, memory) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for axes, key, unit, ours, theirs in (
        (cpu, "per_node_millicores", "millicores per node", target[0], upstream[0]),
        (memory, "per_node_mib", "MiB per node (peak RSS)", target[1], upstream[1]),
    ):
        axes.plot(nodes, [result[key] for result in results], marker="o", color="tab:blue", label="Flowmeter, measured")
        axes.axhline(ours, color="tab:green", linestyle="--", label=f"target {ours:g}")
        axes.axhline(theirs, color="tab:red", linestyle=":", label=f"upstream budget {theirs:g}")
        axes.set_xscale("log")
        axes.set_xlabel("nodes (70 pods each)" if results[0]["pods_per_node"] == 70 else "nodes")
        axes.set_ylabel(unit)
        axes.set_ylim(bottom=0)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
    figure.suptitle(f"Pipeline cost per node at a {results[0]['resolution_s']:g}s resolution (./just bench --sweep)")
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, dpi=110)
    plt.close(figure)

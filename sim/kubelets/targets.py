"""Target usage from annotations: `sim.flowmeter.dev/cpu` and `/memory`, on the pod first, then on its owners.

Each annotation is looked up on its own, so a pod may take its CPU from the pod and its memory from its Deployment.
The value is the whole pod's usage, split evenly over the containers that report (containers and native sidecars);
unannotated pods get a small default per container. A value that is not a quantity is ignored (the next owner, or
the default, applies). On a Deployment or StatefulSet, `sim.flowmeter.dev/cpu-total` is instead the load of the
whole workload, shared evenly by its running pods as a load balancer would: more replicas, less CPU each, so an HPA
settles where the formula says.
"""

from collections.abc import Callable, Mapping, Sequence

import msgspec

from services.lib import quantity

CPU_ANNOTATION = "sim.flowmeter.dev/cpu"
CPU_TOTAL_ANNOTATION = "sim.flowmeter.dev/cpu-total"
MEMORY_ANNOTATION = "sim.flowmeter.dev/memory"
DEFAULT_CPU_NANOCORES = 5_000_000  # 5m per container
DEFAULT_MEMORY_BYTES = 16 * 2**20  # 16Mi per container


class Targets(msgspec.Struct, frozen=True, kw_only=True):
    """One container's target usage."""

    cpu_nanocores: int = DEFAULT_CPU_NANOCORES
    memory_bytes: int = DEFAULT_MEMORY_BYTES


def resolve(annotations: Sequence[Mapping[str, str]], containers: int, peers: int = 1) -> Targets:
    """Per-container targets from the annotation maps of a pod and its owners, nearest first.

    `peers` is the number of running pods of the workload, which share a `cpu-total`; 0 for a terminating pod,
    which load balancers no longer send work to.
    """
    share = max(containers, 1)
    cpu = _cpu(annotations, peers)
    memory = _first(annotations, MEMORY_ANNOTATION, quantity.to_bytes)
    return Targets(
        cpu_nanocores=DEFAULT_CPU_NANOCORES if cpu is None else cpu // share,
        memory_bytes=DEFAULT_MEMORY_BYTES if memory is None else memory // share,
    )


def shares_a_total(annotations: Sequence[Mapping[str, str]]) -> bool:
    """Whether an owner sets a `cpu-total`, so the pod's CPU depends on how many peers run beside it."""
    return any(CPU_TOTAL_ANNOTATION in mapping for mapping in annotations[1:])


def _cpu(annotations: Sequence[Mapping[str, str]], peers: int) -> int | None:
    """The pod's CPU: its own annotation, else the nearest owner's total share or per-pod value."""
    for index, mapping in enumerate(annotations):
        if index > 0 and (total := _first([mapping], CPU_TOTAL_ANNOTATION, quantity.to_nanocores)) is not None:
            return total // peers if peers > 0 else 0
        if (cpu := _first([mapping], CPU_ANNOTATION, quantity.to_nanocores)) is not None:
            return cpu
    return None


def _first(annotations: Sequence[Mapping[str, str]], key: str, parse: Callable[[str], int]) -> int | None:
    for mapping in annotations:
        if key in mapping:
            try:
                return max(parse(mapping[key]), 0)
            except quantity.QuantityError:
                continue
    return None


def relevant(annotations: Mapping[str, str]) -> tuple[str | None, ...]:
    """The annotations this model reads, to tell whether an update changes any target."""
    return annotations.get(CPU_ANNOTATION), annotations.get(MEMORY_ANNOTATION), annotations.get(CPU_TOTAL_ANNOTATION)

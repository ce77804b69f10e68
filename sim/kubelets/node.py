"""One node's usage model: its running pods and containers with their counters, and the node's own counter.

Only Running pods with running containers are modelled, as a kubelet reports only what cAdvisor sees: the
containers and native sidecars, never init containers that ran to completion. The node's counter runs at the sum of
its containers' rates plus system overhead, so it keeps growing when pods come and go. Label text is fixed when a
container appears; only the value texts change between scrapes (see `body`). A node model built after the simulator
restarted carries on the counters of its checkpoint (`saved`) for the containers still in the same run.
"""

import msgspec

from services.lib import timefmt
from sim.kubelets import faults, gofloat, noise, objects, targets, usage

SECOND_NS = 1_000_000_000


class ContainerUsage(msgspec.Struct, kw_only=True):
    """One running container: its series' label text, its current run and its last sample."""

    name: str
    labels: str  # '{container="c",namespace="n",pod="p"} ', the same for each of its series
    seed: int
    run: tuple[str, int]  # (startedAt, restartCount): a change means the container restarted
    cpu: usage.Counter
    memory_target_bytes: int
    memory_bytes: int = 0
    start_text: str = ""  # '<start seconds>\n'
    cpu_text: str = ""  # '<core-seconds> <timestamp ms>\n' of the last sample; '' before the first
    memory_text: str = ""  # '<bytes> <timestamp ms>\n' of the last sample; '' before the first
    text_index: int = -1  # the sample the texts show; behind cpu.index when a target change took a sample


class SavedRun(msgspec.Struct, kw_only=True, array_like=True):
    """A container's run as a checkpoint keeps it: its counter carries on while the run is the same."""

    run: tuple[str, int]  # (startedAt, restartCount)
    cpu: usage.Counter  # its seed names the pod (uid, else namespace/name) and container


class PodUsage(msgspec.Struct, kw_only=True):
    """One Running pod's containers, in spec order."""

    namespace: str
    name: str
    labels: str  # '{namespace="n",pod="p"} '
    containers: list[ContainerUsage]


class NodeUsage(msgspec.Struct, kw_only=True):
    """A node's pods and its own counter; `ordered` caches the render order until the pod set changes."""

    name: str
    counter: usage.Counter
    overhead_nanocores: int  # system daemons and kernel, on top of the pods
    base_memory_bytes: int  # working set outside the pods
    memory_bytes: int = 0  # at the node's last sample
    memory_index: int = -1  # the node sample `memory_bytes` belongs to
    pods_nanocores: int = 0  # sum of its containers' target rates, kept up to date incrementally
    pods: dict[str, PodUsage] = {}
    fault: faults.Fault = faults.HEALTHY
    ordered: tuple[list[ContainerUsage], list[PodUsage]] | None = None
    saved: dict[int, SavedRun] = {}  # by counter seed: runs of a checkpoint not seen again yet


def new_node(name: str, boot_ns: int, period_ns: int) -> NodeUsage:
    """A node booted at `boot_ns`, with a stable overhead of 100-300m and a base working set of 1-2 GiB."""
    seed = noise.seed("node", name)
    overhead = 100_000_000 + noise.fraction(seed >> 8, 200) * 1_000_000
    base = 2**30 + noise.fraction(seed >> 16, 256) * 4 * 2**20
    counter = usage.new_counter(seed, period_ns, boot_ns, overhead)
    return NodeUsage(name=name, counter=counter, overhead_nanocores=overhead, base_memory_bytes=base, pods={})


def label_value(text: str) -> str:
    """A Prometheus label value, escaped as the text format requires."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def running(pod: objects.Pod) -> list[tuple[str, str, int]]:
    """(name, startedAt, restartCount) of each running sidecar and container of a Running pod, in spec order."""
    if pod.status.phase != "Running":
        return []
    statuses = {s.name: (s.state.running.started_at, s.restart_count)
                for s in (*pod.status.init_container_statuses, *pod.status.container_statuses)
                if s.state.running and s.state.running.started_at}  # fmt: skip
    return [(c.name, *statuses[c.name]) for c in pod.spec.reporting if c.name in statuses]


def put_pod(node: NodeUsage, pod: objects.Pod, target: targets.Targets, now_ns: int) -> None:
    """Add or update a pod: new containers, restarts and target changes take effect from the next sample on."""
    key = pod.metadata.key
    runs = running(pod)
    if not runs:
        remove_pod(node, key, now_ns)
        return
    old = node.pods.get(key)
    existing = {c.name: c for c in old.containers} if old else {}
    old_nanocores = _nanocores(old)
    containers = [_container(node, existing.get(name), pod, (name, started, restarts), target, now_ns)
                  for name, started, restarts in runs]  # fmt: skip
    if old is None or [c.name for c in old.containers] != [c.name for c in containers]:
        node.ordered = None
    labels = f'{{namespace="{label_value(pod.metadata.namespace)}",pod="{label_value(pod.metadata.name)}"}} '
    node.pods[key] = PodUsage(namespace=pod.metadata.namespace, name=pod.metadata.name, labels=labels,
                              containers=containers)  # fmt: skip
    _retune(node, now_ns, _nanocores(node.pods[key]) - old_nanocores)


def remove_pod(node: NodeUsage, key: str, now_ns: int) -> None:
    """Forget a pod that stopped running or moved away."""
    old = node.pods.pop(key, None)
    if old is not None:
        node.ordered = None
        _retune(node, now_ns, -_nanocores(old))


def _container(
    node: NodeUsage, old: ContainerUsage | None, pod: objects.Pod, run: tuple[str, str, int], target: targets.Targets,
    now_ns: int,
) -> ContainerUsage:  # fmt: skip
    """The container's usage for this run: kept (new target from now on), restarted, carried on from a checkpoint,
    or new."""
    name, started_at, restarts = run
    if old is not None and old.run == (started_at, restarts):
        usage.set_rate(old.cpu, now_ns, target.cpu_nanocores)
        old.memory_target_bytes = target.memory_bytes
        return old
    seed = old.seed if old is not None else noise.seed(pod.metadata.uid or pod.metadata.key, name)
    saved = node.saved.pop(seed, None) if old is None else None
    if saved is not None and saved.run == (started_at, restarts):  # the cgroup kept counting while we were away
        usage.set_rate(saved.cpu, now_ns, target.cpu_nanocores)  # the old rate up to now, as before the restart
        return _new_container(pod, name, saved.run, saved.cpu, target)
    # cAdvisor knows the start to the ns; the status only to the second: add a stable fraction per run.
    start_ns = timefmt.parse_rfc3339(started_at) + noise.fraction(noise.seed(str(seed), str(restarts)), SECOND_NS)
    if old is None:
        cpu = usage.new_counter(seed, node.counter.period_ns, start_ns, target.cpu_nanocores)
        return _new_container(pod, name, (started_at, restarts), cpu, target)
    # A new run starts after the old one's last sample, as a real one does; the status's whole second may not say so.
    start_ns = max(start_ns, old.cpu.sample_ns + 1_000_000)  # 1 ms: clear of float64 rounding at 1.7e9 s
    usage.restart(old.cpu, start_ns)  # same series, a new run whose counter starts again from 0
    old.cpu.rate_nanocores, old.memory_target_bytes = target.cpu_nanocores, target.memory_bytes
    old.run, old.start_text = (started_at, restarts), _start_text(start_ns)
    old.cpu_text, old.memory_text, old.text_index = "", "", -1
    return old


def _new_container(
    pod: objects.Pod, name: str, run: tuple[str, int], cpu: usage.Counter, target: targets.Targets
) -> ContainerUsage:
    namespace, pod_name = label_value(pod.metadata.namespace), label_value(pod.metadata.name)
    return ContainerUsage(
        name=name, labels=f'{{container="{label_value(name)}",namespace="{namespace}",pod="{pod_name}"}} ',
        seed=cpu.seed, run=run, cpu=cpu, memory_target_bytes=target.memory_bytes, start_text=_start_text(cpu.start_ns),
    )  # fmt: skip


def restart_all(node: NodeUsage, now_ns: int) -> None:
    """Every container on the node starts a new run now, its counter from 0 (the `restart` fault).

    The pods' statuses are not touched, so a later pod update keeps these runs: only the kubelet's view changes.
    """
    for pod in node.pods.values():
        for container in pod.containers:
            start_ns = max(now_ns, container.cpu.sample_ns + 1_000_000)  # after the old run's last sample
            usage.restart(container.cpu, start_ns)
            container.start_text = _start_text(start_ns)
            container.cpu_text, container.memory_text, container.text_index = "", "", -1


def forget_saved(node: NodeUsage, now_ns: int) -> None:
    """Once every pod is back: saved runs no pod claimed are over, and the node's rate is its pods' again."""
    node.saved = {}
    _retune(node, now_ns, 0)


def _start_text(start_ns: int) -> str:
    # The kubelet prints float64(UnixNano)/1e9; Python's int/float division rounds the same way.
    return gofloat.format_float(start_ns / 1e9) + "\n"


def _nanocores(pod: PodUsage | None) -> int:
    return sum(c.cpu.rate_nanocores for c in pod.containers) if pod else 0


def _retune(node: NodeUsage, now_ns: int, change_nanocores: int) -> None:
    """The node's counter follows the sum of its containers' rates plus its overhead."""
    node.pods_nanocores += change_nanocores
    usage.set_rate(node.counter, now_ns, node.overhead_nanocores + node.pods_nanocores)

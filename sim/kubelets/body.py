"""The kubelet's `/metrics/resource` body, rendered from a node's usage model at a given time.

The layout is the kubelet's (reference 2.3): families sorted by name, series by label values, labels in
alphabetical order, values in Go's float form, timestamps in ms, `container_start_time_seconds` without one.
Label text and headers never change between scrapes, so a render takes each container's new sample (when its grid
moved on), formats only the numbers, and joins fixed fragments once.
"""

from sim.kubelets import faults, gofloat, usage
from sim.kubelets.node import ContainerUsage, NodeUsage, PodUsage

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _header(name: str, kind: str, text: str) -> str:
    return f"# HELP {name} [STABLE] {text}\n# TYPE {name} {kind}\n"


CONTAINER_CPU = "container_cpu_usage_seconds_total"
CONTAINER_MEMORY = "container_memory_working_set_bytes"
CONTAINER_START = "container_start_time_seconds"
POD_CPU = "pod_cpu_usage_seconds_total"
POD_MEMORY = "pod_memory_working_set_bytes"
CONTAINER_CPU_HEAD = _header(CONTAINER_CPU, "counter", "Cumulative cpu time consumed by the container in core-seconds")
CONTAINER_MEMORY_HEAD = _header(CONTAINER_MEMORY, "gauge", "Current working set of the container in bytes")
CONTAINER_START_HEAD = _header(CONTAINER_START, "gauge", "Start time of the container since unix epoch in seconds")
NODE_CPU_HEAD = _header(
    "node_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the node in core-seconds"
)
NODE_MEMORY_HEAD = _header("node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes")
POD_CPU_HEAD = _header(POD_CPU, "counter", "Cumulative cpu time consumed by the pod in core-seconds")
POD_MEMORY_HEAD = _header(POD_MEMORY, "gauge", "Current working set of the pod in bytes")
SCRAPE_ERROR = _header(
    "resource_scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise"
) + "resource_scrape_error 0\n"  # fmt: skip


def render(node: NodeUsage, now_ns: int) -> bytes:
    """The body a scrape at `now_ns` gets, with the node's fault applied."""
    containers, pods = ordered(node)
    sample(node, containers, now_ns)
    zero = node.fault.kind == "zero"
    parts: list[str] = []
    _family(parts, CONTAINER_CPU_HEAD, _container_lines(containers, zero, memory=False))
    _family(parts, CONTAINER_MEMORY_HEAD, _container_lines(containers, zero, memory=True))
    _family(
        parts, CONTAINER_START_HEAD, [text for c in containers for text in (CONTAINER_START, c.labels, c.start_text)]
    )
    parts += _node_lines(node, zero)
    cpu_lines, memory_lines = _pod_lines(pods, zero)
    _family(parts, POD_CPU_HEAD, cpu_lines)
    _family(parts, POD_MEMORY_HEAD, memory_lines)
    parts.append(SCRAPE_ERROR)
    body = "".join(parts).encode()
    match node.fault.kind:
        case "malformed":
            return faults.garble(body)
        case "skew":
            return faults.shift(body, node.fault.skew_ns)
        case "duplicate":
            return faults.duplicate(body)
    return body


def _family(parts: list[str], head: str, lines: list[str]) -> None:
    """Append a family; client_golang leaves out families without series."""
    if lines:
        parts.append(head)
        parts += lines


def _container_lines(containers: list[ContainerUsage], zero: bool, memory: bool) -> list[str]:
    name = CONTAINER_MEMORY if memory else CONTAINER_CPU
    lines: list[str] = []
    for c in containers:
        text = c.memory_text if memory else c.cpu_text
        if text:  # no text = no sample yet in this run: cAdvisor has nothing to report
            lines += (name, c.labels, _zeroed(text) if zero else text)
    return lines


def _zeroed(text: str) -> str:
    """'<value> <timestamp>\\n' with the value 0."""
    return "0 " + text.partition(" ")[2]


def ordered(node: NodeUsage) -> tuple[list[ContainerUsage], list[PodUsage]]:
    """Containers sorted by (container, namespace, pod) and pods by (namespace, pod), as client_golang sorts."""
    if node.ordered is None:
        pods = sorted(node.pods.values(), key=lambda p: (p.namespace, p.name))
        containers = sorted(((c.name, p.namespace, p.name, c) for p in pods for c in p.containers), key=lambda t: t[:3])
        node.ordered = ([entry[3] for entry in containers], pods)
    return node.ordered


def sample(node: NodeUsage, containers: list[ContainerUsage], now_ns: int) -> None:
    """Take every series' latest sample at or before `now_ns`; series whose grid has not moved keep theirs."""
    for c in containers:
        usage.advance(c.cpu, now_ns)
        if c.text_index != c.cpu.index:  # a new sample, taken now or when a target changed
            c.memory_bytes = usage.memory_bytes(c.memory_target_bytes, c.seed, c.cpu.index)
            stamp = f" {c.cpu.sample_ns // 1_000_000}\n"
            c.cpu_text = gofloat.format_float(c.cpu.value_ns / 1e9) + stamp
            c.memory_text = gofloat.format_integer(c.memory_bytes) + stamp
            c.text_index = c.cpu.index
    usage.advance(node.counter, now_ns)
    if node.memory_index != node.counter.index:
        node.memory_bytes = node.base_memory_bytes + sum(c.memory_bytes for c in containers)
        node.memory_index = node.counter.index


def _node_lines(node: NodeUsage, zero: bool) -> list[str]:
    if node.counter.index < 0:
        return []
    stamp = f" {node.counter.sample_ns // 1_000_000}\n"
    cpu = "0" if zero else gofloat.format_float(node.counter.value_ns / 1e9)
    memory = "0" if zero else gofloat.format_integer(node.memory_bytes)
    return [NODE_CPU_HEAD, "node_cpu_usage_seconds_total ", cpu, stamp,
            NODE_MEMORY_HEAD, "node_memory_working_set_bytes ", memory, stamp]  # fmt: skip


def _pod_lines(pods: list[PodUsage], zero: bool) -> tuple[list[str], list[str]]:
    cpu_lines: list[str] = []
    memory_lines: list[str] = []
    for pod in pods:
        cpu, memory = _pod_texts(pod)
        if cpu:
            cpu_lines += (POD_CPU, pod.labels, _zeroed(cpu) if zero else cpu)
            memory_lines += (POD_MEMORY, pod.labels, _zeroed(memory) if zero else memory)
    return cpu_lines, memory_lines


def _pod_texts(pod: PodUsage) -> tuple[str, str]:
    """A pod's CPU and memory texts: sums of its sampled containers, at the newest of their sample times."""
    if len(pod.containers) == 1:  # the common case: the pod's values are its container's
        return pod.containers[0].cpu_text, pod.containers[0].memory_text
    sampled = [c for c in pod.containers if c.cpu_text]
    if not sampled:
        return "", ""
    stamp = f" {max(c.cpu.sample_ns for c in sampled) // 1_000_000}\n"
    cpu = gofloat.format_float(sum(c.cpu.value_ns for c in sampled) / 1e9)
    return cpu + stamp, gofloat.format_integer(sum(c.memory_bytes for c in sampled)) + stamp

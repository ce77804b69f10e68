"""The wire contract between Flowmeter services: every event, stream and subject lives here and nowhere else.

Events are msgspec Structs encoded as MessagePack. Evolve them only by appending fields with defaults; never
change a field's type or an event's tag. Points inside events are array-like (positional) to keep a 70-pod node
sample small; the same append-only rule applies to them. Units are in the field names. Streams, subjects and KV
buckets are defined in `services.streams` (a StreamSpec evolves by the same rule) and re-exported here, so services
import the whole contract from this module.
"""

import hashlib

import msgspec

from services import streams

# --- a node's raw sample, as the scraper read it from the kubelet -------------------------------------------------


class ContainerPoint(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """One container's cumulative CPU and working set at a kubelet sample time."""

    name: str
    start_time_ns: int  # container start, ns since the epoch; 0 when the kubelet did not report it
    timestamp_ns: int  # kubelet sample time, ns since the epoch
    cpu_core_nanoseconds_total: int  # cumulative CPU time in ns (core-seconds × 1e9)
    memory_working_set_bytes: int


class PodPoint(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """One pod's containers; a pod is present only when every container it reported is complete."""

    namespace: str
    name: str
    containers: tuple[ContainerPoint, ...]


class NodePoint(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """The node's own cumulative CPU and working set."""

    timestamp_ns: int
    cpu_core_nanoseconds_total: int
    memory_working_set_bytes: int


class NodeSampled(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="NodeSampled"):
    """A complete snapshot of one node's kubelet `/metrics/resource`: its own point and every complete pod."""

    node: str
    scraped_at_ns: int  # when the scraper sent the request; also the default for samples without a timestamp
    node_point: NodePoint | None  # None when the kubelet gave no complete node CPU and memory
    pods: tuple[PodPoint, ...]
    scraper: str = ""  # the replica that scraped it


class NodeScrapeFailed(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="NodeScrapeFailed"):
    """A scrape of one node that produced no sample, so consumers can tell "not scraped" from "no data"."""

    node: str
    scraped_at_ns: int
    reason: str  # a short class such as Timeout, Connection, HTTPStatus, Parse, NoAddress
    message: str
    scraper: str = ""


# --- a node's rates, as the store folded them ---------------------------------------------------------------------


class NodeUsage(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """The node's CPU rate over a window ending at timestamp_ns, and its latest working set."""

    timestamp_ns: int
    window_ns: int
    cpu_nanocores: int
    memory_bytes: int


class ContainerUsage(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """One container's CPU rate and latest working set."""

    name: str
    cpu_nanocores: int
    memory_bytes: int


class PodUsage(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """One pod's containers; timestamp and window are those of its container with the earliest timestamp."""

    namespace: str
    name: str
    timestamp_ns: int
    window_ns: int
    containers: tuple[ContainerUsage, ...]


class NodeRatesComputed(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="NodeRatesComputed"):
    """Everything servable for one node after its latest sample; it replaces the node's previous rates entirely."""

    node: str
    scraped_at_ns: int  # the scrape this follows
    node_usage: NodeUsage | None
    pods: tuple[PodUsage, ...]


# --- an HPA evaluation, as the autoscaler decided it ---------------------------------------------------------------


class PodConsidered(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """One pod as one metric counted it."""

    name: str
    group: str  # ready, unready, missing or ignored
    usage_milli: int  # -1 when the pod had no usable sample
    request_milli: int  # -1 when not needed (AverageValue targets) or unknown


class MetricEvaluated(msgspec.Struct, frozen=True, kw_only=True):
    """One metric of an HPA: its target, what the pods used, and what it proposed or why it could not."""

    type: str  # Resource, ContainerResource, Pods, Object, External
    resource: str = ""
    container: str = ""
    target: str = ""  # e.g. "50%" or "200m" or "64Mi"
    proposal: int | None = None
    utilization_percent: int | None = None
    average_milli: int | None = None
    ratio: float | None = None
    rebalanced_ratio: float | None = None
    rule: str = ""  # which rule decided the proposal
    error: str = ""
    pods: tuple[PodConsidered, ...] = ()


class ConditionSet(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """An HPA condition after the evaluation."""

    type: str
    status: str
    reason: str
    message: str


class ReplicasRecommended(msgspec.Struct, frozen=True, kw_only=True, tag="ReplicasRecommended"):
    """One HPA evaluation: its inputs, the raw proposal, every limit applied, and the result."""

    namespace: str
    hpa: str
    evaluated_at_ns: int
    mode: str  # actuate (scale written) or advise (recommendation only)
    trigger: str  # rates, spec or periodic: what caused the evaluation
    target_kind: str
    target_name: str
    current_replicas: int
    min_replicas: int
    max_replicas: int
    proposal: int | None  # the largest metric proposal, before stabilization and limits
    stabilized: int | None
    desired_replicas: int
    scaled: bool
    reason: str  # the rescale reason upstream would put in its event
    able: str  # AbleToScale reason
    limited: str  # ScalingLimited reason
    conditions: tuple[ConditionSet, ...]
    metrics: tuple[MetricEvaluated, ...]
    explanation: tuple[str, ...]


# --- a namespace's usage history, as the console recorded it for its charts ------------------------------------------


class PodRecorded(msgspec.Struct, frozen=True, kw_only=True, gc=False, array_like=True):
    """One pod's usage points within a minute, oldest first."""

    name: str
    points: tuple[tuple[int, int, int], ...]  # (ms after the record's minute_ns, CPU millicores, memory bytes)


class UsageRecorded(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="UsageRecorded"):
    """A namespace's pod usage points within one minute, so that the console's charts survive its restarts. Records
    of one minute may overlap (a restart mid-minute); readers merge points by time. A pod costs at most 170 bytes a
    minute (63-character name, 10 s resolution, 64-bit values): USAGE_BYTES_PER_POD_HOUR."""

    namespace: str
    minute_ns: int  # the minute's start, ns since the epoch
    pods: tuple[PodRecorded, ...]


SampleEvent = NodeSampled | NodeScrapeFailed
Event = NodeSampled | NodeScrapeFailed | NodeRatesComputed | ReplicasRecommended | UsageRecorded


# --- state the services keep in NATS KV --------------------------------------------------------------------------


class HistoryKept(msgspec.Struct, frozen=True, kw_only=True):
    """An HPA's recommendations and scale events, which upstream keeps in memory; kept in KV to survive restarts."""

    recommendations: tuple[tuple[int, int], ...] = ()  # (replicas, ns since the epoch)
    scale_up_events: tuple[tuple[int, int], ...] = ()  # (replicas added, ns)
    scale_down_events: tuple[tuple[int, int], ...] = ()  # (replicas removed, ns)


class ReplicaHeartbeat(msgspec.Struct, frozen=True, kw_only=True):
    """A scraper or store replica is alive and takes its share of nodes or partitions; renewed thrice a resolution."""

    at_ns: int  # wall clock of the renewal, ns since the epoch
    share: int = 0  # how many nodes or partitions it takes at the moment, for operators


ENCODER = msgspec.msgpack.Encoder()
SAMPLE_DECODER = msgspec.msgpack.Decoder(SampleEvent)
RATE_DECODER = msgspec.msgpack.Decoder(NodeRatesComputed)
DECISION_DECODER = msgspec.msgpack.Decoder(ReplicasRecommended)
USAGE_DECODER = msgspec.msgpack.Decoder(UsageRecorded)
HISTORY_DECODER = msgspec.msgpack.Decoder(HistoryKept)
HEARTBEAT_DECODER = msgspec.msgpack.Decoder(ReplicaHeartbeat)
DECODER = msgspec.msgpack.Decoder(Event)


def message_id(event: Event) -> str:
    """The event's identity for JetStream de-duplication (`Nats-Msg-Id`): node plus the scrape it came from."""
    match event:
        case NodeSampled():
            return f"sampled:{event.node}:{sample_time_ns(event)}"
        case NodeScrapeFailed():
            return f"failed:{event.node}:{event.scraped_at_ns}"
        case NodeRatesComputed():
            return f"rates:{event.node}:{event.scraped_at_ns}"
        case ReplicasRecommended():
            return f"decision:{event.namespace}/{event.hpa}:{event.evaluated_at_ns}"
        case UsageRecorded(namespace=namespace, minute_ns=minute):  # by content: two consoles' same record is kept once
            return f"usage:{namespace}:{minute}:{hashlib.blake2b(ENCODER.encode(event)).hexdigest()[:16]}"


def sample_time_ns(event: NodeSampled) -> int:
    """The kubelet's own time for a sample: the node point's, else the newest container's, else the scrape's."""
    if event.node_point:
        return event.node_point.timestamp_ns
    stamps = [c.timestamp_ns for pod in event.pods for c in pod.containers]
    return max(stamps, default=event.scraped_at_ns)


# --- streams and subjects, kept in services.streams and re-exported: this module is the whole contract ---------------

StreamSpec = streams.StreamSpec
SAMPLES = streams.SAMPLES
RATES = streams.RATES
DECISIONS = streams.DECISIONS
USAGE = streams.USAGE
USAGE_BYTES_PER_POD_HOUR = streams.USAGE_BYTES_PER_POD_HOUR
SCRAPER_BUCKET = streams.SCRAPER_BUCKET
STORE_BUCKET = streams.STORE_BUCKET
HISTORY_BUCKET = streams.HISTORY_BUCKET
LEADER_BUCKET = streams.LEADER_BUCKET
decision_subject = streams.decision_subject
partition = streams.partition
node_token = streams.node_token
node_of_subject = streams.node_of_subject


def route(event: Event) -> tuple[StreamSpec, str]:
    """The stream and subject an event is published on."""
    match event:
        case NodeSampled() | NodeScrapeFailed():
            return SAMPLES, SAMPLES.subject(event.node)
        case NodeRatesComputed():
            return RATES, RATES.subject(event.node)
        case ReplicasRecommended():
            return DECISIONS, decision_subject(event.namespace, event.hpa)
        case UsageRecorded():
            return USAGE, USAGE.subject(event.namespace)

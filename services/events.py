"""The wire contract between Flowmeter services: every event, stream and subject lives here and nowhere else.

Events are msgspec Structs encoded as MessagePack. Evolve them only by appending fields with defaults; never
change a field's type or an event's tag. Points inside events are array-like (positional) to keep a 70-pod node
sample small; the same append-only rule applies to them. Units are in the field names.
"""

import hashlib

import msgspec

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


SampleEvent = NodeSampled | NodeScrapeFailed
RateEvent = NodeRatesComputed
DecisionEvent = ReplicasRecommended
Event = NodeSampled | NodeScrapeFailed | NodeRatesComputed | ReplicasRecommended


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
RATE_DECODER = msgspec.msgpack.Decoder(RateEvent)
DECISION_DECODER = msgspec.msgpack.Decoder(DecisionEvent)
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


def sample_time_ns(event: NodeSampled) -> int:
    """The kubelet's own time for a sample: the node point's, else the newest container's, else the scrape's."""
    if event.node_point:
        return event.node_point.timestamp_ns
    stamps = [c.timestamp_ns for pod in event.pods for c in pod.containers]
    return max(stamps, default=event.scraped_at_ns)


# --- streams and subjects -------------------------------------------------------------------------------------------


class StreamSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A JetStream stream as the producers create it; one subject per node under `prefix`."""

    name: str
    prefix: str  # subjects are `<prefix>.<node token>`, or `<prefix>.<partition>.<node token>` when partitioned
    max_msgs_per_subject: int  # retained messages per subject; -1 for no limit
    max_age_seconds: float  # 0 for no limit
    description: str
    partitions: int = 0  # consumers can take a share of the nodes by partition subject; 0 for one subject space

    @property
    def subjects(self) -> tuple[str, ...]:
        return (f"{self.prefix}.>",)  # the stream's subject filter

    def subject(self, node: str) -> str:
        """Where this stream's events about `node` are published."""
        where = f"{self.prefix}.{partition(node, self.partitions)}" if self.partitions else self.prefix
        return f"{where}.{node_token(node)}"

    def partition_subject(self, number: int) -> str:
        """The subjects of every node in one partition."""
        return f"{self.prefix}.{number}.*"


SAMPLES = StreamSpec(
    name="SAMPLES",
    prefix="flowmeter.samples",
    max_msgs_per_subject=2,  # the last two scrapes rebuild a store's prev and last points after a restart
    max_age_seconds=600,
    description="Raw kubelet samples and failed scrapes, one subject per node: flowmeter.samples.<partition>.<node>.",
    partitions=16,  # store replicas take whole partitions, so at most this many stores share the work
)
RATES = StreamSpec(
    name="RATES",
    prefix="flowmeter.rates",
    max_msgs_per_subject=1,  # the last message per subject is the current view of that node
    max_age_seconds=0,
    description="Servable CPU and memory rates, one subject per node; the last message is the current view.",
)
DECISIONS = StreamSpec(
    name="DECISIONS",
    prefix="flowmeter.decisions",
    max_msgs_per_subject=20_000,  # about three days of evaluations at a 15 s resolution
    max_age_seconds=7 * 86400,
    description="Every HPA evaluation with its inputs and reasons; subjects flowmeter.decisions.<namespace>.<hpa>.",
)
SCRAPER_BUCKET = "flowmeter-scrapers"  # KV: "<replica>" -> ReplicaHeartbeat; entries expire unless renewed
STORE_BUCKET = "flowmeter-stores"  # KV: "<replica>" -> ReplicaHeartbeat; entries expire unless renewed
HISTORY_BUCKET = "flowmeter-autoscaler-history"  # KV: "<namespace>/<hpa>" -> HistoryKept
LEADER_BUCKET = "flowmeter-leaders"  # KV: "<service>" -> the replica that leads it; entries expire unless renewed


def decision_subject(namespace: str, hpa: str) -> str:
    """Where one HPA's evaluations are published."""
    return f"{DECISIONS.prefix}.{namespace}.{node_token(hpa)}"


def route(event: Event) -> tuple[StreamSpec, str]:
    """The stream and subject an event is published on."""
    match event:
        case NodeSampled() | NodeScrapeFailed():
            return SAMPLES, SAMPLES.subject(event.node)
        case NodeRatesComputed():
            return RATES, RATES.subject(event.node)
        case ReplicasRecommended():
            return DECISIONS, decision_subject(event.namespace, event.hpa)


def partition(node: str, partitions: int) -> int:
    """The partition a node's samples are published in: stable across processes, spread evenly."""
    return int.from_bytes(hashlib.blake2b(node.encode(), digest_size=4).digest(), "big") % partitions


def node_token(node: str) -> str:
    """A node name as one subject token. Node names never contain '_', so mapping '.' to '_' is reversible."""
    return node.replace(".", "_")


def node_of_subject(subject: str) -> str:
    """The node a samples or rates subject belongs to."""
    return subject.rsplit(".", 1)[1].replace("_", ".")

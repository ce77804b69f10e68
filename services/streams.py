"""Streams, subjects and KV buckets of the wire contract; `services.events` re-exports every name, so services
import them from there. Evolve a StreamSpec only by appending fields with defaults.
"""

import hashlib

import msgspec


class StreamSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A JetStream stream as the producers create it; one subject per node under `prefix`."""

    name: str
    prefix: str  # subjects are `<prefix>.<node token>`, or `<prefix>.<partition>.<node token>` when partitioned
    max_msgs_per_subject: int  # retained messages per subject; -1 for no limit
    max_age_seconds: float  # 0 for no limit
    description: str
    partitions: int = 0  # consumers can take a share of the nodes by partition subject; 0 for one subject space
    max_bytes: int = -1  # the stream's size bound; -1 for no limit

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
USAGE_BYTES_PER_POD_HOUR = 10 * 1024  # what a pod adds to USAGE an hour, at most (see events.UsageRecorded)
USAGE = StreamSpec(
    name="USAGE",
    prefix="flowmeter.usage",
    max_msgs_per_subject=-1,
    max_age_seconds=3600,  # the console sets its --retention here,
    description="Pod usage per namespace and minute, recorded by the console; subjects flowmeter.usage.<namespace>.",
    max_bytes=20_000 * USAGE_BYTES_PER_POD_HOUR,  # and its --max-history-pods × the bound per pod × the retention
)
SCRAPER_BUCKET = "flowmeter-scrapers"  # KV: "<replica>" -> ReplicaHeartbeat; entries expire unless renewed
STORE_BUCKET = "flowmeter-stores"  # KV: "<replica>" -> ReplicaHeartbeat; entries expire unless renewed
HISTORY_BUCKET = "flowmeter-autoscaler-history"  # KV: "<namespace>/<hpa>" -> HistoryKept
LEADER_BUCKET = "flowmeter-leaders"  # KV: "<service>" -> the replica that leads it; entries expire unless renewed


def decision_subject(namespace: str, hpa: str) -> str:
    """Where one HPA's evaluations are published."""
    return f"{DECISIONS.prefix}.{namespace}.{node_token(hpa)}"


def partition(node: str, partitions: int) -> int:
    """The partition a node's samples are published in: stable across processes, spread evenly."""
    return int.from_bytes(hashlib.blake2b(node.encode(), digest_size=4).digest(), "big") % partitions


def node_token(node: str) -> str:
    """A node name as one subject token. Node names never contain '_', so mapping '.' to '_' is reversible."""
    return node.replace(".", "_")


def node_of_subject(subject: str) -> str:
    """The node a samples or rates subject belongs to."""
    return subject.rsplit(".", 1)[1].replace("_", ".")

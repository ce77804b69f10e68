"""Checkpoints of every counter, so that a restarted simulator carries them on as a real node's cgroups do.

A real kubelet that restarts finds its containers' CPU counters where they were; ours live in memory, so the service
saves each node's counter and its containers' runs now and then (each node encoded on its own, so the loop can serve
between nodes), and a restarted process gives them back to the node models it builds: a container whose pod (uid,
else namespace/name), name and run (startedAt, restartCount) are the same carries on from its saved sample, the rest
start as new. Noise is a function of (seed, sample index), so a carried-on counter takes the same samples it would have
taken had the process lived, up to the rate changes it missed. Pure: bytes in, bytes out.
"""

from collections.abc import Mapping
from typing import Generic, TypeVar

import msgspec

from sim.kubelets import node, usage

VERSION = 1  # of the layout below; a checkpoint of another version is ignored
T = TypeVar("T")


class SavedNode(msgspec.Struct, kw_only=True, array_like=True):
    """One node's own counter and its containers' runs."""

    cpu: usage.Counter
    containers: list[node.SavedRun]


class Checkpoint(msgspec.Struct, Generic[T], kw_only=True):
    """Every node's counters, each node encoded apart (`msgspec.Raw`) when written, decoded as `SavedNode`."""

    version: int
    period_ns: int  # housekeeping interval: counters on another grid cannot carry on
    written_ns: int
    nodes: dict[str, T]


class Unusable(Exception):
    """A checkpoint of another layout version or housekeeping interval."""


ENCODER = msgspec.msgpack.Encoder()
DECODER = msgspec.msgpack.Decoder(Checkpoint[SavedNode])


def save_node(model: node.NodeUsage) -> msgspec.Raw:
    """One node's counters, encoded now: its containers' counters are what they have served so far."""
    runs = [node.SavedRun(run=c.run, cpu=c.cpu) for pod in model.pods.values() for c in pod.containers]
    return msgspec.Raw(ENCODER.encode(SavedNode(cpu=model.counter, containers=runs)))


def encode(nodes: Mapping[str, msgspec.Raw], period_ns: int, now_ns: int) -> bytes:
    """The checkpoint file's bytes from each node's `save_node`."""
    return ENCODER.encode(Checkpoint(version=VERSION, period_ns=period_ns, written_ns=now_ns, nodes=dict(nodes)))


def decode(data: bytes, period_ns: int) -> Checkpoint[SavedNode]:
    """A checkpoint to restore from.

    Raises:
        msgspec.DecodeError: the bytes are no checkpoint (a ValidationError names the bad field).
        Unusable: it is of another version or housekeeping interval.
    """
    checkpoint = DECODER.decode(data)
    if checkpoint.version != VERSION:
        raise Unusable(f"version {checkpoint.version}, expected {VERSION}")
    if checkpoint.period_ns != period_ns:
        raise Unusable(f"housekeeping interval {checkpoint.period_ns} ns, now {period_ns} ns")
    return checkpoint


def restore(model: node.NodeUsage, saved: SavedNode) -> None:
    """Give a node model just built its saved counter and its containers' runs, to be claimed as pods come back."""
    counter = model.counter
    if (saved.cpu.seed, saved.cpu.phase_ns, saved.cpu.period_ns) == (counter.seed, counter.phase_ns, counter.period_ns):
        model.counter = saved.cpu  # its rate is the one saved until the pods come back and set theirs
    model.saved = {run.cpu.seed: run for run in saved.containers}

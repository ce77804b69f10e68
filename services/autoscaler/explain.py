"""`flowmeter explain FILE`: one HPA reconcile, offline, with the same pure code the autoscaler service runs.

Reads a JSON document (FILE, or `-` for stdin) with `now`, `hpa`, `scale`, `pods` (a PodList), `podMetrics`
(a PodMetricsList), and optionally `history` and `config`; prints `desiredReplicas`, `scaled`, `status`, the
updated `history` (same shape as the input, so calls chain) and a plain-language `explanation`.
Bad input is one line on stderr and exit code 2. Imports only the calculation code, so it starts fast.
"""

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from services.autoscaler import normalize, objects, reconcile
from services.lib import quantity, timefmt


class Entry(msgspec.Struct, kw_only=True):
    replicas: int
    time: str


class Change(msgspec.Struct, kw_only=True, rename="camel"):
    replica_change: int
    time: str


class HistoryDoc(msgspec.Struct, kw_only=True, rename="camel"):
    recommendations: list[Entry] = []
    scale_up_events: list[Change] = []
    scale_down_events: list[Change] = []


class ConfigDoc(msgspec.Struct, kw_only=True, rename="camel"):
    tolerance: float | None = None
    cpu_initialization_period: str | None = None
    initial_readiness_delay: str | None = None
    downscale_stabilization_window: str | None = None


class Request(msgspec.Struct, kw_only=True, rename="camel"):
    now: str
    hpa: objects.HPA
    scale: objects.Scale
    pods: objects.PodList
    pod_metrics: objects.PodMetricsList
    history: HistoryDoc | None = None
    config: ConfigDoc | None = None


class InputError(ValueError):
    """Input the reconcile cannot run on."""


def history_in(doc: HistoryDoc | None) -> normalize.History | None:
    if doc is None:
        return None
    return normalize.History(
        tuple(normalize.Recommendation(e.replicas, timefmt.parse_rfc3339(e.time)) for e in doc.recommendations),
        tuple(normalize.ScaleEvent(e.replica_change, timefmt.parse_rfc3339(e.time)) for e in doc.scale_up_events),
        tuple(normalize.ScaleEvent(e.replica_change, timefmt.parse_rfc3339(e.time)) for e in doc.scale_down_events),
    )


def history_out(history: normalize.History) -> dict[str, Any]:
    def events(items: tuple[normalize.ScaleEvent, ...]) -> list[dict[str, Any]]:
        return [{"replicaChange": e.change, "time": timefmt.rfc3339_precise(e.time_ns)} for e in items]

    return {
        "recommendations": [
            {"replicas": r.replicas, "time": timefmt.rfc3339_precise(r.time_ns)} for r in history.recommendations
        ],
        "scaleUpEvents": events(history.up),
        "scaleDownEvents": events(history.down),
    }


def controller(doc: ConfigDoc | None) -> reconcile.Controller:
    """Controller settings: upstream's defaults, overridden by what `config` gives (0 and 0s included)."""
    base, doc = reconcile.Controller(), doc or ConfigDoc()

    def duration(text: str | None, default: int) -> int:
        return default if text is None else timefmt.parse_duration(text)

    return reconcile.Controller(
        tolerance=base.tolerance if doc.tolerance is None else doc.tolerance,
        cpu_initialization_ns=duration(doc.cpu_initialization_period, base.cpu_initialization_ns),
        readiness_delay_ns=duration(doc.initial_readiness_delay, base.readiness_delay_ns),
        downscale_window_ns=duration(doc.downscale_stabilization_window, base.downscale_window_ns),
    )


def status_out(status: objects.HPAStatus) -> dict[str, Any]:
    """The HPA status in the API's field order."""
    result: dict[str, Any] = {}
    if status.last_scale_time:
        result["lastScaleTime"] = status.last_scale_time
    result |= {"currentReplicas": status.current_replicas, "desiredReplicas": status.desired_replicas,
               "currentMetrics": status.current_metrics or [],
               "conditions": msgspec.to_builtins(status.conditions or [])}  # fmt: skip
    return result


def run(document: bytes) -> dict[str, Any]:
    """The explain answer for one JSON document; InputError for input it cannot run on."""
    try:
        request = msgspec.json.decode(document, type=Request)
    except msgspec.DecodeError as error:
        raise InputError(_decode_message(error)) from None
    spec = request.hpa.spec
    if spec.min_replicas is not None and spec.min_replicas < 1:
        raise InputError(
            f"hpa.spec.minReplicas is {spec.min_replicas}: scaling to zero needs Object or External metrics, "
            "which Flowmeter does not serve; use minReplicas 1 or more"
        )
    if spec.max_replicas < max(spec.min_replicas or 1, 1):
        raise InputError(f"hpa.spec.maxReplicas is {spec.max_replicas}: it must be at least 1 and at least minReplicas")
    try:
        decision = reconcile.reconcile(
            timefmt.parse_rfc3339(request.now),
            request.hpa,
            request.scale,
            request.pods.items,
            request.pod_metrics.items,
            history_in(request.history),
            controller(request.config),
        )
    except (timefmt.TimeError, timefmt.DurationError, quantity.QuantityError) as error:
        raise InputError(str(error)) from None
    except ValueError as error:  # calendar's range checks on a well-formed time such as month 13 or year 0
        raise InputError(f"invalid input: {error}") from None
    except ArithmeticError:  # a quantity too large for Decimal, or a usage too large for a float ratio
        raise InputError("invalid input: a quantity is too large to compute with") from None
    steps = [*decision.explanation, *(f"Event {e.type} {e.reason}: {e.message}" for e in decision.events)]
    return {"desiredReplicas": decision.desired, "scaled": decision.scaled, "status": status_out(decision.status),
            "history": history_out(decision.history), "explanation": steps}  # fmt: skip


def _decode_message(error: msgspec.DecodeError) -> str:
    text = str(error)
    if isinstance(error, msgspec.ValidationError):
        return f"invalid input: {text.replace('`', '').replace('$.', '')}"
    return f"not valid JSON: {text}"


def main(argv: Sequence[str]) -> int:
    """`flowmeter explain FILE|-`."""
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print("usage: flowmeter explain FILE   (FILE is a JSON document, or - for stdin)", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        document = sys.stdin.buffer.read() if argv[0] == "-" else Path(argv[0]).read_bytes()
        answer = run(document)
    except OSError as error:
        print(f"flowmeter explain: cannot read {argv[0]}: {error.strerror}", file=sys.stderr)
        return 2
    except InputError as error:
        print(f"flowmeter explain: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(msgspec.json.encode(answer).decode() + "\n")
    return 0

"""One HPA reconcile (hpa.md §2.1): read the scale, propose from every metric, normalize, decide, set status.

Pure: objects and time in, a Decision out (desired replicas, whether to rescale, the HPA status with upstream's
conditions, the events upstream would record, the updated history and a plain-language explanation). The service
and `flowmeter explain` both run exactly this.
"""

from dataclasses import dataclass, field, replace
from typing import Any

import msgspec

from services.autoscaler import behavior, metrics, narrate, normalize, objects
from services.lib import selectors, timefmt

NS = normalize.NS
Result = metrics.Evaluated | metrics.Failed
DEFAULT_METRIC = objects.MetricSpec(
    type="Resource",
    resource=objects.ResourceSource(
        name="cpu", target=objects.MetricTarget(type="Utilization", average_utilization=80)
    ),
)


@dataclass(frozen=True)
class Controller:
    """kube-controller-manager's HPA settings."""

    tolerance: float = 0.1
    cpu_initialization_ns: int = 300 * NS
    readiness_delay_ns: int = 30 * NS
    downscale_window_ns: int = 300 * NS


@dataclass(frozen=True)
class Event:
    type: str  # Normal or Warning
    reason: str
    message: str


@dataclass(frozen=True)
class Decision:
    """Everything one reconcile decided, and why."""

    current: int
    desired: int
    scaled: bool
    status: objects.HPAStatus
    history: normalize.History
    events: tuple[Event, ...]
    explanation: tuple[str, ...]
    results: tuple[Result, ...] = ()
    proposal: int | None = None  # the largest metric proposal
    stabilized: int | None = None  # the proposal after stabilization, before rate limits
    history_before_rescale: normalize.History | None = None  # without this reconcile's scale event
    reason: str = ""  # the rescale reason, as upstream's events word it


@dataclass
class _Run:
    """The reconcile in progress: conditions, events and explanation accumulate here."""

    now_ns: int
    hpa: objects.HPA
    current: int
    conditions: list[objects.Condition]
    events: list[Event] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def condition(self, kind: str, status: bool, reason: str, message: str) -> None:
        """Upstream's setCondition: upsert by type; the transition time changes only when the status flips."""
        value = "True" if status else "False"
        index = next((i for i, c in enumerate(self.conditions) if c.type == kind), len(self.conditions))
        old = self.conditions[index] if index < len(self.conditions) else None
        since = old.last_transition_time if old is not None and old.status == value else timefmt.rfc3339(self.now_ns)
        new = objects.Condition(type=kind, status=value, last_transition_time=since, reason=reason, message=message)
        self.conditions[index : index + 1] = [new]

    def event(self, kind: str, reason: str, message: str) -> None:
        self.events.append(Event(kind, reason, message))

    def decide(
        self, desired: int, rescale: bool, statuses: list[dict[str, Any]], history: normalize.History, reason: str
    ) -> Decision:
        """Upstream's ending: rescale (with its condition, event and scale-event record) and the new status."""
        last_scale, before = self.hpa.status.last_scale_time, history
        if rescale:
            self.condition(
                "AbleToScale",
                True,
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
            )
            self.event("Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
            history = behavior.record(self.hpa, history, self.now_ns, self.current, desired)
            last_scale = timefmt.rfc3339(self.now_ns)
        self.steps.append(narrate.result(self.current, desired if rescale else self.current, reason))
        status = objects.HPAStatus(
            current_replicas=self.current,
            desired_replicas=desired if rescale else self.current,
            last_scale_time=last_scale,
            current_metrics=statuses,
            conditions=self.conditions,
        )
        return Decision(
            self.current,
            status.desired_replicas,
            rescale,
            status,
            history,
            tuple(self.events),
            tuple(self.steps),
            history_before_rescale=before,
            reason=reason,
        )

    def fail(self, statuses: list[dict[str, Any]], history: normalize.History, error: str) -> Decision:
        """Metrics gave nothing usable: keep the previous desired replicas, warn, do not scale."""
        self.event("Warning", "FailedComputeMetricsReplicas", error)
        self.steps.append(f"No scaling: {error}.")
        status = objects.HPAStatus(
            current_replicas=self.current,
            desired_replicas=self.hpa.status.desired_replicas,
            last_scale_time=self.hpa.status.last_scale_time,
            current_metrics=statuses,
            conditions=self.conditions,
        )
        return Decision(
            self.current, status.desired_replicas, False, status, history, tuple(self.events), tuple(self.steps)
        )


def reconcile(
    now_ns: int,
    hpa: objects.HPA,
    scale: objects.Scale,
    pods: list[objects.Pod],
    pod_metrics: list[objects.PodMetrics],
    history: normalize.History | None,
    controller: Controller = Controller(),
) -> Decision:
    """One reconcile of one HPA against its target's scale, pods and pod metrics; history None = never seen."""
    current, spec = scale.spec.replicas, hpa.spec
    run = _Run(now_ns, hpa, current, list(hpa.status.conditions or []))
    run.condition(
        "AbleToScale", True, "SucceededGetScale", "the HPA controller was able to get the target's current scale"
    )
    if history is None:  # upstream seeds an HPA it has never seen with the current replicas
        history = normalize.History((normalize.Recommendation(current, now_ns),))
    low = spec.min_replicas if spec.min_replicas is not None else 1
    run.steps.append(narrate.target(spec, current, low))
    if current == 0 and low != 0:
        run.condition(
            "ScalingActive",
            False,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero",
        )
        return run.decide(0, False, [], history, "")
    if current > spec.max_replicas:
        return run.decide(spec.max_replicas, True, [], history, "Current number of replicas above Spec.MaxReplicas")
    if current < low:
        return run.decide(low, True, [], history, "Current number of replicas below Spec.MinReplicas")
    return _from_metrics(run, scale, pods, pod_metrics, history, controller, low)


def scale_unavailable(now_ns: int, hpa: objects.HPA, error: str) -> Decision:
    """The target's scale could not be read: AbleToScale False/FailedGetScale, nothing else changes."""
    run = _Run(now_ns, hpa, hpa.status.current_replicas, list(hpa.status.conditions or []))
    run.condition(
        "AbleToScale",
        False,
        "FailedGetScale",
        f"the HPA controller was unable to get the target's current scale: {error}",
    )
    run.event("Warning", "FailedGetScale", error)
    run.steps.append(f"The target's scale could not be read: {error}.")
    status = msgspec.structs.replace(hpa.status, conditions=run.conditions)
    empty = normalize.History()
    return Decision(run.current, hpa.status.desired_replicas, False, status, empty, tuple(run.events), tuple(run.steps))


def rescale_failed(now_ns: int, hpa: objects.HPA, decision: Decision, error: str) -> Decision:
    """Writing the scale failed (hpa.md §2.1 step 5): AbleToScale False, a FailedRescale event, no scale event kept."""
    run = _Run(now_ns, hpa, decision.current, list(decision.status.conditions or []))
    run.condition(
        "AbleToScale", False, "FailedUpdateScale", f"the HPA controller was unable to update the target scale: {error}"
    )
    run.event("Warning", "FailedRescale", f"New size: {decision.desired}; reason: {decision.reason}; error: {error}")
    status = msgspec.structs.replace(
        decision.status,
        desired_replicas=hpa.status.desired_replicas,
        last_scale_time=hpa.status.last_scale_time,
        conditions=run.conditions,
    )
    events = tuple(e for e in decision.events if e.reason != "SuccessfulRescale") + tuple(run.events)
    history = decision.history_before_rescale or decision.history
    steps = (*decision.explanation, f"Writing the scale failed: {error}.")
    return replace(decision, scaled=False, desired=hpa.status.desired_replicas, status=status, events=events,
                   history=history, explanation=steps)  # fmt: skip


def _selector_error(run: _Run, scale: objects.Scale) -> str | None:
    """Upstream's selector checks: a missing or unparsable selector stops the reconcile."""
    if not scale.status.selector:
        run.event("Warning", "SelectorRequired", "selector is required")
        run.condition("ScalingActive", False, "InvalidSelector", "the HPA target's scale is missing a selector")
        return "selector is required"
    try:
        selectors.parse_labels(scale.status.selector)
    except selectors.SelectorError as error:
        message = f"couldn't convert selector into a corresponding internal selector object: {error}"
        run.event("Warning", "InvalidSelector", message)
        run.condition("ScalingActive", False, "InvalidSelector", message)
        return message
    return None


def _from_metrics(
    run: _Run,
    scale: objects.Scale,
    pods: list[objects.Pod],
    pod_metrics: list[objects.PodMetrics],
    history: normalize.History,
    controller: Controller,
    low: int,
) -> Decision:
    if (error := _selector_error(run, scale)) is not None:
        return run.fail([], history, error)
    settings = behavior.settings(
        run.hpa, run.now_ns, controller.tolerance, controller.cpu_initialization_ns, controller.readiness_delay_ns
    )
    specs = run.hpa.spec.metrics or [DEFAULT_METRIC]
    results = [metrics.evaluate(spec, run.current, pods, pod_metrics, settings) for spec in specs]
    statuses = [r.status if isinstance(r, metrics.Evaluated) else {"type": ""} for r in results]
    for result in results:
        run.steps.append(narrate.metric(result))
        if isinstance(result, metrics.Failed):
            run.event("Warning", result.reason, result.event_message)
    proposal, name = _largest(results)
    failures = [r for r in results if isinstance(r, metrics.Failed)]
    if len(failures) >= len(results) or (failures and proposal < run.current):
        run.condition("ScalingActive", False, failures[0].reason, failures[0].condition_message)
        error = f"invalid metrics ({len(failures)} invalid out of {len(results)}), first error is: {failures[0].error}"
        return replace(run.fail(statuses, history, error), results=tuple(results))
    run.condition(
        "ScalingActive",
        True,
        "ValidMetricFound",
        f"the HPA was able to successfully calculate a replica count from {name}",
    )
    reason = (
        f"{name} above target"
        if proposal > run.current
        else "All metrics below target"
        if proposal < run.current
        else ""
    )
    outcome = behavior.normalize_(
        run.hpa, history, run.now_ns, run.current, proposal, low, controller.downscale_window_ns
    )
    run.condition("AbleToScale", True, *outcome.able)
    run.condition("ScalingLimited", *outcome.limited)
    run.steps.append(narrate.normalization(proposal, run.current, outcome, run.hpa.spec.behavior is not None))
    decision = run.decide(outcome.replicas, outcome.replicas != run.current, statuses, outcome.history, reason)
    return replace(decision, results=tuple(results), proposal=proposal, stabilized=outcome.stabilized)


def _largest(results: list[Result]) -> tuple[int, str]:
    """The largest proposal and its metric's name; ties keep the first, as upstream."""
    proposal, name = 0, ""
    for result in results:
        if isinstance(result, metrics.Evaluated) and (proposal == 0 or result.replicas > proposal):
            proposal, name = result.replicas, result.name
    return proposal, name

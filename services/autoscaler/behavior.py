"""`spec.behavior` as the controller applies it: API defaults, per-direction tolerances, and which path normalizes.

Defaults are kube-apiserver's: scale-up window 0 with Pods 4/15s and Percent 100/15s (Max); scale-down Percent
100/15s (Max) with the window left to the controller's --horizontal-pod-autoscaler-downscale-stabilization.
"""

from services.autoscaler import calculate, normalize, objects
from services.lib import quantity

UP_POLICIES = (normalize.Policy("Pods", 4, 15), normalize.Policy("Percent", 100, 15))
DOWN_POLICIES = (normalize.Policy("Percent", 100, 15),)


def rules(
    given: objects.ScalingRules | None, window_default: int, policies_default: tuple[normalize.Policy, ...]
) -> normalize.Rules:
    """One direction's rules with the API's defaults filled in."""
    given = given or objects.ScalingRules()
    window = given.stabilization_window_seconds if given.stabilization_window_seconds is not None else window_default
    policies = (
        policies_default
        if given.policies is None
        else tuple(normalize.Policy(p.type, p.value, p.period_seconds) for p in given.policies)
    )
    return normalize.Rules(window, given.select_policy or "Max", policies)


def directions(hpa: objects.HPA, downscale_window_ns: int) -> tuple[normalize.Rules, normalize.Rules]:
    """(scale-up rules, scale-down rules) of an HPA with `behavior`."""
    given = hpa.spec.behavior or objects.Behavior()
    up = rules(given.scale_up, 0, UP_POLICIES)
    down = rules(given.scale_down, downscale_window_ns // normalize.NS, DOWN_POLICIES)
    return up, down


def settings(hpa: objects.HPA, now_ns: int, tolerance: float, cpu_init_ns: int, delay_ns: int) -> calculate.Settings:
    """Calculation settings; a per-direction `tolerance` in `behavior` overrides the cluster's (KEP-4951)."""
    down = up = tolerance
    given = hpa.spec.behavior
    if given is not None and given.scale_down is not None and given.scale_down.tolerance is not None:
        down = float(quantity.parse(given.scale_down.tolerance))
    if given is not None and given.scale_up is not None and given.scale_up.tolerance is not None:
        up = float(quantity.parse(given.scale_up.tolerance))
    return calculate.Settings(now_ns, down, up, cpu_init_ns, delay_ns)


def normalize_(
    hpa: objects.HPA,
    history: normalize.History,
    now_ns: int,
    current: int,
    proposal: int,
    low: int,
    downscale_window_ns: int,
) -> normalize.Outcome:
    """The legacy path without `behavior`, else the behavior path."""
    high = hpa.spec.max_replicas
    if hpa.spec.behavior is None:
        return normalize.legacy(history, now_ns, current, proposal, low, high, downscale_window_ns)
    up, down = directions(hpa, downscale_window_ns)
    return normalize.with_behavior(history, now_ns, current, proposal, low, high, up, down)


def record(
    hpa: objects.HPA,
    history: normalize.History,
    now_ns: int,
    previous: int,
    new: int,
    downscale_window_ns: int = 300 * normalize.NS,
) -> normalize.History:
    """Keep a scale event for the rate limits; upstream keeps none without `behavior`."""
    if hpa.spec.behavior is None:
        return history
    up, down = directions(hpa, downscale_window_ns)
    return normalize.record_scale(history, now_ns, previous, new, up, down)

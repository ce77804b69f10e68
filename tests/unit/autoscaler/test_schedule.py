"""When the autoscaler evaluates an HPA: right after a scrape cycle's rates, once per cycle, and never held back by
the periodic or spec-triggered evaluations in between."""

from services.autoscaler.schedule import Schedule

S = 1_000_000_000
RESOLUTION, COALESCE = 15 * S, S // 2
HPA = "shop/frontend"


def schedule() -> Schedule:
    return Schedule(RESOLUTION, COALESCE)


def evaluate_due(plan: Schedule, now: int) -> list[str]:
    """What the loop does at `now`: evaluate everything due and record it."""
    due = plan.due(now, {HPA})
    for key, _ in due:
        plan.evaluated(key, now)
    return [trigger for _, trigger in due]


def test_rates_are_evaluated_after_the_coalescing_wait_so_a_cycles_nodes_land_together() -> None:
    plan = schedule()
    plan.rates_arrived(HPA, 100 * S)
    plan.rates_arrived(HPA, 100 * S + S // 10)  # another node of the same cycle
    assert evaluate_due(plan, 100 * S + COALESCE - 1) == []
    assert plan.next_at(100 * S, {HPA}) == 100 * S + COALESCE
    assert evaluate_due(plan, 100 * S + COALESCE) == ["rates"]


def test_each_scrape_cycle_is_evaluated_once_and_the_coalescing_wait_does_not_accumulate() -> None:
    plan = schedule()
    for cycle in range(4):
        arrival = 100 * S + cycle * RESOLUTION
        plan.rates_arrived(HPA, arrival)
        assert evaluate_due(plan, arrival + COALESCE) == ["rates"], f"cycle {cycle} waits"
        plan.rates_arrived(HPA, arrival + 2 * S)  # a late node of the same cycle
        assert evaluate_due(plan, arrival + 2 * S + COALESCE) == []


def test_a_periodic_evaluation_between_cycles_does_not_hold_back_the_next_cycles_rates() -> None:
    plan = schedule()
    plan.rates_arrived(HPA, 100 * S)
    evaluate_due(plan, 100 * S + COALESCE)
    plan.evaluated(HPA, 114 * S)  # e.g. a spec edit evaluated at once, moments before the next scrape
    plan.rates_arrived(HPA, 115 * S)
    assert evaluate_due(plan, 115 * S + COALESCE) == ["rates"]


def test_a_spec_change_is_evaluated_at_once_and_an_idle_hpa_every_two_resolutions() -> None:
    plan = schedule()
    plan.spec_changed(HPA, 100 * S)
    assert evaluate_due(plan, 100 * S) == ["spec"]
    assert evaluate_due(plan, 100 * S + 2 * RESOLUTION - 1) == []
    assert evaluate_due(plan, 100 * S + 2 * RESOLUTION) == ["periodic"]


def test_a_forgotten_hpa_is_no_longer_due() -> None:
    plan = schedule()
    plan.rates_arrived(HPA, 100 * S)
    plan.forget(HPA)
    assert plan.due(200 * S, set()) == []

"""Stories of one container's usage as a scraper sees it: rates, target changes, restarts, ordering."""

import random

import pytest

from sim.kubelets import body, node, targets, usage
from tests.unit.kubelets import exposition
from tests.unit.kubelets.pods import T0, pod

SECOND = 10**9
CPU = "container_cpu_usage_seconds_total"


def model_with(target: targets.Targets, period_ns: int = SECOND) -> node.NodeUsage:
    model = node.new_node("node-1", T0 - 86_400 * SECOND, period_ns)
    node.put_pod(model, pod("web", ("app", "sidecar")), target, T0)
    return model


def scrape(model: node.NodeUsage, now_ns: int) -> dict[str, dict[tuple[str, ...], exposition.Sample]]:
    families = exposition.parse(body.render(model, now_ns).decode())
    return {name: {s.key: s for s in family} for name, family in families.items()}


def rate(first: exposition.Sample, second: exposition.Sample) -> float:
    """Cores, as metrics-server computes it from two points."""
    assert first.timestamp_ms is not None and second.timestamp_ms is not None
    return (second.value - first.value) / ((second.timestamp_ms - first.timestamp_ms) / 1000)


def test_the_rate_between_two_scrapes_is_the_annotated_usage_within_noise() -> None:
    model = model_with(targets.Targets(cpu_nanocores=125_000_000, memory_bytes=32 * 2**20))

    first, second = scrape(model, T0 + 15 * SECOND), scrape(model, T0 + 30 * SECOND)

    for key in first[CPU]:
        assert rate(first[CPU][key], second[CPU][key]) == pytest.approx(0.125, rel=0.02)
        memory = second["container_memory_working_set_bytes"][key].value
        assert memory == pytest.approx(32 * 2**20, rel=0.02)
    node_rate = rate(first["node_cpu_usage_seconds_total"][()], second["node_cpu_usage_seconds_total"][()])
    assert 0.25 + 0.1 - 0.01 <= node_rate <= 0.25 + 0.3 + 0.01


def test_the_counter_starts_as_if_it_had_run_at_the_target_since_the_container_started() -> None:
    model = model_with(targets.Targets(cpu_nanocores=200_000_000))

    sample = scrape(model, T0)[CPU][("app", "default", "web")]

    assert sample.value == pytest.approx(0.2 * 40 * 60, rel=0.02)  # started at 09:00, scraped at 09:40


def test_a_target_change_integrates_the_old_rate_up_to_the_change_and_the_new_one_after() -> None:
    model = model_with(targets.Targets(cpu_nanocores=100_000_000))
    before = scrape(model, T0 + 15 * SECOND)[CPU][("app", "default", "web")]

    node.put_pod(model, pod("web", ("app", "sidecar")), targets.Targets(cpu_nanocores=500_000_000), T0 + 25 * SECOND)
    after = scrape(model, T0 + 45 * SECOND)[CPU][("app", "default", "web")]

    assert before.timestamp_ms is not None and after.timestamp_ms is not None
    change_ms = model.pods["default/web"].containers[0].cpu.phase_ns // 10**6 + (T0 + 24 * SECOND) // 10**6
    expected = 0.1 * (change_ms - before.timestamp_ms) / 1000 + 0.5 * (after.timestamp_ms - change_ms) / 1000
    assert after.value - before.value == pytest.approx(expected, rel=0.02)


def test_a_container_whose_target_changed_just_before_a_scrape_is_still_reported() -> None:
    model = model_with(targets.Targets(cpu_nanocores=100_000_000), period_ns=10 * SECOND)
    node.put_pod(model, pod("web", ("app", "sidecar")), targets.Targets(cpu_nanocores=200_000_000), T0 + 1)

    families = scrape(model, T0 + 2)

    assert len(families[CPU]) == 2
    assert len(families["pod_cpu_usage_seconds_total"]) == 1


def test_a_restart_starts_the_counter_again_from_zero_with_a_new_start_time() -> None:
    model = model_with(targets.Targets(cpu_nanocores=100_000_000))
    key = ("app", "default", "web")
    before = scrape(model, T0 + 15 * SECOND)

    restarted = pod("web", ("app", "sidecar"), started="2025-08-04T09:40:20Z", restarts=1)
    node.put_pod(model, restarted, targets.Targets(cpu_nanocores=100_000_000), T0 + 21 * SECOND)
    after = scrape(model, T0 + 30 * SECOND)

    start = after["container_start_time_seconds"][key].value
    assert before["container_start_time_seconds"][key].value < (T0 + 20 * SECOND) / 1e9 <= start
    assert after[CPU][key].value == pytest.approx(0.1 * (after[CPU][key].timestamp_ms / 1000 - start), rel=0.02)  # type: ignore[operator]
    assert after["pod_cpu_usage_seconds_total"][("default", "web")].value < 2 * 0.1 * 10  # two containers, < 10 s


def test_a_new_run_starts_after_the_last_sample_even_when_its_status_second_is_older() -> None:
    model = model_with(targets.Targets(cpu_nanocores=100_000_000))
    key = ("app", "default", "web")
    before = scrape(model, T0 + 21 * SECOND + 900 * 10**6)  # the old run sampled after the new run's status second

    restarted = pod("web", ("app", "sidecar"), started="2025-08-04T09:40:20Z", restarts=1)
    node.put_pod(model, restarted, targets.Targets(cpu_nanocores=100_000_000), T0 + 21 * SECOND + 950 * 10**6)
    after = scrape(model, T0 + 25 * SECOND)

    last_ms = before[CPU][key].timestamp_ms
    assert last_ms is not None and after["container_start_time_seconds"][key].value * 1000 > last_ms
    assert after[CPU][key].value < before[CPU][key].value


def test_samples_never_go_back_in_time_or_value_even_when_the_clock_does() -> None:
    model = model_with(targets.Targets(cpu_nanocores=300_000_000), period_ns=2 * SECOND)
    clock = T0
    seen: dict[tuple[str, tuple[str, ...]], exposition.Sample] = {}
    shuffle = random.Random(7)
    for _ in range(300):
        clock += shuffle.randrange(-500, 1500) * 10**6  # scrapes close together, the clock now and then stepping back
        for name, family in scrape(model, clock).items():
            for key, sample in family.items():
                if (name, key) in seen and sample.timestamp_ms is not None:
                    previous = seen[(name, key)]
                    assert sample.timestamp_ms >= (previous.timestamp_ms or 0)
                    if name.endswith("_total"):
                        assert sample.value >= previous.value
                    if sample.timestamp_ms == previous.timestamp_ms:
                        assert sample == previous, "same sample time, same sample"
                seen[(name, key)] = sample


def test_two_scrapes_at_nearly_the_same_instant_get_the_same_body() -> None:
    model = model_with(targets.Targets(), period_ns=10 * SECOND)
    now = T0 + 15 * SECOND + 123

    assert body.render(model, now) == body.render(model, now + 1_000)


def test_each_container_samples_at_its_own_time_a_little_before_the_scrape() -> None:
    model = node.new_node("node-1", T0 - 86_400 * SECOND, 10 * SECOND)
    for index in range(20):
        node.put_pod(model, pod(f"p{index}"), targets.Targets(), T0)

    stamps = [s.timestamp_ms for s in scrape(model, T0 + 60 * SECOND)[CPU].values()]

    assert len(set(stamps)) > 15
    assert all(T0 // 10**6 + 50_000 < (stamp or 0) <= T0 // 10**6 + 60_000 for stamp in stamps)


def test_memory_stays_within_five_percent_of_its_target() -> None:
    values = [usage.memory_bytes(100 * 2**20, 42, index) for index in range(1000)]

    assert all(abs(value - 100 * 2**20) <= 0.05 * 100 * 2**20 for value in values)
    assert len(set(values)) > 100, "it looks alive"

"""Stories of the store's fold, after upstream metrics-server's storage tests (node_test.go, pod_test.go)."""

from services import events
from services.store import rates

S = 1_000_000_000  # one second in ns
MIB = 1024 * 1024
RESOLUTION = 15 * S
NODE = "node-1"


def node_sample(scraped: int, ts: int, cpu_s: float, mem: int) -> events.NodeSampled:
    point = events.NodePoint(timestamp_ns=ts, cpu_core_nanoseconds_total=int(cpu_s * S), memory_working_set_bytes=mem)
    return events.NodeSampled(node=NODE, scraped_at_ns=scraped, node_point=point, pods=())


def pod_sample(scraped: int, *containers: tuple[str, int, int, float, int]) -> events.NodeSampled:
    """containers: (name, start, timestamp, cpu core-seconds, memory)."""
    points = tuple(
        events.ContainerPoint(
            name=n,
            start_time_ns=st,
            timestamp_ns=ts,
            cpu_core_nanoseconds_total=int(cpu * S),
            memory_working_set_bytes=mem,
        )
        for n, st, ts, cpu, mem in containers
    )
    pod = events.PodPoint(namespace="default", name="web", containers=points)
    return events.NodeSampled(node=NODE, scraped_at_ns=scraped, node_point=None, pods=(pod,))


def fold(*samples: events.SampleEvent) -> rates.NodeState | None:
    state = None
    for sample in samples:
        state = rates.apply(state, sample, RESOLUTION)
    return state


def served(*samples: events.SampleEvent) -> events.NodeRatesComputed:
    return rates.rates(NODE, fold(*samples), samples[-1].scraped_at_ns)


def test_a_node_is_served_from_its_second_sample_with_the_rate_between_the_two() -> None:
    first = node_sample(1, 100 * S, 10, 2 * MIB)
    assert served(first).node_usage is None
    usage = served(first, node_sample(2, 110 * S, 20, 3 * MIB)).node_usage
    assert usage == events.NodeUsage(timestamp_ns=110 * S, window_ns=10 * S, cpu_nanocores=S, memory_bytes=3 * MIB)


def test_a_failed_scrape_forgets_the_node_and_it_needs_two_samples_again() -> None:
    failed = events.NodeScrapeFailed(node=NODE, scraped_at_ns=3, reason="Timeout", message="deadline")
    a, b, c = node_sample(1, 100 * S, 10, MIB), node_sample(2, 110 * S, 20, MIB), node_sample(4, 130 * S, 30, MIB)
    assert served(a, b, failed) == events.NodeRatesComputed(node=NODE, scraped_at_ns=3, node_usage=None, pods=())
    assert rates.points(fold(a, b, failed)) == (0, 0)
    assert served(a, b, failed, c).node_usage is None
    assert served(a, b, failed, c, node_sample(5, 140 * S, 40, MIB)).node_usage is not None


def test_a_sample_from_before_a_failure_delivered_after_it_starts_no_window_across_the_failure() -> None:
    # Two scrapers handing a node over: the old owner's last sample reaches the stream after the new owner's failure.
    late, failed = (
        node_sample(2, 110 * S, 20, MIB),
        events.NodeScrapeFailed(node=NODE, scraped_at_ns=3, reason="Timeout", message="deadline"),
    )
    after = node_sample(4, 130 * S, 40, MIB)
    assert served(node_sample(1, 100 * S, 10, MIB), failed, late, after).node_usage is None
    assert fold(node_sample(1, 100 * S, 10, MIB), failed, late, after) == fold(
        node_sample(1, 100 * S, 10, MIB), late, failed, after
    )


def test_a_redelivered_event_changes_nothing() -> None:
    a, b = node_sample(1, 100 * S, 10, MIB), node_sample(2, 110 * S, 20, MIB)
    assert fold(a, b, b) == fold(a, b)
    assert fold(a, b, a) == fold(a, b)


def test_a_new_scrape_returning_the_same_kubelet_sample_leaves_nothing_to_serve() -> None:
    assert served(node_sample(1, 100 * S, 10, MIB), node_sample(2, 100 * S, 10, MIB)).node_usage is None


def test_a_decreasing_node_cpu_counter_is_not_served() -> None:
    assert served(node_sample(1, 100 * S, 50, MIB), node_sample(2, 110 * S, 10, MIB)).node_usage is None


def test_a_sample_older_than_prev_drops_the_window() -> None:
    samples = node_sample(1, 15 * S, 1, MIB), node_sample(2, 35 * S, 3, MIB), node_sample(3, 5 * S, 4, MIB)
    assert served(*samples).node_usage is None


def test_a_sample_between_prev_and_last_is_served_against_prev() -> None:
    samples = node_sample(1, 15 * S, 10, MIB), node_sample(2, 35 * S, 30, 2 * MIB), node_sample(3, 25 * S, 35, 5 * MIB)
    usage = served(*samples).node_usage
    assert usage == events.NodeUsage(
        timestamp_ns=25 * S, window_ns=10 * S, cpu_nanocores=2_500_000_000, memory_bytes=5 * MIB
    )


def test_a_pod_is_served_from_its_second_sample() -> None:
    first = pod_sample(1, ("nginx", 0, 120 * S, 1, 4 * MIB))
    assert served(first).pods == ()
    pod = served(first, pod_sample(2, ("nginx", 0, 125 * S, 6, 5 * MIB))).pods[0]
    assert pod == events.PodUsage(
        namespace="default",
        name="web",
        timestamp_ns=125 * S,
        window_ns=5 * S,
        containers=(events.ContainerUsage(name="nginx", cpu_nanocores=S, memory_bytes=5 * MIB),),
    )


def test_a_pod_carries_the_timestamp_and_window_of_its_earliest_container() -> None:
    first = pod_sample(1, ("a", 0, 100 * S, 1, MIB), ("b", 0, 105 * S, 1, MIB))
    second = pod_sample(2, ("a", 0, 120 * S, 2, MIB), ("b", 0, 130 * S, 2, MIB))
    pod = served(first, second).pods[0]
    assert (pod.timestamp_ns, pod.window_ns) == (120 * S, 20 * S)


def test_a_restarted_container_younger_than_the_resolution_is_served_since_its_start() -> None:
    before = pod_sample(1, ("nginx", 0, 10 * S, 1, MIB))
    after = pod_sample(2, ("nginx", 15 * S, 25 * S, 5, 5 * MIB))
    pod = served(before, after).pods[0]
    assert (pod.window_ns, pod.containers[0].cpu_nanocores) == (10 * S, 500_000_000)


def test_a_restart_seen_only_later_starts_a_new_window() -> None:
    before = pod_sample(1, ("nginx", 0, 10 * S, 9, MIB))
    after = pod_sample(2, ("nginx", 30 * S, 60 * S, 1, MIB))
    assert served(before, after).pods == ()


def test_a_container_whose_counter_went_backwards_leaves_its_pod_out_until_the_next_sample() -> None:
    first, back = pod_sample(1, ("nginx", 0, 100 * S, 9, MIB)), pod_sample(2, ("nginx", 0, 110 * S, 1, MIB))
    assert served(first, back).pods == ()
    assert (
        served(first, back, pod_sample(3, ("nginx", 0, 120 * S, 2, MIB))).pods[0].containers[0].cpu_nanocores == S // 10
    )


def test_a_pod_is_not_served_with_only_some_of_its_containers() -> None:
    first = pod_sample(1, ("a", 0, 100 * S, 9, MIB), ("b", 0, 100 * S, 9, MIB))
    assert served(first, pod_sample(2, ("a", 0, 110 * S, 10, MIB), ("b", 0, 110 * S, 1, MIB))).pods == ()


def test_a_long_running_container_is_not_served_after_one_sample() -> None:
    assert served(pod_sample(1, ("nginx", 0, 120 * S, 1, MIB))).pods == ()


def test_a_fresh_container_is_served_after_one_sample() -> None:
    pod = served(pod_sample(1, ("nginx", 100 * S, 110 * S, 10, 4 * MIB))).pods[0]
    assert (pod.window_ns, pod.containers[0].cpu_nanocores, pod.containers[0].memory_bytes) == (10 * S, S, 4 * MIB)


def test_a_container_younger_than_ten_seconds_or_starting_after_its_sample_is_not_served() -> None:
    assert served(pod_sample(1, ("nginx", 101 * S, 110 * S, 1, MIB))).pods == ()
    assert served(pod_sample(1, ("nginx", 120 * S, 110 * S, 1, MIB))).pods == ()


def test_a_pod_whose_container_set_grew_is_not_served_until_every_container_has_two_points() -> None:
    first = pod_sample(1, ("a", 0, 100 * S, 1, MIB))
    second = pod_sample(2, ("a", 0, 110 * S, 2, MIB), ("b", 0, 110 * S, 2, MIB))
    assert served(first, second).pods == ()
    assert len(served(first, second, pod_sample(3, ("a", 0, 120 * S, 3, MIB), ("b", 0, 120 * S, 3, MIB))).pods) == 1


def test_a_zero_start_time_behaves_like_a_long_running_container() -> None:
    first, second = pod_sample(1, ("a", 0, 100 * S, 1, MIB)), pod_sample(2, ("a", 0, 110 * S, 2, MIB))
    assert served(first, second).pods[0].containers[0].cpu_nanocores == 100_000_000


def test_storage_points_count_nodes_and_containers_with_two_points() -> None:
    state = fold(node_sample(1, 100 * S, 1, MIB), node_sample(2, 110 * S, 2, MIB))
    assert state is not None and rates.points(state) == (1, 0)


def test_a_node_back_after_an_hour_without_a_failed_scrape_between_is_not_served_a_rate_across_the_hour() -> None:
    before, back = node_sample(1, 100 * S, 10, MIB), node_sample(2, 3700 * S, 11, MIB)
    assert served(before, back).node_usage is None
    usage = served(before, back, node_sample(3, 3715 * S, 26, MIB)).node_usage
    assert usage is not None and (usage.window_ns, usage.cpu_nanocores) == (15 * S, S)


def test_a_window_of_three_resolutions_is_still_a_window_and_a_longer_one_is_not() -> None:
    assert served(node_sample(1, 100 * S, 10, MIB), node_sample(2, 145 * S, 55, MIB)).node_usage is not None
    assert served(node_sample(1, 100 * S, 10, MIB), node_sample(2, 146 * S, 56, MIB)).node_usage is None


def test_a_container_back_after_an_hour_is_not_served_a_rate_across_the_hour() -> None:
    before, back = pod_sample(1, ("nginx", 0, 100 * S, 1, MIB)), pod_sample(2, ("nginx", 0, 3700 * S, 2, MIB))
    assert served(before, back).pods == ()
    assert served(before, back, pod_sample(3, ("nginx", 0, 3710 * S, 12, MIB))).pods[0].containers[0].cpu_nanocores == S


def test_a_sample_from_the_future_blinds_the_node_for_one_cycle_after_its_clock_is_corrected() -> None:
    normal = [node_sample(1, 100 * S, 10, MIB), node_sample(2, 110 * S, 20, MIB)]
    future = node_sample(3, 3720 * S, 30, MIB)  # the kubelet's clock an hour ahead
    corrected = node_sample(4, 130 * S, 40, MIB)
    assert served(*normal, future).node_usage is None
    assert served(*normal, future, corrected).node_usage is None
    usage = served(*normal, future, corrected, node_sample(5, 140 * S, 50, MIB)).node_usage
    assert usage is not None and usage.cpu_nanocores == S


def test_a_kubelet_clock_corrected_forward_starts_a_new_window_instead_of_averaging_over_the_jump() -> None:
    behind = [node_sample(1, 100 * S, 10, MIB), node_sample(2, 110 * S, 20, MIB)]  # ten minutes behind
    corrected = node_sample(3, 720 * S, 30, MIB)
    assert served(*behind).node_usage is not None and served(*behind, corrected).node_usage is None
    assert served(*behind, corrected, node_sample(4, 730 * S, 40, MIB)).node_usage is not None

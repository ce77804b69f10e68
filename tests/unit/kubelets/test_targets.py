"""Target usage from annotations, nearest first, split over containers."""

from sim.kubelets import targets

CPU, MEMORY = targets.CPU_ANNOTATION, targets.MEMORY_ANNOTATION


def test_each_annotation_is_looked_up_on_its_own_nearest_first() -> None:
    found = targets.resolve([{CPU: "250m"}, {CPU: "1", MEMORY: "64Mi"}], containers=2)

    assert found == targets.Targets(cpu_nanocores=125_000_000, memory_bytes=32 * 2**20)


def test_a_value_that_is_not_a_quantity_falls_through_to_the_next_owner_or_the_default() -> None:
    assert targets.resolve([{CPU: "lots"}, {CPU: "100m"}], containers=1).cpu_nanocores == 100_000_000
    assert targets.resolve([{MEMORY: "much"}], containers=1) == targets.Targets()


def test_a_pod_without_containers_in_its_spec_is_not_divided_by_zero() -> None:
    assert targets.resolve([{CPU: "100m"}], containers=0).cpu_nanocores == 100_000_000


def test_a_workload_cpu_total_is_shared_by_its_running_pods_unless_a_pod_says_otherwise() -> None:
    workload = {"sim.flowmeter.dev/cpu-total": "900m", "sim.flowmeter.dev/cpu": "50m"}
    assert targets.resolve([{}, workload], containers=1, peers=3).cpu_nanocores == 300_000_000
    assert targets.resolve([{}, workload], containers=2, peers=3).cpu_nanocores == 150_000_000
    assert (
        targets.resolve([{"sim.flowmeter.dev/cpu": "70m"}, workload], containers=1, peers=3).cpu_nanocores == 70_000_000
    )
    assert targets.resolve([{"sim.flowmeter.dev/cpu-total": "900m"}], containers=1, peers=3).cpu_nanocores == 5_000_000


def test_a_terminating_pod_gets_no_share_of_its_workloads_load() -> None:
    workload = {"sim.flowmeter.dev/cpu-total": "900m"}
    assert targets.resolve([{}, workload], containers=1, peers=0).cpu_nanocores == 0

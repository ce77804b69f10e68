"""The usage model of one series: a cumulative CPU counter and a working set, sampled on a housekeeping grid.

Like cAdvisor, each series is sampled on its own grid (`phase + k × period`), so a scrape sees the latest sample
taken a little before it, and every container's timestamp differs. The counter is state, not a formula of time:
each new sample adds `rate × elapsed × (1 ± noise)`, so a rate change integrates the old rate up to the change and
the new one after it, and the counter can only grow until the container restarts. Time is passed in (ns). A counter
is a plain Struct, so a checkpoint can carry it across a restart of the simulator (`checkpoint`), as cgroups do.
"""

import msgspec

from sim.kubelets import noise

NOISE = 0.015  # ±1.5 % on the rate over each sample interval and on each memory sample
CPU_GRANULE_NS = 1_000  # cgroup v2 counts CPU in µs, so counters are whole microseconds
PAGE_BYTES = 4096  # working sets are whole pages
LATENESS_MS = 50  # a sample lands up to this late after its grid point, as housekeeping does: windows like 10.013s


class Counter(msgspec.Struct, kw_only=True, array_like=True):
    """A cumulative CPU counter in ns of CPU time; the state is its last sample (array-like: checkpoints stay small)."""

    seed: int  # noise seed of this series
    phase_ns: int  # grid offset: samples are taken at phase + k × period
    period_ns: int  # housekeeping interval
    rate_nanocores: int  # current target usage
    sample_ns: int  # time of the last sample, or the start time before the first sample
    index: int = -1  # grid index of the last sample; -1 before the first
    value_ns: int = 0  # cumulative CPU time at the last sample
    start_ns: int = 0  # when this run started, its counter at 0


def new_counter(seed: int, period_ns: int, start_ns: int, rate_nanocores: int) -> Counter:
    """A counter that starts from 0 at `start_ns`, on a grid phase (whole ms) derived from its seed."""
    phase_ns = noise.fraction(seed, period_ns // 1_000_000) * 1_000_000
    return Counter(
        seed=seed, phase_ns=phase_ns, period_ns=period_ns, rate_nanocores=rate_nanocores, sample_ns=start_ns,
        start_ns=start_ns,
    )  # fmt: skip


def advance(counter: Counter, now_ns: int) -> bool:
    """Take the latest sample at or before `now_ns` if it is newer than the last one; True when one was taken."""
    index = (now_ns - counter.phase_ns) // counter.period_ns
    sample_ns = _sample_time(counter, index)
    if sample_ns > now_ns:  # this grid point's sample is not taken yet
        index -= 1
        sample_ns = _sample_time(counter, index)
    if sample_ns <= counter.sample_ns:
        return False
    jitter = 1.0 + NOISE * noise.unit(counter.seed, index)
    used = counter.rate_nanocores * (sample_ns - counter.sample_ns) * jitter / 1e9
    counter.value_ns += round(used / CPU_GRANULE_NS) * CPU_GRANULE_NS
    counter.sample_ns, counter.index = sample_ns, index
    return True


def _sample_time(counter: Counter, index: int) -> int:
    """Grid point `index` plus its own lateness in whole ms, below one period so samples stay in order."""
    lateness_ms = int((noise.unit(counter.seed ^ 0x2545F491, index) + 1.0) / 2 * LATENESS_MS)
    return counter.phase_ns + index * counter.period_ns + min(lateness_ms * 1_000_000, counter.period_ns // 2)


def set_rate(counter: Counter, now_ns: int, rate_nanocores: int) -> None:
    """Change the usage from now on: samples up to now keep the old rate."""
    if rate_nanocores != counter.rate_nanocores:
        advance(counter, now_ns)
        counter.rate_nanocores = rate_nanocores


def restart(counter: Counter, start_ns: int) -> None:
    """A new run of the container: the counter starts again from 0 at `start_ns`."""
    counter.sample_ns, counter.index, counter.value_ns, counter.start_ns = start_ns, -1, 0, start_ns


def memory_bytes(target_bytes: int, seed: int, index: int) -> int:
    """The working set at sample `index`: the target ± noise, in whole pages."""
    jittered = target_bytes * (1.0 + NOISE * noise.unit(seed ^ 0x5BD1E995, index))
    return max(1, round(jittered / PAGE_BYTES)) * PAGE_BYTES

"""The benchmarks' arithmetic: least-squares slopes, the warm-up cut, leak verdicts, reading /metrics, load summaries."""

import pytest

from bench import measure, trend
from bench.harness import percentile
from bench.load import Kind, summary
from bench.soak import backlog

HOUR = 3600.0


def test_the_slope_of_a_straight_line_is_its_gradient_and_a_flat_or_single_point_series_has_none() -> None:
    assert trend.slope([(0, 10), (10, 30), (20, 50)]) == pytest.approx(2.0)
    assert trend.slope([(0, 5), (10, 5), (20, 5)]) == 0.0
    assert trend.slope([(7, 5)]) == 0.0
    assert trend.slope([(0, 0), (10, 10), (10, 0), (20, 10)]) == pytest.approx(0.5)  # noise averages out


def test_the_fit_leaves_the_warm_up_out_and_reads_first_and_last_as_medians_of_three() -> None:
    points = [(0.0, 500.0), (60.0, 100.0), (120.0, 100.0), (180.0, 101.0), (240.0, 300.0), (300.0, 102.0)]
    fitted = trend.fit(points, warmup_seconds=60)
    assert fitted.points == 5 and fitted.first == 100.0 and fitted.last == 102.0 and fitted.change == 2.0
    assert fitted.slope_per_hour == pytest.approx(trend.slope(points[1:]) * HOUR)
    assert trend.fit(points, warmup_seconds=1000).points == 1  # a warm-up past the end keeps the last point


def test_rss_growing_a_megabyte_a_minute_is_a_leak_and_flat_rss_with_noise_is_not() -> None:
    limit = trend.Limit(per_hour=8.0, share_per_hour=0.10, change=2.0)
    leaking = trend.fit([(t * 60.0, 100.0 + t) for t in range(10)], 0)
    assert leaking.slope_per_hour == pytest.approx(60.0) and limit.exceeded_by(leaking)
    noisy = trend.fit([(t * 60.0, 100.0 + (t % 2) * 1.5) for t in range(10)], 0)
    assert not limit.exceeded_by(noisy)
    big = trend.fit([(t * 60.0, 1000.0 + t / 4) for t in range(10)], 0)  # 15 MiB/h on 1 GiB: under 10 %/h
    assert not limit.exceeded_by(big)
    assert trend.verdicts({"store": leaking, "api": noisy}, limit, "RSS", "MiB") == [
        "store: RSS grows +60.0 MiB/h (101.0 -> 108.0 MiB)"
    ]


def test_a_steep_slope_without_net_growth_is_not_a_leak() -> None:
    fds = trend.fit([(0.0, 10.0), (10.0, 10.0), (20.0, 10.0), (30.0, 14.0), (40.0, 10.0), (50.0, 10.0)], 0)
    assert fds.slope_per_hour > 0 and not trend.Limit(per_hour=0.0, change=8.0).exceeded_by(fds)


def test_prometheus_values_are_keyed_by_label_set_and_other_metrics_are_ignored() -> None:
    text = (
        "# HELP flowmeter_events_pending Events not yet delivered\n"
        'flowmeter_events_pending{stream="SAMPLES"} 3.0\n'
        'flowmeter_events_pending_other{stream="SAMPLES"} 9.0\n'
        "process_open_fds 12.0\n"
    )
    assert measure.prometheus_values(text, "flowmeter_events_pending") == {'stream="SAMPLES"': 3.0}
    assert measure.prometheus_values(text, "process_open_fds") == {"": 12.0}


def test_backlog_is_each_pending_gauge_and_what_was_published_but_not_yet_folded() -> None:
    scraper = 'flowmeter_events_published_total{stream="SAMPLES"} 1000.0\n'
    store = (
        'flowmeter_events_consumed_total{stream="SAMPLES"} 990.0\n'
        'flowmeter_events_pending{stream="SAMPLES"} 4.0\n'
        'flowmeter_events_published_total{stream="RATES"} 990.0\n'
    )
    api = 'flowmeter_events_consumed_total{stream="RATES"} 985.0\nflowmeter_events_pending{stream="RATES"} 0.0\n'
    assert backlog({"scraper": scraper, "scraper-2": scraper, "store": store, "api": api}) == {
        "store/SAMPLES": 4.0,
        "api/RATES": 0.0,
        "SAMPLES lag": 1010.0,
        "RATES lag (api)": 5.0,
    }


def test_a_load_step_reports_rate_percentiles_and_errors_per_kind_and_over_all() -> None:
    hpa, top = Kind(latencies_ms=[float(ms) for ms in range(1, 101)]), Kind()
    top.error("503")
    top.error("503")
    assert summary({"hpa": hpa, "top": top}, seconds=10.0) == {
        "hpa": {"requests": 100, "rps": 10.0, "p50_ms": 50.0, "p99_ms": 99.0, "max_ms": 100.0, "errors": 0},
        "top": {"requests": 2, "rps": 0.0, "p50_ms": None, "p99_ms": None, "max_ms": None, "errors": 2},
        "all": {"requests": 102, "rps": 10.0, "p50_ms": 50.0, "p99_ms": 99.0, "max_ms": 100.0, "errors": 2},
    }
    assert top.errors == {"503": 2}


def test_the_nearest_rank_percentile_of_one_to_a_hundred_is_the_rank_itself() -> None:
    values = [float(v) for v in range(100, 0, -1)]
    assert [percentile(values, share) for share in (0.0, 0.5, 0.99, 0.995, 1.0)] == [1.0, 50.0, 99.0, 100.0, 100.0]
    assert percentile([7.0], 0.99) == 7.0

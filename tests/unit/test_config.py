"""Service configuration: environment and flags onto one Struct, upstream's validation rules, errors naming the flag."""

import pytest

from services.lib.config import ConfigError, load
from services.scraper.config import Config as ScraperConfig
from services.store.config import Config as StoreConfig


def scraper(*argv: str, **environ: str) -> ScraperConfig:
    return load(ScraperConfig, {f"SCRAPER_{k.upper()}": v for k, v in environ.items()}, argv, "SCRAPER_")


def test_the_defaults_are_upstreams() -> None:
    config = scraper()
    assert (config.metric_resolution, config.kubelet_request_timeout, config.kubelet_port) == (15.0, 10.0, 10250)
    assert config.kubelet_preferred_address_types == (
        "Hostname",
        "InternalDNS",
        "InternalIP",
        "ExternalDNS",
        "ExternalIP",
    )


def test_flags_take_go_durations_lists_and_bare_booleans_and_win_over_the_environment() -> None:
    config = scraper(
        "--metric-resolution=1m",
        "--kubelet-insecure-tls",
        "-l",
        "metrics-server-skip!=true",
        "--kubelet-preferred-address-types",
        "InternalIP,Hostname",
        metric_resolution="30s",
        kubelet_port="10255",
    )
    assert config.metric_resolution == 60.0 and config.kubelet_insecure_tls and config.kubelet_port == 10255
    assert config.node_selector == "metrics-server-skip!=true"
    assert config.kubelet_preferred_address_types == ("InternalIP", "Hostname")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--metric-resolution=5s"], "--metric-resolution must be at least 10s"),
        (["--metric-resolution=10s", "--kubelet-request-timeout=10s"], "at most 0.9 × --metric-resolution"),
        (["--metric-resolution=10s", "--kubelet-request-timeout=9s"], None),
        (["--kubelet-request-timeout=0s"], "should be positive"),
        (["--metric-resolution=soon"], "--metric-resolution: invalid duration 'soon'"),
        (["--kubelet-port=0"], "--kubelet-port: Expected `int` >= 1"),
        (["--kubelet-insecure-tls", "--kubelet-certificate-authority=/ca.crt"], "cannot use both"),
        (["--kubelet-client-key=/k"], "need each other"),
        (["--kubelet-preferred-address-types=InternalIP,Wormhole"], "unknown type 'Wormhole'"),
    ],
)
def test_invalid_settings_are_refused_naming_the_flag(argv: list[str], message: str | None) -> None:
    if message is None:
        scraper(*argv)
        return
    with pytest.raises(ConfigError, match=message):
        scraper(*argv)


def test_an_unknown_environment_setting_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown setting STORE_RESOLUTION"):
        load(StoreConfig, {"STORE_RESOLUTION": "15s"}, [], "STORE_")


def test_help_lists_every_flag_with_its_default_and_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        scraper("--help")
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--metric-resolution duration" in text and "(default '15s'; env SCRAPER_METRIC_RESOLUTION)" in text

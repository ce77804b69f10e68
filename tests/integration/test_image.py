"""The container image: its Dockerfile passes hadolint, and its install step (the one script the build stage runs)
builds the wheel and a clean venv from which every service starts. Docker itself is not needed."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INSTALL = "deploy/image/build-venv.sh"
SERVICES = ("scraper", "store", "api", "autoscaler")


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), str(ROOT / "Dockerfile")], check=False, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_build_stage_installs_with_the_tested_script_and_the_final_stage_runs_unprivileged() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    assert f"RUN {INSTALL} /src /opt/flowmeter" in lines
    assert lines[-2:] == ["USER 65532:65532", 'CMD ["flowmeter", "--help"]']


def test_the_image_lock_pins_exactly_the_versions_pyproject_asks_for() -> None:
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = dict(re.findall(r"(?m)^([a-z0-9_.-]+)==(\S+)", (ROOT / "deploy/image/requirements.lock").read_text()))
    for requirement in wanted:
        name, version = requirement.split("==")
        assert locked.get(name.lower()) == version, f"{name}: run ./just lock"


def test_the_install_step_builds_a_clean_venv_from_which_every_service_starts(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PYTHON": sys.executable}
    built = subprocess.run(
        [str(ROOT / INSTALL), str(ROOT), str(venv)], env=env, check=False, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    clean = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def run(*argv: str) -> str:
        result = subprocess.run(argv, cwd=tmp_path, env=clean, check=False, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout + result.stderr

    assert "nats-secrets" in run(str(venv / "bin" / "flowmeter"), "--help")
    for service in SERVICES:
        assert f"usage: python -m services.{service}" in run(str(venv / "bin" / "python"), "-m", f"services.{service}",
                                                              "--help")  # fmt: skip
    where = run(str(venv / "bin" / "python"), "-c", "import services; print(services.__file__)")
    assert where.startswith(str(venv)), "the services come from the venv, not from this checkout"

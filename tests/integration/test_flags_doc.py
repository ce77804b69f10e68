"""docs/flags.md is exactly what each service's `--help` prints, so the documentation cannot drift."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "flags.md"


@pytest.mark.parametrize("service", ["scraper", "store", "api", "autoscaler", "console"])
def test_the_flags_document_shows_each_services_help_verbatim(service: str) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", f"services.{service}", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "120"},
    ).stdout
    documented = re.search(rf"## {service}\n\n```text\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert documented is not None, f"docs/flags.md has no section for {service}; run ./just flags"
    assert documented.group(1) == printed, "docs/flags.md is stale: run ./just flags"


def test_version_prints_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.api", "--version"], capture_output=True, text=True, check=True
    )
    assert re.fullmatch(r"flowmeter \d+\.\d+\.\d+\n", result.stdout)

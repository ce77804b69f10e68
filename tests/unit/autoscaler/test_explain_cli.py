"""`flowmeter explain FILE|-`: JSON in, one JSON object out; bad input is one line on stderr and exit code 2."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from services import cli
from services.autoscaler import explain
from tests.unit.autoscaler.documents import Json, document, fleet, hpa, run


def steady() -> Json:
    pods, usages = fleet([500, 500, 500])
    return document(hpa(), 3, pods, usages, history={})


def explain_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = explain.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def failing(doc: object, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """The one stderr line of a run that must fail with exit code 2."""
    path = tmp_path / "in.json"
    path.write_bytes(doc if isinstance(doc, bytes) else json.dumps(doc).encode())
    code, out, err = explain_main([str(path)], capsys)
    assert (code, out) == (2, "")
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err
    return err.removeprefix("flowmeter explain: ").rstrip("\n")


def test_explain_prints_the_answer_as_one_json_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(steady()))
    code, out, err = explain_main([str(path)], capsys)
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    answer = json.loads(out)
    assert list(answer) == ["desiredReplicas", "scaled", "status", "history", "explanation"]
    assert answer == run(steady())


def test_explain_reads_stdin_for_a_dash(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(steady()).encode())))
    code, out, _ = explain_main(["-"], capsys)
    assert code == 0
    assert json.loads(out)["desiredReplicas"] == 3


def test_explain_rejects_invalid_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert failing(b'{"now": ', capsys, tmp_path).startswith("not valid JSON: ")
    assert failing(b"\xff", capsys, tmp_path).startswith("not valid JSON: ")


def test_explain_names_a_missing_required_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for field in ("now", "hpa", "scale", "pods", "podMetrics"):
        doc = steady()
        del doc[field]
        assert failing(doc, capsys, tmp_path) == f"invalid input: Object missing required field {field}"


def test_explain_names_the_path_of_a_wrongly_typed_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = steady()
    doc["scale"]["spec"]["replicas"] = "three"
    assert failing(doc, capsys, tmp_path) == "invalid input: Expected int, got str - at scale.spec.replicas"
    assert failing([steady()], capsys, tmp_path) == "invalid input: Expected object, got array"


def test_explain_rejects_min_replicas_zero_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = steady()
    doc["hpa"]["spec"]["minReplicas"] = 0
    assert failing(doc, capsys, tmp_path) == (
        "hpa.spec.minReplicas is 0: scaling to zero needs Object or External metrics, which Flowmeter does not serve; "
        "use minReplicas 1 or more"
    )


def test_explain_rejects_max_replicas_below_min(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = steady()
    doc["hpa"]["spec"]["minReplicas"], doc["hpa"]["spec"]["maxReplicas"] = 4, 3
    assert failing(doc, capsys, tmp_path) == "hpa.spec.maxReplicas is 3: it must be at least 1 and at least minReplicas"


def test_explain_rejects_bad_times_durations_and_quantities(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def broken(change: str) -> Json:
        doc = steady()
        match change:
            case "now":
                doc["now"] = "yesterday"
            case "window":
                doc["podMetrics"]["items"][0]["window"] = "1 minute"
            case "request":
                doc["pods"]["items"][0]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "lots"
            case "history":
                doc["history"] = {"recommendations": [{"replicas": 1, "time": "soon"}]}
            case "config":
                doc["config"] = {"cpuInitializationPeriod": "5 min"}
            case "tolerance":
                doc["hpa"]["spec"]["behavior"] = {"scaleUp": {"tolerance": "a little"}}
        return doc

    assert (
        failing(broken("now"), capsys, tmp_path)
        == "invalid time 'yesterday': expected RFC 3339 such as 2025-08-04T09:40:13Z"
    )
    assert failing(broken("window"), capsys, tmp_path).startswith("invalid duration '1 minute'")
    assert failing(broken("request"), capsys, tmp_path) == "quantity 'lots': unknown suffix 'lots'"
    assert failing(broken("history"), capsys, tmp_path).startswith("invalid time 'soon'")
    assert failing(broken("config"), capsys, tmp_path).startswith("invalid duration '5 min'")
    assert failing(broken("tolerance"), capsys, tmp_path).startswith("quantity 'a little'")


def test_explain_rejects_out_of_range_times_and_numbers_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = steady()
    doc["now"] = "2025-13-01T00:00:00Z"
    assert failing(doc, capsys, tmp_path) == "invalid input: month must be in 1..12"
    for huge in ("1e999999", "1e400"):
        doc = steady()
        doc["podMetrics"]["items"][0]["containers"][0]["usage"]["cpu"] = huge
        assert failing(doc, capsys, tmp_path) == "invalid input: a quantity is too large to compute with"


def test_explain_reports_an_unreadable_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = explain_main([str(tmp_path / "absent.json")], capsys)
    assert (code, out) == (2, "")
    assert err == f"flowmeter explain: cannot read {tmp_path / 'absent.json'}: No such file or directory\n"


def test_explain_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert explain_main([], capsys)[0] == 2
    assert explain_main(["a.json", "b.json"], capsys)[0] == 2
    code, out, err = explain_main(["--help"], capsys)
    assert (code, out) == (0, "")
    assert err.startswith("usage: flowmeter explain FILE")


def test_flowmeter_dispatches_explain(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(steady()))
    assert cli.main(["explain", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["desiredReplicas"] == 3
    assert cli.main([]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.count("usage: flowmeter COMMAND\n") == 3
    assert err.count("\n  explain FILE|-") == 3


def test_explain_starts_fast_importing_only_the_calculation_code() -> None:
    probe = (
        "import sys; from services import cli; from services.autoscaler import explain; "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('asyncio', 'nats', 'kubernetes_asyncio', 'aiohttp', 'starlette', 'uvicorn', 'prometheus_client', 'services'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert not [m for m in loaded if not m.startswith("services")], loaded
    assert "services.autoscaler.service" not in loaded
    assert "services.autoscaler.evaluator" not in loaded

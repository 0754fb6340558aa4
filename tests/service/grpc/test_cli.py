"""The `framing` command-line client against a live server."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from service.grpc.cli import main
from tests.conftest import LiveServer, first_line_then_close
from training.pipes import CLOSED_PIPE_STATUS


def run(live: LiveServer, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--target", f"127.0.0.1:{live.server.port}", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_classify_arguments_prints_json_lines(
    live: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each text argument gives one JSON line with scores, present labels and evidence."""
    code, out, _ = run(live, capsys, "classify", "Troops were deployed.", "Rain tomorrow.")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["arg:0", "arg:1"]
    assert set(rows[0]["scores"]) == {"security", "sovereignty", "colour_revolution"}
    assert rows[0]["model_version"] == live.classifier.model.version


def test_classify_jsonl_file_in_batches(
    live: LiveServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A JSONL file is streamed in batches; ids are kept, one output line per row."""
    path = tmp_path / "docs.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"n{i}", "text": f"text {i}"}) + "\n" for i in range(12))
    )
    code, out, err = run(live, capsys, "classify", "--file", str(path), "--batch-size", "5")
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [f"n{i}" for i in range(12)]
    assert "classifying" in err  # the progress bar


def test_classify_stdin_as_one_document(
    live: LiveServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without arguments the whole of stdin is one document."""
    monkeypatch.setattr("sys.stdin", io.StringIO("Line one.\nLine two.\n"))
    code, out, _ = run(live, capsys, "classify")
    assert code == 0
    assert len(out.splitlines()) == 1


def test_server_error_is_reported_not_raised(
    live: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """An INVALID_ARGUMENT from the server becomes a one-line error and exit code 1."""
    code, _, err = run(live, capsys, "classify", "   ")
    assert code == 1
    assert "INVALID_ARGUMENT: documents[0].text" in err


def test_unreachable_server_hints_at_make_serve(capsys: pytest.CaptureFixture[str]) -> None:
    """No server at the target: UNAVAILABLE with a hint."""
    code = main(["--target", "127.0.0.1:1", "--timeout", "2", "info"])
    assert code == 1
    assert "make serve" in capsys.readouterr().err


def test_info_and_health(live: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    """`info` prints the model description; `health` prints SERVING."""
    code, out, _ = run(live, capsys, "info")
    assert code == 0
    assert json.loads(out)["version"] == live.classifier.model.version
    code, out, _ = run(live, capsys, "health")
    assert out.strip() == "SERVING"


def test_a_closed_output_pipe_ends_quietly(live: LiveServer, tmp_path: Path) -> None:
    """`framing classify --file big.jsonl | head -1`: no traceback, exit 141."""
    corpus = tmp_path / "big.jsonl"
    rows = (json.dumps({"id": str(i), "text": f"Troops patrol district {i}."}) for i in range(2000))
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    target = f"127.0.0.1:{live.server.port}"
    command = [sys.executable, "-m", "service.grpc.cli", "--target", target]
    classify = ["classify", "--file", str(corpus), "--batch-size", "5"]  # the live server's limit
    status, stderr = first_line_then_close([*command, *classify])
    assert status == CLOSED_PIPE_STATUS
    assert "Traceback" not in stderr

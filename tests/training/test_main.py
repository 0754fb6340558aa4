"""framing-train on the command line: a full fit with its report, and clear input errors."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import training.__main__
from tests.conftest import TINY_CORPUS, first_line_then_close
from training.__main__ import UsageError, build_parser, main, model_params
from training.bundle import read_manifest
from training.pipeline import SGD_FROM_DOCS
from training.pipes import CLOSED_PIPE_STATUS
from training.train import TrainOptions


def test_fit_writes_bundle_and_prints_heldout_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fit` reports the corpus, shows progress, writes the bundle and prints held-out scores."""
    out = tmp_path / "bundle"
    code = main(
        [
            "fit",
            str(TINY_CORPUS),
            "--out",
            str(out),
            "--folds",
            "3",
            "--heldout",
            "0.25",
            "--min-per-label",
            "5",
            "--jobs",
            "1",
        ]
    )
    stdout = capsys.readouterr().out
    assert code == 0
    assert "corpus: 40 documents from 1 file(s) (no repeated texts)" in stdout
    assert "training:" in stdout  # the progress bar
    assert "held-out: micro-F1" in stdout
    assert read_manifest(out).corpus["size"] == 40
    assert read_manifest(out).corpus["repeated_texts_merged"] == 0
    assert read_manifest(out).params["mask_names"] is True


def test_keep_names_keeps_them_in_the_character_view(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    args = ["fit", str(TINY_CORPUS), "--out", str(out), "--min-per-label", "5", "--jobs", "1"]
    assert main([*args, "--folds", "3", "--keep-names", "-q"]) == 0
    assert read_manifest(out).params["mask_names"] is False


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('{"text": "x", "labels": ["war"]}', "unknown label(s) war"),
        ("not json", "malformed JSON"),
    ],
)
def test_bad_input_exits_2_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    """A bad corpus row stops training with exit code 2, the file:line and no traceback."""
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text(TINY_CORPUS.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    code = main(["fit", str(corpus), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{corpus}:41: {message}" in err
    assert not (tmp_path / "out").exists()


def test_evaluate_without_eval_data_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`evaluate` with no external data exits 2 and names the directory."""
    code = main(["evaluate", "--eval-dir", str(tmp_path)])
    assert code == 2
    assert f"no external evaluation data at {tmp_path}" in capsys.readouterr().err


def test_label_map_file_errors_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A label map naming an unknown frame is refused before reading the corpus."""
    label_map = tmp_path / "map.json"
    label_map.write_text(json.dumps({"economy": ["Trade"]}), encoding="utf-8")
    code = main(["fit", str(TINY_CORPUS), "--label-map", str(label_map)])
    assert code == 2
    assert "unknown frame(s) economy" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--linear-model", "sgd", "--c", "2"], "--c does not apply"),
        (["--linear-model", "linear_svc", "--sgd-alpha", "1e-4"], "--sgd-alpha does not apply"),
    ],
)
def test_a_penalty_for_the_other_model_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    """`auto` picks the model by corpus size, so a flag the fit would ignore is an error."""
    out = tmp_path / "out"
    code = main(["fit", str(TINY_CORPUS), "--out", str(out), "--min-per-label", "5", *flags])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_auto_refuses_c_once_the_corpus_is_fitted_by_sgd() -> None:
    args = build_parser().parse_args(["fit", "--c", "2"])
    assert model_params(args, SGD_FROM_DOCS - 1).c == 2
    with pytest.raises(UsageError, match=f"{SGD_FROM_DOCS:,} documents"):
        model_params(args, SGD_FROM_DOCS)


def test_sgd_alpha_reaches_the_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    args = ["fit", str(TINY_CORPUS), "--out", str(out), "--min-per-label", "5", "--jobs", "1"]
    assert main([*args, "--folds", "3", "--linear-model", "sgd", "--sgd-alpha", "1e-4", "-q"]) == 0
    params = read_manifest(out).params
    assert (params["linear_model"], params["sgd_alpha"]) == ("sgd", 1e-4)


@pytest.mark.parametrize("folds", ["1", "-2", "many"])
def test_impossible_fold_counts_are_refused_by_the_parser(
    folds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", str(TINY_CORPUS), "--folds", folds])
    assert exit_info.value.code == 2
    assert "--folds" in capsys.readouterr().err


def test_fit_help_states_the_validation_share_from_the_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fit --help` quotes TrainOptions.validation_fraction rather than a copy of it."""
    options = replace(TrainOptions(), validation_fraction=0.15)
    monkeypatch.setattr(training.__main__, "TrainOptions", lambda: options)
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "a validation split (15% of the corpus)" in help_text


def test_a_closed_output_pipe_ends_quietly(tmp_path: Path) -> None:
    """`framing-train fit ... | head -1`: no traceback once the reader has gone, exit 141."""
    command = [sys.executable, "-m", "training", "fit", str(TINY_CORPUS)]
    options = ["--out", str(tmp_path / "b"), "--folds", "3", "--heldout", "0.25"]
    status, stderr = first_line_then_close([*command, *options, "--min-per-label", "5"])
    assert status == CLOSED_PIPE_STATUS
    assert "Traceback" not in stderr


def test_decorrelated_labels_reach_the_bundle(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    args = ["fit", str(TINY_CORPUS), "--out", str(out), "--min-per-label", "5", "--jobs", "1"]
    assert main([*args, "--folds", "3", "--decorrelate", "security,colour_revolution", "-q"]) == 0
    assert read_manifest(out).params["decorrelated_labels"] == ["security", "colour_revolution"]


@pytest.mark.parametrize(("value", "expected"), [("none", ()), ("sovereignty", ("sovereignty",))])
def test_decorrelate_takes_labels_or_none(value: str, expected: tuple[str, ...]) -> None:
    args = build_parser().parse_args(["fit", "--decorrelate", value])
    assert model_params(args, 100).decorrelated_labels == expected


def test_an_unknown_label_to_decorrelate_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", str(TINY_CORPUS), "--decorrelate", "economy"])
    assert exit_info.value.code == 2
    assert "use 'none' or labels among security" in capsys.readouterr().err

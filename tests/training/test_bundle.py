"""The bundle contract: train -> write -> load gives identical scores; tampering is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

from service.errors import ModelLoadError
from service.model import FrameModel
from tests.conftest import TINY_CORPUS
from training.bundle import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    MODEL_FILE,
    SCORER_FILE,
    BundleError,
    load_bundle,
    read_manifest,
    write_bundle,
)
from training.corpus import load_corpus

TEXTS = [
    "Le président a dénoncé une révolution de couleur orchestrée par des forces extérieures.",
    "Sovereign bond yields fell on Monday.",
    "Troops and police patrolled the capital under a curfew.",
]


def copy_bundle(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_bundle_holds_model_manifest_and_reports(tiny_bundle: Path) -> None:
    """A bundle directory has the model, a manifest that vouches for it, and both reports."""
    assert {p.name for p in tiny_bundle.iterdir()} == {
        MODEL_FILE,
        SCORER_FILE,
        MANIFEST_FILE,
        "report.md",
        "report.json",
    }
    manifest = read_manifest(tiny_bundle)
    assert manifest.labels == ["security", "sovereignty", "colour_revolution"]
    assert len(manifest.thresholds) == 3
    assert manifest.corpus["sha256"] == load_corpus([TINY_CORPUS], min_per_label=1).sha256()
    assert set(manifest.library_versions) >= {"python", "scikit-learn", "numpy"}
    assert manifest.version.endswith(manifest.sha256[:12])
    report = json.loads((tiny_bundle / "report.json").read_text())
    assert report["metrics"]["heldout"]["labels"]["security"]["support"] > 0
    readable = (tiny_bundle / "report.md").read_text()
    assert "Held-out, per language" in readable
    assert "Repeated texts merged into their first row: 0." in readable


def test_round_trip_scores_match_the_pipeline(tiny_bundle: Path) -> None:
    """The served scores equal scikit-learn's predict_proba on the same bundle (≤ 1e-6)."""
    pipeline = joblib.load(tiny_bundle / MODEL_FILE)
    expected = pipeline.predict_proba(TEXTS)
    served = FrameModel.load(tiny_bundle).scores(TEXTS)
    np.testing.assert_allclose(served, expected, atol=1e-6, rtol=0)
    reloaded = load_bundle(tiny_bundle).pipeline.predict_proba(TEXTS)
    np.testing.assert_array_equal(reloaded, expected)


def test_tampered_model_file_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    """A model file whose bytes changed after training is never unpickled."""
    bundle = copy_bundle(tiny_bundle, tmp_path / "tampered")
    with (bundle / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(BundleError, match="does not match the manifest"):
        load_bundle(bundle)


def test_tampered_scorer_file_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    """The service's file, the compiled scorer, is read only if its sha256 matches too."""
    bundle = copy_bundle(tiny_bundle, tmp_path / "tampered")
    with (bundle / SCORER_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelLoadError, match=r"scorer\.npz: sha256 .* does not match"):
        FrameModel.load(bundle)


def test_bundle_of_another_format_is_refused_with_the_fix(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    """A bundle written by an older build (format 1, no compiled scorer) says to retrain."""
    bundle = copy_bundle(tiny_bundle, tmp_path / "old-format")
    manifest = json.loads((bundle / MANIFEST_FILE).read_text())
    manifest["format_version"] = 1
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(
        ModelLoadError, match=rf"bundle format 1, this build reads {FORMAT_VERSION}: retrain"
    ):
        FrameModel.load(bundle)


def test_bundle_from_other_library_versions_is_refused(tiny_bundle: Path, tmp_path: Path) -> None:
    """A bundle pickled under another scikit-learn is refused with the fix in the message."""
    bundle = copy_bundle(tiny_bundle, tmp_path / "old")
    manifest = json.loads((bundle / MANIFEST_FILE).read_text())
    manifest["library_versions"]["scikit-learn"] = "0.24.2"
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"trained with scikit-learn 0\.24\.2 but scikit-learn"):
        load_bundle(bundle)


def test_missing_bundle_says_how_to_make_one(tmp_path: Path) -> None:
    """No bundle at the path: the error names the path and `make train`."""
    with pytest.raises(ModelLoadError, match=r"no model bundle at .*make train"):
        FrameModel.load(tmp_path / "nothing")


def test_failed_write_keeps_the_previous_bundle(tiny_bundle: Path, tmp_path: Path) -> None:
    """A write that fails half-way leaves the old bundle intact and no staging debris."""
    target = copy_bundle(tiny_bundle, tmp_path / "current")
    before = (target / MANIFEST_FILE).read_text()

    def broken_report(_manifest: object) -> dict[str, str]:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_bundle(
            target,
            joblib.load(target / MODEL_FILE),
            {"created_at": "2026-01-01T00:00:00+00:00", "labels": [], "thresholds": []},
            extra_files=broken_report,
        )
    assert (target / MANIFEST_FILE).read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["current"]


TRAIN_IN_A_FRESH_PROCESS = """
import sys
from pathlib import Path
from tests.conftest import TINY_CORPUS, TINY_OPTIONS
from training.corpus import load_corpus
from training.train import train
train(load_corpus([TINY_CORPUS], min_per_label=5), Path(sys.argv[1]), TINY_OPTIONS)
"""


def test_training_is_reproducible_across_processes(tmp_path: Path) -> None:
    """Same corpus and parameters, two processes: the same model file, hence the same version.

    Separate processes matter: object addresses, which once leaked into the pickle, differ
    between processes but not between two runs in one.
    """
    root = Path(__file__).resolve().parents[2]
    for name in ("first", "second"):
        subprocess.run(
            [sys.executable, "-c", TRAIN_IN_A_FRESH_PROCESS, str(tmp_path / name)],
            check=True,
            cwd=root,
        )
    first, second = read_manifest(tmp_path / "first"), read_manifest(tmp_path / "second")
    assert first.sha256 == second.sha256
    assert first.scorer_sha256 == second.scorer_sha256

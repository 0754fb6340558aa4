"""The default model, trained from the shipped seeds/ exactly as `make train` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.model import FrameModel
from training.corpus import load_corpus
from training.train import TrainOptions, train

ROOT = Path(__file__).resolve().parents[2]
SEED_ARTICLE = ROOT.parent / "shared" / "seeds" / "seed_article_fr.txt"


@pytest.fixture(scope="module")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> FrameModel:
    out = tmp_path_factory.mktemp("default") / "bundle"
    train(load_corpus([ROOT / "seeds"]), out, TrainOptions())
    return FrameModel.load(out)


def test_heldout_metrics_are_reported_per_label_and_language(default_model: FrameModel) -> None:
    """The manifest carries held-out and cross-validation metrics for every label and language."""
    metrics = default_model.manifest.metrics
    for split in ("heldout", "cross_validation"):
        assert set(metrics[split]["labels"]) == set(default_model.labels)
    assert set(metrics["heldout"]["by_language"]) == set(default_model.manifest.corpus["languages"])


@pytest.mark.skipif(not SEED_ARTICLE.is_file(), reason="../shared/seeds is not present")
def test_seed_article_carries_all_three_frames(default_model: FrameModel) -> None:
    """The French article the project started from is security, sovereignty and interference."""
    (prediction,) = default_model.predict([SEED_ARTICLE.read_text(encoding="utf-8")], 0)
    assert all(prediction.present), dict(zip(default_model.labels, prediction.scores, strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sovereign bond yields rose as investors weighed the budget deficit.", set()),
        ("The startup promises a revolution in colour printing for small shops.", set()),
        (
            "Beijing reaffirmed that Xinjiang affairs are purely China's internal affairs.",
            {"sovereignty"},
        ),
    ],
)
def test_codebook_examples(default_model: FrameModel, text: str, expected: set[str]) -> None:
    """The codebook's own short decisions come out as the codebook says."""
    (prediction,) = default_model.predict([text], 0)
    present = {
        label for label, p in zip(default_model.labels, prediction.present, strict=True) if p
    }
    assert present == expected

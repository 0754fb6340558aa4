"""The scikit-learn pipeline: word and character TF-IDF, a calibrated linear model per label."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from scoring.scorer import WORD_TOKEN_PATTERN
from training.lexicon import CueCounts
from training.vectorizer import KernelTfidfVectorizer


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters of the pipeline, recorded in the bundle manifest."""

    word_ngram_max: int = 2
    char_ngram_min: int = 3
    char_ngram_max: int = 5
    min_df: int = 2
    max_word_features: int = 200_000
    max_char_features: int = 300_000
    cue_scale: float = 1.0
    """Weight of the multilingual cue-lexicon features (training/lexicon.py); 0 leaves them out."""
    linear_model: str = "linear_svc"
    """`linear_svc` (hinge loss, about 4x faster to fit) or `logistic_regression`."""
    c: float = 0.5
    """Inverse regularisation strength of each label's linear model."""
    calibration_folds: int = 3
    random_state: int = 0

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def _linear_model(params: ModelParams) -> LinearSVC | LogisticRegression:
    # Balanced class weights: frames are a minority of texts in most corpora.
    if params.linear_model == "linear_svc":
        return LinearSVC(C=params.c, class_weight="balanced", random_state=params.random_state)
    if params.linear_model == "logistic_regression":
        return LogisticRegression(
            C=params.c,
            class_weight="balanced",
            solver="liblinear",
            random_state=params.random_state,
        )
    raise ValueError(f"unknown linear_model {params.linear_model!r}")


def drop_run_specific_state(pipeline: Pipeline) -> Pipeline:
    """Remove fitted state that differs between identical runs, so a bundle is reproducible.

    TfidfVectorizer keeps `_stop_words_id`, an object's memory address used only to cache a
    validation; pickled, it changes the model file's sha256 (and so the bundle version) from
    one run to the next.
    """
    for _, view in pipeline.named_steps["features"].transformer_list:
        if hasattr(view, "_stop_words_id"):
            del view._stop_words_id
    return pipeline


def build_pipeline(params: ModelParams) -> Pipeline:
    """An unfitted pipeline; steps are named so parameters read `features__word__...`."""
    # Word n-grams carry meaning in spaced languages; character n-grams inside word
    # boundaries cover inflection (ru, pl, bg) and languages written without spaces (zh).
    word = KernelTfidfVectorizer(
        analyzer="word",
        token_pattern=WORD_TOKEN_PATTERN,
        ngram_range=(1, params.word_ngram_max),
        min_df=params.min_df,
        max_features=params.max_word_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
    char = KernelTfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(params.char_ngram_min, params.char_ngram_max),
        min_df=params.min_df,
        max_features=params.max_char_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
    # ensemble=False: the calibrator is fitted on cross-validated decision values and one
    # final model is kept, so each label stays a single linear function plus a sigmoid.
    calibrated = CalibratedClassifierCV(
        _linear_model(params),
        method="sigmoid",
        cv=params.calibration_folds,
        ensemble=False,
    )
    views: list[tuple[str, TransformerMixin]] = [("word", word), ("char", char)]
    if params.cue_scale > 0:
        views.append(("cues", CueCounts(scale=params.cue_scale)))
    return Pipeline(
        [
            ("features", FeatureUnion(views)),
            ("clf", OneVsRestClassifier(calibrated)),
        ]
    )

"""The compiled scorer gives scikit-learn's scores, from text to probability, and refuses what
it cannot reproduce."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from scoring._kernel import Vocabulary
from scoring.scorer import (
    FORMAT,
    CompiledScorer,
    TextView,
    UnsupportedPipelineError,
    compile_pipeline,
)
from tests.conftest import TINY_CORPUS
from training.corpus import load_corpus
from training.pipeline import ModelParams, build_pipeline

# Texts that exercise every rule the kernel reproduces: case mapping that changes length
# (İ) or depends on position (final sigma), underscores and digits inside tokens, one-letter
# words, every kind of whitespace (tab, newline, no-break space) and what is not whitespace
# (zero-width space), combining marks, astral characters, CJK without spaces, a very long
# word (longer than the kernel's on-stack buffer), a long text full of cues (its hits
# scaled down to the reference length), and texts with no token at all.
TRICKY = [
    "İSTANBUL'da ΣΟΦΟΣ ΟΔΥΣΣΕΑΣ: security forces_2024 a b c",
    "Foreign\tforces\nand\xa0NGOs\u200bbehind the unrest, the ministry said.",
    "e\u0301tat souverain — l'ingérence étrangère 𝔰𝔢𝔠𝔲𝔯𝔦𝔱𝔶 🙂 troupes",
    "外部势力策划颜色革命，干涉中国内政。反恐 维稳",
    "Суверенитет и невмешательство во внутренние дела Беларуси.",
    "x" * 300 + " " + "forces " * 3 + "y" * 300,
    "Terrorists attacked; foreign-funded NGOs and troops, sovereignty and stability. " * 30,
    "",
    "!!! ... ???",
    "a",
    "   \t\n  ",
]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return list(load_corpus([TINY_CORPUS], min_per_label=1).texts)


def _framing_pipeline(corpus_texts: list[str], linear_model: str) -> Pipeline:
    corpus = load_corpus([TINY_CORPUS], min_per_label=1)
    params = ModelParams(min_df=1, calibration_folds=2, linear_model=linear_model)
    pipeline = build_pipeline(params)
    return pipeline.fit(corpus_texts + TRICKY[:5], _labels(corpus.indicator(), 5))


@pytest.fixture(scope="module")
def framing_pipeline(corpus_texts: list[str]) -> Pipeline:
    """The project's own pipeline (word + char_wb + cues, calibrated LinearSVC per label)."""
    return _framing_pipeline(corpus_texts, "linear_svc")


@pytest.fixture(scope="module")
def sgd_pipeline(corpus_texts: list[str]) -> Pipeline:
    """The same features with the large-corpus model: logistic SGD, no calibration."""
    return _framing_pipeline(corpus_texts, "sgd")


@pytest.fixture(scope="module")
def bench_pipeline(corpus_texts: list[str]) -> Pipeline:
    """The peer benchmark's model: word 1-2-gram TF-IDF and one-vs-rest logistic regression."""
    corpus = load_corpus([TINY_CORPUS], min_per_label=1)
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)),
            ("clf", OneVsRestClassifier(LogisticRegression(C=4.0, max_iter=1000))),
        ]
    )
    return pipeline.fit(corpus_texts + TRICKY[:5], _labels(corpus.indicator(), 5))


def _labels(indicator: list[list[int]], extra: int) -> np.ndarray:
    y = np.asarray(indicator, dtype=int)
    return np.vstack([y, np.tile([1, 0, 1], (extra, 1))])


@pytest.mark.parametrize("which", ["framing_pipeline", "sgd_pipeline", "bench_pipeline"])
def test_scores_equal_predict_proba(
    which: str, corpus_texts: list[str], request: pytest.FixtureRequest
) -> None:
    """Both model shapes: compiled scores equal predict_proba within 1e-6, tricky texts too."""
    pipeline = request.getfixturevalue(which)
    texts = corpus_texts + TRICKY
    compiled = compile_pipeline(pipeline)
    if compiled.cues is not None:  # the long text's hits are scaled, so the scaling is compared too
        assert compiled.cues.reference_words is not None
        assert compiled.cues.reference_words < 300
    np.testing.assert_allclose(
        compiled.scores(texts), pipeline.predict_proba(texts), atol=1e-6, rtol=0
    )


def test_saved_scorer_scores_the_same(framing_pipeline: Pipeline, tmp_path: Path) -> None:
    """save -> load (a plain .npz, no pickle) keeps every array and so every score."""
    compiled = compile_pipeline(framing_pipeline)
    compiled.save(tmp_path / "scorer.npz")
    loaded = CompiledScorer.load(tmp_path / "scorer.npz")
    np.testing.assert_array_equal(loaded.scores(TRICKY), compiled.scores(TRICKY))


def test_a_format_3_file_is_still_read(framing_pipeline: Pipeline, tmp_path: Path) -> None:
    """Format 4 only added cue look-alikes, so bundles trained before them keep serving."""
    compiled = compile_pipeline(framing_pipeline)
    compiled.save(tmp_path / "scorer.npz")
    with np.load(tmp_path / "scorer.npz") as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(arrays["meta"].tobytes())
    assert meta["format"] == FORMAT == "framing-scorer/4"
    arrays["meta"] = np.frombuffer(
        json.dumps({**meta, "format": "framing-scorer/3"}).encode(), dtype=np.uint8
    )
    np.savez(tmp_path / "old.npz", **arrays)
    loaded = CompiledScorer.load(tmp_path / "old.npz")
    np.testing.assert_array_equal(loaded.scores(TRICKY), compiled.scores(TRICKY))


def test_a_file_of_another_format_is_refused(framing_pipeline: Pipeline, tmp_path: Path) -> None:
    """A scorer file from another format is refused, not misread."""
    np.savez(tmp_path / "x.npz", meta=np.frombuffer(b'{"format": "other/9"}', dtype=np.uint8))
    with pytest.raises(ValueError, match="scorer format 'other/9'"):
        CompiledScorer.load(tmp_path / "x.npz")


def _view(pipeline: Pipeline, name: str) -> tuple[TfidfVectorizer, TextView]:
    compiled = compile_pipeline(pipeline)
    vectorizer = dict(pipeline.steps[0][1].transformer_list)[name]
    return vectorizer, next(v for v in compiled.views if v.name == name)


@pytest.mark.parametrize("name", ["word", "char"])
def test_each_view_gives_the_vectorizers_row(name: str, framing_pipeline: Pipeline) -> None:
    """Feature by feature, the kernel's row is TfidfVectorizer.transform's row."""
    vectorizer, view = _view(framing_pipeline, name)
    for text in TRICKY:
        expected = vectorizer.transform([text]).tocsr()
        expected.sort_indices()  # training leaves a row's columns in order of occurrence
        indices, values = view.row(text, np.zeros(3))
        order = np.argsort(indices)
        np.testing.assert_array_equal(indices[order], expected.indices)
        np.testing.assert_allclose(values[order], expected.data, rtol=1e-6, atol=1e-7)


ALPHABET = "aAbİıΣσς_1 \t\n\xa0\u200b\u0301中文é-"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=40), min_size=1, max_size=8))
def test_any_text_from_a_hard_alphabet_tokenises_as_scikit_learn(texts: list[str]) -> None:
    """Arbitrary texts over an alphabet of case, space and word-character traps: a vocabulary
    fitted on them, every row identical in both analyzers."""
    for analyzer, ngrams in (("word", (1, 3)), ("char_wb", (2, 5))):
        vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, dtype=np.float32)
        try:
            vectorizer.fit(texts)
        except ValueError:  # "empty vocabulary": nothing to compare
            continue
        pipeline = Pipeline(
            [("tfidf", vectorizer), ("clf", _fitted_ovr(vectorizer.transform(texts).shape[1]))]
        )
        view = compile_pipeline(pipeline).views[0]
        for text in texts:
            expected = vectorizer.transform([text]).tocsr()
            indices, values = view.row(text, np.zeros(3))
            assert sorted(indices.tolist()) == expected.indices.tolist()
            np.testing.assert_allclose(
                values[np.argsort(indices)], expected.data, rtol=1e-6, atol=1e-7
            )


def _fitted_ovr(n_features: int) -> OneVsRestClassifier:
    rng = np.random.default_rng(0)
    x, y = rng.random((6, n_features)), np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    return OneVsRestClassifier(LogisticRegression()).fit(x, y)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"analyzer": "char"}, "analyzer='char'"),
        ({"stop_words": "english"}, "stop_words='english'"),
        ({"token_pattern": r"\w+"}, "token_pattern"),
        ({"dtype": np.float64}, "dtype"),
        ({"binary": True}, "binary=True"),
    ],
)
def test_options_it_cannot_reproduce_are_refused(options: dict[str, object], problem: str) -> None:
    """A vectoriser option the kernel does not reproduce is named, never silently mis-scored."""
    texts = ["security forces and troops", "internal affairs of a sovereign state"] * 3
    vectorizer = TfidfVectorizer(**{"dtype": np.float32, **options}).fit(texts)
    pipeline = Pipeline(
        [("tfidf", vectorizer), ("clf", _fitted_ovr(vectorizer.transform(texts).shape[1]))]
    )
    with pytest.raises(UnsupportedPipelineError, match=problem):
        compile_pipeline(pipeline)


def test_duplicate_terms_are_refused() -> None:
    """A vocabulary with a repeated term cannot be a fitted vectoriser's: refused."""
    codes = np.frombuffer("abab".encode("utf-32-le"), dtype=np.uint32).copy()
    with pytest.raises(ValueError, match="duplicate term"):
        Vocabulary(codes, np.array([0, 2, 4], dtype=np.int64))

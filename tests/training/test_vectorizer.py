"""The kernel-counting vectoriser fits and transforms exactly as scikit-learn's TfidfVectorizer."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.scoring.test_scorer import ALPHABET, TRICKY
from training.vectorizer import KernelTfidfVectorizer

VIEWS = [("word", (1, 2)), ("word", (2, 3)), ("char_wb", (3, 5)), ("char_wb", (1, 2))]

NEWS = [
    "Security forces and troops secured the border after the attack.",
    "The ministry said foreign NGOs were behind the unrest in the capital.",
    "Hands off our internal affairs: sovereignty is not negotiable.",
    "Les forces de sécurité ont renforcé la frontière après l'attentat.",
    "Внешние силы стоят за протестами, заявило министерство.",
    "外部势力策划颜色革命，干涉中国内政。",
    "The central bank sold sovereign bonds; the security of deposits is guaranteed.",
]


def _pair(**options: object) -> tuple[KernelTfidfVectorizer, TfidfVectorizer]:
    options = {"dtype": np.float32, "sublinear_tf": True, **options}
    return KernelTfidfVectorizer(**options), TfidfVectorizer(**options)


def _assert_same_fit(texts: list[str], **options: object) -> None:
    ours, theirs = _pair(**options)
    try:
        expected = theirs.fit_transform(texts)
    except ValueError:  # empty vocabulary, or everything pruned: ours refuses too
        with pytest.raises(ValueError, match=r"vocabulary|no terms remain|max_df"):
            ours.fit_transform(texts)
        return
    got = ours.fit_transform(texts)
    assert ours.vocabulary_ == theirs.vocabulary_
    np.testing.assert_array_equal(ours.idf_, theirs.idf_)
    assert (got != expected).nnz == 0
    unseen = [*TRICKY, *texts[::-1]]
    assert (ours.transform(unseen) != theirs.transform(unseen)).nnz == 0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET + "Xx ", max_size=60))
def test_kernel_analyzers_equal_scikit_learns(text: str) -> None:
    """The compiled analyzers give scikit-learn's n-grams, in its order."""
    for analyzer, ngrams in VIEWS:
        ours, theirs = _pair(analyzer=analyzer, ngram_range=ngrams)
        assert ours.build_analyzer()(text) == theirs.build_analyzer()(text)
    for tricky in TRICKY:
        ours, theirs = _pair(analyzer="char_wb", ngram_range=(3, 5))
        assert ours.build_analyzer()(tricky) == theirs.build_analyzer()(tricky)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET + "Xx ", max_size=50), min_size=1, max_size=10))
def test_fit_and_transform_equal_scikit_learns_on_any_texts(texts: list[str]) -> None:
    """Vocabulary, idf, fitted rows and rows of unseen texts: identical, over hard alphabets."""
    for analyzer, ngrams in VIEWS:
        _assert_same_fit(texts, analyzer=analyzer, ngram_range=ngrams)
        _assert_same_fit(texts, analyzer=analyzer, ngram_range=ngrams, min_df=2, max_df=0.9)


@pytest.mark.parametrize(("analyzer", "ngrams"), VIEWS)
def test_fit_equals_scikit_learn_on_news(analyzer: str, ngrams: tuple[int, int]) -> None:
    texts = NEWS + TRICKY
    _assert_same_fit(texts, analyzer=analyzer, ngram_range=ngrams)
    _assert_same_fit(texts, analyzer=analyzer, ngram_range=ngrams, min_df=2)
    _assert_same_fit(texts, analyzer=analyzer, ngram_range=ngrams, lowercase=False)


def test_max_features_keeps_the_most_frequent_terms() -> None:
    """The kept terms are the most frequent; a tie at the cut goes to the term met first."""
    texts = ["bb aa cc dd", "aa bb", "bb ee", "dd cc"]  # bb 3, aa 2, cc 2, dd 2, ee 1
    ours = KernelTfidfVectorizer(max_features=3).fit(texts)
    assert ours.vocabulary_ == {"aa": 0, "bb": 1, "cc": 2}  # aa and cc met before dd


@pytest.mark.parametrize(
    "options", [{"analyzer": "char"}, {"stop_words": "english"}, {"binary": True}]
)
def test_options_the_kernel_does_not_count_fall_back_to_scikit_learn(
    options: dict[str, object],
) -> None:
    ours, theirs = _pair(**options)
    assert (ours.fit_transform(NEWS) != theirs.fit_transform(NEWS)).nnz == 0
    assert ours.vocabulary_ == theirs.vocabulary_
    assert (ours.transform(TRICKY) != theirs.transform(TRICKY)).nnz == 0


def test_a_fitted_vectorizer_round_trips_through_joblib(tmp_path: Path) -> None:
    ours = KernelTfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit(NEWS)
    joblib.dump(ours, tmp_path / "v.joblib")
    loaded = joblib.load(tmp_path / "v.joblib")
    assert (loaded.transform(TRICKY) != ours.transform(TRICKY)).nnz == 0


def test_bad_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="string object received"):
        KernelTfidfVectorizer().fit("one text, not a list")
    with pytest.raises(TypeError, match="text 1 is int"):
        KernelTfidfVectorizer().fit(["a text", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="empty vocabulary"):
        KernelTfidfVectorizer().fit(["!", "?"])
    with pytest.raises(ValueError, match="no terms remain"):
        KernelTfidfVectorizer(min_df=5).fit(NEWS)

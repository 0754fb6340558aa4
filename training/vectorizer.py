"""TF-IDF vectorisation for training, with the n-gram counting done by the Cython kernel.

scikit-learn's CountVectorizer builds a Python string and a dict entry for every n-gram of
every text and keeps every distinct term until the end; on character 3-5-grams that is most
of a fit's time and memory. The kernel counts n-grams in a table of code points instead and
only the terms that survive min_df / max_df / max_features become Python strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from scoring._kernel import (
    TermTable,
    Vocabulary,
    char_wb_ngrams,
    count_matrix,
    keep_columns,
    word_ngrams,
)
from scoring.cues import WORD_TOKEN_PATTERN
from scoring.scorer import vocabulary_arrays


class KernelTfidfVectorizer(TfidfVectorizer):  # type: ignore[misc]
    """A TfidfVectorizer whose word and char_wb n-grams are counted by the Cython kernel.

    The n-grams are scikit-learn's (tests compare them), and so are the vocabulary, the
    counts, idf and values, with one documented difference: when max_features cuts through
    terms of equal total count, the kept ones are those met first in the corpus (scikit-learn
    keeps an arbitrary subset). Options the kernel does not reproduce fall back to
    scikit-learn's own code.
    """

    def _kernel_kind(self) -> bool | None:
        """True for char_wb, False for word, None when scikit-learn's code must run."""
        plain = (
            self.input == "content"
            and self.preprocessor is None
            and self.tokenizer is None
            and self.strip_accents is None
            and self.stop_words is None
        )
        if plain and self.analyzer == "char_wb":
            return True
        if plain and self.analyzer == "word" and self.token_pattern == WORD_TOKEN_PATTERN:
            return False
        return None

    def build_analyzer(self) -> Callable[[str], list[str]]:
        kind = self._kernel_kind()
        if kind is None:
            analyzer: Callable[[str], list[str]] = super().build_analyzer()
            return analyzer
        self._validate_ngram_range()
        nmin, nmax = self.ngram_range
        return partial(
            _kernel_analyzer, char_wb_ngrams if kind else word_ngrams, self.lowercase, nmin, nmax
        )

    def fit(self, raw_documents: Iterable[str], y: object = None) -> KernelTfidfVectorizer:
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents: Iterable[str], y: object = None) -> sparse.csr_matrix:
        kind = self._kernel_kind()
        if kind is None or self.vocabulary is not None or self.binary:
            return super().fit_transform(raw_documents, y)
        self._validate_params()
        self._check_params()
        self._validate_ngram_range()
        texts = _texts(raw_documents)
        table = TermTable()
        nmin, nmax = self.ngram_range
        indptr, indices, counts = count_matrix(texts, self.lowercase, kind, nmin, nmax, grow=table)
        terms, column_of = _select_terms(
            table, len(texts), self.min_df, self.max_df, self.max_features
        )
        self.vocabulary_ = {term: column for column, term in enumerate(terms)}
        self.fixed_vocabulary_ = False
        x = self._count_matrix(keep_columns(indptr, indices, counts, column_of), len(texts))
        self._tfidf = TfidfTransformer(
            norm=self.norm,
            use_idf=self.use_idf,
            smooth_idf=self.smooth_idf,
            sublinear_tf=self.sublinear_tf,
        )
        self._tfidf.fit(x)
        return self._tfidf.transform(x, copy=False)

    def transform(self, raw_documents: Iterable[str]) -> sparse.csr_matrix:
        kind = self._kernel_kind()
        if kind is None or self.binary or not hasattr(self, "_tfidf"):
            return super().transform(raw_documents)
        texts = _texts(raw_documents)
        vocabulary = Vocabulary(*vocabulary_arrays(self.vocabulary_))
        nmin, nmax = self.ngram_range
        arrays = count_matrix(texts, self.lowercase, kind, nmin, nmax, vocab=vocabulary)
        return self._tfidf.transform(self._count_matrix(arrays, len(texts)), copy=False)

    def _count_matrix(
        self, arrays: tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.int32]], n_rows: int
    ) -> sparse.csr_matrix:
        indptr, indices, counts = arrays
        # Columns stay in order of first occurrence within a row: nothing downstream needs
        # them sorted, and sorting 200M entries would cost a tenth of the fit.
        return sparse.csr_matrix(
            (counts.astype(self.dtype), indices, indptr),
            shape=(n_rows, len(self.vocabulary_)),
        )


def _kernel_analyzer(
    ngrams: Callable[[str, int, int], list[str]], lowercase: bool, nmin: int, nmax: int, doc: str
) -> list[str]:
    return ngrams(doc.lower() if lowercase else doc, nmin, nmax)


def _texts(raw_documents: Iterable[str]) -> list[str]:
    if isinstance(raw_documents, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    return list(raw_documents)


def _select_terms(
    table: TermTable, n_docs: int, min_df: Any, max_df: Any, max_features: int | None
) -> tuple[list[str], NDArray[np.int32]]:
    """The kept terms in alphabetical order (scikit-learn's column order), and the column of
    each term id (-1 where dropped)."""
    low = float(min_df if isinstance(min_df, Integral) else min_df * n_docs)
    high = float(max_df if isinstance(max_df, Integral) else max_df * n_docs)
    if high < low:
        raise ValueError("max_df corresponds to < documents than min_df")
    if table.size == 0:
        raise ValueError("empty vocabulary; perhaps the documents contain no words")
    df = table.document_frequencies()
    kept = np.flatnonzero((df >= low) & (df <= high))
    if max_features is not None and len(kept) > max_features:
        # Most frequent first; a stable sort keeps ties in order of first occurrence.
        by_count = np.argsort(-table.total_counts()[kept], kind="stable")
        kept = kept[by_count[:max_features]]
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    terms = table.terms(kept.astype(np.int64))
    order = sorted(range(len(terms)), key=terms.__getitem__)
    column_of = np.full(table.size, -1, dtype=np.int32)
    column_of[kept[order]] = np.arange(len(order), dtype=np.int32)
    return [terms[i] for i in order], column_of

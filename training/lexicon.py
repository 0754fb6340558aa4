"""Hand-built multilingual cue lexicons per frame, as extra features beside TF-IDF.

A cue is a lower-case stem or phrase matched as a substring, so one entry covers the
inflected forms of Russian, Polish or Bulgarian words and needs no tokeniser for Chinese.
Each frame has a few cue groups (a concept, written in every language of the seeds); the
feature of a group is log(1 + number of cue hits) in the text, the hits of texts longer
than the training corpus's median length scaled down to that length
(scoring.cues.length_factor). The groups carry knowledge
the seed corpus may lack: a word that never occurs in the seeds still counts towards its
frame. The cues live in cues.toml.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from scoring.cues import CUE_FEATURE_PREFIX, LOOK_ALIKE_MARK, CuePatterns, length_factor
from training.corpus import median_words

CUES_FILE = Path(__file__).parent / "cues.toml"


def _load_groups() -> dict[str, tuple[str, ...]]:
    groups = tomllib.loads(CUES_FILE.read_text(encoding="utf-8"))["groups"]
    return {
        name: (
            *group["cues"],
            *(LOOK_ALIKE_MARK + phrase for phrase in group.get("look_alikes", ())),
        )
        for name, group in groups.items()
    }


CUE_GROUPS: dict[str, tuple[str, ...]] = _load_groups()
"""Frame/concept -> cues, then its look-alikes marked with LOOK_ALIKE_MARK, in a fixed
order: the order of the features."""

Groups = tuple[tuple[str, tuple[str, ...]], ...]

_LEXICON: Groups = tuple(CUE_GROUPS.items())
"""CUE_GROUPS as a hashable key for _patterns, built once rather than on every lookup."""


@lru_cache(maxsize=4)
def _patterns(groups: Groups) -> CuePatterns:
    return CuePatterns(dict(groups))


def is_cue_word(token: str) -> bool:
    """Whether the cue lexicons count `token` on its own as a cue (the name mask never
    drops such a word: training/names.py)."""
    return any(_lexicon_patterns().hits(token))


@cache
def _lexicon_patterns() -> CuePatterns:
    # No lookup key to hash: is_cue_word runs once per name candidate.
    return _patterns(_LEXICON)


class CueCounts(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """scale * log(1 + hits * length factor) per cue group.

    Fitting records the groups of cues.toml, so a fitted pipeline (and the scorer compiled
    from it) keeps the lexicon it was trained with, and, with `length_norm`, the median
    length of the training texts in words: the reference the hits of longer texts are
    scaled down to. The reference comes from the training corpus like an idf, so a user's
    corpus of long reports gets its own.
    """

    def __init__(self, scale: float = 0.3, length_norm: bool = True) -> None:
        self.scale = scale
        self.length_norm = length_norm

    def fit(self, texts: Iterable[str], y: object = None) -> CueCounts:
        self.groups_: Groups = _LEXICON
        self.reference_words_: float | None = median_words(texts) if self.length_norm else None
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        patterns = _patterns(self.groups_)
        hits = np.asarray([patterns.hits(text) for text in texts], dtype=np.float32)
        factors = np.asarray(
            [length_factor(text, self.reference_words_) for text in texts], dtype=np.float32
        )
        scaled = hits.reshape(len(hits), -1) * factors[:, None]
        return sparse.csr_matrix(self.scale * np.log1p(scaled))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([CUE_FEATURE_PREFIX + name for name, _ in self.groups_], dtype=object)

"""Evidence: a feature that raised a frame's score, and where it occurs in the submitted text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.cues import CUE_FEATURE_PREFIX, WORD_TOKEN_PATTERN, CuePatterns, fold_case
from scoring.scorer import CHAR_FEATURE_MARK

MAX_SPANS_PER_TERM = 20
"""Enough to highlight a term in a long article without letting one term bloat a response."""

_WORD = re.compile(WORD_TOKEN_PATTERN)

Span = tuple[int, int]


@dataclass(frozen=True)
class Evidence:
    """A term, its contribution to the frame's log-odds, and its [start, end) code-point spans."""

    term: str
    weight: float
    spans: tuple[Span, ...]


def find_spans(text: str, term: str, cues: CuePatterns | None = None) -> tuple[Span, ...]:
    """Occurrences of a model feature in `text`, as Python string (code point) offsets.

    Word features are matched token by token with the vectoriser's own token pattern, so
    "foreign forces" matches across any whitespace; character features (marked "~") are
    matched as case-insensitive substrings; cue-lexicon groups ("cue:...") by the model's
    cue patterns.
    """
    if term.startswith(CHAR_FEATURE_MARK):
        return _substring_spans(text, term[len(CHAR_FEATURE_MARK) :])
    if term.startswith(CUE_FEATURE_PREFIX):
        if cues is None:
            return ()
        return tuple(cues.spans(text, term[len(CUE_FEATURE_PREFIX) :])[:MAX_SPANS_PER_TERM])
    return _token_spans(text, term.split(" "))


def _token_spans(text: str, words: list[str]) -> tuple[Span, ...]:
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    n = len(words)
    spans: list[Span] = []
    for i in range(len(tokens) - n + 1):
        if all(tokens[i + k][2] == words[k] for k in range(n)):
            spans.append((tokens[i][0], tokens[i + n - 1][1]))
            if len(spans) == MAX_SPANS_PER_TERM:
                break
    return tuple(spans)


def _substring_spans(text: str, needle: str) -> tuple[Span, ...]:
    if not needle:
        return ()
    folded = fold_case(text)
    spans: list[Span] = []
    start = folded.find(needle)
    while start != -1 and len(spans) < MAX_SPANS_PER_TERM:
        spans.append((start, start + len(needle)))
        start = folded.find(needle, start + 1)
    return tuple(spans)

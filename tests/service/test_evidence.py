"""Evidence spans: code-point offsets of word and character features."""

from __future__ import annotations

from scoring.cues import CuePatterns
from service.evidence import MAX_SPANS_PER_TERM, find_spans
from training.lexicon import CUE_GROUPS


def test_word_ngram_spans_cover_each_occurrence() -> None:
    """A word bigram is found across any whitespace and case, once per occurrence."""
    text = "Foreign  forces act; foreign\nforces again."
    assert find_spans(text, "foreign forces") == ((0, 15), (21, 35))


def test_offsets_are_code_points_not_bytes() -> None:
    """Offsets count code points: emoji and accents before a term do not shift it."""
    text = "🙂 Révolution ! la révolution"
    spans = find_spans(text, "révolution")
    assert [text[s:e] for s, e in spans] == ["Révolution", "révolution"]


def test_char_feature_matches_substring_with_aligned_offsets() -> None:
    """A character feature matches inside words; lower-casing that lengthens text is harmless."""
    text = "İstanbul: colour REVOLUTION"
    ((start, end),) = find_spans(text, "~revol")
    assert text[start:end] == "REVOL"


def test_spans_per_term_are_bounded() -> None:
    """A term repeated thousands of times returns a bounded number of spans."""
    assert len(find_spans("troops " * 5000, "troops")) == MAX_SPANS_PER_TERM


def test_no_spans_for_absent_term() -> None:
    """A term not in the text yields no spans."""
    assert find_spans("nothing here", "troops") == ()
    assert find_spans("nothing here", "~") == ()


def test_cue_group_spans_are_the_cues_found() -> None:
    """A cue-lexicon feature points at each cue of its group in the text."""
    text = "Des forces extérieures préparent une révolution de couleur."
    spans = find_spans(text, "cue:colour_revolution/named", CuePatterns(CUE_GROUPS))
    assert [text[s:e] for s, e in spans] == ["révolution de couleur"]

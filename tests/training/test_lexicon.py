"""The cue lexicon file: every cue can match, once per group, and each frame has its groups;
the cue features scale long texts' hits down to the training corpus's median length."""

from __future__ import annotations

import numpy as np

from scoring.cues import fold_case
from training.corpus import LABELS
from training.lexicon import CUE_GROUPS, CueCounts, is_cue_word


def test_cues_are_folded_and_trimmed() -> None:
    """Texts are case-folded before matching: a cue with a capital or stray space never fires."""
    bad = [
        (group, cue)
        for group, cues in CUE_GROUPS.items()
        for cue in cues
        if cue != fold_case(cue) or cue != cue.strip() or not cue
    ]
    assert not bad


def test_no_cue_twice_in_a_group() -> None:
    repeated = {
        group: sorted({c for c in cues if cues.count(c) > 1})
        for group, cues in CUE_GROUPS.items()
        if len(set(cues)) < len(cues)
    }
    assert not repeated


def test_groups_are_named_frame_slash_concept() -> None:
    frames = {name.split("/", 1)[0] for name in CUE_GROUPS}
    assert frames == set(LABELS)
    assert all(name.count("/") == 1 for name in CUE_GROUPS)


def _terror(features: np.ndarray) -> float:
    return float(features[0, list(CUE_GROUPS).index("security/terror")])


def test_the_reference_length_is_the_training_median() -> None:
    counts = CueCounts(scale=1.0).fit(["a b", "a b c d", "a b c d e f g h i j"])
    assert counts.reference_words_ == 4.0
    assert CueCounts(scale=1.0, length_norm=False).fit(["a b"]).reference_words_ is None


def test_a_long_text_counts_its_hits_at_the_reference_length() -> None:
    """Two hits in 4 words count 2; the same two hits padded to 8 words count as one."""
    counts = CueCounts(scale=1.0).fit(["w w w w"] * 3)
    short = "terrorism and terrorists here"
    long = short + " and four more words"
    assert _terror(counts.transform([short]).toarray()) == np.float32(np.log1p(2))
    assert _terror(counts.transform([long]).toarray()) == np.float32(np.log1p(1))
    raw = CueCounts(scale=1.0, length_norm=False).fit(["w"])
    assert _terror(raw.transform([long]).toarray()) == np.float32(np.log1p(2))


def test_a_cue_word_is_what_the_lexicons_count() -> None:
    """Stems protect their inflected forms; a whole-word cue ("war") does not protect "Warsaw"."""
    assert is_cue_word("nato")
    assert is_cue_word("maidan")
    assert is_cue_word("riots")  # the stem "riot-"
    assert not is_cue_word("warsaw")
    assert not is_cue_word("vilnius")

"""The cue lexicon file: every cue can match, once per group, and each frame has its groups."""

from __future__ import annotations

from scoring.cues import fold_case
from training.corpus import LABELS
from training.lexicon import CUE_GROUPS


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

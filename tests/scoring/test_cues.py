"""Cue counting: the kernel's one-pass trie counts exactly what the group regexes find; the
length of a text in words, and the factor its hits are scaled by."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.cues import CuePatterns, length_factor, word_count, words
from training.lexicon import CUE_GROUPS

PATTERNS = CuePatterns(CUE_GROUPS)
CUE_TEXT = " ".join(cue for cues in CUE_GROUPS.values() for cue in cues)
# Characters of the cues themselves plus word and non-word neighbours, so that random
# texts are full of partial cues, cues inside words, and cues at every kind of boundary.
ALPHABET = sorted(set(CUE_TEXT.lower())) + list("_1 .-İ\n")


def test_counts_on_texts_full_of_cues() -> None:
    """The cue lists themselves, run together and cut up: both ways count alike."""
    assert PATTERNS.hits(CUE_TEXT) == PATTERNS.regex_hits(CUE_TEXT)
    assert sum(PATTERNS.hits(CUE_TEXT)) > 100
    for cut in range(1, 40):
        text = CUE_TEXT.replace(" ", "")[cut::3]
        assert PATTERNS.hits(text) == PATTERNS.regex_hits(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([c for cues in CUE_GROUPS.values() for c in cues]),
            st.text(alphabet=ALPHABET, max_size=6),
        ),
        max_size=30,
    )
)
def test_counts_equal_the_regexes(pieces: list[str]) -> None:
    """Random mixes of whole cues and cue characters: kernel counts == regex findall counts."""
    text = "".join(pieces)
    assert PATTERNS.hits(text) == PATTERNS.regex_hits(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Foreign forces, behind the unrest!", ["Foreign", "forces", "behind", "the", "unrest"]),
        ("外部势力干涉内政", ["外部", "势力", "干涉", "内政"]),
        ("反恐 2022年", ["反恐", "20", "22", "年"]),
        ("!!! ...", []),
    ],
)
def test_words_split_chinese_into_pairs_of_characters(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert word_count(text) == len(expected)


def test_hits_of_texts_longer_than_the_reference_are_scaled_down_to_it() -> None:
    assert length_factor("one two three four", 8.0) == 1.0  # shorter: raw counts
    assert length_factor("one two three four", 2.0) == 0.5
    assert length_factor("", 2.0) == 1.0  # no words: nothing to scale, no division by zero
    assert length_factor("one two three four", None) == 1.0  # a model without scaling


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab_1 .,-\n\tİé中国人民\u3400\u9fff\ua000🙂\u0301"))))
def test_the_kernel_counts_the_words_the_regex_finds(text: str) -> None:
    """Edges of the Chinese range, combining marks, astral characters, underscores."""
    assert word_count(text) == len(words(text))


def test_short_cues_are_whole_words_unless_marked_as_stems() -> None:
    """'war' must not fire in 'Warsaw'; 'riot-' is a stem and fires in 'riots'."""
    patterns = CuePatterns({"g/whole": ["war"], "g/stem": ["riot-"]})
    assert patterns.hits("war, wars, Warsaw") == [1, 0]
    assert patterns.hits("riot, riots, rioters, patriot") == [0, 3]
    assert patterns.regex_hits("riot, riots, rioters, patriot") == [0, 3]
    assert patterns.spans("the riots", "g/stem") == [(4, 8)]


def test_look_alikes_cancel_the_cue_they_hold() -> None:
    """自主权 (autonomy) holds 主权 (sovereignty): its hits cancel the cue's, in the counts
    and in the evidence spans."""
    patterns = CuePatterns({"g/authority": ["主权", "!自主权"], "g/other": ["企业"]})
    text = "维护国家主权，扩大企业自主权"
    assert patterns.hits(text) == patterns.regex_hits(text) == [1, 1]
    assert patterns.spans(text, "g/authority") == [(4, 6)]
    assert patterns.hits("自主权") == [0, 0]  # never below zero


def test_a_look_alike_must_hold_exactly_one_cue_of_its_group() -> None:
    with pytest.raises(ValueError, match="look-alike '自治'"):
        CuePatterns({"g/authority": ["主权", "!自治"]})


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("扩大企业经营自主权", "sovereignty/authority"),
        ("内政部长周六发表讲话", "sovereignty/internal affairs"),
        ("新能源汽车渗透率升至四成", "colour_revolution/foreign hand"),
    ],
)
def test_the_lexicons_chinese_look_alikes_are_no_hits(text: str, group: str) -> None:
    assert PATTERNS.hits(text)[PATTERNS.names.index(group)] == 0

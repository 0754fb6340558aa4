"""Matching the multilingual cue lexicons: one regex per cue group, case folding, and what a
word is (the word view's tokens, and the words a text's length is counted in).

A cue is a lower-case stem or phrase matched as a substring, so one entry covers the
inflected forms of Russian, Polish or Bulgarian words and needs no tokeniser for Chinese.
Training counts cue hits as features (training/lexicon.py); the compiled scorer stores the
groups it was trained with and matches them here, with no scikit-learn involved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scoring._kernel import CueMatcher
from scoring._kernel import word_count as _kernel_word_count

WORD_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
"""scikit-learn's default word pattern (two or more word characters); the kernel's tokens."""

CUE_FEATURE_PREFIX = "cue:"
"""Feature names of the cue groups: `cue:security/terror` and so on."""


def fold_case(text: str) -> str:
    """Lower-case one code point at a time, so offsets in the result are offsets in `text`.

    str.lower() can lengthen a string ("İ" becomes two code points); such rare characters
    are kept as they are.
    """
    lowered = text.lower()
    if len(lowered) == len(text):  # the common case: no character changed length
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def words(text: str) -> list[str]:
    """Word tokens (runs of word characters); Chinese, written without spaces, counts two
    characters a word."""
    tokens: list[str] = []
    for token in _WORD.findall(text):
        if _HAN.search(token):
            tokens.extend(token[i : i + 2] for i in range(0, len(token), 2))
        else:
            tokens.append(token)
    return tokens


def word_count(text: str) -> int:
    """len(words(text)), counted by the kernel without building the tokens: the length of a
    text that the cue features are scaled by and the seed statistics report."""
    count: int = _kernel_word_count(text)
    return count


def length_factor(text: str, reference_words: float | None) -> float:
    """min(1, reference_words / words in `text`): the factor cue hits are scaled by.

    Hits pile up with length: a 300-word news paragraph that mentions "security" once in
    passing collects as many hits as a one-line claim about nothing else. Scaling the hits
    of texts longer than the reference down to that length makes the cue features
    a density for long texts while short texts keep their raw counts. None: no scaling.
    """
    if reference_words is None:
        return 1.0
    return min(1.0, reference_words / max(word_count(text), 1))


LOOK_ALIKE_MARK = "!"
"""Starts a look-alike in a group's cue list: a phrase that holds one of the group's cues
without its sense, whose hits cancel that cue's. Chinese cues match inside any word, so
"!自主权" (autonomy) keeps 主权 (sovereignty) from counting in it."""


class CuePatterns:
    """Compiled patterns of named cue groups, in the groups' order (the order of the features).

    A group's hits are its cues' matches minus its look-alikes' matches (never below 0).
    Counting runs in the Cython kernel (one trie walk for all groups, about 30 times faster
    than ten regex scans); the regexes define what a hit is, find the spans shown as
    evidence, and tests check that both count alike.
    """

    def __init__(self, groups: Mapping[str, Sequence[str]]) -> None:
        self.names: tuple[str, ...] = tuple(groups)
        cues = [[c for c in group if not _is_look_alike(c)] for group in groups.values()]
        look_alikes = [
            [c.removeprefix(LOOK_ALIKE_MARK) for c in group if _is_look_alike(c)]
            for group in groups.values()
        ]
        self._patterns = tuple(_group_pattern(group) for group in cues)
        self._look_alikes = tuple(_group_pattern(group) if group else None for group in look_alikes)
        self._index = {name: i for i, name in enumerate(self.names)}
        self._matcher = CueMatcher([[(_text(c), _part(c)) for c in group] for group in cues])
        self._look_alike_matcher = CueMatcher(
            [[(_text(c), _part(c)) for c in group] for group in look_alikes]
        )
        for name, pattern, group in zip(self.names, self._patterns, look_alikes, strict=True):
            for look_alike in group:
                if len(pattern.findall(look_alike)) != 1:
                    raise ValueError(
                        f"cue group {name}: look-alike {look_alike!r} must hold exactly one "
                        "of the group's cues"
                    )

    def hits(self, text: str) -> list[int]:
        """Hits of each group in `text`, as regex_hits defines them."""
        folded = fold_case(text)
        found = self._matcher.hits(folded)
        cancelled = self._look_alike_matcher.hits(folded)
        return [max(0, f - c) for f, c in zip(found, cancelled, strict=True)]

    def regex_hits(self, text: str) -> list[int]:
        """len(cue pattern.findall) - len(look-alike pattern.findall) per group, at least 0,
        on the folded text (the definition; slow)."""
        folded = fold_case(text)
        return [
            max(0, len(cues.findall(folded)) - (len(alike.findall(folded)) if alike else 0))
            for cues, alike in zip(self._patterns, self._look_alikes, strict=True)
        ]

    def spans(self, text: str, group: str) -> list[tuple[int, int]]:
        """[start, end) code-point offsets of the cues of `group` found in `text`, leaving out
        those inside a look-alike."""
        i = self._index[group]
        folded = fold_case(text)
        alike = self._look_alikes[i]
        covers = [m.span() for m in alike.finditer(folded)] if alike else []
        return [
            m.span()
            for m in self._patterns[i].finditer(folded)
            if not any(a <= m.start() and m.end() <= b for a, b in covers)
        ]


def _is_look_alike(cue: str) -> bool:
    return cue.startswith(LOOK_ALIKE_MARK)


def _trie(cues: Iterable[str]) -> str:
    """One regex alternation for many strings, factored by common prefix.

    Python's `re` tries the branches of a flat alternation one by one at every position of
    the text; a prefix tree makes that one branch per character (on the 4,300 seeds: 3.3 s
    instead of 25 s).
    """
    root: dict[str, Any] = {}
    for cue in cues:
        node = root
        for char in cue:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_pattern(root)


def _node_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(c) + _node_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    ends_here = "" in node
    if len(branches) == 1 and not ends_here:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if ends_here else "")


STEM_MARK = "-"
"""Ends a short cue that is a stem: "войн-" matches война, войны, войну; "riot-" riots."""


def _text(cue: str) -> str:
    """What `cue` matches: the cue without its stem mark."""
    return cue.removesuffix(STEM_MARK)


def _part(cue: str) -> int:
    """Which of a group pattern's three alternatives holds `cue`."""
    if not _SPACED.match(cue):
        return _ANYWHERE
    if len(cue) > _SHORT or cue.endswith(STEM_MARK):
        return _AFTER_WORD_START
    return _WHOLE_WORD


def _group_pattern(cues: Sequence[str]) -> re.Pattern[str]:
    # Scripts written with spaces get a word start, so "coup" does not fire inside "recoup";
    # short cues also need a word end ("war" is not "warsaw", "nato" not the Polish
    # "natomiast"), unless marked as stems. Chinese and Arabic (clitics attach to words)
    # match anywhere.
    parts = [
        rf"\b{_trie(_text(c) for c in cues if _part(c) == _AFTER_WORD_START)}",
        rf"\b{_trie(_text(c) for c in cues if _part(c) == _WHOLE_WORD)}\b",
        _trie(_text(c) for c in cues if _part(c) == _ANYWHERE),
    ]
    return re.compile("|".join(f"(?:{p})" for p in parts if p not in (r"\b", r"\b\b", "")))


_WORD = re.compile(r"\w+")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SPACED = re.compile(r"^[a-zà-ÿ\u0100-\u024f\u0400-\u04ff]", re.IGNORECASE)
_SHORT = 4
# The alternatives of a group pattern, in the order the regex tries them (the kernel's too).
_AFTER_WORD_START, _WHOLE_WORD, _ANYWHERE = 0, 1, 2

"""Proper names left out of the character view: what a name token is and how it is masked.

Character n-grams memorise names. On the seeds, "Washington" in a short claim weighed as
much towards sovereignty as "vassal", so "Germany is a vassal of Washington" scored 0.97
and "Germany is a vassal of the US" 0.28: the model had learnt which places the seeds'
sovereignty texts talk about, not how they talk. Training learns the corpus's names
(training/names.py); both training and the compiled scorer drop them here before the
character view reads a text. The word view and the cue lexicons still see every name.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from scoring.cues import WORD_TOKEN_PATTERN

NAME_TOKEN = re.compile(WORD_TOKEN_PATTERN)
"""Tokens that can be names: the word view's tokens (two or more word characters)."""

_UPPER_CASE = "".join(c for c in map(chr, range(0x10000)) if c.isupper())
_CAPITALISED_TOKEN = re.compile(rf"(?u)\b(?=[{re.escape(_UPPER_CASE)}])\w\w+\b")
"""NAME_TOKEN where it starts with a capital. Python's re has no \\p{Lu}; the class lists the
upper-case letters of the Basic Multilingual Plane. Matching capitalised tokens only, not
every token, makes masking a 140-word text take 24 µs instead of 60 µs."""


def mask_names(text: str, names: Collection[str]) -> str:
    """`text` without its capitalised tokens whose lower-case form is in `names`.

    Only capitalised occurrences go: "Seine" the river is a name, "seine" in German is not.
    """
    if not names:
        return text

    def keep(match: re.Match[str]) -> str:
        token = match.group()
        return "" if token.lower() in names else token

    return _CAPITALISED_TOKEN.sub(keep, text)

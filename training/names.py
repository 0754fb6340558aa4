"""Which tokens of a training corpus are proper names, learnt like a vocabulary.

A token is a name when it is capitalised in nearly all of its occurrences inside a
sentence, where capitals mark names and not the start of a sentence. German capitalises
every noun and title-case headlines every word, so texts where many in-sentence words are
capitalised do not count. A word the cue lexicons count ("NATO", "Maidan", "Soros") is frame
vocabulary and never a name. scoring/names.py masks the learnt names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

from sklearn.base import BaseEstimator, TransformerMixin

from scoring.names import NAME_TOKEN, mask_names
from training.lexicon import is_cue_word

SENTENCE_BREAKS = frozenset('.!?…:;"«»“”\n')
"""Characters after which the next word may be capitalised for no other reason."""

# What makes a name: the defaults of both learn_names and NameMask.
MIN_COUNT = 3
CAPITALISED_SHARE = 0.9
MAX_CAPITALS_IN_TEXT = 0.2


def in_sentence_tokens(text: str) -> Iterator[str]:
    """The name-candidate tokens of `text` that do not open a sentence (or the text)."""
    previous_end, opens_sentence = 0, True
    for match in NAME_TOKEN.finditer(text):
        if not SENTENCE_BREAKS.isdisjoint(text[previous_end : match.start()]):
            opens_sentence = True
        token = match.group()
        if not opens_sentence and not token[0].isdigit():
            yield token
        opens_sentence, previous_end = False, match.end()


def learn_names(
    texts: Iterable[str],
    min_count: int = MIN_COUNT,
    capitalised_share: float = CAPITALISED_SHARE,
    max_capitals_in_text: float = MAX_CAPITALS_IN_TEXT,
    protected: Callable[[str], bool] = lambda token: False,
) -> tuple[str, ...]:
    """Lower-case forms of the tokens capitalised in at least `capitalised_share` of their
    in-sentence occurrences (at least `min_count`), counted in the texts where at most
    `max_capitals_in_text` of in-sentence tokens are capitalised; none that is `protected`.
    Sorted, so a fitted model pickles the same way every run."""
    capitalised: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for text in texts:
        tokens = list(in_sentence_tokens(text))
        capitals = [token[0].isupper() for token in tokens]
        if not tokens or sum(capitals) > max_capitals_in_text * len(tokens):
            continue
        for token, is_capital in zip(tokens, capitals, strict=True):
            key = token.lower()
            seen[key] += 1
            capitalised[key] += is_capital
    return tuple(
        sorted(
            key
            for key, count in seen.items()
            if count >= min_count
            and capitalised[key] >= capitalised_share * count
            and not protected(key)
        )
    )


class NameMask(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Drops the training corpus's proper names from texts (scoring.names.mask_names)."""

    def __init__(
        self,
        min_count: int = MIN_COUNT,
        capitalised_share: float = CAPITALISED_SHARE,
        max_capitals_in_text: float = MAX_CAPITALS_IN_TEXT,
    ) -> None:
        self.min_count = min_count
        self.capitalised_share = capitalised_share
        self.max_capitals_in_text = max_capitals_in_text

    def fit(self, texts: Iterable[str], y: object = None) -> NameMask:
        self.names_: tuple[str, ...] = learn_names(
            texts,
            self.min_count,
            self.capitalised_share,
            self.max_capitals_in_text,
            protected=is_cue_word,
        )
        return self

    def transform(self, texts: Sequence[str]) -> list[str]:
        names = frozenset(self.names_)
        return [mask_names(text, names) for text in texts]

"""Learning a corpus's proper names: capitalised inside sentences, in texts where capitals
are rare, never a cue of the lexicons."""

from __future__ import annotations

from training.lexicon import is_cue_word
from training.names import NameMask, in_sentence_tokens, learn_names

CORPUS = [
    "Officials in Vilnius said that the long talks with Riga went well for both of them.",
    "The minister flew to Vilnius on a small plane. Riga was not on the list this year.",
    "Ministers from Riga and Vilnius met on Monday in a small town by the lake to talk.",
    "Vilnius hosts the summit; then the delegates leave by train for Riga and Tallinn.",
]


def test_in_sentence_tokens_skip_the_first_word_of_each_sentence() -> None:
    text = "Riga said no. Vilnius said yes: Tallinn waited, then Tallinn agreed."
    assert list(in_sentence_tokens(text)) == [
        "said",
        "no",
        "said",
        "yes",
        "waited",
        "then",
        "Tallinn",
        "agreed",
    ]


def test_names_are_tokens_capitalised_inside_sentences() -> None:
    names = learn_names(CORPUS, min_count=3)
    assert names == ("riga", "vilnius")  # Tallinn and Monday are seen once
    assert "monday" in learn_names(CORPUS, min_count=1)


def test_a_word_also_written_in_lower_case_is_no_name() -> None:
    corpus = [*CORPUS, "the riga and the vilnius were two old ships in the harbour."]
    assert learn_names(corpus, min_count=3, capitalised_share=0.9) == ()


def test_texts_full_of_capitals_do_not_count() -> None:
    """German capitalises its nouns: "Regierung" must not become a name."""
    german = ["Die Regierung lehnt die Forderung der Opposition ab, sagte der Sprecher."] * 5
    assert "regierung" not in learn_names(german, min_count=3)
    assert learn_names(german, min_count=3, max_capitals_in_text=1.0) != ()


def test_cue_words_are_never_names() -> None:
    corpus = ["Crowds of angry people marched to the Maidan while officials of NATO watched."] * 5
    assert learn_names(corpus, min_count=3) == ("maidan", "nato")
    assert learn_names(corpus, min_count=3, protected=is_cue_word) == ()


def test_the_mask_drops_what_it_learnt() -> None:
    mask = NameMask(min_count=3).fit(CORPUS)
    assert mask.names_ == ("riga", "vilnius")
    assert mask.transform(["Talks in Vilnius, not in riga."]) == ["Talks in , not in riga."]

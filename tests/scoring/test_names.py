"""Masking names out of a text: only capitalised tokens on the list go."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.names import NAME_TOKEN, mask_names


def test_capitalised_listed_names_are_dropped() -> None:
    names = frozenset({"washington", "kyiv"})
    text = "Kyiv takes orders from Washington, WASHINGTON says."
    assert mask_names(text, names) == " takes orders from ,  says."


def test_lower_case_uses_and_unlisted_tokens_stay() -> None:
    """A listed name spelt in lower case is an ordinary word ("seine" in German)."""
    names = frozenset({"seine"})
    text = "Er hat seine Meinung, am Ufer der Seine, nicht geändert."
    assert mask_names(text, names) == "Er hat seine Meinung, am Ufer der , nicht geändert."


def test_no_names_leave_the_text_as_it_is() -> None:
    text = "Moscow said it was an internal matter."
    assert mask_names(text, frozenset()) is text


def _by_definition(text: str, names: frozenset[str]) -> str:
    """Every word-view token, dropped when it is capitalised and listed."""
    return NAME_TOKEN.sub(
        lambda m: "" if m.group()[0].isupper() and m.group().lower() in names else m.group(), text
    )


NAMES = frozenset({"ab", "σβ", "жд", "éa", "a1"})


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAbBσΣβΒжЖдДéÉ1_ .-'\nİǅ", max_size=40))
def test_matching_capitalised_tokens_only_drops_what_the_definition_drops(text: str) -> None:
    """The fast pattern (capitalised tokens only) masks exactly what checking every token does,
    in Latin, Greek and Cyrillic, next to digits, underscores and title-case letters."""
    assert mask_names(text, NAMES) == _by_definition(text, NAMES)

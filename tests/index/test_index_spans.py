"""Highlight spans found through the word-start shortcut equal those of the full tokenizer."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from server.index.schema import FoldTokenizer

TEXT = st.text(alphabet="abcdeyABCDEY019 .-_'\n\té", max_size=80)
TOKENIZERS = [FoldTokenizer(), FoldTokenizer(stemmed=False)]


def slow(tokenizer: FoldTokenizer, text: str, wanted: set[str]) -> list[tuple[int, int]]:
    return [(t.startchar, t.endchar) for t in tokenizer(text, chars=True) if t.text in wanted]


@settings(max_examples=400, deadline=None)
@given(text=TEXT, seed=st.integers(0, 1000))
def test_word_spans_equal_the_tokenizers(text: str, seed: int) -> None:
    for tokenizer in TOKENIZERS:
        terms = [t.text for t in tokenizer(text)]
        rng = random.Random(seed)
        wanted = set(rng.sample(terms, min(len(terms), 2))) | {"ab", "y"}
        assert tokenizer.word_spans(text, wanted) == slow(tokenizer, text, wanted)


def test_word_spans_on_real_sentences() -> None:
    text = (
        "Crying babies cried; e.g. 3.5x faster ReLU-based models, Schrödinger's U.S. agencies "
        "and the agents' agency. Tries, tried, trying; ties and tying. Happy happiness."
    )
    for tokenizer in TOKENIZERS:
        terms = {t.text for t in tokenizer(text)}
        for term in terms:
            assert tokenizer.word_spans(text, {term}) == slow(tokenizer, text, {term}), term


def test_a_word_after_a_dot_inside_a_token_is_not_a_word() -> None:
    text = "x.ab ab a..ab e.g.ab"
    for tokenizer in TOKENIZERS:
        assert tokenizer.word_spans(text, {"ab"}) == slow(tokenizer, text, {"ab"})
        assert len(tokenizer.word_spans(text, {"ab"})) == 2


def test_a_y_stemmed_to_i_in_the_second_letter_is_found() -> None:
    """Porter stems "ayed" to "ai": the shortcut once looked for words starting "ai" only."""
    tokenizer = FoldTokenizer()
    for text in ("AYED", "we ayed and dyed", "key: ayed"):
        wanted = {t.text for t in tokenizer(text)}
        assert tokenizer.word_spans(text, wanted) == slow(tokenizer, text, wanted), text

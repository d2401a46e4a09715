"""The tokenizer's shortcuts equal its full path (a token per word): highlight spans found
through the word-start shortcut, a build's positions, and the common-word pairs."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from server.index.schema import COMMON, FoldTokenizer, PairTokenizer, pair

TEXT = st.text(alphabet="abcdeyABCDEY019 .-_'\n\té", max_size=80)
TOKENIZERS = [FoldTokenizer(), FoldTokenizer(stemmed=False)]
# words, common ones among them, signs and line breaks (a pairs value is title, line break,
# abstract)
SENTENCE = st.lists(
    st.sampled_from(["the", "of", "The", "and", "a", "model", "U.S.", "3.5x", "é", ";", "\n", "."]),
    max_size=30,
).map(" ".join)


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


def test_a_wanted_term_that_begins_another_gives_each_span_once() -> None:
    """ "a" and "ab" are both looked for where a word begins: "ab" is found by both."""
    text = "ab a abc AB_a a.ab _ab"
    for tokenizer in TOKENIZERS:
        wanted = {"a", "ab", "_ab"}
        assert tokenizer.word_spans(text, wanted) == slow(tokenizer, text, wanted)
        assert tokenizer.word_spans(text, wanted) == [(0, 2), (3, 4), (19, 22)]


def test_a_y_stemmed_to_i_in_the_second_letter_is_found() -> None:
    """Porter stems "ayed" to "ai": the shortcut once looked for words starting "ai" only."""
    tokenizer = FoldTokenizer()
    for text in ("AYED", "we ayed and dyed", "key: ayed"):
        wanted = {t.text for t in tokenizer(text)}
        assert tokenizer.word_spans(text, wanted) == slow(tokenizer, text, wanted), text


@settings(max_examples=400, deadline=None)
@given(text=TEXT | SENTENCE)
def test_a_builds_positions_equal_the_tokens(text: str) -> None:
    for tokenizer in [*TOKENIZERS, FoldTokenizer(stemmed=False, gap_on=";")]:
        slow: dict[str, list[int]] = {}
        for t in tokenizer(text, positions=True):
            slow.setdefault(t.text, []).append(t.pos)
        assert tokenizer.positions(text) == slow
        assert list(tokenizer.positions(text)) == list(slow)  # in order of first appearance


@settings(max_examples=400, deadline=None)
@given(title=SENTENCE, abstract=SENTENCE | TEXT)
def test_pairs_are_the_adjacent_common_terms_of_the_whole_text(title: str, abstract: str) -> None:
    value = f"{title}\n{abstract}"
    words = [t.text for t in FoldTokenizer()(value)]
    slow = [pair(a, b) for a, b in itertools.pairwise(words) if a in COMMON and b in COMMON]
    assert [t.text for t in PairTokenizer()(value)] == list(dict.fromkeys(slow))

"""clean()'s shortcut for plain strings gives what its full path gives."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from server.sanitize import _UNSAFE
from server.sources.common import _SPACE, _clean_fully, clean

# spaces of every kind, entities, controls, direction marks, a lone surrogate, plain letters
PIECES = [*"ab &;#x3C0lt ", "\t", "\n", "\xa0", "\u2028", "\x1b", "\x9b", "\u202e", "\u200e"]
PIECES += ["\x7f", "\x00", "\ud800", "é", "\u3000", "&amp;", "&#10;", "&#x202e;", "&#160;"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
PLAIN = st.lists(st.sampled_from([*"ab;#é ", "&", "\u3000"]), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(text=TEXT | PLAIN | st.text(max_size=40))
def test_the_shortcut_equals_the_full_path(text: str) -> None:
    assert clean(text) == _clean_fully(text)


def test_a_printable_string_holds_no_white_space_but_a_space_and_nothing_unsafe() -> None:
    """What the shortcut rests on, checked over every code point of this Python's Unicode."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        if c.isprintable() and c != " ":
            assert not _SPACE.match(c), hex(code)
            assert not _UNSAFE.match(c), hex(code)


def test_plain_and_untidy_strings() -> None:
    assert clean("  Yann LeCun ") == "Yann LeCun"
    assert clean("A  B\n") == "A B" and clean("A  B") == "A B"
    assert clean("A\u00a0B") == "A B"
    assert clean("R&amp;D &#10; lab") == "R&D lab"
    assert clean("x\u202ey") == "xy"
    assert clean(None) == "" and clean(3) == "3"

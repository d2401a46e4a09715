"""Canonical ids: every URL and id form maps to one id and version; anything else to None."""

import re
import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.models import Ref, canonical, doi_id, normalise_title, title_id

CASES = [
    ("2401.12345", "2401.12345", None),
    ("2401.12345v3", "2401.12345", 3),
    ("arXiv:2401.12345", "2401.12345", None),
    ("ARXIV:2401.12345v2", "2401.12345", 2),
    ("https://arxiv.org/abs/2401.12345v2", "2401.12345", 2),
    ("http://www.arxiv.org/abs/2401.12345", "2401.12345", None),
    ("https://arxiv.org/abs/2401.12345?context=cs.LG", "2401.12345", None),
    ("/pdf/2401.12345", "2401.12345", None),
    ("/pdf/2401.12345v1.pdf", "2401.12345", 1),
    ("https://arxiv.org/pdf/2407.21783v2", "2407.21783", 2),
    ("/html/2401.12345v1", "2401.12345", 1),
    ("https://arxiv.org/html/2401.12345v1/", "2401.12345", 1),
    ("export.arxiv.org/abs/2401.12345", "2401.12345", None),
    ("http://export.arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
    ("https://huggingface.co/papers/2401.12345", "2401.12345", None),
    ("huggingface.co/papers/2401.12345#community", "2401.12345", None),
    ("https://www.alphaxiv.org/abs/2401.12345v2", "2401.12345", 2),
    ("alphaxiv.org/abs/2401.12345", "2401.12345", None),
    ("https://www.alphaxiv.org/overview/2401.12345v2", "2401.12345", 2),
    ("https://alphaxiv.org/overview/2401.12345", "2401.12345", None),
    ("https://ar5iv.labs.arxiv.org/html/2401.12345v3", "2401.12345", 3),
    ("https://ar5iv.labs.arxiv.org/html/2401.12345", "2401.12345", None),
    ("https://ar5iv.org/abs/1910.06709", "1910.06709", None),
    ("hep-th/9901001", "hep-th/9901001", None),
    ("math.GT/0309136", "math/0309136", None),
    ("cs/0602062v1", "cs/0602062", 1),
    ("astro-ph/0601001v1", "astro-ph/0601001", 1),
    ("oai:arXiv.org:2401.12345", "2401.12345", None),
    ("oai:arXiv.org:cs/0602062", "cs/0602062", None),
    ("10.48550/arXiv.2401.12345", "2401.12345", None),
    ("https://doi.org/10.48550/arXiv.2401.12345", "2401.12345", None),
    ("doi:10.48550/ARXIV.2401.12345", "2401.12345", None),
    ("0704.0001", "0704.0001", None),
    ("1501.00001", "1501.00001", None),
    ("  2401.12345  ", "2401.12345", None),
]

NOT_IDS = [
    "",
    "hello",
    "2413.12345",
    "2401.123",
    "1501.0001",
    "1412.12345",
    "https://example.com/abs/2401.12345",
    "https://arxiv.org/list/cs/new",
    "arXiv:",
    "hep-th/99010",
    "10.1000",
    "oai:arXiv.org:",
    "https://arxiv.org/abs/notanid",
    "title:xyz",
]


@pytest.mark.parametrize(("text", "paper_id", "version"), CASES)
def test_every_form_maps_to_one_id(text, paper_id, version):
    assert canonical(text) == Ref(paper_id, version)


@pytest.mark.parametrize("text", NOT_IDS)
def test_non_ids_give_none(text):
    assert canonical(text) is None


def test_non_arxiv_doi_is_its_own_id():
    assert canonical("10.1145/3292500.3330701") == Ref("doi:10.1145/3292500.3330701")
    assert (
        doi_id("https://doi.org/10.18653/V1/2023.ACL-LONG.1") == "doi:10.18653/v1/2023.acl-long.1"
    )


def test_title_ids_are_stable_across_spelling_noise():
    a = title_id("Diffusion Priors for Protein-Backbone Design")
    assert a == title_id("  diffusion priors for protein backbone DESIGN ")
    assert a != title_id("Diffusion Priors for Protein Design")
    assert canonical(a) == Ref(a)
    assert normalise_title("Señor  Über-Model: v2!") == "senor uber model v2"


@given(st.text(string.printable) | st.text())
def test_a_title_key_folds_ascii_and_other_titles_the_one_way(title):
    """An ASCII title takes a shorter path: its key is the one the whole rule gives."""
    decomposed = unicodedata.normalize("NFKD", title)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    assert normalise_title(title) == " ".join(re.sub(r"[\W_]+", " ", plain).split())


def test_every_list_has_a_label_and_the_ranked_ones_are_lists():
    from server.models import LISTS, RANKED_LISTS
    from server.text import LIST_LABELS

    assert set(LIST_LABELS) == set(LISTS)
    assert set(RANKED_LISTS) <= set(LISTS)


def test_stars_and_comments_read_alike_everywhere():
    from server.text import comments_text, stars_text

    assert stars_text(None) == "" and stars_text(1) == "\u2605 1 GitHub star"
    assert stars_text(1221, [("2026-05-19", 1221)]) == "\u2605 1,221 GitHub stars"
    growth = stars_text(1520, [("2026-05-19", 1200), ("2026-05-20", 1520)])
    assert growth == "\u2605 1,520 GitHub stars (+320 since 2026-05-19)"
    assert stars_text(90, [("2026-05-19", 100), ("2026-05-20", 90)]).endswith(
        "(\u221210 since 2026-05-19)"
    )
    assert [comments_text(n) for n in (0, 1, 12)] == ["", "1 comment", "12 comments"]

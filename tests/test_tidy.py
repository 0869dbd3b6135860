"""Tidy stage: kept text in NFC, without invisible characters, the same for one text and a batch."""

from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.extract import extract_html
from cleaner.tidy import DIRECTION_MARKS, INVISIBLE, tidy_series, tidy_text

MIXED = st.text(
    alphabet=st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(list(INVISIBLE + DIRECTION_MARKS + "e\u0301שا"))),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), MIXED), max_size=8))
@example(["Cafe\u0301\u200b", "\u200f\u200bשלום", "a\u00adb\u2060c\ufeff", "A\u200b\u0301", None, "plain"])
def test_a_batch_is_tidied_as_each_text_alone(texts: list[str | None]) -> None:
    tidied = tidy_series(pl.Series("text", texts, dtype=pl.String)).to_list()
    assert tidied == [None if text is None else tidy_text(text) for text in texts]


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_tidied_text_is_composed_without_invisible_characters(text: str) -> None:
    tidied = tidy_text(text)
    assert unicodedata.is_normalized("NFC", tidied)
    assert not set(tidied) & set(INVISIBLE)
    assert tidy_text(tidied) == tidied


def test_direction_marks_stay_only_where_text_runs_right_to_left() -> None:
    assert tidy_text("\u200fCaf\u00e9 owners") == "Caf\u00e9 owners"
    assert tidy_text("Hinder\u00adnisse") == "Hinder\u00adnisse"  # a hyphenation point of the page
    assert tidy_text("\u05e9\u05dc\u05d5\u05dd \u200f2024") == "\u05e9\u05dc\u05d5\u05dd \u200f2024"
    joined = "\u0928\u092e\u0938\u094d\u200d\u0924\u0947 \U0001f469\u200d\U0001f4bb"  # zero-width joiners: a conjunct, an emoji
    assert tidy_text(joined) == joined


STORY = "Caf\u00e9 owners in S\u00e3o Paulo said the new rules changed how they served customers during the festival week."


def test_the_canonical_copy_is_the_clean_one_whatever_the_order() -> None:
    decomposed = unicodedata.normalize("NFD", STORY)
    invisible = STORY.replace(" ", " \u200b", 3).replace("Caf", "\u200fCaf")
    for order in (["a", "b", "c"], ["c", "b", "a"]):
        texts = dict(zip(order, [invisible, decomposed, STORY]))
        result = cleaner.clean([{"id": key, "text": text} for key, text in texts.items()], workers=1, strip=False)
        assert result.clusters["text"].to_list() == [STORY]
        assert set(result.paragraphs["text"]) == {STORY}


def test_a_line_of_invisible_characters_is_blank(tmp_path) -> None:
    text = f"{STORY}\n\n\u200b\u2060\n\nThe harbour reopened on Monday after the storm had kept the fishing fleet in port."
    for strip in (True, False):
        result = cleaner.clean([{"id": "a", "text": text}], workers=1, strip=strip)
        assert result.paragraphs["text"].to_list() == [STORY, text.split("\n")[-1]]
        assert result.removed.filter(pl.col("line") == 3)["reason"].to_list() == ["blank"]


def test_extracted_html_is_tidied() -> None:
    html = f"<html><body><article><h1>Festival</h1><p>{unicodedata.normalize('NFD', STORY)}\u200b</p><p>{STORY}</p></article></body></html>"
    result = extract_html(html)
    assert all(unicodedata.is_normalized("NFC", p.text) and "\u200b" not in p.text for p in result.paragraphs)

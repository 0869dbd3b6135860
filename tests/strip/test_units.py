"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import strip_text
from cleaner.normalize import WORD
from cleaner.strip.language import spread_words
from cleaner.strip.units import distinct_texts


def test_hard_wrapped_paragraphs_are_judged_whole() -> None:
    text = (
        "Menu\n\n"
        "The committee met for the third time this year and agreed on a plan\n"
        "that will change how the town pays for its roads, after months of\n"
        "debate in which neither side was willing to give up its position.\n\n"
        "It is the first time that the two parties have agreed on a budget\n"
        "since the election, and the vote was welcomed by business groups.\n"
    )
    result = strip_text(text)
    assert [(p.line_start, p.line_end) for p in result.paragraphs] == [(3, 5), (7, 8)]
    assert result.paragraphs[0].text.startswith("The committee met") and result.paragraphs[0].text.endswith("position.")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "Home", "home", "Share this", "The council met on Monday.", "a b c"]), max_size=30))
def test_distinct_texts_spread_back_to_every_unit(texts: list[str]) -> None:
    series = pl.Series(texts, dtype=pl.String)
    distinct, inverse = distinct_texts(series)
    assert distinct.to_list() == list(dict.fromkeys(texts))  # each text once, in order of first appearance
    assert distinct.gather(inverse).to_list() == texts
    words = distinct.str.extract_all(WORD).explode().drop_nulls()
    unit = np.repeat(np.arange(len(distinct)), distinct.str.count_matches(WORD).to_numpy())
    ids = np.arange(len(words), dtype=np.int64)  # a word's id: its position among the distinct texts' words
    spread_unit, spread_ids = spread_words(ids, np.bincount(unit, minlength=len(distinct)).astype(np.int32), inverse)
    expected = [(row, word) for row, text in enumerate(texts) for word in re.findall(r"\w+", text)]
    assert list(zip(spread_unit.tolist(), words.gather(spread_ids).to_list())) == expected


def test_a_hash_collision_keeps_every_text_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pl.Series, "hash", lambda self, *args: pl.Series([7] * len(self), dtype=pl.UInt64))
    distinct, inverse = distinct_texts(pl.Series(["a", "b", "a"], dtype=pl.String))
    assert distinct.to_list() == ["a", "b", "a"] and inverse.tolist() == [0, 1, 2]

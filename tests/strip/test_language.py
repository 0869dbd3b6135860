"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.normalize import WORD, normalize_series
from cleaner.strip.language import stoplists, word_ids, words_of


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=10))
def test_words_are_the_regex_words_of_each_line(texts: list[str]) -> None:
    normalized = normalize_series(pl.Series(texts, dtype=pl.String))
    unit, words = words_of(normalized)
    expected = [(row, word) for row, line in enumerate(normalized.str.extract_all(WORD).to_list()) for word in line]
    assert list(zip(unit.tolist(), words.to_list())) == expected


def test_stopword_ids_by_join_equal_dictionary_lookups() -> None:
    index = stoplists().index
    words = pl.Series([*list(index)[:30_000:7], "", "zzzqx", "the", "der", "nicht", "ünd"] * 8, dtype=pl.String)
    assert len(words) > 25_000  # the join's side of the threshold
    assert word_ids(words).tolist() == [index.get(word, -1) for word in words.to_list()]

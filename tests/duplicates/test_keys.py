"""Exact keys: the batch digest is the per-text digest, whatever the text."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates.keys import norm_key, norm_keys


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300), max_size=40))
def test_batch_keys_are_the_digest_of_each_text(texts: list[str]) -> None:
    keys = norm_keys(pl.Series("exact", texts, dtype=pl.String))
    assert keys.dtype == pl.String
    assert keys.to_list() == [norm_key(text) for text in texts]


def test_batch_keys_of_a_sliced_series_follow_its_own_rows() -> None:
    texts = pl.Series("exact", ["a", "b b", "", "é" * 500, "c"])
    assert norm_keys(texts.slice(1, 3)).to_list() == [norm_key(text) for text in ["b b", "", "é" * 500]]


def test_a_text_missing_is_refused_not_keyed() -> None:
    with pytest.raises(ValueError, match="without text"):
        norm_keys(pl.Series("exact", ["a", None], dtype=pl.String))

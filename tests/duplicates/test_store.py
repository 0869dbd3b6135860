"""The work folder: spilled tables, signatures stored once per text, tables assembled in pieces."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cleaner.duplicates.banding import BandLists
from cleaner.duplicates.store import SignatureStore
from cleaner.tables import spill
from cleaner.tables.spill import WorkFolder


@pytest.mark.parametrize("memory_bytes", [0, 2**30])
def test_signatures_are_stored_once_per_text_and_read_back_by_band(monkeypatch: pytest.MonkeyPatch, memory_bytes: int) -> None:
    monkeypatch.setattr(spill, "IN_MEMORY_BYTES", memory_bytes)
    def keyed(keys: list[str], bands: list[list[int]]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "norm_key": keys,
                "shingles": [[hash(k) % 1000] for k in keys],
                "band_keys": bands,
                "anchors": [[len(k)] for k in keys],
            },
            schema={"norm_key": pl.String, "shingles": pl.List(pl.UInt64), "band_keys": pl.List(pl.UInt64), "anchors": pl.List(pl.UInt64)},
        )

    store = SignatureStore(WorkFolder(), bands=3)
    store.add(keyed(["a", "b", "a"], [[1, 2, 3], [], [1, 2, 3]]))
    store.add(keyed(["b", "c", "d", "c"], [[], [7, 8, 2**64 - 1], [4, 5, 6], [7, 8, 2**64 - 1]]))
    assert store.frame["norm_key"].to_list() == ["a", "b", "c", "d"]
    assert store.has_bands.tolist() == [True, False, True, True]
    assert [store.band(b).tolist() for b in range(3)] == [[1, 0, 7, 4], [2, 0, 8, 5], [3, 0, 2**64 - 1, 6]]
    rows = store.rows_of(pl.Series(["d", "a", "b"]))
    assert rows.tolist() == [3, 0, 1]
    assert store.band_lists(rows).to_list() == [[4, 5, 6], [1, 2, 3], []]
    shingles = {k: [hash(k) % 1000] for k in "abcd"}
    assert store.shingle_counts.tolist() == [1, 1, 1, 1]
    assert store.shingles_of(np.array([1, 3])).to_list() == [shingles["b"], shingles["d"]]
    assert store.shingle_lists(np.array([3, 0, 3])).to_list() == [shingles["d"], shingles["a"], shingles["d"]]
    lists = BandLists.from_lists(pl.Series([[1, 2, 3], [], [7, 8, 2**64 - 1], [4, 5, 6]], dtype=pl.List(pl.UInt64)))
    assert [lists.band(b).tolist() for b in range(3)] == [store.band(b).tolist() for b in range(3)]
    assert lists.has_bands.tolist() == store.has_bands.tolist()
    store.forget_keys()  # what a run without an index does once its candidates are found
    with pytest.raises(RuntimeError, match="dropped"):
        store.rows_of(pl.Series(["a"]))
    assert store.shingles_of(np.array([0, 2])).to_list() == [shingles["a"], shingles["c"]]
    assert store.shingle_counts.tolist() == [1, 1, 1, 1] and store.band(0).tolist() == [1, 0, 7, 4]

"""The signatures of every distinct normalised text of a run, stored once.

Exact copies share their normalised text, hence their shingles, band keys and anchors, so
only a key's first occurrence is stored. Band keys and shingle sets go to the run's work
folder (``tables.spill``) and are read back a band, or a few rows, at a time.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cleaner import schemas
from cleaner.schemas import lists_from_flat
from cleaner.tables.spill import SpillTable, WorkFolder

SIGNATURE_KEYS = pl.Schema({"norm_key": pl.String, "anchors": pl.List(pl.UInt64)})
SHINGLES = pl.Schema({"shingles": pl.List(pl.UInt64)})


def _band_columns(band_keys: pl.Series, has_bands: np.ndarray, bands: int) -> list[np.ndarray]:
    """One contiguous array per band from rows' lists of band keys (0 where a row has none).

    The lists are one row-major block; a transposed copy makes each band's keys contiguous.
    With each band's column taken out of the row-major block (42 strided reads per spill) and
    the list columns filtered twice, storing the signatures of 300,000 paragraphs took
    0.36-0.41 s of the main thread; 0.30-0.33 s so."""
    if not has_bands.any():
        return [np.zeros(len(has_bands), dtype=np.uint64) for _ in range(bands)]
    by_band = np.ascontiguousarray(band_keys.filter(pl.Series(has_bands)).explode().to_numpy().reshape(-1, bands).T)
    if has_bands.all():
        return list(by_band)
    columns = []
    for keys in by_band:
        column = np.zeros(len(has_bands), dtype=np.uint64)
        column[has_bands] = keys
        columns.append(column)
    return columns


class SignatureStore:
    """The signatures of every distinct normalised text, once.

    Exact copies share their normalised text, hence their shingles, band keys and anchors, so
    only a key's first occurrence is stored. The key and its sentence anchors stay in memory
    (the anchor channel reads them for every representative). Band keys go to a Parquet file
    with one column per band, since candidate search reads them one band at a time; shingle
    sets go to another, read back after candidate search for the texts in some candidate pair
    only (verification never looks at the others), with their sizes kept in memory.
    """

    def __init__(self, folder: WorkFolder, bands: int, keep_band_keys: bool = False) -> None:
        """``keep_band_keys``: also keep every band key in memory, distinct, for a run that
        searches a dedup index with them (:meth:`all_band_keys`)."""
        self.bands = bands
        self._kept_band_keys: list[np.ndarray] | None = [] if keep_band_keys else None
        self._band_table = SpillTable(
            folder, "band_keys", pl.Schema({f"band_{b}": pl.UInt64 for b in range(bands)}), intermediate=True
        ) if bands else None
        self._shingles = SpillTable(folder, "shingles", SHINGLES, intermediate=True)
        self._parts: list[pl.DataFrame] = []
        self._has_bands: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._frame: pl.DataFrame | None = None
        self._forgotten = False

    def add(self, keyed: pl.DataFrame) -> None:
        """Store the signatures of ``keyed``'s normalised texts not seen before (``norm_key, shingles, band_keys, anchors``)."""
        new = keyed.select(pl.col("norm_key").is_first_distinct())["norm_key"]
        if self._parts:
            # the join builds its table on this batch's keys and streams the many stored ones
            keys = keyed.select("norm_key")
            known = self.frame.select("norm_key").join(keys.filter(new), on="norm_key", how="semi")["norm_key"]
            new = new & ~keys["norm_key"].is_in(known.implode())
        # one filter of the list columns (tens of MB per spill), on a mask made from the keys alone
        fresh = keyed.select("norm_key", "shingles", "band_keys", "anchors").filter(new)
        if fresh.height == 0:
            return
        lengths = fresh["band_keys"].list.len().to_numpy()
        has_bands = lengths == self.bands if self.bands else np.zeros(fresh.height, dtype=bool)
        if self._band_table is not None:
            columns = _band_columns(fresh["band_keys"], has_bands, self.bands)
            self._band_table.append(pl.DataFrame(dict(zip(self._band_table.schema, columns))))
            if self._kept_band_keys is not None:
                self._kept_band_keys.append(np.unique(np.concatenate([column[has_bands] for column in columns])))
        self._shingles.append(fresh.select("shingles"))
        self._counts.append(fresh["shingles"].list.len().fill_null(0).to_numpy().astype(np.int64))
        self._has_bands.append(has_bands)
        self._parts.append(fresh.select(*SIGNATURE_KEYS).rechunk())
        self._frame = None

    def forget_keys(self) -> None:
        """Drop every text's key and sentence anchors (:attr:`frame`), for a run that will not
        look a text up again once its candidate pairs are found: verification and the star
        clustering, where the run peaks, no longer carry them (10,000,000 paragraphs: peak
        7.52 -> 7.18 GB). Shingle sets, band keys and counts stay readable."""
        self._parts = []
        self._frame = None
        self._forgotten = True

    @property
    def frame(self) -> pl.DataFrame:
        """``norm_key, anchors`` of every stored text, one chunk per addition."""
        if self._forgotten:
            raise RuntimeError("the signature store's keys were dropped (forget_keys)")
        if self._frame is None:
            self._frame = pl.concat(self._parts, rechunk=False) if self._parts else schemas.empty(SIGNATURE_KEYS)
        return self._frame

    @property
    def has_bands(self) -> np.ndarray:
        """Whether each stored text has band keys (texts too short to shingle have none)."""
        return np.concatenate(self._has_bands) if self._has_bands else np.zeros(0, dtype=bool)

    @property
    def shingle_counts(self) -> np.ndarray:
        """The number of distinct shingles of each stored text."""
        return np.concatenate(self._counts) if self._counts else np.zeros(0, dtype=np.int64)

    def shingles_of(self, rows: np.ndarray) -> pl.Series:
        """The shingle lists of ``rows`` (sorted, distinct), read one row group at a time."""
        pieces = []
        start = 0
        for group, size in enumerate(self._shingles.row_group_sizes()):
            low, high = np.searchsorted(rows, [start, start + size])
            if high > low:
                lists = self._shingles.piece(group).to_series()
                pieces.append(lists.gather(rows[low:high] - start))
            start += size
        return pl.concat(pieces, rechunk=False).alias("shingles") if pieces else pl.Series("shingles", [], dtype=pl.List(pl.UInt64))

    def shingle_lists(self, rows: np.ndarray) -> pl.Series:
        """The shingle lists of ``rows`` in their order (repeats allowed)."""
        distinct, inverse = np.unique(rows, return_inverse=True)
        return self.shingles_of(distinct).rechunk().gather(inverse.astype(np.int64))

    def rows_of(self, norm_keys: pl.Series) -> np.ndarray:
        """The store row of each of ``norm_keys`` (all must be stored)."""
        stored = self.frame.select("norm_key").with_row_index("row")
        found = norm_keys.to_frame("norm_key").join(stored, on="norm_key", how="left", maintain_order="left")["row"]
        if found.null_count():
            raise KeyError("a normalised key has no stored signature")
        return found.to_numpy().astype(np.int64)

    def band(self, band: int) -> np.ndarray:
        """Band ``band``'s key of every stored text (0 where it has none; see :attr:`has_bands`)."""
        if self._band_table is None or self._band_table.rows == 0:
            return np.zeros(self.frame.height, dtype=np.uint64)
        return self._band_table.column(f"band_{band}").to_numpy()

    def all_band_keys(self) -> pl.Series | None:
        """Every distinct band key stored, when the store was made with ``keep_band_keys`` (what a
        dedup index is searched by); ``None`` otherwise."""
        if self._kept_band_keys is None:
            return None
        kept = np.unique(np.concatenate(self._kept_band_keys)) if self._kept_band_keys else np.zeros(0, dtype=np.uint64)
        return pl.Series("band_keys", kept, dtype=pl.UInt64)

    def band_lists(self, rows: np.ndarray) -> pl.Series:
        """The band keys of ``rows`` as lists, as the dedup index stores them."""
        if self._band_table is None or len(rows) == 0:
            return pl.Series("band_keys", [[]] * len(rows), dtype=pl.List(pl.UInt64))
        matrix = self._band_table.frame().to_numpy()[rows]
        has = self.has_bands[rows]
        counts = np.where(has, self.bands, 0).astype(np.int64)
        return lists_from_flat("band_keys", counts, matrix[has].reshape(-1))

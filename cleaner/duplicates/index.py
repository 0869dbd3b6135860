"""A persistent deduplication index, so that today's batch is checked against every earlier one.

A daily ETL job runs ``cleaner clean today/ -o out/today --index dedup-index``: the index
holds, for every paragraph seen before, what matching needs (normalised key, shingle hashes,
LSH band keys, sentence anchors) plus its text, source and date, so old inputs are never
reread. Each run appends one Parquet part and then atomically replaces ``meta.json``, which
lists the parts: a run killed in between leaves an unlisted part that is ignored.

Canonical choice is stable across runs: a paragraph that was canonical in the index stays
ahead of newcomers (the first step of the ranking), so cluster ids do not move.

The index records the signature parameters and the match threshold its band keys were
built with; a run with different ones is refused rather than silently compared.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import polars as pl

from cleaner import __version__
from cleaner.config import CleanConfig
from cleaner.duplicates.store import SignatureStore
from cleaner.errors import IndexMismatchError
from cleaner.tables.spill import SpillTable

FORMAT_VERSION = 1
INDEX_ROWS = pl.Schema(
    {
        "para_id": pl.String,
        "doc_id": pl.String,
        "source": pl.String,
        "date": pl.String,
        "position": pl.Int32,
        "text": pl.String,
        "norm_key": pl.String,
        "n_tokens": pl.Int32,
        "shingles": pl.List(pl.UInt64),
        "band_keys": pl.List(pl.UInt64),
        "anchors": pl.List(pl.UInt64),
        "was_canonical": pl.Boolean,
    }
)


def compatibility(config: CleanConfig) -> dict[str, Any]:
    """What must be equal between the runs that share an index."""
    params = config.signature_params()
    return {
        "signature": params.to_dict(),
        "bands": params.bands,
        "rows": params.rows,
        "min_contained_words": config.min_contained_words,
    }


META = "meta.json"


def is_index_folder(folder: Path) -> bool:
    """Whether ``folder`` is a dedup index (its ``meta.json`` lists parts and compatibility)."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and {"parts", "compatibility"} <= meta.keys()


class DedupIndex:
    """The folder of an index: ``meta.json`` and ``part-NNNNNN.parquet`` files."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def meta_path(self) -> Path:
        return self.path / META

    def meta(self) -> dict[str, Any] | None:
        if not self.meta_path.exists():
            return None
        return json.loads(self.meta_path.read_text(encoding="utf-8"))

    def check(self, config: CleanConfig) -> None:
        """Raise :class:`IndexMismatchError` if ``config`` cannot use this index."""
        meta = self.meta()
        if meta is None:
            return
        if meta.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(f"index {self.path} has format {meta.get('format')}, expected {FORMAT_VERSION}")
        expected = compatibility(config)
        if meta.get("compatibility") != json.loads(json.dumps(expected)):
            raise IndexMismatchError(
                f"index {self.path} was built with {meta.get('compatibility')}; this run uses {expected}. "
                "Use the same --jaccard and signature settings, or start a new index."
            )

    def load(self, config: CleanConfig, replacing: Collection[str] = ()) -> pl.DataFrame:
        """Every indexed paragraph (:data:`INDEX_ROWS`) except those of documents in ``replacing``.

        Documents processed again replace their earlier entries, so a rerun never matches
        a document against its own past copy.
        """
        self.check(config)
        meta = self.meta()
        if meta is None or not meta["parts"]:
            return pl.DataFrame(schema=INDEX_ROWS)
        frames = [pl.read_parquet(self.path / part) for part in meta["parts"]]
        rows = pl.concat(frames, how="vertical").cast(INDEX_ROWS)
        # parts written before shingles were stored distinct per paragraph
        rows = rows.with_columns(pl.col("shingles").list.unique(maintain_order=True))
        rows = rows.unique(subset="para_id", keep="last", maintain_order=True)
        if replacing:
            rows = rows.filter(~pl.col("doc_id").is_in(pl.Series(list(replacing), dtype=pl.String).implode()))
        return rows

    def append(self, rows: pl.DataFrame, config: CleanConfig) -> Path:
        """Add one part with ``rows`` and list it in ``meta.json`` (replaced atomically)."""
        self.check(config)
        self.path.mkdir(parents=True, exist_ok=True)
        meta = self.meta() or {
            "format": FORMAT_VERSION,
            "compatibility": compatibility(config),
            "parts": [],
        }
        number = len(meta["parts"])
        part = f"part-{number:06d}.parquet"
        while (self.path / part).exists():
            number += 1
            part = f"part-{number:06d}.parquet"
        staging = self.path / f".{part}.tmp"
        rows.select(*INDEX_ROWS).cast(INDEX_ROWS).write_parquet(staging, compression="zstd")
        os.replace(staging, self.path / part)
        meta = {**meta, "parts": [*meta["parts"], part], "version": __version__}
        meta["paragraphs"] = int(meta.get("paragraphs", 0)) + rows.height
        handle, temporary = tempfile.mkstemp(prefix=".meta-", dir=self.path)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(meta, stream, indent=2, sort_keys=True)
        os.replace(temporary, self.meta_path)
        return self.path / part


def load_index(config: CleanConfig, replacing: Collection[str]) -> pl.DataFrame:
    """The run's index rows (:data:`INDEX_ROWS`; none without an index), less the documents
    of this run (``replacing``), which replace their earlier entries."""
    if config.index_dir is None:
        return pl.DataFrame(schema=INDEX_ROWS)
    return DedupIndex(config.index_dir).load(config, replacing=replacing)


def indexed_documents(indexed: pl.DataFrame) -> pl.DataFrame:
    """Documents known only from the index: ranked like today's, never written out."""
    return indexed.select("doc_id", "source", "date").unique("doc_id", keep="first", maintain_order=True).with_columns(
        pl.lit(-1, dtype=pl.Int64).alias("order")
    )


def indexed_keys(indexed: pl.DataFrame) -> pl.DataFrame:
    """The index's paragraphs as deduplication's keys (``schemas.PARAGRAPH_KEYS`` and ``was_canonical``)."""
    return indexed.select(
        "para_id", "doc_id", "position", "norm_key", "n_tokens",
        pl.col("text").str.len_chars().cast(pl.Int32).alias("n_chars"), "was_canonical",
    )


def indexed_texts(indexed: pl.DataFrame) -> pl.DataFrame:
    """The index's paragraphs as the output's text rows (no input lines: they were read before)."""
    return indexed.select(
        "para_id", "doc_id", "position", "text",
        pl.lit(None, dtype=pl.Int32).alias("line_start"), pl.lit(None, dtype=pl.Int32).alias("line_end"),
    )


def index_rows(
    texts: SpillTable, keys: pl.DataFrame, signatures: SignatureStore | None, documents: pl.DataFrame, today: pl.DataFrame
) -> pl.DataFrame:
    """Today's paragraphs as the index stores them (:data:`INDEX_ROWS`): text, signatures,
    source, date, and whether each is canonical."""
    rows = texts.frame().select("para_id", "text").join(keys, on="para_id", how="left", maintain_order="left")
    if signatures is not None:
        store_rows = signatures.rows_of(rows["norm_key"])
        signature_lists = [
            signatures.shingle_lists(store_rows),
            signatures.band_lists(store_rows),
            signatures.frame["anchors"].rechunk().gather(store_rows),
        ]
    else:
        empty = pl.Series([[]] * rows.height, dtype=pl.List(pl.UInt64))
        signature_lists = [empty.alias("shingles"), empty.alias("band_keys"), empty.alias("anchors")]
    return (
        rows.with_columns(signature_lists)
        .join(documents.select("doc_id", "source", "date"), on="doc_id", how="left", maintain_order="left")
        .join(today.select("para_id", pl.col("is_canonical").alias("was_canonical")), on="para_id", how="left", maintain_order="left")
        .select(*INDEX_ROWS)
    )

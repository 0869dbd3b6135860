"""Units of classification: a batch's input lines, and the hard-wrapped paragraphs among them.

Every input line of every document of a batch is one row (``doc, line, raw, text``); a run
of consecutive lines that looks hard-wrapped (the rule of :class:`paragraphs.WrapRule`) is
judged as the one paragraph it is, since each of its lines is too short to look like prose.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from cleaner.normalize import collapse_whitespace, split_lines
from cleaner.paragraphs import WRAP


def lines_frame(texts: Sequence[str]) -> tuple[pl.DataFrame, list[int]]:
    """One row per input line: ``doc, line, raw, text`` (``text``: whitespace collapsed), and
    each document's number of lines."""
    split = pl.Series("raw", texts, dtype=pl.String).to_frame().select(split_lines(pl.col("raw")))["raw"]
    counts = split.list.len().to_numpy().astype(np.int64)
    raw = split.explode()
    doc = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    line = (np.arange(len(raw), dtype=np.int64) - starts + 1).astype(np.int32)
    frame = pl.DataFrame({"doc": doc, "line": line, "raw": raw, "text": collapse_whitespace(raw)})
    return frame, counts.tolist()


def line_blocks(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` (``doc, line, text``, non-blank, in order) with ``block`` (runs of consecutive
    lines) and ``wrapped``: whether the block looks hard-wrapped (:data:`paragraphs.WRAP`, as ``paragraphs.is_wrapped``).
    Blocks are contiguous rows, so their sums and maxima are numpy ``reduceat`` calls."""
    if lines.height == 0:
        return lines.with_columns(pl.lit(0, dtype=pl.Int64).alias("block"), pl.lit(False).alias("wrapped"))
    same_block_next = (pl.col("line").shift(-1) == pl.col("line") + 1) & (pl.col("doc").shift(-1) == pl.col("doc"))
    rows = lines.select(
        same_block_next.fill_null(False).alias("pair"),
        pl.col("text").str.len_chars().alias("chars"),
        pl.col("text").shift(-1).str.contains(r"^\p{Ll}").fill_null(False).alias("next_lower"),
        (pl.col("text").str.ends_with(",") | pl.col("text").str.ends_with("-")).alias("open_end"),
    )
    pair = rows["pair"].to_numpy()
    chars = rows["chars"].to_numpy().astype(np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ~pair[:-1]]))
    size = np.diff(np.append(starts, len(pair)))
    width = np.maximum.reduceat(chars, starts)
    full = np.add.reduceat(pair & (chars >= WRAP.full_line * np.repeat(width, size)), starts)
    mid = np.add.reduceat(pair & (rows["next_lower"].to_numpy() | rows["open_end"].to_numpy()), starts)
    pairs = size - 1
    wrapped = (
        (pairs >= 1)
        & (width >= WRAP.min_width)
        & (width <= WRAP.max_width)
        & (full >= WRAP.full_share * pairs)
        & (mid >= WRAP.mid_sentence_share * pairs)
    )
    return lines.with_columns(
        pl.Series("block", np.repeat(np.arange(len(starts), dtype=np.int64), size)),
        pl.Series("wrapped", np.repeat(wrapped, size)),
    )


def units_frame(lines: pl.DataFrame) -> pl.DataFrame:
    """Classification units: single non-blank lines, or whole hard-wrapped paragraphs.

    A wrapped paragraph's lines are each too short to look like prose, so they are judged
    together, as the paragraph they are.
    """
    blocks = line_blocks(lines.filter(pl.col("text") != ""))
    singles = blocks.filter(~pl.col("wrapped")).select("doc", "line", pl.concat_list("line").alias("numbers"), "text")
    if not blocks["wrapped"].any():
        return singles
    wrapped = (
        blocks.filter(pl.col("wrapped"))
        .group_by("block", maintain_order=True)
        .agg(pl.col("doc").first(), pl.col("line").first(), pl.col("line").alias("numbers"), pl.col("text").str.join(" "))
        .select("doc", "line", "numbers", "text")
    )
    return pl.concat([singles, wrapped]).sort("doc", "line")


def distinct_texts(texts: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """The distinct ``texts`` in order of first appearance, and each text's row among them.

    Texts are told apart by their 64-bit hashes; the rare batch where two texts share one is
    kept whole (every text its own row), so a collision can only cost time.
    """
    _, first, inverse = np.unique(texts.hash().to_numpy(), return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    distinct, inverse = texts.gather(first[order]), rank[inverse.reshape(-1)]
    if not (distinct.gather(inverse) == texts).all():
        return texts, np.arange(len(texts))
    return distinct, inverse

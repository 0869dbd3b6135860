"""Site templates: short lines that recur across many documents of the same source.

A menu, a section label or a footer line that an outlet prints on every page is clutter
whatever its language or wording, and no phrase list needs to know it. Before stripping,
one pass over the documents counts, per source, in how many documents each short line
occurs; lines found in at least ``min_documents`` documents and ``min_share`` of the
source's documents are that source's template, removed with reason ``template``.
Long lines are never template candidates: a paragraph repeated across documents is
syndicated content, which deduplication handles.

Copies of one document (the same article captured twice by a crawl, sent again in a later
dump) are one document here: they repeat every line of the article, and three captures of a
story made its shorter sentences that source's "template", stripped before deduplication could
see them. Documents of a source with the same sentences (:func:`copy_keys`) count once, the
first of them in input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl
import polars_hash
import xxhash

from cleaner.normalize import normalize_series, normalize_text, split_lines
from cleaner.tidy import tidy_series

MAX_TEMPLATE_WORDS = 20
MAX_TEMPLATE_CHARS = 1_000
"""A template line is short: fewer than 20 spaces and at most 1,000 characters."""
CHUNK_DOCUMENTS = 1024
"""Documents whose lines are counted together (Polars, in Rust: 180,000 lines in about 0.1 s
instead of 0.7 s line by line in Python)."""
_COMPACT_EVERY = 16
MIN_SHARE = 0.2
"""A template line occurs in at least this share of its source's documents (and in ``min_documents``)."""


def line_key(line: str) -> int | None:
    """The key a line is counted under, or ``None`` for blank and long lines."""
    normalized = normalize_text(line)
    if not normalized or normalized.count(" ") >= MAX_TEMPLATE_WORDS or len(normalized) > MAX_TEMPLATE_CHARS:
        return None
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8"))


def normalized_line_keys(normalized: pl.Series) -> pl.Series:
    """:func:`line_key` of lines already normalised (``normalize.normalize_series``), null for
    blank and long ones: xxh3-64 by polars-hash, equal to the ``xxhash`` package's."""
    n = pl.col("n")
    candidate = (n != "") & (n.str.count_matches(" ", literal=True) < MAX_TEMPLATE_WORDS) & (n.str.len_chars() <= MAX_TEMPLATE_CHARS)
    keys = normalized.to_frame("n").select(pl.when(candidate).then(polars_hash.col("n").nchash.xxh3_64()).alias("key"))
    return keys["key"]


def template_flags(normalized: pl.Series, doc: pl.Series, template_lines: Sequence[frozenset[int]]) -> pl.Series:
    """Whether each line (normalised, of document ``doc``) is one of its document's template
    lines; documents of one source share one set, which is matched once for all of them."""
    set_ids: dict[frozenset[int], int] = {}
    set_of_doc = [set_ids.setdefault(lines, len(set_ids)) if lines else -1 for lines in template_lines]
    members = pl.DataFrame(
        {"set": [i for lines, i in set_ids.items() for _ in lines], "key": [key for lines in set_ids for key in lines]},
        schema={"set": pl.Int64, "key": pl.UInt64},
    ).with_columns(pl.lit(True).alias("template"))
    lines = pl.DataFrame({"set": pl.Series(set_of_doc, dtype=pl.Int64).gather(doc), "key": normalized_line_keys(normalized)})
    return lines.join(members, on=["set", "key"], how="left", maintain_order="left")["template"].fill_null(False)


def find_templates(
    documents: Iterable[Mapping[str, Any]], min_documents: int = 3, min_share: float = MIN_SHARE
) -> dict[str, frozenset[int]]:
    """Per source, the keys of lines that make up its template (text documents only).

    Lines are those the stripper sees (``normalize.split_lines``); each chunk of documents is
    counted in one go and the per-chunk counts are merged as they accumulate.
    """
    totals: Counter[str] = Counter()
    counts: list[pl.DataFrame] = []
    chunk: list[tuple[str, str]] = []
    seen: set[int] = set()

    def count(chunk: list[tuple[str, str]]) -> None:
        frame = pl.DataFrame(chunk, schema={"source": pl.String, "body": pl.String}, orient="row")
        lines = normalized_lines(frame)
        first = []
        for key in copy_keys(frame, lines).to_list():
            first.append(key not in seen)
            seen.add(key)
        kept = pl.Series(first, dtype=pl.Boolean)
        totals.update(frame["source"].filter(kept).to_list())
        counts.append(_line_counts(lines.filter(pl.Series(kept.gather(lines["doc"])))))

    for doc in documents:
        if doc.get("content_type") != "text":
            continue
        chunk.append((doc["source"], doc["body"]))
        if len(chunk) == CHUNK_DOCUMENTS:
            count(chunk)
            chunk = []
            if len(counts) == _COMPACT_EVERY:
                counts = [_merged(counts)]
    if chunk:
        count(chunk)
    if not counts:
        return {}
    totals_frame = pl.DataFrame({"source": list(totals), "documents": list(totals.values())}, schema=SOURCE_TOTALS)
    return template_keys(_merged(counts), totals_frame, min_documents, min_share)


LINE_COUNTS = pl.Schema({"source": pl.String, "key": pl.UInt64, "documents": pl.Int64})
"""In how many documents of a source each short line occurs."""
SOURCE_TOTALS = pl.Schema({"source": pl.String, "documents": pl.Int64})
"""How many text documents each source has."""


def documents_needed(totals: pl.DataFrame, min_documents: int = 3, min_share: float = MIN_SHARE) -> pl.DataFrame:
    """``source, needed``: in how many documents a line must occur to be its source's template,
    from :data:`SOURCE_TOTALS`."""
    return totals.select("source", pl.max_horizontal(pl.lit(float(min_documents)), min_share * pl.col("documents")).alias("needed"))


def template_keys(counts: pl.DataFrame, totals: pl.DataFrame, min_documents: int = 3, min_share: float = MIN_SHARE) -> dict[str, frozenset[int]]:
    """The template of each source from its merged :data:`LINE_COUNTS` and :data:`SOURCE_TOTALS`
    (the Spark engine counts them on the executors and calls this on the driver)."""
    found = counts.join(documents_needed(totals, min_documents, min_share), on="source").filter(pl.col("documents") >= pl.col("needed")).group_by("source").agg("key")
    return {source: frozenset(keys) for source, keys in found.iter_rows()}


def template_line_counts(documents: pl.DataFrame) -> pl.DataFrame:
    """:data:`LINE_COUNTS` of a chunk of text documents (``source``, ``body``): in how many of
    them each short line occurs, to be summed with other chunks' by source and key."""
    return _line_counts(normalized_lines(documents))


def normalized_lines(documents: pl.DataFrame) -> pl.DataFrame:
    """``doc`` (the row of ``documents``), ``source`` and ``normalized`` of every line of the
    documents (``source``, ``body``), as the stripper splits them and tidied as it reads them
    (``tidy``: a direction mark it drops must not make a template line another line): read
    once for the copy keys and the line counts."""
    lines = (
        documents.select(pl.col("source").cast(pl.String), pl.col("body").cast(pl.String).alias("line"))
        .with_row_index("doc")
        .with_columns(split_lines(pl.col("line")))
        .explode("line")
    )
    return lines.select("doc", "source", normalize_series(tidy_series(lines["line"])).fill_null("").alias("normalized"))


def _line_counts(lines: pl.DataFrame) -> pl.DataFrame:
    keyed = lines.select("doc", "source", normalized_line_keys(lines["normalized"]))
    return (
        keyed.drop_nulls("key")
        .unique(["doc", "key"])
        .group_by("source", "key")
        .agg(pl.len().cast(pl.Int64).alias("documents"))
    )


COPY_KEY_WORDS = 8
"""A line of this many words or more is a sentence, which copies of a document share and other
documents of the same source do not; shorter lines (menus, timestamps, labels) do not tell them
apart."""


def copy_keys(documents: pl.DataFrame, lines: pl.DataFrame | None = None) -> pl.Series:
    """A key per document (``source``, ``body``) that copies of it share: XXH3-64 of its source
    and its lines of :data:`COPY_KEY_WORDS` words or more, normalised, in order (of all its
    lines when it has none). A capture of the same article under another timestamp or menu
    keeps its key; two articles of one outlet that share a long boilerplate line (a cookie
    notice) still differ in their own sentences. ``lines``: the documents'
    :func:`normalized_lines`, when already made."""
    lines = normalized_lines(documents) if lines is None else lines
    sentence = pl.col("normalized").str.count_matches(" ", literal=True) >= COPY_KEY_WORDS - 1
    joined = (
        lines.filter(pl.col("normalized") != "")
        .group_by("doc")
        .agg(pl.col("normalized").filter(sentence).str.join("\n").alias("sentences"), pl.col("normalized").str.join("\n").alias("all"))
        .select("doc", pl.when(pl.col("sentences") != "").then(pl.col("sentences")).otherwise(pl.col("all")).alias("normalized"))
    )
    text = (
        documents.select(pl.col("source").cast(pl.String).fill_null("")).with_row_index("doc")
        .join(joined, on="doc", how="left", maintain_order="left")
        .select(pl.concat_str(pl.col("source"), pl.col("normalized").fill_null(""), separator="\n").alias("copy"))
    )
    return text.select(polars_hash.col("copy").nchash.xxh3_64())["copy"]


def _merged(counts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(counts).group_by("source", "key").agg(pl.col("documents").sum())

"""Paragraphs stage: group kept lines into paragraphs that remember their line span.

Two layouts occur in text dumps: blank-line separated paragraphs (possibly hard-wrapped
over several lines) and one paragraph per line with headings inline. A run of consecutive
kept lines is joined into one paragraph only when it looks hard-wrapped; otherwise every
line is a paragraph of its own. A removed line always ends a paragraph, so a paragraph's
span never covers a line listed in ``removed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from cleaner import schemas
from cleaner.normalize import collapse_whitespace, split_lines

TERMINAL = ".!?…:;\"'”’»)]。！？"


@dataclass(frozen=True)
class WrapRule:
    """When a run of consecutive lines is one hard-wrapped paragraph (or several).

    Hard-wrapped text fills its lines to a similar width, between ``min_width`` and
    ``max_width`` characters: at least ``full_share`` of the lines (all but the last) reach
    ``full_line`` of the widest, and at least ``mid_sentence_share`` of them break mid-sentence
    (the next line starts in lower case, or the line ends with a comma or hyphen). One rule for
    :func:`is_wrapped` (a block at a time) and the stripper's batch version
    (``strip.units.line_blocks``).
    """

    min_width: int = 30
    max_width: int = 120
    full_line: float = 0.75
    full_share: float = 0.6
    mid_sentence_share: float = 0.4


WRAP = WrapRule()


class Paragraph(NamedTuple):
    """A paragraph's text and the 1-based, inclusive line span it came from (``None`` without lines)."""

    text: str
    line_start: int | None
    line_end: int | None


def blocks_of(lines: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = []
    for number, text in lines:
        if blocks and blocks[-1][-1][0] == number - 1:
            blocks[-1].append((number, text))
        else:
            blocks.append([(number, text)])
    return blocks


def is_wrapped(block: Sequence[tuple[int, str]]) -> bool:
    """Does a run of consecutive lines look like one hard-wrapped paragraph (or several)?

    Hard-wrapped text fills its lines to a similar width and breaks mid-sentence, so the
    next line usually starts in lower case. Lists of headlines or menu items vary in length
    and start every line with a capital: they stay one paragraph per line.
    """
    if len(block) < 2:
        return False
    width = max(len(text) for _, text in block)
    if width > WRAP.max_width or width < WRAP.min_width:
        return False
    pairs = list(zip(block, block[1:]))
    full = sum(1 for (_, line), _ in pairs if len(line) >= WRAP.full_line * width)
    mid_sentence = sum(
        1 for (_, line), (_, following) in pairs if following[:1].islower() or line.endswith((",", "-"))
    )
    return full >= WRAP.full_share * len(pairs) and mid_sentence >= WRAP.mid_sentence_share * len(pairs)


def _join(texts: Sequence[str]) -> str:
    joined = texts[0]
    for text in texts[1:]:
        joined = joined + text if joined.endswith("-") and text[:1].islower() else f"{joined} {text}"
    return joined


def split_wrapped(block: Sequence[tuple[int, str]]) -> list[Paragraph]:
    """One hard-wrapped block as paragraphs: a short line ending a sentence ends one."""
    width = max(len(text) for _, text in block)
    paragraphs: list[Paragraph] = []
    current: list[tuple[int, str]] = []
    for index, (number, text) in enumerate(block):
        current.append((number, text))
        last = index == len(block) - 1
        ends_paragraph = not last and text.endswith(tuple(TERMINAL)) and len(text) < 0.7 * width
        if last or ends_paragraph:
            paragraphs.append(Paragraph(_join([t for _, t in current]), current[0][0], current[-1][0]))
            current = []
    return paragraphs


def split_paragraphs(lines: Sequence[tuple[int, str]]) -> list[Paragraph]:
    """Paragraphs from kept ``(line_number, text)`` pairs, in order; text is whitespace-trimmed."""
    cleaned = [(number, " ".join(text.split())) for number, text in lines]
    paragraphs: list[Paragraph] = []
    for block in blocks_of([(n, t) for n, t in cleaned if t]):
        if is_wrapped(block):
            paragraphs.extend(split_wrapped(block))
        else:
            paragraphs.extend(Paragraph(text, number, number) for number, text in block)
    return paragraphs


def split_unnumbered(text: str) -> list[Paragraph]:
    """Paragraphs of text that has no input lines of its own (extracted HTML): one per line."""
    return [Paragraph(" ".join(line.split()), None, None) for line in text.split("\n") if line.strip()]


def keep_all_batch(documents: pl.DataFrame, min_chars: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Paragraphs of already-clean text documents (``--no-strip``), a whole batch at once.

    ``documents`` has ``doc_id`` and ``body``. Every non-blank line is kept and grouped as
    :func:`split_paragraphs` groups it (a property test compares the two); blank lines and
    paragraphs shorter than ``min_chars`` are listed as removed. Polars splits, trims and
    groups the lines; only runs of two or more consecutive non-blank lines, which may be
    hard-wrapped, go through the Python rules. Returns frames of ``schemas.PARAGRAPHS_RAW``
    and ``schemas.REMOVED``, in document and line order.

    The rows are in document and line order throughout, so a paragraph's position, whether a
    line stands alone and its document's id come from neighbouring rows and the batch's own
    order, not from group-bys and joins: 2.7-2.9 -> 1.45-1.6 s per million paragraphs of the
    benchmark corpus (one thread, old and new code alternating).
    """
    lines = (
        documents.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("doc"),
            split_lines(pl.col("body")).alias("text"),
        )
        .with_columns(pl.int_ranges(1, pl.col("text").list.len() + 1, dtype=pl.Int32).alias("line"))
        .explode("text", "line")
        .drop_nulls("text")
    )
    lines = lines.with_columns(collapse_whitespace(lines["text"]).alias("clean"))
    kept = (
        lines.filter(pl.col("clean") != "")
        .with_columns(
            ((pl.col("line") - 1 != pl.col("line").shift(1)) | (pl.col("doc") != pl.col("doc").shift(1))).fill_null(True).alias("opens")
        )
        .with_columns(pl.col("opens").cum_sum().alias("block"), (pl.col("opens") & pl.col("opens").shift(-1).fill_null(True)).alias("alone"))
    )
    single = kept.filter(pl.col("alone")).select(
        "doc", pl.col("clean").alias("text"), pl.col("line").alias("line_start"), pl.col("line").alias("line_end")
    )
    runs = kept.filter(~pl.col("alone")).group_by("block", maintain_order=True).agg(pl.first("doc"), "line", "clean")
    grouped = [
        {"doc": doc, "text": paragraph.text, "line_start": paragraph.line_start, "line_end": paragraph.line_end}
        for doc, numbers, texts in runs.select("doc", "line", "clean").iter_rows()
        for paragraph in split_paragraphs(list(zip(numbers, texts)))
    ]
    paragraphs = pl.concat([single, pl.DataFrame(grouped, schema=single.schema)])
    if grouped:
        paragraphs = paragraphs.sort("doc", "line_start")
    too_short = paragraphs.filter(pl.col("text").str.len_chars() < min_chars)
    removed = lines.filter(pl.col("clean") == "").select("doc", "line", "text", pl.lit("blank").alias("reason"))
    if too_short.height:
        short_lines = (
            too_short.select("doc", pl.int_ranges("line_start", pl.col("line_end") + 1, dtype=pl.Int32).alias("line"))
            .explode("line")
            .join(lines, on=["doc", "line"], how="left")
            .select("doc", "line", "text", pl.lit("too-short").alias("reason"))
        )
        removed = pl.concat([removed, short_lines]).sort("doc", "line")
        paragraphs = paragraphs.filter(pl.col("text").str.len_chars() >= min_chars)
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    first_of_document = (pl.col("doc") != pl.col("doc").shift(1)).fill_null(True)
    paragraphs = paragraphs.with_columns(
        (row - pl.when(first_of_document).then(row).forward_fill()).alias("position"),
        documents["doc_id"].gather(paragraphs["doc"]).alias("doc_id"),
    )
    removed = removed.with_columns(documents["doc_id"].gather(removed["doc"]).alias("doc_id"))
    return schemas.conform(paragraphs, schemas.PARAGRAPHS_RAW), schemas.conform(removed, schemas.REMOVED)

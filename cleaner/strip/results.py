"""What stripping returns: a decision per input line, the kept paragraphs, the metadata.

A batch's decisions are one frame (:data:`LINE_DECISIONS`), from which a pipeline writes its
audit directly; each document's :class:`StripResult` makes its per-line tuples only when
asked (a batch job that wants the text does not pay for a million tuples).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
import polars as pl

from cleaner.normalize import input_lines
from cleaner.paragraphs import Paragraph, split_paragraphs, split_wrapped
from cleaner.strip.decide import Classified
from cleaner.strip.inline import clean_inline_series
from cleaner.strip.language import compiled_batch, iso_code, languages_by_script
from cleaner.strip.units import line_blocks


class LineDecision(NamedTuple):
    """What happened to one input line, and why (a tuple: millions are made per run)."""

    line: int
    text: str
    keep: bool
    reason: str
    score: float
    cleaned: str = ""
    content: float | None = None
    """The line model's probability that the line is article text (``None``: not judged)."""


@dataclass(frozen=True, eq=False)
class StripResult:
    """Kept text, per-line decisions, removed lines with reasons, and the metadata found.

    ``decisions`` (one tuple per input line) are made on first use: a batch job that only
    wants the text does not pay for a million tuples.
    """

    text: str
    paragraphs: list[Paragraph]
    metadata: dict[str, str | None] = field(default_factory=dict)
    language: str | None = None
    confidence: float | None = None
    """How clearly one article stands out (:func:`strip_confidence`; ``None``: not stripped)."""
    make_decisions: Callable[[], list[LineDecision]] = field(default=list, repr=False)

    @cached_property
    def decisions(self) -> list[LineDecision]:
        """What happened to every input line, in order."""
        return self.make_decisions()

    @property
    def removed(self) -> list[tuple[int, str, str]]:
        """``(line, text, reason)`` of every line not kept."""
        return [(d.line, d.text, d.reason) for d in self.decisions if not d.keep]


@dataclass(frozen=True, eq=False)
class StrippedBatch:
    """A batch's results, and every line's decision as one frame (:data:`LINE_DECISIONS`):
    a pipeline writes its audit from the frame instead of a tuple per line."""

    results: list[StripResult]
    lines: pl.DataFrame


LINE_DECISIONS = pl.Schema(
    {
        "doc": pl.Int32, "line": pl.Int32, "raw": pl.String, "keep": pl.Boolean, "reason": pl.String,
        "score": pl.Float64, "cleaned": pl.String, "content": pl.Float64,
    }
)
"""One row per input line of a batch (``doc``: the text's index in the batch)."""


def strip_confidence(doc: np.ndarray, scores: np.ndarray, kept: np.ndarray, n_docs: int, *, compiled: bool = False) -> np.ndarray:
    """How clearly the kept text stands out, per document: ``K / (K + A)``, where ``K`` is the
    kept lines' summed score and ``A`` the best-scoring run of lines not kept (the strongest
    article that was turned down). 1.0: nothing else on the page reads like an article; 0.5: a
    rejected block reads as well as the kept one; 0.0: nothing kept. ``doc`` is sorted.

    On the extraction-wide text dumps the tenth of pages with the lowest confidence has a
    mean page F1 of 0.49 / 0.66 / 0.58 (dragnet / cleaneval / readability) against 0.82 /
    0.92 / 0.91 for the rest (``benchmarks/text_wide.py``): it finds pages whose article was
    missed or split. The share of positive score kept was a weaker signal (lowest tenth 0.73 /
    0.72 / 0.66, no better than the rest).

    The best rejected run is Kadane's search done for every document at once: within each
    stretch of lines not kept, a run ending at a line scores its prefix sum minus the lowest
    prefix sum before it. ``compiled`` (a large batch): one compiled loop
    (:func:`region_scan.best_rejected_runs`, the same figures); otherwise Polars' windows, which
    do not load numba for a small batch.
    """
    kept_score = np.maximum(np.bincount(doc, weights=np.where(kept, scores, 0.0), minlength=n_docs), 0.0)
    if compiled:
        from cleaner.strip.region_scan import best_rejected_runs

        rejected = best_rejected_runs(doc.astype(np.int64, copy=False), scores.astype(np.float64, copy=False), kept.astype(np.bool_, copy=False), n_docs)
    else:
        rejected = _best_rejected_runs(doc, scores, kept, n_docs)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(kept_score > 0, kept_score / (kept_score + rejected), 0.0)


def _best_rejected_runs(doc: np.ndarray, scores: np.ndarray, kept: np.ndarray, n_docs: int) -> np.ndarray:
    """:func:`region_scan.best_rejected_runs` with Polars' windows."""
    stretch = np.cumsum(kept | np.concatenate([[True], doc[1:] != doc[:-1]])) if len(doc) else doc
    runs = (
        pl.DataFrame({"doc": doc, "stretch": stretch, "score": scores})
        .filter(pl.Series(~kept))
        .with_columns(pl.col("score").cum_sum().over("stretch").alias("prefix"))
        .with_columns((pl.col("prefix") - pl.col("prefix").shift(1, fill_value=0.0).cum_min().over("stretch")).alias("run"))
        .group_by("doc")
        .agg(pl.col("run").max())
    )
    rejected = np.zeros(n_docs)
    rejected[runs["doc"].to_numpy()] = np.maximum(runs["run"].to_numpy(), 0.0)
    return rejected


def decision_frame(results: Sequence[StripResult]) -> pl.DataFrame:
    """:data:`LINE_DECISIONS` from the per-line tuples (a batch that is not stripped)."""
    rows = [(doc, *decision) for doc, result in enumerate(results) for decision in result.decisions]
    return pl.DataFrame(rows, schema=LINE_DECISIONS, orient="row")


def batch_results(classified: Classified, reasons: list[str], content: np.ndarray) -> StrippedBatch:
    """Every line's decision (blank lines included), its cleaned text, and each document's result."""
    lines, line_counts, features = classified.lines, classified.line_counts, classified.features
    metadata, languages = classified.metadata, classified.languages
    by_line = (
        features.select("doc", "numbers", "score")
        .with_columns(pl.Series("reason", reasons, dtype=pl.String), pl.Series("content", content, dtype=pl.Float64))
        .explode("numbers")
    )
    # each line's row in ``lines``: its document's first row plus its number, no join needed
    first_rows = np.cumsum([0, *line_counts])[:-1]
    rows = first_rows[by_line["doc"].to_numpy()] + by_line["numbers"].to_numpy().astype(np.int64) - 1
    reason = pl.repeat("blank", lines.height, dtype=pl.String, eager=True).alias("reason").scatter(rows, by_line["reason"])
    score = np.zeros(lines.height, dtype=np.float64)
    score[rows] = by_line["score"].to_numpy()
    probability = np.full(lines.height, np.nan)
    probability[rows] = by_line["content"].to_numpy()
    kept_rows = rows[(by_line["reason"] == "").to_numpy()]
    kept_rows.sort()
    cleaned_kept = clean_inline_series(lines["text"].gather(kept_rows))
    cleaned = pl.repeat("", lines.height, dtype=pl.String, eager=True).alias("cleaned").scatter(kept_rows, cleaned_kept)
    emptied = kept_rows[(cleaned_kept == "").to_numpy()]
    reason = reason.scatter(kept_rows, "kept")
    if len(emptied):
        reason = reason.scatter(emptied, "inline-clutter")
    decided = lines.with_columns(
        reason, pl.Series("score", score), cleaned, pl.Series("content", probability, nan_to_null=True)
    ).with_columns(
        (pl.col("reason") == "kept").alias("keep")
    )
    line_docs = np.repeat(np.arange(len(line_counts)), line_counts)
    confidence = strip_confidence(
        line_docs, score, decided["keep"].to_numpy(), len(line_counts), compiled=compiled_batch(classified.features["normalized"])
    )
    kept = line_blocks(decided.filter(pl.col("keep")).select("doc", "line", pl.col("cleaned").alias("text")))
    kept_docs = np.searchsorted(kept["doc"].to_numpy(), np.arange(len(line_counts) + 1)).tolist()
    kept_line, kept_text, kept_block, kept_wrapped = (kept[name].to_list() for name in ("line", "text", "block", "wrapped"))
    wrapped_before = np.concatenate([[0], np.cumsum(kept["wrapped"].to_numpy())]).tolist()
    doc_rows = np.cumsum([0, *line_counts]).tolist()
    results = []
    for doc, count in enumerate(line_counts):
        lo, hi = kept_docs[doc], kept_docs[doc + 1]
        if wrapped_before[hi] == wrapped_before[lo]:  # no wrapped block: a paragraph per kept line
            paragraphs = list(map(Paragraph, kept_text[lo:hi], kept_line[lo:hi], kept_line[lo:hi]))
            text = "\n\n".join(kept_text[lo:hi])
        else:
            paragraphs = _paragraphs(kept_line, kept_text, kept_block, kept_wrapped, lo, hi)
            text = "\n\n".join(p.text for p in paragraphs)
        language = languages[doc][0] if languages[doc] else None

        def decisions(first: int = doc_rows[doc], count: int = count) -> list[LineDecision]:
            # sliced only when asked for: a slice per document cost 5% of the stripping time
            rows = decided.slice(first, count)
            columns = (rows[name].to_list() for name in ("line", "raw", "keep", "reason", "score", "cleaned", "content"))
            return list(map(LineDecision, *columns))

        results.append(
            StripResult(
                text=text,
                paragraphs=paragraphs,
                metadata=metadata[doc],
                language=iso_code(language),
                confidence=float(confidence[doc]),
                make_decisions=decisions,
            )
        )
    unknown = [doc for doc, result in enumerate(results) if result.language is None and result.text]
    for doc, language in zip(unknown, languages_by_script([results[doc].text for doc in unknown])):
        if language is not None:
            results[doc] = replace(results[doc], language=language)
    return StrippedBatch(results, decided.select(*LINE_DECISIONS))


def _paragraphs(
    line: list[int], text: list[str], block: list[int], wrapped: list[bool], lo: int, hi: int
) -> list[Paragraph]:
    """``paragraphs.split_paragraphs`` of one document's kept lines (rows ``lo`` to ``hi``),
    whose blocks were found for the whole batch: only wrapped blocks are split here."""
    paragraphs: list[Paragraph] = []
    index = lo
    while index < hi:
        if not wrapped[index]:
            paragraphs.append(Paragraph(text[index], line[index], line[index]))
            index += 1
            continue
        end = index
        while end < hi and block[end] == block[index]:
            end += 1
        paragraphs.extend(split_wrapped(list(zip(line[index:end], text[index:end]))))
        index = end
    return paragraphs


def keep_all(text: str) -> StripResult:
    """Every non-blank line kept as it is (already-clean text): no features are computed."""
    decisions = []
    for number, raw in enumerate(input_lines(text), start=1):
        clean = " ".join(raw.split())
        decisions.append(LineDecision(number, raw, bool(clean), "kept" if clean else "blank", 0.0, clean))
    return _result(decisions, {"title": None, "author": None, "date": None}, None)


def _result(decisions: list[LineDecision], metadata: dict[str, str | None], language: str | None) -> StripResult:
    paragraphs = split_paragraphs([(d.line, d.cleaned) for d in decisions if d.keep])
    return StripResult(
        text="\n\n".join(p.text for p in paragraphs),
        paragraphs=paragraphs,
        metadata=metadata,
        language=language,
        make_decisions=lambda: decisions,
    )

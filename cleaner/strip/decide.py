"""The rules' decision: every unit's reason to be removed (``""``: kept), and the metadata.

A unit with a pattern has its reason; otherwise bylines and datelines above the article go
to metadata, short lines listed under a related, comments or video marker share its reason,
lines inside an article region are kept, and long prose outside every region is rescued.
The headline above the article is found by walking up from it (:func:`classify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from cleaner.dates import iso_date
from cleaner.normalize import normalize_text
from cleaner.strip import line_model
from cleaner.strip.comments import mark_comment_threads
from cleaner.strip.features import DATE, PROSE_MIN_WORDS, unit_features, with_scores
from cleaner.strip.galleries import mark_slide_captions
from cleaner.strip.language import compiled_batch
from cleaner.strip.options import StripOptions
from cleaner.strip.patterns import compiled_rules
from cleaner.strip.regions import (
    RegionUnits,
    batch_article_regions,
    bridged,
    mark_promotions_outside,
)
from cleaner.strip.teasers import mark_teaser_lists
from cleaner.strip.units import lines_frame, units_frame

LISTING_REASONS = frozenset({"related", "comments", "video"})
"""Reasons that carry over to the short lines listed right under the marker line."""
RESCUE_WORDS = 35
"""A prose line outside every article region is still kept when it has this many words."""
MAX_HEADLINE_RUN = 4
HEAD_LABEL_WORDS = 2
HEAD_LABELS = 3
"""Up to this many lines of at most two words (labels, counters, share links) may sit
between a headline and the article's first paragraph."""


@dataclass(frozen=True, eq=False)
class Classified:
    """A batch as the rules leave it: lines, unit features, each unit's reason and region."""

    lines: pl.DataFrame
    line_counts: list[int]
    features: pl.DataFrame
    reasons: list[str]
    in_region: np.ndarray
    metadata: list[dict[str, str | None]]
    languages: list[list[str]]


def classify(
    texts: Sequence[str],
    options: StripOptions,
    titles: Sequence[str | None] | None,
    template_lines: Sequence[frozenset[int]] | None,
) -> Classified:
    """The rules' decision for every unit of a batch (before the line model)."""
    if template_lines is None and options.template_lines:
        template_lines = [options.template_lines] * len(texts)
    rules = compiled_rules(options.extra_patterns)
    lines, line_counts = lines_frame(texts)
    features, languages = unit_features(units_frame(lines), rules, len(texts))
    features = mark_teaser_lists(mark_comment_threads(mark_slide_captions(with_scores(features, languages, template_lines))))
    bounds = np.searchsorted(features["doc"].to_numpy(), np.arange(len(texts) + 1)).tolist()
    units = RegionUnits(features, rules)
    regions = batch_article_regions(features["score"].to_numpy(), bounds, compiled_batch(features["normalized"]))
    peeled = units.trim_edges(regions)
    regions = [bridged(doc_regions, units, peeled[doc]) for doc, doc_regions in enumerate(regions)]
    decided = decide_units(features, regions, peeled, bounds, titles, options)
    reasons: list[str] = decided["reason"].to_list()
    mark_promotions_outside(reasons, decided, units)
    metadata = document_metadata(decided, len(texts))
    head = _HeadColumns(decided)
    for doc in range(len(texts)):
        first_main = regions[doc][0][0] if regions[doc] else bounds[doc + 1]
        title_known = (titles is not None and titles[doc] is not None) or metadata[doc]["title"] is not None
        _head_of_article(head, reasons, bounds[doc], first_main, metadata[doc], title_known)
    return Classified(lines, line_counts, features, reasons, decided["in_region"].to_numpy(), metadata, languages)


LONE_LINE_REASONS = frozenset({"title", "outside-main"})
"""What the rules call the only line of a document when it is not prose-shaped (no final full
stop): a headline, or a line outside any main region. Neither leaves the document a body."""


def keep_lone_lines(classified: Classified, reasons: list[str], titles: Sequence[str | None] | None) -> list[str]:
    """``reasons`` with the only line of a one-line document kept (``""``) where the rules took
    it for the headline or left it outside the main text, and no phrase pattern named it.

    A record of one line (a headline, a post, a summary without a final full stop) is its own
    body: taken for a title, it left the document empty, out of deduplication (a record of
    17 words, "... about ferries and harbours. more", became a title and nothing else). Its
    title then stays unknown. A line that repeats the title the record gave (``titles``) stays
    the title, as in a longer document. Two of the 3,211 development dumps have one line or
    none; neither changes."""
    doc = classified.features["doc"].to_numpy()
    n_docs = len(classified.line_counts)
    alone = np.flatnonzero(np.bincount(doc, minlength=n_docs) == 1)
    if not len(alone):
        return reasons
    units = np.searchsorted(doc, alone)
    patterns = classified.features["pattern"].gather(units).to_list()
    texts = classified.features["text"].gather(units).to_list()
    revised = list(reasons)
    for document, unit, pattern, text in zip(alone.tolist(), units.tolist(), patterns, texts):
        given = titles is not None and titles[document] is not None
        if revised[unit] in LONE_LINE_REASONS and pattern is None and not (given and revised[unit] == "title"):
            if revised[unit] == "title" and classified.metadata[document]["title"] == text:
                classified.metadata[document]["title"] = None
            revised[unit] = ""
    return revised


def model_features(classified: Classified, reasons: pl.Series) -> pl.DataFrame:
    """The line model's features of every unit, given the reasons the rules left."""
    return line_model.line_features(classified.features.select(line_model.MODEL_INPUTS), reasons, classified.in_region)


def line_model_inputs(texts: Sequence[str], options: StripOptions | None = None) -> pl.DataFrame:
    """Every unit of a batch with the rules' reason and the line model's features: what
    ``tools/train_line_model.py`` learns from (``doc``, ``line``, ``text``, ``reason``, features)."""
    classified = classify(texts, options or StripOptions(), None, None)
    reasons = pl.Series("reason", classified.reasons, dtype=pl.String)
    return classified.features.select("doc", "line", "text").with_columns(reasons).hstack(model_features(classified, reasons))


def decide_units(
    features: pl.DataFrame,
    regions: list[list[list[int]]],
    peeled: list[dict[int, str]],
    bounds: list[int],
    titles: Sequence[str | None] | None,
    options: StripOptions,
) -> pl.DataFrame:
    """Every unit's reason to be removed (``""``: kept), for the whole batch at once.

    A unit with a pattern has its reason; otherwise bylines and datelines above the article
    go to metadata, short lines listed under a related/comments/video marker share its
    reason (until the next paragraph of prose), lines inside an article region are kept,
    and long prose outside every region is rescued.
    """
    n = features.height
    in_region = np.zeros(n, dtype=bool)
    before_main = np.zeros(n, dtype=bool)
    for doc, doc_regions in enumerate(regions):
        for start, end in doc_regions:
            in_region[start:end] = True
        before_main[bounds[doc] : doc_regions[0][0] if doc_regions else bounds[doc + 1]] = True
    edge_rows = [index for doc in peeled for index in doc]
    edge_reasons = [reason for doc in peeled for reason in doc.values()]
    pattern = features["pattern"].scatter(edge_rows, edge_reasons) if edge_rows else features["pattern"]
    title_keys = [normalize_text(title) if title else None for title in (titles or [None] * (len(bounds) - 1))]
    frame = features.select("doc", "n_words", "prose_shape", "list_item", "byline", "dateline", "normalized", "text").with_columns(
        pattern.alias("pattern"),
        pl.Series("in_region", in_region),
        pl.Series("before_main", before_main),
        pl.Series(title_keys, dtype=pl.String).gather(features["doc"]).alias("title_key"),
    )
    words_ = pl.col("n_words")
    pattern_ = pl.col("pattern")
    prose = (pattern_.is_null() & pl.col("prose_shape")) | pl.col("list_item")
    reset = prose & (words_ >= PROSE_MIN_WORDS)
    marker = pl.when(pattern_.is_in(list(LISTING_REASONS))).then(pattern_)
    listing = (
        pl.when(reset).then(pl.lit("")).otherwise(marker.shift(1).over("doc")).forward_fill().over("doc")
    )
    frame = frame.with_columns(prose.alias("prose"), listing.alias("listing")).with_columns(
        pl.when(pl.col("listing") == "").then(None).otherwise(pl.col("listing")).alias("listing")
    )
    weak = ~pl.col("prose") | (words_ < PROSE_MIN_WORDS)
    caption_kept = (pattern_ == "caption") & pl.lit(options.keep_captions)
    reason = (
        pl.when(pl.col("normalized") == pl.col("title_key")).then(pl.lit("title"))
        .when(pattern_.is_not_null()).then(pl.when(caption_kept).then(pl.lit("")).otherwise(pattern_))
        .when(weak & pl.col("byline").is_not_null()).then(pl.lit("byline"))
        .when(weak & pl.col("dateline") & pl.col("before_main")).then(pl.lit("dateline"))
        .when(weak & pl.col("listing").is_not_null() & ~pl.col("in_region")).then(pl.col("listing"))
        .when(pl.col("in_region")).then(pl.when(~pl.col("prose") & pl.lit(not options.keep_headings)).then(pl.lit("heading")).otherwise(pl.lit("")))
        .when(pl.col("prose") & (words_ >= RESCUE_WORDS) & pl.col("listing").is_null()).then(pl.lit(""))
        .otherwise(pl.lit("outside-main"))
    )
    return frame.with_columns(reason.alias("reason")).with_columns(
        features["headline_shape"], features["standfirst"]
    )


def document_metadata(decided: pl.DataFrame, n_docs: int) -> list[dict[str, str | None]]:
    """Each document's author and date: its first byline, and the first date that parses in its
    datelines and bylines ("By NAME, OUTLET | 2 February 2026" gives both; "Updated 23:41" gives
    none). Taking only dates that parse: on extraction-dev's text dumps, wrong dates 95 -> 52 of
    728, right ones 301 -> 304."""
    metadata: list[dict[str, str | None]] = [{"title": None, "author": None, "date": None} for _ in range(n_docs)]
    lines = decided.select("doc", "reason", "byline", "text").filter(pl.col("reason").is_in(["byline", "dateline"]))
    for doc, reason, byline, text in lines.iter_rows():
        found = metadata[doc]
        if reason == "byline" and found["author"] is None:
            found["author"] = byline
        if found["date"] is None and (reason == "dateline" or DATE.search(text)) and (date := iso_date(text)) != text.strip():
            found["date"] = date  # a date that parses: "Updated 23:41" or a byline is no date
    return metadata


class _HeadColumns:
    """What the headline walk reads, as lists for the whole batch."""

    def __init__(self, decided: pl.DataFrame) -> None:
        self.n_words: list[int] = decided["n_words"].to_list()
        self.pattern: list[str | None] = decided["pattern"].to_list()
        self.headline_shape: list[bool] = decided["headline_shape"].to_list()
        self.standfirst: list[bool] = decided["standfirst"].to_list()
        self.text = decided["text"]  # one line per document is read: not worth a list of all


def _head_of_article(
    columns: _HeadColumns, reasons: list[str], lo: int, first_main: int, metadata: dict[str, str | None], title_known: bool
) -> None:
    """Find the headline above the main text, and keep the deck and standfirst beside it.

    Walking up from the main text over bylines, datelines, captions and a few short labels,
    a run of headline-shaped lines (and full sentences) is the head of the article. Its first
    headline of four words or more is the title (moved to metadata, unless the record had
    one); what follows it (deck, standfirst) stays in the text; what precedes it (kickers,
    section labels, breadcrumbs) stays out.
    """
    if first_main <= lo:
        return
    n_words, standfirst = columns.n_words[lo:first_main], columns.standfirst[lo:first_main]

    def headline(offset: int) -> bool:
        return columns.headline_shape[lo + offset] and columns.pattern[lo + offset] is None

    run: list[int] = []
    skipped = 0
    for offset in range(first_main - lo - 1, -1, -1):
        reason = reasons[lo + offset]
        if reason in ("byline", "dateline", "caption", "title", "repeated", ""):
            continue
        if n_words[offset] <= HEAD_LABEL_WORDS and skipped < HEAD_LABELS and not headline(offset):
            skipped += 1
            continue
        if reason != "outside-main":
            break
        if not (standfirst[offset] or headline(offset)) or len(run) >= MAX_HEADLINE_RUN:
            break
        run.append(offset)
    if not run:
        return
    head = run[::-1]
    title_at = next((i for i, offset in enumerate(head) if headline(offset) and n_words[offset] >= 4), None)
    if title_at is None:
        return
    if not title_known:
        metadata["title"] = columns.text[lo + head[title_at]]
        reasons[lo + head[title_at]] = "title"
    for offset in head[title_at + 1 :]:
        reasons[lo + offset] = ""

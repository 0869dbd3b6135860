"""Strip stage for plain text: decide, line by line, what is article and what is clutter.

Every line gets a decision with a reason code and a score, so that ``cleaner strip --explain``
can show why. The decision combines signals that carry over to sites never seen before:

1. **Shape**: length, terminal punctuation, stopword density in the document's language
   (jusText's lists for 100 languages). Prose is long and full of function words.
2. **Position**: clutter surrounds the article. The main region is the run of lines with the
   highest sum of prose scores (a maximum-subarray search); short lines inside it are
   headings, short lines outside it are navigation and link lists.
3. **Barriers**: markers of related-article lists, comment sections and footers end the
   region, and the lines listed under them share their reason. A comments marker after the
   article with comment headers under it ("NAME on DATE at TIME", "NAME says:") opens a
   thread that runs to the end: comments are prose, but never article text.
4. **Phrase patterns**: data files per language (``cleaner/data/patterns``), applied to short
   lines only, so that a sentence that merely mentions "subscribe" is never removed.
5. **Repetition**: a short line seen three times in one document is a widget's label.
6. **A learned second opinion** (``line_model``): an additive model over these signals and
   the neighbours' keeps lines the rules left just outside the article and drops kept lines
   it is nearly sure about; patterns and metadata lines keep the rules' decision.

Title, byline and dateline lines are moved into metadata instead of being dropped silently,
and clutter inside kept lines (glued citation numbers, slug prefixes) is cut out.

The work is done for a whole batch of documents at once (:func:`strip_texts`): every line's
features are Polars expressions over the batch (Rust regular expressions, stopword lookups as
one join), the decisions too; only the maximum-subarray search and the headline walk run per
document in Python. That is what makes text mode fast (6x the line-by-line version).

The steps, one module each:

- ``units``: a batch's lines, and the hard-wrapped paragraphs among them;
- ``patterns``: the phrase patterns (data files) and their two regex engines;
- ``language``: words, stopwords, each document's languages;
- ``word_scan``: the same counts as compiled loops, for large batches;
- ``features``: every unit's shape features and its score;
- ``comments``: reader comment threads under the article;
- ``teasers``: other stories' headlines and summaries under a list heading;
- ``galleries``: a slideshow's slides, each opened by its place in the show ("2/50");
- ``regions``: the article regions, their edges peeled;
- ``decide``: every unit's reason, the headline, byline and dateline;
- ``line_model``: the learned second opinion at the rules' margins;
- ``inline``: clutter cut out of kept lines;
- ``results``: the decisions, paragraphs and metadata returned;
- ``templates``: the site-template lines counted across a source's documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from cleaner.gc_paused import gc_paused
from cleaner.strip import line_model
from cleaner.strip.decide import classify, keep_lone_lines, line_model_inputs, model_features
from cleaner.strip.inline import clean_inline
from cleaner.strip.options import StripOptions
from cleaner.strip.patterns import load_pattern_file, parse_patterns, pattern_reasons
from cleaner.strip.results import (
    LINE_DECISIONS,
    LineDecision,
    StrippedBatch,
    StripResult,
    batch_results,
    decision_frame,
    keep_all,
    strip_confidence,
)

__all__ = [
    "LINE_DECISIONS",
    "LineDecision",
    "StripOptions",
    "StripResult",
    "StrippedBatch",
    "clean_inline",
    "line_model_inputs",
    "load_pattern_file",
    "parse_patterns",
    "pattern_reasons",
    "strip_batch",
    "strip_confidence",
    "strip_text",
    "strip_texts",
]


def strip_texts(
    texts: Sequence[str],
    *,
    options: StripOptions | None = None,
    titles: Sequence[str | None] | None = None,
    template_lines: Sequence[frozenset[int]] | None = None,
) -> list[StripResult]:
    """:func:`strip_text` for many documents at once, much faster per document: the features
    and decisions of every line of the batch are computed together by Polars; only the
    search for each article's region and its headline walk run per document.

    ``titles[i]`` and ``template_lines[i]`` are document ``i``'s known title and site
    template lines (``options.template_lines`` applies when ``template_lines`` is not given).
    """
    return strip_batch(texts, options=options, titles=titles, template_lines=template_lines).results


def strip_batch(
    texts: Sequence[str],
    *,
    options: StripOptions | None = None,
    titles: Sequence[str | None] | None = None,
    template_lines: Sequence[frozenset[int]] | None = None,
) -> StrippedBatch:
    """:func:`strip_texts`, with every line's decision also as one frame."""
    options = options or StripOptions()
    if not options.strip or not texts:
        results = [keep_all(text) for text in texts]
        return StrippedBatch(results, decision_frame(results))
    with gc_paused():
        return _stripped(texts, options, titles, template_lines)


def _stripped(
    texts: Sequence[str],
    options: StripOptions,
    titles: Sequence[str | None] | None,
    template_lines: Sequence[frozenset[int]] | None,
) -> StrippedBatch:
    classified = classify(texts, options, titles, template_lines)
    reasons = pl.Series("reason", classified.reasons, dtype=pl.String)
    content = np.full(len(reasons), np.nan)
    if options.line_model:
        features = model_features(classified, reasons)
        judged = line_model.judged(reasons, classified.features["pattern"])
        log_odds = line_model.bundled_model().log_odds(features.filter(pl.Series(judged)))
        content[judged] = line_model.content_probability(log_odds)
        doc, n_words = classified.features["doc"].to_numpy(), classified.features["n_words"].to_numpy()
        reasons = line_model.revised_reasons(reasons, content, doc, n_words)
    return batch_results(classified, keep_lone_lines(classified, reasons.to_list(), titles), content)


def strip_text(
    text: str,
    *,
    options: StripOptions | None = None,
    title: str | None = None,
) -> StripResult:
    """Separate article text from clutter in one plain-text document.

    ``title`` (when the record already has one) lets the title line be recognised.
    Returns the kept paragraphs with their line spans, a decision per input line
    (kept or removed, reason, score) and the title/author/date found in the text.
    Many documents: :func:`strip_texts` is about twenty times faster per document (a call
    has a fixed cost of a few milliseconds, which a batch shares).
    """
    return strip_texts([text], options=options, titles=[title])[0]

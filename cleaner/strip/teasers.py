"""Teaser lists: other stories' headlines, each with its one-sentence summary, under a list heading.

A teaser's summary is a sentence full of stopwords, so it scores as prose; after a short
article, three of them outscore the article, and the maximum-sum region takes them instead.
What gives them away is their rhythm under a list heading ("Top stories", "More from
Business", "You may also like"): a short headline-shaped line, then one summary, again and
again. An article's own subheadings come with paragraphs of their own, and after a one-line
"Read more: ..." the article resumes with prose, not with that rhythm.

From a heading that a ``related`` or ``nav`` pattern claims, :data:`MIN_TEASERS` or more
headline-and-summary pairs in a row are marked ``related``, with the score of a pattern line;
the run ends where the rhythm does.

Held out (``benchmarks/text_wide.py --leave-one-out``): Dragnet 0.8242 -> 0.8247, CleanEval
0.8966 -> 0.8964 (its gold keeps a resources page's annotated links), Readability 0.9031 =
0.9031. With two pairs enough, Dragnet lost 0.0004 (a photo gallery's captions have the same
rhythm); the two values were compared on all three sets.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cleaner.strip.features import PROSE_MIN_WORDS, with_claimed

HEADING_PATTERNS = ("related", "nav")
HEADING_WORDS = 5
"""A list heading is short ("More from Business"); "Read more: a story's own headline" is a
one-line teaser, after which the article can go on."""
MIN_TEASERS = 3
HEADLINE_WORDS = 16
SUMMARY_WORDS = (PROSE_MIN_WORDS, 60)
"""A teaser's headline is a short headline-shaped line; its summary one or two sentences."""


def mark_teaser_lists(units: pl.DataFrame) -> pl.DataFrame:
    """``units`` (one document after another, with ``doc``, ``pattern``, ``score``, ``n_words``,
    ``headline_shape`` and ``prose_shape``) with each teaser list's lines given the pattern
    ``related`` and the score of a pattern line."""
    pattern = units["pattern"]
    n_words = units["n_words"].to_numpy()
    headings = np.flatnonzero((pattern.is_in(HEADING_PATTERNS) & (units["n_words"] <= HEADING_WORDS)).fill_null(False).to_numpy())
    if len(headings) == 0:
        return units
    doc = units["doc"].to_numpy()
    free = pattern.is_null().to_numpy()
    headline = free & units["headline_shape"].to_numpy() & (n_words <= HEADLINE_WORDS)
    summary = free & units["prose_shape"].to_numpy() & (n_words >= SUMMARY_WORDS[0]) & (n_words <= SUMMARY_WORDS[1])
    teaser = np.zeros(units.height, dtype=bool)
    for row in headings.tolist():
        at = row + 1
        while at + 1 < units.height and doc[at + 1] == doc[row] and headline[at] and summary[at + 1]:
            at += 2
        if (at - row - 1) // 2 >= MIN_TEASERS:
            teaser[row + 1 : at] = True
    return with_claimed(units, teaser, "related") if teaser.any() else units

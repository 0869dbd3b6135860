"""Reader comments: a comment section below the article is clutter, however much it reads like prose.

Comments are sentences full of stopwords, so the prose score alone keeps them, and after a
short article they even outscore it. What gives a thread away is its frame: a marker after
the article ("Comments", "12 Responses to ...", "Leave a reply") and, right under it, the
headers that open each comment ("NAME on DATE at TIME", "NAME says:", a time of day).

A document's thread starts at the first comments marker that names comments (not a bare
"Discussion", which is also a paper's section), follows some article prose, and is either
counted ("46 Comments") or followed closely by comment headers (:data:`FIRST_HEADER_WITHIN`,
:data:`THREAD_HEADERS`); from there to the end every line without a pattern of its own is
marked ``comments``. A marker with nothing like a thread under it ("Comments" as a menu link
or a toolbar button) changes nothing.
"""

from __future__ import annotations

import numpy as np
import polars as pl

ARTICLE_BEFORE = 200.0
"""The summed prose score (about characters of prose) that must come before a comments
marker for it to open a thread: a "Comments" link in the menu above the article does not."""
FIRST_HEADER_WITHIN = 6
THREAD_HEADERS = 2
THREAD_WINDOW = 40
"""An uncounted marker opens a thread when a comment header follows within this many lines
and at least :data:`THREAD_HEADERS` within :data:`THREAD_WINDOW` lines."""
HEADER_WORDS = 20
"""A comment header is a short line."""
MARKER_PATTERNS = ("comments", "related")
"""A marker is a short line naming comments that one of these patterns claims ("{ 2425
comments... read them below or add one }" reads as a list heading too). A line no pattern
claims is not one: post titles, "Permalink | Comments (3)" under each post of a blog's front
page, "live splits and comments" (extraction-wide, every set: F1 down 0.006 to 0.014)."""
COMMENT_SCORE = -120.0
"""The score of a line in a thread: that of any line with a pattern (``features.with_scores``)."""

_COMMENT_WORD = (
    r"(?i)\b(?:comments?|responses?|replies|reactions?|kommentare?|commentaires?|comentarios?|commenti|"
    r"reacties|komentarz[ey]?|comentários?)\b"
)
_TIME = r"\b\d{1,2}:\d{2}\b"
_SAYS = r"(?i)(?:\bsays|\bsaid|\bwrote|\bschreibt|\bschrieb|\bdit|\bdice|\bescribió|\bscrive|\bschreef|\bnapisał)\s*:?$"
_COUNTED = r"^\d+\s+\w+|\(\d+\)\s*$"
"""A marker that counts the comments ("46 Comments", "156 Responses to ...", "Comments (186)")."""


def mark_comment_threads(units: pl.DataFrame) -> pl.DataFrame:
    """``units`` (one document after another, with ``doc``, ``pattern``, ``score``, ``n_words``,
    ``text``, ``dateline`` and ``byline``) with the lines of each comment thread given the
    pattern ``comments`` and the score of a pattern line."""
    short = pl.col("n_words") <= HEADER_WORDS
    positive = pl.col("score").clip(lower_bound=0.0)
    flags = units.select(
        (short & (pl.col("dateline") | pl.col("text").str.contains(_TIME) | pl.col("text").str.contains(_SAYS))).alias("header"),
        (
            pl.col("pattern").is_in(MARKER_PATTERNS) & short & pl.col("text").str.contains(_COMMENT_WORD)
            & (positive.cum_sum().over("doc") - positive >= ARTICLE_BEFORE)
        ).alias("marker"),
        pl.col("text").str.contains(_COUNTED).alias("counted"),
    )
    markers = np.flatnonzero(flags["marker"].to_numpy())
    if len(markers) == 0:
        return units
    header = flags["header"].to_numpy()
    counted = flags["counted"].to_numpy()
    doc = units["doc"].to_numpy()
    thread = np.zeros(units.height, dtype=bool)
    opened: set[int] = set()
    for row in markers.tolist():
        if doc[row] in opened:
            continue
        end = int(np.searchsorted(doc, doc[row], side="right"))
        near = header[row + 1 : min(row + 1 + FIRST_HEADER_WITHIN, end)]
        window = header[row + 1 : min(row + 1 + THREAD_WINDOW, end)]
        if near.any() and window.sum() >= THREAD_HEADERS:
            thread[row + 1 : end] = True
            opened.add(doc[row])
    newly = pl.Series(thread) & units["pattern"].is_null()
    return units.with_columns(
        pl.when(newly).then(pl.lit("comments")).otherwise(pl.col("pattern")).alias("pattern"),
        pl.when(newly).then(pl.lit(COMMENT_SCORE)).otherwise(pl.col("score")).alias("score"),
    )

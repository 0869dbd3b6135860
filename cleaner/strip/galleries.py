"""Slideshow captions: a photo gallery's slides, each line opened by its place in the show.

A gallery embedded in a news page ("Business news in pictures") prints every slide as its
counter and caption: "1/50 United goin down Manchester United's absence ...", "2/50 Star Wars
boosts economy ...". The captions are sentences, so they score as prose, and fifty of them
outweigh a short article: the maximum-sum region, and in HTML mode the third reading of the
page, take the gallery for the article. What gives them away is the counter: one total, and
the slides counting up to it.

In a document, the lines that open with a counter ``k/N`` (not a date: "03/05/2022") whose
``N`` is shared by :data:`MIN_SLIDES` or more lines, with three consecutive places among them
(1/50, 2/50, 3/50: a recipe's "1/8 inch", "3/8 inch" and "5/8 inch" do not count up) and at
most :data:`SLIDE_LINES` lines apart, are a show: every line from its first counter to the end
of its last slide gets the pattern ``caption`` and the score of a pattern line
(``StripOptions.keep_captions`` keeps them). The pass costs 11 ms of about 1,150 over
extraction-dev's 990 dumps.

On the extraction-wide text dumps such runs are 228 lines of 5 pages (Dragnet 1, CleanEval 3,
Readability 1), every one labelled boilerplate; on extraction-dev's dumps 5 pages hold one and
none of their expected snippets is in it. It changes one page of the four sets: Readability's
text mode held out 0.9066 -> 0.9101 (that page 0.33 -> 0.97), HTML mode 0.95516 -> 0.95885 (its
gallery had drawn the page's third reading, and so the choice, to trafilatura's text); the
other sets move only with the refitted line model (held out Dragnet 0.8371 -> 0.8370,
CleanEval 0.9018 -> 0.9020). The rule was written after reading that page: not a blind figure.
Counters written "k of N" were tried as well: they changed one Dragnet page, a photo post whose
captions are its article (0.70 -> 0.36), so they are not read. Such a post counted "k/N" would
lose its captions the same way (``keep_captions`` keeps them).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cleaner.strip.features import with_claimed

SLIDE_COUNTER = r"^\W{0,3}(\d{1,3})\s*/\s*(\d{1,3})([/.\-]?\d)?"
"""A counter at the start of a line: its place and the show's total. The third group catches
what would make it a date ("03/05/2022") or a longer number, which is not a counter."""
MIN_SLIDES = 3
SLIDE_LINES = 6
"""A slide is its counter line and at most a few more (a caption, a credit); the last slide
is given as many lines as the show's typical one."""


def mark_slide_captions(units: pl.DataFrame) -> pl.DataFrame:
    """``units`` (one document after another, with ``doc`` and ``text``) with each gallery's
    slide lines given the pattern ``caption`` and the score of a pattern line."""
    opening = np.flatnonzero(units["text"].str.contains(SLIDE_COUNTER).fill_null(False).to_numpy())
    if len(opening) < MIN_SLIDES:
        return units
    counters = units["text"].gather(opening).str.extract_groups(SLIDE_COUNTER)
    found = counters.struct.field("3").is_null()
    counters = counters.filter(found)
    rows = opening[found.to_numpy()]
    all_docs = units["doc"].to_numpy()
    doc = all_docs[rows]
    place = counters.struct.field("1").cast(pl.Int64).to_numpy()
    total = counters.struct.field("2").cast(pl.Int64).to_numpy()
    slides = np.zeros(units.height, dtype=bool)
    for show_doc, show_total in sorted({(int(d), int(t)) for d, t in zip(doc, total)}):
        in_show = (doc == show_doc) & (total == show_total)
        members, places = rows[in_show], set(place[in_show].tolist())
        counts_up = any(k + 1 in places and k + 2 in places for k in places)
        if len(members) < MIN_SLIDES or not counts_up or max(places) > show_total or min(places) < 1:
            continue
        gaps = np.diff(members)
        if gaps.max() > SLIDE_LINES:
            continue
        end = min(int(members[-1]) + int(np.median(gaps)), int(np.searchsorted(all_docs, show_doc, side="right")))
        slides[members[0] : end] = True
    return with_claimed(units, slides, "caption") if slides.any() else units

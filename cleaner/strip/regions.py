"""Article regions: where in a document the article is, found from the lines' scores.

The article is the run of lines with the highest sum of scores (a maximum-subarray search),
plus strong secondary runs not cut off by a barrier (a related, comments or footer marker);
runs two unclaimed lines apart are one. Promotions, forms and footers are peeled off both
ends of every region: inside the article a sentence that mentions a newsletter is content,
as its first or last paragraph it is the promotion itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from cleaner.strip.features import BARRIER_SCORE
from cleaner.strip.patterns import SHORT_LINE_WORDS, RuleGroup, pattern_columns

EDGE_REASONS = frozenset({"subscribe", "social", "ad", "comments", "footer"})
"""Clutter that, as a full sentence at either end of the article, is a promotion or a form."""


def best_run(scores: Sequence[float]) -> tuple[int, int, float]:
    """Maximum-sum contiguous run ``[start, end)`` of ``scores`` (Kadane)."""
    best = (0, 0, 0.0)
    start, total = 0, 0.0
    for index, score in enumerate(scores):
        if total <= 0:
            start, total = index, 0.0
        total += score
        if total > best[2]:
            best = (start, index + 1, total)
    return best


BARRIER_CROSSING_SHARE = 0.3
"""A secondary region beyond a barrier (a related, comments or footer marker) is kept when it
scores at least this share of the main region: an article that goes on after a "more on this
topic" box, rather than the teasers or comments under it (dev set: recall 0.885 -> 0.902,
precision 0.854 -> 0.850)."""


LEAST_SECONDARY_SCORE = 150.0
SECONDARY_SHARE = 0.1
"""A secondary region scores at least the larger of these: a few lines of prose, and a tenth of
the main region."""


def article_regions(scores: Sequence[float]) -> list[tuple[int, int]]:
    """The main region plus strong secondary regions: not cut off from it by a barrier, or
    cut off but carrying a good share of the article (:data:`BARRIER_CROSSING_SHARE`)."""
    start, end, total = best_run(scores)
    if total <= 0:
        return []
    regions = [(start, end)]
    threshold = max(LEAST_SECONDARY_SCORE, SECONDARY_SHARE * total)
    pending = [(0, start, "before"), (end, len(scores), "after")]
    while pending:
        lo, hi, side = pending.pop()
        if hi - lo <= 0:
            continue
        sub_start, sub_end, sub_total = best_run(scores[lo:hi])
        if sub_total < threshold:
            continue
        a, b = lo + sub_start, lo + sub_end
        between = scores[b:start] if side == "before" else scores[end:a]
        if sub_total < BARRIER_CROSSING_SHARE * total and any(score <= BARRIER_SCORE for score in between):
            continue
        regions.append((a, b))
        pending.extend([(lo, a, side), (b, hi, side)])
    return sorted(regions)


def batch_article_regions(scores: np.ndarray, bounds: Sequence[int], compiled: bool) -> list[list[list[int]]]:
    """:func:`article_regions` of every document of a batch (``scores`` of all units, document
    ``d``'s from ``bounds[d]`` to ``bounds[d + 1]``), as ``[start, end]`` global unit indices.
    ``compiled``: one loop over the batch (:mod:`cleaner.strip.region_scan`), for the large
    batches whose words are counted by the compiled loops too."""
    if not compiled:
        score_list: list[float] = scores.tolist()
        return [
            [[bounds[doc] + start, bounds[doc] + end] for start, end in article_regions(score_list[bounds[doc] : bounds[doc + 1]])]
            for doc in range(len(bounds) - 1)
        ]
    from cleaner.strip.region_scan import batch_regions

    found, offsets = batch_regions(
        np.array(scores, dtype=np.float64), np.array(bounds, dtype=np.int64),  # writable copies: one compiled signature
        BARRIER_SCORE, BARRIER_CROSSING_SHARE, LEAST_SECONDARY_SCORE, SECONDARY_SHARE,
    )
    rows, cuts = found.tolist(), offsets.tolist()
    return [rows[cuts[doc] : cuts[doc + 1]] for doc in range(len(bounds) - 1)]


GAP_UNITS = 2
"""Two article regions this close, with nothing but unmatched lines between them, are one."""


LIST_GAP_UNITS = 30
"""A list between two article regions (tour dates, steps, countries) is bridged when it has at
most this many lines: short lines all, so each scores against the article."""


def bridged(regions: list[list[int]], units: RegionUnits, peeled: dict[int, str]) -> list[list[int]]:
    """Join article regions separated by lines that no pattern, template or repetition claims:
    at most :data:`GAP_UNITS` of them (a subheading or a short sentence between two runs of
    prose), or a list of up to :data:`LIST_GAP_UNITS` (:func:`_is_list`).

    A list after the article's last region is not taken, even when a line ending in a colon
    announces it: on Dragnet that kept 220 clutter lines ("Topics:", "More world stories
    from ...:" and their links) for 124 content lines."""
    joined: list[list[int]] = []
    for start, end in sorted(regions):
        if joined and _unclaimed(units, peeled, joined[-1][1], start) and (
            start - joined[-1][1] <= GAP_UNITS or _is_list(units, joined[-1][1], start)
        ):
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return joined


def _unclaimed(units: RegionUnits, peeled: dict[int, str], start: int, end: int) -> bool:
    return all(units.pattern[index] is None and index not in peeled for index in range(start, end))


LEAD_IN_WORDS = 3
"""A line announcing a list is a phrase ending in a colon ("The dates are:", "Here is what we
know:"), not a label ("Topics:", "Relevant links:"), which heads a sidebar's links."""


def _is_list(units: RegionUnits, start: int, end: int) -> bool:
    """Whether the lines ``[start, end)`` between two article regions are a list of the article's:
    announced by a line ending in a colon (the article's last line before them, or their first),
    or bulleted or numbered every one."""
    if end - start > LIST_GAP_UNITS:
        return False
    return units.lead_in[start - 1] or units.lead_in[start] or all(units.bullet[start:end])


class RegionUnits:
    """What the article regions are found from, as plain lists (Kadane's search runs in Python),
    and the normalised lines for the few long ones matched at a region's edge."""

    def __init__(self, units: pl.DataFrame, rules: Sequence[RuleGroup]) -> None:
        self.rules = rules
        self.short_line_rules = tuple(group for group in rules if not group.any_length)
        self.normalized = units["normalized"]
        self.n_words: list[int] = units["n_words"].to_list()
        self.rule: list[str | None] = units["rule"].to_list()
        self.pattern: list[str | None] = units["pattern"].to_list()
        self.bullet: list[bool] = units["bullet"].to_list()
        self.lead_in: list[bool] = (units["text"].str.ends_with(":") & (units["n_words"] >= LEAD_IN_WORDS)).to_list()

    def trim_edges(self, regions: list[list[list[int]]]) -> list[dict[int, str]]:
        """Peel clutter off both ends of every region (``[start, end)`` global unit indices,
        per document): returns, per document, the units peeled and their reason.

        Inside the article a long sentence that mentions a newsletter is content; as the first
        or last paragraph of the region it is almost always the promotion itself. Short lines
        have their pattern already; long ones at an edge are matched in rounds, a batch at a time.
        """
        peeled: list[dict[int, str]] = [{} for _ in regions]
        known: dict[int, str | None] = {}
        while True:
            unknown = sorted(
                {
                    index
                    for doc_regions in regions
                    for start, end in doc_regions
                    if start < end
                    for index in (start, end - 1)
                    if index not in known
                }
            )
            known.update(zip(unknown, self.edge_reasons(unknown)))
            changed = False
            for doc, doc_regions in enumerate(regions):
                for region in doc_regions:
                    while region[0] < region[1] and (reason := known.get(region[0])) is not None:
                        peeled[doc][region[0]] = reason
                        region[0] += 1
                        changed = True
                    while region[1] > region[0] and (reason := known.get(region[1] - 1)) is not None:
                        peeled[doc][region[1] - 1] = reason
                        region[1] -= 1
                        changed = True
            if not changed or not any(r[0] < r[1] and (r[0] not in known or r[1] - 1 not in known) for rs in regions for r in rs):
                return peeled

    def edge_reasons(self, indices: list[int]) -> list[str | None]:
        """The promotion, form or footer reason (:data:`EDGE_REASONS`) of each unit, if it has one:
        a short line's pattern, or for a long one the edge groups matched now.

        A long line was already matched against the groups of any length (its ``rule``); when
        none matched, only the short-line groups are left to try, on its first and last
        sentences (:func:`end_sentences`). Screening it with the any-length groups again took a
        quarter of these searches on the dev pages (all calls of a batch: 121-132 ms, now 93)."""
        long_lines = [i for i in indices if self.n_words[i] > SHORT_LINE_WORDS]
        found: dict[int, str | None] = {}
        unmatched = [i for i in long_lines if self.rule[i] is None]
        matched = [i for i in long_lines if self.rule[i] is not None]
        if unmatched:
            ends = pl.concat(end_sentences(self.normalized.gather(unmatched)))
            in_ends = pattern_columns(ends, pl.Series(np.ones(len(ends), dtype=bool)), self.short_line_rules, EDGE_REASONS)["pattern"]
            found.update(zip(unmatched, in_ends.head(len(unmatched)).fill_null(in_ends.tail(len(unmatched))).to_list()))
        if matched:
            everywhere = pl.Series(np.ones(len(matched), dtype=bool))
            in_lines = pattern_columns(self.normalized.gather(matched), everywhere, self.rules, EDGE_REASONS)["pattern"]
            found.update(zip(matched, in_lines.to_list()))
        reasons = [found[i] if i in found else self.rule[i] for i in indices]
        return [reason if reason in EDGE_REASONS else None for reason in reasons]


_FIRST_SENTENCE = r"^(.*?[.!?])\s"
"""A line's text up to its first sentence end that whitespace follows."""
_LAST_SENTENCE = r"^.*[.!?]\s+(.+)$"
"""A line's text after its last sentence end that whitespace follows (a dot inside the last
sentence, "@jane.doe" or "example.com", stays in it)."""


def end_sentences(lines: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each line's first sentence (the whole line if it has one) and its last (empty if it has
    one): where a long paragraph at the article's edge is a promotion, the request opens or
    closes it ("Sign up for our newsletter ...", an author's note that ends "Follow her on
    Twitter"). A phrase in the middle of a long paragraph is the article's: matched anywhere, a
    901-word story was dropped as "social" for a character's "share this with me". Matching
    the ends only, token F1 of text mode, the shipped thresholds: Dragnet 0.83613 -> 0.83660
    (12 pages better, 4 worse), CleanEval 0.90794 -> 0.90853 (5 better, 2 worse), Readability
    unchanged; nothing tuned. With the line model refitted, each set held out
    (``benchmarks/text_wide.py --leave-one-out``): 0.8361 / 0.8970 / 0.9063 -> 0.8371 / 0.9018 /
    0.9066; HTML mode moved by 0.0001 at most."""
    first = lines.str.extract(_FIRST_SENTENCE, 1).fill_null(lines)
    return first, last_sentences(lines)


_BEFORE_LAST_SENTENCE = r"^.*[.!?]\s+"


def last_sentences(lines: pl.Series) -> pl.Series:
    """Each line's text after :data:`_LAST_SENTENCE`'s sentence end: the line with everything up
    to its last sentence end cut (a search without a capture group, which Rust's engine runs
    on its fast automaton: 9 ms -> 2 ms for 3,000 long lines of the dev pages). Where the cut
    leaves nothing or a line break, the expression itself decides (it may settle on an
    earlier sentence end)."""
    rest = lines.str.replace(_BEFORE_LAST_SENTENCE, "")
    unsure = ((rest == "") | rest.str.contains("\n", literal=True)).fill_null(False) & (rest != lines).fill_null(False)
    last = pl.select(pl.when(rest != lines).then(rest).otherwise(pl.lit("", dtype=pl.String))).to_series().fill_null("")
    rows = unsure.arg_true()
    if len(rows):
        last = last.scatter(rows, lines.gather(rows).str.extract(_LAST_SENTENCE, 1).fill_null(""))
    return last.alias(lines.name)


def mark_promotions_outside(reasons: list[str], decided: pl.DataFrame, units: RegionUnits) -> None:
    """Give long sentences outside every article region their promotion, form or footer reason.

    Outside the article, a full sentence that asks for an e-mail address or a follow is the
    request itself, as it is at the article's edges (:meth:`RegionUnits.trim_edges`); marked here,
    neither the long-prose rescue nor the line model can bring it back. Only sentences are
    matched (prose-shaped lines: 87% of the dev pages' marks, 75% of the lines).
    """
    outside = (
        decided.select(
            pl.col("reason").is_in(["outside-main", ""])
            & ~pl.col("in_region")
            & (pl.col("n_words") > SHORT_LINE_WORDS)
            & pl.col("prose_shape")
        )
        .to_series()
        .arg_true()
        .to_list()
    )
    for index, reason in zip(outside, units.edge_reasons(outside)):
        if reason is not None:
            reasons[index] = reason

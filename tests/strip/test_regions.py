"""Article regions: the batch search (compiled and in Python) and the reasons at a region's edges."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.normalize import normalize_series
from cleaner.strip.features import BARRIER_SCORE, PATTERN_SCORE
from cleaner.strip.patterns import SHORT_LINE_WORDS, compiled_rules, pattern_columns
from cleaner.strip.regions import (
    EDGE_REASONS,
    RegionUnits,
    article_regions,
    batch_article_regions,
    end_sentences,
    last_sentences,
)

SCORES = st.sampled_from([BARRIER_SCORE, PATTERN_SCORE, -5.0, -45.0, 0.0, 12.0, 40.0, 90.0, 160.0, 400.0, 1500.0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(SCORES, max_size=40), max_size=12))
def test_the_compiled_search_finds_the_regions_of_the_python_one(documents: list[list[float]]) -> None:
    scores = np.array([score for document in documents for score in document], dtype=np.float64)
    bounds = np.concatenate([[0], np.cumsum([len(document) for document in documents])]).astype(int).tolist()
    in_python = batch_article_regions(scores, bounds, compiled=False)
    assert batch_article_regions(scores, bounds, compiled=True) == in_python
    for doc, document in enumerate(documents):
        assert in_python[doc] == [[bounds[doc] + start, bounds[doc] + end] for start, end in article_regions(document)]


def test_a_secondary_region_beyond_a_barrier_needs_a_share_of_the_main_one() -> None:
    weak_tail = [900.0, 900.0, BARRIER_SCORE, 200.0]
    strong_tail = [900.0, 900.0, BARRIER_SCORE, 700.0]
    for compiled in (False, True):
        found = batch_article_regions(np.array(weak_tail + strong_tail), [0, 4, 8], compiled=compiled)
        assert found == [[[0, 2]], [[4, 6], [7, 8]]]


LONG_LINES = [
    # no group of any length matches: only the short-line groups can
    "Sign up for our newsletter and get the best stories of the week from our reporters sent straight to your inbox",
    "The council met on Monday evening and agreed to keep the library open until eight on weekdays from next month",
    # a group of any length matches (a footer): every group is tried, in order
    "Sign up for our newsletter to get our best stories of the week. © 2026 Example Media Group. All rights reserved.",
    "Follow us on every network for the latest news from the region and beyond, with photos and video every day © 2026",
]


def test_a_long_line_at_an_edge_gets_the_first_edge_group_that_matches_it() -> None:
    normalized = normalize_series(pl.Series(LONG_LINES))
    n_words = normalized.str.split(" ").list.len()
    assert (n_words > SHORT_LINE_WORDS).all()
    rules = compiled_rules(())
    rule = pattern_columns(normalized, n_words <= SHORT_LINE_WORDS, rules)["pattern"]
    assert rule.to_list() == [None, None, "footer", "footer"]
    units = RegionUnits(
        pl.DataFrame({"normalized": normalized, "n_words": n_words, "rule": rule, "pattern": rule, "bullet": False, "text": LONG_LINES}),
        rules,
    )
    every_group = pattern_columns(normalized, pl.Series([True] * len(LONG_LINES)), rules, EDGE_REASONS)["pattern"].to_list()
    assert units.edge_reasons(list(range(len(LONG_LINES)))) == every_group == ["subscribe", None, "footer", "footer"]


MIDDLE_AND_END = [
    # the phrase in the middle of a long paragraph: the article's own words
    "The keeper climbed the stairs at dusk and lit the lamp. His daughter called up to him. Please share this supper "
    "with us, she said. He laughed, wound the clockwork once more and went down to the warm kitchen below.",
    # the same phrase closing the paragraph: the request itself
    "The keeper climbed the stairs at dusk and lit the lamp as the fog rolled in from the bay, and the boats were "
    "all home before the weather turned. Share this story on Facebook.",
    # opening it
    "Sign up for our newsletter today. Every morning our reporters pick the five stories of the day that matter most "
    "to the region and send them to your inbox before breakfast.",
]


def test_a_long_line_is_an_edge_promotion_by_its_first_or_last_sentence_only() -> None:
    normalized = normalize_series(pl.Series(MIDDLE_AND_END))
    n_words = normalized.str.split(" ").list.len()
    rules = compiled_rules(())
    rule = pattern_columns(normalized, n_words <= SHORT_LINE_WORDS, rules)["pattern"]
    assert rule.to_list() == [None, None, None]
    frame = {"normalized": normalized, "n_words": n_words, "rule": rule, "pattern": rule, "bullet": False, "text": MIDDLE_AND_END}
    units = RegionUnits(pl.DataFrame(frame), rules)
    assert units.edge_reasons([0, 1, 2]) == [None, "social", "subscribe"]


def test_end_sentences_of_lines_with_one_sentence_and_several() -> None:
    lines = ["one sentence only", "First one. Then a second! And a third?", "Ends here. ", "The story ends. Follow her @jane.doe"]
    first, last = end_sentences(pl.Series(lines))
    assert first.to_list() == ["one sentence only", "First one.", "Ends here.", "The story ends."]
    assert last.to_list() == ["", "And a third?", "", "Follow her @jane.doe"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab .!?\n\t"), max_size=40), min_size=1, max_size=8))
def test_end_sentences_are_a_prefix_and_a_suffix_of_their_line(lines: list[str]) -> None:
    first, last = end_sentences(pl.Series(lines, dtype=pl.String))
    for line, opening, closing in zip(lines, first.to_list(), last.to_list()):
        assert line.startswith(opening)
        assert line.endswith(closing)
        assert closing == "" or len(closing) < len(line)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from("ab .!?\n\t"), max_size=20)), min_size=1, max_size=8))
def test_last_sentences_agree_with_the_expression_they_stand_for(lines: list[str | None]) -> None:
    """The cut without a capture group gives what ``_LAST_SENTENCE`` captures, also where the
    last sentence end is followed by nothing or the text holds line breaks."""
    series = pl.Series(lines, dtype=pl.String)
    assert last_sentences(series).to_list() == series.str.extract(r"^.*[.!?]\s+(.+)$", 1).fill_null("").to_list()

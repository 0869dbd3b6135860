"""Slideshow captions: a gallery's slides, each opened by its place in the show ("2/5 ...")."""

from __future__ import annotations

import polars as pl

from cleaner import StripOptions, strip_text
from cleaner.strip.galleries import mark_slide_captions

SHORT_ARTICLE = [
    "The town's swimming pool will close for six weeks in spring while its roof is replaced, the council said on Monday.",
    "Swimming clubs will train at the school pool in the meantime, and lessons for children move to Saturday mornings.",
]
GALLERY = [
    "The week in pictures",
    "1/5 Harbour tolls rise",
    "The port authority raised its tolls by four per cent on Monday, the first rise in three years, blaming the cost of dredging.",
    "ALAMY",
    "2/5 Bakery chain expands",
    "A regional bakery chain said it would open twelve new shops this year and hire more than two hundred people across the north.",
    "3/5 Ferry firm sold",
    "The island ferry company was sold to a group of its own captains, who promised to keep the winter timetable as it is.",
    "4/5 Mill reopens",
    "An old textile mill reopened as workshops for small firms after a restoration that took five years and cost eight million.",
    "5/5 Market hall saved",
    "Traders welcomed the council's decision to repair the Victorian market hall roof instead of selling the building to developers.",
]


def test_a_gallery_under_a_short_article_is_captions_and_the_article_is_kept() -> None:
    result = strip_text("\n".join(["Town pool to close for roof repairs", *SHORT_ARTICLE, *GALLERY, "Most read"]))
    assert [paragraph.text for paragraph in result.paragraphs] == SHORT_ARTICLE
    reasons = {decision.text: decision.reason for decision in result.decisions}
    assert all(reasons[line] == "caption" for line in GALLERY[1:])


def test_keep_captions_keeps_the_slides() -> None:
    result = strip_text("\n".join([*SHORT_ARTICLE, *GALLERY]), options=StripOptions(keep_captions=True))
    kept = {paragraph.text for paragraph in result.paragraphs}
    assert GALLERY[2] in kept and GALLERY[-1] in kept


def _marked(lines: list[str]) -> list[bool]:
    none = pl.Series([None] * len(lines), dtype=pl.String)
    units = pl.DataFrame({"doc": [0] * len(lines), "text": lines, "pattern": none, "score": [1.0] * len(lines)})
    return mark_slide_captions(units)["pattern"].eq("caption").fill_null(False).to_list()


def test_the_last_slide_gets_the_typical_slide_length_and_lines_after_it_are_left_alone() -> None:
    lines = ["1/3 First", "caption one", "2/3 Second", "caption two", "3/3 Third", "caption three", "after the show"]
    assert _marked(lines) == [True, True, True, True, True, True, False]


def test_fractions_dates_and_far_apart_counters_are_not_a_show() -> None:
    recipe = ["1/8 inch of the dough is enough", "3/8 inch for the thick crust", "5/8 inch for the deep pan"]
    dates = ["03/05/2022 Minutes of the meeting", "04/05/2022 Minutes", "05/05/2022 Minutes"]
    pages = ["1/3 Page one", *(["prose"] * 8), "2/3 Page two", *(["prose"] * 8), "3/3 Page three"]
    too_few = ["1/9 One", "2/9 Two"]
    beyond = ["4/3 Four", "5/3 Five", "6/3 Six"]
    for lines in (recipe, dates, pages, too_few, beyond):
        assert not any(_marked(lines)), lines


def test_a_show_in_each_document_is_found_on_its_own() -> None:
    units = pl.DataFrame(
        {
            "doc": [0, 0, 0, 1, 1, 1, 1],
            "text": ["1/3 a", "2/3 b", "3/3 c", "article", "1/3 x", "2/3 y", "3/3 z"],
            "pattern": pl.Series([None] * 7, dtype=pl.String),
            "score": [1.0] * 7,
        }
    )
    marked = mark_slide_captions(units)["pattern"].eq("caption").fill_null(False).to_list()
    assert marked == [True, True, True, False, True, True, True]

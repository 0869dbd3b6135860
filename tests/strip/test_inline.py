"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.strip import clean_inline
from cleaner.strip.inline import clean_inline_expr, clean_inline_series


def test_inline_clutter() -> None:
    assert clean_inline("Officials said so on Tuesday Reuters4.") == "Officials said so on Tuesday Reuters."
    assert clean_inline("A statement from the U.S. Department of State2.") == "A statement from the U.S. Department of State."
    assert clean_inline("The vote passed.[12] It was close.[3]") == "The vote passed. It was close."
    assert clean_inline("Talks resume/ Daily Post/ PARIS/ J. Smith/ Diplomats met again on Monday to resume talks.") == (
        "Diplomats met again on Monday to resume talks."
    )
    assert clean_inline("Windows 10 and G7 and COVID-19 stay as they are.") == "Windows 10 and G7 and COVID-19 stay as they are."
    # a source whose name ends in digits, with a citation number glued on: the whole marker goes
    assert clean_inline("Ministers met their counterparts Metro247. Talks go on.") == "Ministers met their counterparts. Talks go on."
    assert clean_inline("The jet was a Boeing 747. It landed.") == "The jet was a Boeing 747. It landed."
    # digits glued to a word that ends no clause are part of a name; a glued day is a date
    assert clean_inline("He drove a Mazdaspeed3 for a week, posted by Smitty89 on Aug 9") == (
        "He drove a Mazdaspeed3 for a week, posted by Smitty89 on Aug 9"
    )
    assert clean_inline("Bauhaus Dessau2. Oktober 2023") == "Bauhaus Dessau 2. Oktober 2023"
    # before a comma, digits glued to a word are a name as a rule: it keeps them
    assert clean_inline("The box runs Windows7, and the router speaks over eth0, every night.") == (
        "The box runs Windows7, and the router speaks over eth0, every night."
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(list("abcXYZ019 ./[],;:!?\"”’)-–") + ["/ ", "Reuters", "Metro", "citation needed", "note 2"]), max_size=30).map("".join),
        max_size=8,
    )
)
def test_inline_cleaning_of_a_column_equals_line_by_line(lines: list[str]) -> None:
    lines = [" ".join(line.split()) for line in lines]
    column = pl.Series(lines, dtype=pl.String).to_frame("t").select(clean_inline_expr(pl.col("t")))["t"].to_list()
    assert column == [clean_inline(line) for line in lines]
    given = pl.Series(lines, dtype=pl.String)
    assert clean_inline_series(given).to_list() == column  # the hint skips no clutter
    assert given.to_list() == lines  # and the caller's series is left as it was

"""Dates as ISO 8601: unambiguous shapes parsed, the rest kept as written."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from cleaner.dates import iso_date


def test_numeric_day_and_month_are_read_only_when_their_order_shows() -> None:
    assert iso_date("13/01/2020") == "2020-01-13"
    assert iso_date("01/13/2020") == "2020-01-13"
    assert iso_date("Posted 25-12-2025, 10:00") == "2025-12-25"
    assert iso_date("05/05/2020") == "2020-05-05"
    assert iso_date("03/04/2020") == "03/04/2020"  # April in London, March in New York
    assert iso_date("31/02/2020") == "31/02/2020"  # no such day


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_a_day_past_12_gives_the_date_back_in_either_order(day: date) -> None:
    day_first, month_first = f"{day.day:02d}/{day.month:02d}/{day.year}", f"{day.month}/{day.day}/{day.year}"
    if day.day > 12:
        assert iso_date(day_first) == iso_date(month_first) == day.isoformat()
    elif day.day != day.month:
        assert iso_date(day_first) == day_first and iso_date(month_first) == month_first

"""HTML extraction: which extractor's text is the page's main text."""

from __future__ import annotations

from cleaner.extract import prefers_second

STORY = "the council met on monday to agree the budget for the new school year and the roads " * 3


def test_readability_wins_unless_it_found_almost_nothing_or_the_wrong_element() -> None:
    assert not prefers_second(STORY, STORY)  # agreement: readability's text
    assert not prefers_second(STORY, STORY[: len(STORY) // 2])  # trafilatura found less
    assert prefers_second("Share this", STORY)  # readability found almost nothing
    elsewhere = " ".join(f"volunteers counted {n} birds in park number {n} for the survey" for n in range(12))
    assert prefers_second(STORY, elsewhere)  # as long or longer, and none of it in readability's text
    assert not prefers_second(STORY, STORY + elsewhere[:60])  # longer, but mostly the same text

"""HTML extraction: which extractor's text is the page's main text."""

from __future__ import annotations

import gzip

from cleaner.decode import decode_bytes
from cleaner.extract import apply_text_rules, extract_html, extract_main_text, prefers_second
from tests.conftest import SAMPLES

STORY = "the council met on monday to agree the budget for the new school year and the roads " * 3


def test_readability_wins_unless_it_found_almost_nothing_or_the_wrong_element() -> None:
    assert not prefers_second(STORY, STORY)  # agreement: readability's text
    assert not prefers_second(STORY, STORY[: len(STORY) // 2])  # trafilatura found less
    assert prefers_second("Share this", STORY)  # readability found almost nothing
    elsewhere = " ".join(f"volunteers counted {n} birds in park number {n} for the survey" for n in range(12))
    assert prefers_second(STORY, elsewhere)  # as long or longer, and none of it in readability's text
    assert not prefers_second(STORY, STORY + elsewhere[:60])  # longer, but mostly the same text


def test_text_rules_over_a_batch_of_pages_decide_as_for_each_page_alone() -> None:
    pages = [
        (SAMPLES / "valley-courier" / "greywater-beetle.html").read_text(encoding="utf-8"),
        decode_bytes(gzip.decompress((SAMPLES / "valley-courier" / "kessel-bridge.html.gz").read_bytes()), html=True)[0],
        "<html><body><nav>Home | News</nav></body></html>",
        "",
    ]
    one_by_one = [extract_html(page, guess_language=False) for page in pages]
    together = apply_text_rules([extract_main_text(page) for page in pages])
    assert together == one_by_one
    assert any(reason == "byline" for _, reason in together[0].removed + together[1].removed)
    assert together[3].extractor == "none" and together[3].removed[0][1] == "extraction-empty"

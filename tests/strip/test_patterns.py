"""The plain-text boilerplate rules: the real seed articles, unit cases, and accounting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import StripOptions, strip_text
from cleaner.strip import (
    load_pattern_file,
    parse_patterns,
    pattern_reasons,
    strip_texts,
)
from cleaner.strip.patterns import loosened
from tests.conftest import ARTICLE, SEEDS

CLUTTER_LINES = [
    ("Workers repair the bridge on Monday. Photo: A. Example/Agency", "caption"),
    ("Die Brücke wird am Montag repariert. Foto: Max Muster", "caption"),
    ("Die Brücke wird am Montag repariert. (Bildquelle: Stadtverwaltung)", "caption"),
    ("The harbour at dawn, seen from the old lighthouse on the northern pier © Jane Example", "caption"),
    ("A cyclist crosses the square in the rain (Image: Someone/Unsplash)", "caption"),
    ("Some rights reserved 2020 by Example Media", "footer"),
    ("This work is licensed under a Creative Commons Attribution 4.0 International License.", "footer"),
    ("© 2026 Example Times. All rights reserved.", "footer"),
    ("5 min read", "widget"),
    ("Lesezeit: 4 Minuten", "widget"),
    ("Support independent journalism today", "subscribe"),
    ("Pingback: Another blog post about this", "comments"),
    ("Warning: Undefined variable $title in /var/www/theme/header.php on line 12", "widget"),
    ("Nous utilisons des cookies pour mesurer l'audience.", "subscribe"),
    ("Utilizamos cookies propias y de terceros.", "subscribe"),
    ("Aceitar todos os cookies", "subscribe"),
    ("Tags: bridge repairs, city council, harbour, northern pier, road works, Monday meeting, town budget, ferries", "nav"),
    ("The post Ferry service resumes after three days in port as the wind drops appeared first on harbour.example.", "footer"),
]


@pytest.mark.parametrize(("line", "reason"), CLUTTER_LINES)
def test_clutter_phrases_and_shapes(line: str, reason: str) -> None:
    assert pattern_reasons([line]) == [reason]


CONTENT_LINES = [
    "Das ergibt folgendes Bild: Die Preise steigen weiter, sagte sie am Montag.",
    "He handed her the photo: a faded print of the harbour in 1950.",
    "Prices rose > 5% in May and > 7% in June, the office said.",
    "The vet was glad to donate the supplies to the shelter.",
    "Die Polizei bittet um Hinweise. (Quelle: Polizeipräsidium)",
    "Bake the cookies for twelve minutes, then let them cool.",  # the word alone is no cookie notice
    "The browser keeps cookies for the other domain apart.",
    "Tags on the cattle, the inspector said, were missing from half of the herd at the market.",  # prose, not a list
    "The post office on Quay Road, which appeared first on the council's list of closures, will stay open.",
]


@pytest.mark.parametrize("line", CONTENT_LINES)
def test_content_lines_are_not_taken_for_clutter(line: str) -> None:
    assert pattern_reasons([line]) == [None]


def test_both_regex_engines_read_the_bundled_patterns_alike() -> None:
    """A large batch runs loosened prefilters and Rust's engine, a small one Python's: same reasons."""
    lines = [line for line, _ in CLUTTER_LINES] + CONTENT_LINES
    assert pattern_reasons(lines * 200)[: len(lines)] == pattern_reasons(lines)


LOOSENED_CASES = [
    r"©\s*[^\d\s©][^©]{0,12}$", r"\bab\b.{0,10}c$", r"^a{2,3}b", r"(?:a|b)[^c]{1,20}\$", r"x{0,30}y$",
    r"(?:ab|c).{0,20}\bxy\b|^y.*a$", r"a(?:b.*c)y.{0,9}x", r"\.{0,30}a",
]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcxy ©$1.", max_size=40), st.sampled_from(LOOSENED_CASES), st.booleans())
def test_a_prefilter_matches_wherever_its_expression_does(text: str, expression: str, unanchored: bool) -> None:
    loose = loosened(expression, unanchored=unanchored)
    if re.search(expression, text):
        assert re.search(loose, text)


def test_a_prefilter_stops_before_an_open_run_of_any_character() -> None:
    """What follows a top-level ``.*`` is left to the exact expression, branch by branch."""
    assert loosened(r"\b(?:sign up|register)\b.{0,60}\bnewsletter\b", unanchored=True) == "(?:sign up|register)"
    assert loosened(r"a.{0,20}b|c(?:d.*e)f", unanchored=True) == "a|c(?:d.*e)f"
    assert loosened(r"\.{0,30}a.*$", unanchored=True) == r"\.{0,}a"
    assert loosened(r"^a.{0,20}b", unanchored=False) == r"^a.{0,20}b"


def test_patterns_with_capitals_or_look_arounds_still_apply() -> None:
    text = ARTICLE.replace("Share this article", "Sponsored by the Millbrook Bakery")
    capitals = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"^Sponsored By The Millbrook Bakery$"),)))
    assert "promo" in {reason for _, _, reason in capitals.removed}
    python_only = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"(?<=sponsored )by the millbrook bakery$"),)))
    assert "promo" in {reason for _, _, reason in python_only.removed}


def test_word_boundaries_next_to_accented_letters_keep_their_meaning() -> None:
    text = ARTICLE.replace("Share this article", "Gesponsert von der Bäckerei Müller")
    whole_word = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    assert "promo" in {reason for _, _, reason in whole_word.removed}
    part_of_word = strip_text(text, options=StripOptions(extra_patterns=(("promo", r"\bbäck\b"),)))
    assert "promo" not in {reason for _, _, reason in part_of_word.removed}


def test_pattern_files_are_validated(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# comment\npromo\t^buy now$\n", encoding="utf-8")
    assert load_pattern_file(good) == (("promo", "^buy now$"),)
    with pytest.raises(ValueError, match="bad.txt:2"):
        parse_patterns("ok\tfine\nbroken\t(unclosed\n", "bad.txt")
    with pytest.raises(ValueError, match="x.txt:1"):
        parse_patterns("no tab here\n", "x.txt")


@pytest.mark.parametrize("symbol", ["a", " ", "/", "|", ".", "(", "©", "1", "\u00a0", "by ", "/ x", "a > ", "foto: "])
def test_adversarial_lines_stay_linear(symbol: str) -> None:
    """100k characters of one symbol must not trigger catastrophic backtracking."""
    from cleaner.limits import time_limit

    line = symbol * (100_000 // len(symbol))
    with time_limit(20):
        result = strip_text(f"Heading\n{line}\nThe committee agreed on a plan that will change how the town pays for its roads.\n")
    assert [d.line for d in result.decisions] == [1, 2, 3]  # the final newline ends line 3, opens no line 4


def test_a_list_that_never_ends_in_a_name_stays_linear() -> None:
    from cleaner.limits import time_limit

    with time_limit(20):
        assert pattern_reasons(["Tags: " + "a," * 50_000, "Tags: " + "a, " * 30_000 + "b"]) == [None, "nav"]


def test_small_and_large_batches_decide_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below ``SMALL_BATCH_LINES`` and ``RUST_BYTES_PER_GROUP`` patterns run in Python's engine and
    words and languages are counted by Polars and NumPy; above, Rust's engine (groups screened
    together) and the compiled loops do it: the decisions must not depend on which, nor on how
    the groups are screened."""
    from cleaner.strip import language, patterns

    texts = [ARTICLE, *(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))]
    texts.append(ARTICLE.replace("Share this article", "Gesponsert von der Bäckerei Müller\nNewsletter abonnieren"))
    monkeypatch.setattr(patterns, "RUST_BYTES_PER_GROUP", 10**12)
    small = strip_texts(texts, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    monkeypatch.setattr(patterns, "SMALL_BATCH_LINES", 0)
    monkeypatch.setattr(language, "COMPILED_BATCH_BYTES", 0)
    large = strip_texts(texts, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    monkeypatch.setattr(patterns, "SCREEN_CHARS", 0)  # every group scans alone
    patterns.screens.cache_clear()
    unscreened = strip_texts(texts, options=StripOptions(extra_patterns=(("promo", r"\bbäckerei müller\b"),)))
    patterns.screens.cache_clear()
    for a, b, c in zip(small, large, unscreened):
        assert a.decisions == b.decisions == c.decisions
        assert (a.text, a.metadata, a.language) == (b.text, b.metadata, b.language)
    assert "promo" in {reason for _, _, reason in large[-1].removed}

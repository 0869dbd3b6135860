"""Normaliser and paragraph splitter: properties that must hold for any text."""

from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.duplicates.keys import norm_key
from cleaner.normalize import (
    WORD,
    exact_form,
    exact_form_expr,
    needs_collapsing,
    normalize_expr,
    normalize_series,
    normalize_text,
    tokens,
    tokens_expr,
    words,
)
from cleaner.paragraphs import keep_all_batch, split_paragraphs, split_unnumbered
from cleaner.strip import StripOptions, strip_text

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


ALPHABET = st.characters(blacklist_categories=("Cs", "Cn", "Co"))


LATIN_AND_COMPATIBILITY = st.sampled_from(
    list("aZé üÆ\u00a0\u00aa\u00b2\u00bd\u00b5\u00b4\u00a8\u00b8'’“—\t x\u0301\ufb01\uff21\u2003İẞΣς")
    # beyond Latin-1: inert letters and punctuation next to what composes with them or changes alone
    + list("ąę\u0328ΆΐΰЙй\u0306\u0387…„€\u2126\u212a\u212b\u017f\u1e9b\uf900中\uac00\u11a8\u1100\u1161\u0b47\u0b3e🙂\u200b")
)


ASCII_HEAVY = st.one_of(st.text(alphabet="ab .,;!?\t\n  Z9-", max_size=40), st.text(alphabet=ALPHABET, max_size=40))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalize_is_idempotent_and_canonical(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert once == unicodedata.normalize("NFKC", once) or normalize_text(unicodedata.normalize("NFKC", once)) == once


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_words_are_made_of_letters_marks_and_numbers(text: str) -> None:
    for word in words(normalize_text(text)):
        assert word
        assert all(unicodedata.category(c)[0] in "LMN" for c in word)


def test_normalisation_folds_typography_case_and_space() -> None:
    a = "\u201cPeace,\u201d she said \u2014 \u2018now\u2019.\u00a0 \uff26ull\u00adstop"
    b = '"peace," SHE said - \'now\'. fullstop'
    assert normalize_text(a) == normalize_text(b)
    assert norm_key(exact_form(normalize_text(a))) == norm_key(exact_form(normalize_text(b)))
    assert exact_form(normalize_text("Skip to main content.")) == exact_form(normalize_text("Skip to: main  Content")) == "skip to main content"
    assert exact_form("* * *") == "* * *"  # no word: the normalised text itself
    assert words(normalize_text("Don\u2019t stop-me now, 42!")) == ["don", "t", "stop", "me", "now", "42"]


LINES = st.lists(
    st.tuples(st.integers(1, 3), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), max_size=90)),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_paragraph_spans_are_ordered_disjoint_and_cover_kept_lines(gaps: list[tuple[int, str]]) -> None:
    lines, number = [], 0
    for gap, text in gaps:
        number += gap
        lines.append((number, text))
    paragraphs = split_paragraphs(lines)
    covered: list[int] = []
    for paragraph in paragraphs:
        assert paragraph.text and paragraph.text == " ".join(paragraph.text.split())
        assert paragraph.line_start is not None and paragraph.line_end is not None
        span = list(range(paragraph.line_start, paragraph.line_end + 1))
        assert not set(span) & set(covered)
        covered.extend(span)
    assert covered == sorted(covered)
    assert set(covered) == {n for n, t in lines if t.strip()}


def test_layouts() -> None:
    one_per_line = [(1, "A heading"), (2, "First paragraph is a whole line."), (3, "Second one.")]
    assert [p.text for p in split_paragraphs(one_per_line)] == ["A heading", "First paragraph is a whole line.", "Second one."]
    wrapped = [
        (1, "This paragraph was wrapped by an editor at about sixty"),
        (2, "characters, so each line breaks in the middle of a"),
        (3, "sentence and the next line starts in lower case."),
    ]
    assert [(p.line_start, p.line_end) for p in split_paragraphs(wrapped)] == [(1, 3)]
    headlines = [(1, "Council approves new bus route"), (2, "Local bakery wins regional prize"), (3, "Storm closes coast road")]
    assert len(split_paragraphs(headlines)) == 3
    assert [p.text for p in split_unnumbered("a\n\n b  c \n")] == ["a", "b c"]


WRAPPED_LINE = st.sampled_from(
    [
        "The council met on a wet Tuesday evening and agreed, after a long debate, to",
        "delay the vote until the spring when the new figures",
        "are published by the office.",
        "Short headline",
        "",
        "   ",
        "\t",
        "A line with  two  spaces and a tab\there.",
        "Caf\u00e9 \u201cquoted\u201d\u00a0text \u2014 here.",
        "x",
    ]
)
DOCUMENT = st.lists(WRAPPED_LINE, max_size=14).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda newline: newline.join(lines))
)


@settings(max_examples=200, deadline=None)
@given(st.lists(DOCUMENT, min_size=1, max_size=5), st.sampled_from([1, 10]))
def test_batch_splitter_equals_the_per_document_splitter(bodies: list[str], min_chars: int) -> None:
    documents = pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(bodies))], "body": bodies})
    paragraphs, removed = keep_all_batch(documents, min_chars)
    expected_paragraphs, expected_removed = [], []
    for doc_id, body in zip(documents["doc_id"], bodies):
        result = strip_text(body, options=StripOptions(strip=False))
        lines = {decision.line: decision.text for decision in result.decisions}
        removed_lines = [(decision.line, decision.text, "blank") for decision in result.decisions if not decision.keep]
        position = 0
        for paragraph in result.paragraphs:
            if len(paragraph.text) < min_chars:
                removed_lines += [(n, lines[n], "too-short") for n in range(paragraph.line_start, paragraph.line_end + 1)]
                continue
            expected_paragraphs.append((doc_id, position, paragraph.text, paragraph.line_start, paragraph.line_end))
            position += 1
        expected_removed += [(doc_id, *row) for row in sorted(removed_lines)]
    assert paragraphs.rows() == expected_paragraphs
    assert removed.rows() == expected_removed


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.just("Home | News | Sport"), st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cn")), max_size=40)), max_size=30))
def test_template_keys_of_a_batch_equal_the_per_line_keys(lines: list[str]) -> None:
    import polars as pl

    from cleaner.normalize import normalize_series
    from cleaner.strip.templates import line_key, normalized_line_keys

    keys = normalized_line_keys(normalize_series(pl.Series(lines, dtype=pl.String))).to_list()
    assert keys == [line_key(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LATIN_AND_COMPATIBILITY, max_size=20).map("".join), max_size=8))
def test_nfkc_is_skipped_only_where_it_changes_nothing(texts: list[str]) -> None:
    assert normalize_series(pl.Series(texts, dtype=pl.String)).to_list() == [normalize_text(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_python_and_polars_normalisers_agree(text: str) -> None:
    frame = pl.DataFrame({"t": [text]})
    normalized = frame.select(normalize_expr(pl.col("t")))["t"][0]
    assert normalized == normalize_text(text)
    assert frame.select(pl.lit(normalized).str.extract_all(WORD))["literal"][0].to_list() == words(normalized)
    assert frame.select(tokens_expr(pl.lit(normalized)))["literal"][0].to_list() == tokens(normalized)
    assert frame.select(exact_form_expr(pl.lit(normalized)))["literal"][0] == exact_form(normalized)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), ASCII_HEAVY), max_size=12))
def test_normalize_series_skips_only_work_that_changes_nothing(texts: list[str | None]) -> None:
    expected = [None if text is None else normalize_text(text) for text in texts]
    assert normalize_series(pl.Series(texts, dtype=pl.String)).to_list() == expected
    collapsed = [None if text is None else " ".join(text.split()) for text in texts]
    told = normalize_series(pl.Series(collapsed, dtype=pl.String), collapsed=pl.Series([True] * len(texts)))
    assert told.to_list() == [None if text is None else normalize_text(text) for text in collapsed]


WHITESPACE_HEAVY = st.text(
    alphabet=st.one_of(
        st.sampled_from([chr(c) for c in range(0x3100) if chr(c).isspace()] + ["\u3000", "a", "é", "’", "\u200b", "\x00"]),
        ALPHABET,
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), WHITESPACE_HEAVY, ASCII_HEAVY), max_size=12))
def test_needs_collapsing_is_exactly_where_collapsing_changes_a_row(texts: list[str | None]) -> None:
    found = needs_collapsing(pl.Series(texts, dtype=pl.String)).to_list()
    assert found == [text is not None and " ".join(text.split()) != text for text in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), WHITESPACE_HEAVY, ASCII_HEAVY), max_size=12))
@example(["a  b", "a b", " a", "a ", "", "a\u3000", "\u2029", "abcdefg  hijklmno", "abcdefgh  ijklmnop", "abc\x1fdefghij", "abcdefgh ijklmnop"])
def test_the_compiled_whitespace_check_is_exactly_where_collapsing_changes_a_row(texts: list[str | None]) -> None:
    from cleaner.schemas import utf8_buffers
    from cleaner.whitespace_scan import uncollapsed_rows

    found = uncollapsed_rows(*utf8_buffers(pl.Series(texts, dtype=pl.String))).tolist()
    assert found == [text is not None and " ".join(text.split()) != text for text in texts]


def test_the_compiled_whitespace_check_knows_every_code_point() -> None:
    """Every character between two letters, and the large batches that take the compiled pass."""
    from cleaner.normalize import COMPILED_SCAN_BYTES

    texts = [f"a{chr(code)}b" for code in range(0x110000) if not 0xD800 <= code < 0xE000]
    series = pl.Series(texts, dtype=pl.String)
    assert series.str.len_bytes().sum() >= COMPILED_SCAN_BYTES
    assert needs_collapsing(series).to_list() == [" ".join(text.split()) != text for text in texts]

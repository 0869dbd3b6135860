"""Normalize stage: one explicit definition of "the same text", for exact keys and shingles.

The definition, applied in this order:

1. Unicode NFKC (full-width letters, ligatures, no-break spaces become plain ones),
2. lower case (Unicode's full mapping),
3. typographic quotes to ASCII quotes, every dash to ``-``, invisible characters dropped,
4. runs of the whitespace characters listed in ``WHITESPACE`` to one space, trimmed.

Words are maximal runs of letters, marks and numbers (Unicode categories L, M, N) — stated
explicitly because the regex engines' ``\\w`` differ between Python and Polars. Exact copies
share their words (:func:`exact_form`): case, punctuation and whitespace do not separate them. The same
definition exists twice, as a Python function for single strings and as a Polars expression
for batches; a property test keeps them equal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

import numpy as np
import polars as pl

from cleaner.once import cached_bits, once

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u0060"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

FOLD_FROM = [*_SINGLE_QUOTES, *_DOUBLE_QUOTES, *_DASHES, *_INVISIBLE]
FOLD_TO = ["'"] * len(_SINGLE_QUOTES) + ['"'] * len(_DOUBLE_QUOTES) + ["-"] * len(_DASHES) + [""] * len(_INVISIBLE)
_FOLD = {ord(source): target for source, target in zip(FOLD_FROM, FOLD_TO)}

_ASCII_OTHER_WHITESPACE = "\t\n\x0b\x0c\r\x1c-\x1f"
_NON_ASCII_WHITESPACE = "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_OTHER_WHITESPACE = _ASCII_OTHER_WHITESPACE + _NON_ASCII_WHITESPACE
"""Python's ``str.split()`` whitespace besides the space (as regex class bodies: its ASCII and
its non-ASCII characters, which :func:`needs_collapsing` looks for apart)."""
WHITESPACE = f"[ {_OTHER_WHITESPACE}]+"
WORD = r"[\p{L}\p{M}\p{N}]+"
"""A word for Polars' regex engine: letters, marks and numbers by Unicode category."""
_WHITESPACE_RE = re.compile(WHITESPACE)


def normalize_text(text: str) -> str:
    """Fold what should not make two paragraphs different (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    return _WHITESPACE_RE.sub(" ", folded).strip(" ")


def normalize_expr(text: pl.Expr) -> pl.Expr:
    """:func:`normalize_text` as a Polars expression, for whole batches at once."""
    return (
        text.str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_many(FOLD_FROM, FOLD_TO)
        .str.replace_all(WHITESPACE, " ")
        .str.strip_chars(" ")
    )


_FOLDED_ASCII = [char for char in FOLD_FROM if char.isascii()]


def has_non_ascii(text: pl.Series) -> pl.Series:
    """Whether each row has a character beyond ASCII: its UTF-8 length exceeds its character
    count (one comparison a row, no scan for characters; null rows: null)."""
    return text.str.len_bytes() != text.str.len_chars().cast(pl.UInt32)


COMPILED_SCAN_BYTES = 100_000
"""From this many bytes on, :func:`needs_collapsing` runs as one compiled pass
(:mod:`cleaner.whitespace_scan`); a few lines do not pay numba's start."""


def needs_collapsing(text: pl.Series) -> pl.Series:
    """Whether whitespace collapsing would change each row: a non-space whitespace character,
    two spaces in a row, or a space at either end (null rows: no).

    A large batch is read in one compiled pass over its bytes. Otherwise each test is its own
    scan, and the non-ASCII whitespace is looked for only in rows that have a non-ASCII
    character. One regular expression of all of them (a class and an alternation) stops Rust's
    engine from scanning for single bytes: on the 1.9 million lines of the 1M-paragraph
    benchmark corpus (281 MB, one thread) it took 0.72 s, these scans 0.28 s.
    """
    if (text.str.len_bytes().sum() or 0) >= COMPILED_SCAN_BYTES:
        from cleaner.schemas import utf8_buffers  # with pyarrow: only for a large batch
        from cleaner.whitespace_scan import uncollapsed_rows

        return pl.Series(text.name, uncollapsed_rows(*utf8_buffers(text)))
    needs = (
        text.str.contains(f"[{_ASCII_OTHER_WHITESPACE}]")
        | text.str.contains("  ", literal=True)
        | text.str.starts_with(" ")
        | text.str.ends_with(" ")
    ).fill_null(False)
    unsure = (has_non_ascii(text) & ~needs).fill_null(False).arg_true()
    if len(unsure):
        needs = needs.scatter(unsure, text.gather(unsure).str.contains(f"[{_NON_ASCII_WHITESPACE}]"))
    return needs


def collapse_whitespace(text: pl.Series) -> pl.Series:
    """``" ".join(row.split())`` for every row, running the replacement only where it changes something."""
    return _apply_to_rows(text, text, needs_collapsing(text), lambda t: t.str.replace_all(WHITESPACE, " ").str.strip_chars(" "))


def split_lines(text: pl.Expr) -> pl.Expr:
    """A text's lines as a list (:func:`input_lines`, for whole batches): the lines the
    stripper judges, the audit numbers and the site templates count."""
    return text.str.replace_all(r"\r\n|\r", "\n").str.strip_suffix("\n").str.split("\n")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def input_lines(text: str) -> list[str]:
    """A text's lines, split at ``\\n``, ``\\r\\n`` or ``\\r``. A break that ends the text ends
    its last line and opens none: a 22-line file ending with a newline has 22 lines, not a
    23rd blank one."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if len(lines) > 1 and lines[-1] == "" else lines


def normalize_series(text: pl.Series, *, collapsed: pl.Series | None = None) -> pl.Series:
    """:func:`normalize_expr` for a Series, skipping the work that cannot change a row.

    NFKC and the folds only touch text with non-ASCII characters (a row whose UTF-8 length
    equals its character count has none) or a backtick, and most paragraphs are already
    single-spaced. Every row is lower-cased and collapsed once; only the rows that need them
    get the folds, and NFKC (before lower-casing, as :func:`normalize_text` does) only where
    it can change something (:func:`_changed_by_nfkc`).
    Same result as the expression (a property test keeps them equal), several times faster
    on English text. ``collapsed`` marks the rows already whitespace-collapsed (as
    ``" ".join(row.split())``): of those, only the rows that folding changed are collapsed again.
    """
    lowered = text.str.to_lowercase()
    non_ascii = has_non_ascii(text)
    touched = (non_ascii | text.str.contains_any(_FOLDED_ASCII)).fill_null(False)
    indices = touched.arg_true()
    if len(indices):
        source = text.gather(indices)
        needs_nfkc = source.str.contains(_changed_by_nfkc()).fill_null(False)
        composed = _apply_to_rows(lowered.gather(indices), source, needs_nfkc, lambda t: t.str.normalize("NFKC").str.to_lowercase())
        lowered = lowered.scatter(indices, composed.str.replace_many(FOLD_FROM, FOLD_TO))
    if collapsed is None:
        return collapse_whitespace(lowered)
    # lower-casing leaves whitespace alone: only the folded rows and those not collapsed can need it
    rows = (touched | ~collapsed.fill_null(False)).arg_true()
    return lowered.scatter(rows, collapse_whitespace(lowered.gather(rows))) if len(rows) else lowered


_LATIN1_COMPATIBILITY = "\xa0\xa8\xaa\xaf\xb2\xb3\xb4\xb5\xb8\xb9\xba\xbc\xbd\xbe"
"""Latin-1's only characters that NFKC changes: no-break space, superscripts, fractions,
ordinals, spacing accents."""
_INERT_RANGES = (range(0x100, 0xD800), range(0xF900, 0x10000), range(0x1F000, 0x1FB00))
"""Where to look for characters beyond Latin-1 that NFKC leaves alone in any context: the
Basic Multilingual Plane and the emoji blocks (the scripts and symbols of real text)."""


@once
def _changed_by_nfkc() -> str:
    """A regex matching text that NFKC might change: a character outside :func:`_inert`'s set.

    Typographic quotes, dashes, accented letters of Latin Extended, Greek, Cyrillic, CJK and
    emoji are inert; in the dev pages only 2,083 of the 52,970 non-ASCII lines (1,676 of which
    NFKC really changes) still go through it, instead of 16,624 with Latin-1 alone as inert.
    Built from this Python's ``unicodedata`` (the reference :func:`normalize_text` uses).
    """
    seconds = _composition_seconds()
    inert = [cp for cp in range(0x100) if chr(cp) not in _LATIN1_COMPATIBILITY]
    inert += [cp for block in _INERT_RANGES for cp in block if _inert(chr(cp), seconds)]
    ranges: list[list[int]] = []
    for codepoint in inert:
        if ranges and ranges[-1][1] == codepoint - 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    return "[^" + "".join(f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges) + "]"


def _composition_seconds() -> frozenset[int]:
    """Characters that canonical composition joins to the character before them (the second
    half of a two-character canonical decomposition, and Hangul's vowel and final jamo)."""
    seconds = {0x1161 + i for i in range(21)} | {0x11A8 + i for i in range(27)}
    for codepoint in range(0x10000):
        decomposition = unicodedata.decomposition(chr(codepoint))
        if decomposition and not decomposition.startswith("<") and len(parts := decomposition.split()) == 2:
            seconds.add(int(parts[1], 16))
    return frozenset(seconds)


def _inert(char: str, seconds: frozenset[int]) -> bool:
    """Whether NFKC leaves ``char`` as it is whatever surrounds it (given that the characters
    that are not inert make their line go through NFKC): assigned, not a mark or control
    (so a starter), NFKC-stable alone, and neither it nor its canonical base joins the
    character before it. A mark or a second after it is not inert, so any composition it
    could take part in sends the line to NFKC."""
    if unicodedata.category(char)[0] in "CM" or ord(char) in seconds:
        return False
    return unicodedata.normalize("NFKC", char) == char and ord(unicodedata.normalize("NFD", char)[0]) not in seconds


def _apply_to_rows(
    result: pl.Series, source: pl.Series, rows: pl.Series, expression: Callable[[pl.Expr], pl.Expr]
) -> pl.Series:
    """``result`` with the ``rows`` replaced by ``expression`` applied to those rows of ``source``."""
    indices = rows.arg_true()
    if len(indices) == 0:
        return result
    changed = source.gather(indices).to_frame("t").select(expression(pl.col("t")))["t"]
    return result.scatter(indices, changed)


class _WordSeparator(dict[int, str]):
    """``str.translate`` table that keeps word characters and maps all others to a space.

    Filled lazily per code point, so it costs nothing for scripts a corpus never uses.
    """

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        value = char if unicodedata.category(char)[0] in "LMN" else " "
        self[codepoint] = value
        return value


_SEPARATE_WORDS = _WordSeparator()


@once
def word_characters() -> np.ndarray:
    """``is_word[code point]``: whether :data:`WORD` (``[\\p{L}\\p{M}\\p{N}]``, Polars' engine)
    matches the character, for the compiled scans of words (text mode's stopwords, the
    signatures' tokens), which then split text as the regex does.

    Built by that engine (:func:`_word_characters_by_regex`: 0.1 s, on the way to a run's first
    signatures) once per Polars version, whose Unicode tables it follows, and read from the
    user's cache after (0.4 ms); the file's name holds both."""
    pattern = hashlib.sha256(WORD.encode()).hexdigest()[:12]
    return cached_bits(f"word-characters-{pattern}-polars-{pl.__version__}", 0x110000, _word_characters_by_regex)


def _word_characters_by_regex() -> np.ndarray:
    """Every code point but the surrogates as one string, each character that is not a word
    character replaced by a NUL by :data:`WORD`'s engine (1.1 million characters)."""
    codes = np.arange(0x110000, dtype=np.uint32)
    codes[0xD800:0xE000] = 0  # surrogates cannot be in text: NUL stands in for them
    text = codes.astype("<u4").tobytes().decode("utf-32-le")
    not_word = "[^" + WORD.removeprefix("[").removesuffix("]+") + "]"
    marked = pl.Series([text], dtype=pl.String).str.replace_all(not_word, "\0")[0]
    return np.frombuffer(marked.encode("utf-32-le"), dtype="<u4") != 0


def words(normalized: str) -> list[str]:
    """Words of already-normalised text: maximal runs of letters, marks and numbers."""
    return normalized.translate(_SEPARATE_WORDS).split()


def exact_form(normalized: str) -> str:
    """What two paragraphs must share to be exact copies: the words of their normalised text,
    one space apart, so that copies differing only in punctuation ("Skip to main content." and
    "Skip to: main content") are one. Text without a word keeps its normalised form (else every
    row of dashes or asterisks would be one paragraph)."""
    return " ".join(words(normalized)) or normalized


def exact_form_expr(normalized: pl.Expr, token_lists: pl.Expr | None = None) -> pl.Expr:
    """:func:`exact_form` as a Polars expression.

    Made from the paragraph's :func:`tokens` (``token_lists``, when the caller has them): a
    word never holds a sentence mark, so deleting the marks from the joined tokens leaves the
    words. Measured on the dedup benchmark's paragraphs it is 3.5 times faster than extracting
    the words again with the Unicode word class.
    """
    if token_lists is None:
        token_lists = tokens_expr(normalized)
    joined = token_lists.list.join(" ").str.replace_all(MARK_CLASS, "").str.replace_all(" {2,}", " ").str.strip_chars(" ")
    return pl.when(joined == "").then(normalized).otherwise(joined)


SENTENCE_MARKS = ".!?;:"
"""Characters that end a sentence (or a clause worth matching on its own) for sentence anchors."""
_SEPARATE_TOKENS = _WordSeparator({ord(mark): f" {mark} " for mark in SENTENCE_MARKS})
MARK_CLASS = "[" + re.escape(SENTENCE_MARKS) + "]"
TOKEN = f"{WORD}|{MARK_CLASS}"
"""Words and sentence marks, in order: one pass gives both shingles and sentence anchors."""


def tokens(normalized: str) -> list[str]:
    """Words and sentence marks of normalised text, in order (:data:`TOKEN`)."""
    return normalized.translate(_SEPARATE_TOKENS).split()


def tokens_expr(normalized: pl.Expr) -> pl.Expr:
    """:func:`tokens` as a Polars expression (a list of tokens per row)."""
    return normalized.str.extract_all(TOKEN)

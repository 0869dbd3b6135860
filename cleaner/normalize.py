"""Normalize stage: one explicit definition of "the same text", used for exact keys and shingles.

The regex engine's idea of ``\\w`` differs between Python and Polars (combining marks), so
word characters are defined here by Unicode category: letters, marks and numbers.
"""

from __future__ import annotations

import unicodedata

import polars as pl
import xxhash

from cleaner import schemas

_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u0060"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

_FOLD = {ord(c): "'" for c in _QUOTES}
_FOLD.update({ord(c): '"' for c in _DOUBLE_QUOTES})
_FOLD.update({ord(c): "-" for c in _DASHES})
_FOLD.update({ord(c): None for c in _INVISIBLE})


def normalize_text(text: str) -> str:
    """Fold what should not make two paragraphs different.

    Unicode NFKC, case (``casefold``), typographic quotes to ASCII quotes, every dash to
    ``-``, invisible characters dropped, and runs of whitespace to one space.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return " ".join(folded.split())


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


def words(normalized: str) -> list[str]:
    """Words of already-normalised text: maximal runs of letters, marks and numbers."""
    return normalized.translate(_SEPARATE_WORDS).split()


def norm_key(normalized: str) -> str:
    """Stable 128-bit hex key of normalised text (xxh3: stable across versions and platforms)."""
    return xxhash.xxh3_128_hexdigest(normalized.encode("utf-8"))


def para_id(doc_id: str, position: int) -> str:
    """A paragraph's id: its document's id and position, readable and unique."""
    return f"{doc_id}#p{position}"


def key_paragraphs(paragraphs: pl.DataFrame) -> pl.DataFrame:
    """Add ``para_id``, ``norm_key`` and ``n_tokens`` to a frame of :data:`schemas.PARAGRAPHS_RAW`."""
    normalized = [normalize_text(text) for text in paragraphs["text"].to_list()]
    return schemas.conform(
        paragraphs.with_columns(
            pl.Series(
                "para_id",
                [para_id(d, p) for d, p in zip(paragraphs["doc_id"].to_list(), paragraphs["position"].to_list())],
                dtype=pl.String,
            ),
            pl.Series("norm_key", [norm_key(n) for n in normalized], dtype=pl.String),
            pl.Series("n_tokens", [len(words(n)) for n in normalized], dtype=pl.Int32),
        ),
        schemas.PARAGRAPHS_KEYED,
    )

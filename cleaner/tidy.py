"""Tidy stage: the characters a clean text does without, taken out of every kept text.

Two copies of one paragraph can differ in ways a reader never sees: one composed (``é``), one
decomposed (``e`` and a combining accent, as macOS and some exports write it: 28 pages of
extraction-dev have decomposed umlauts or accents), or one with zero-width spaces, word joiners
or stray byte order marks that a page's markup or a word processor left behind. The exact keys
already fold these away, so the copies join one cluster; but the text kept them, and the
canonical rule ("the longest copy") then preferred the copy with the invisible characters or
the decomposed accents. A line of nothing but such characters was a paragraph of its own, and
every document's such line joined one cluster.

So every text cleaner keeps is put in Unicode NFC (canonical composition: the same characters,
as most text on the web is written) and loses the characters of :data:`INVISIBLE`. A line left
empty is blank. Zero-width joiners and non-joiners stay: they change how Persian, Indic
scripts and emoji sequences are written. Direction marks (:data:`DIRECTION_MARKS`) go only
from a text without a right-to-left letter, where they order nothing; in Arabic or Hebrew text
they place the numbers and Latin words, and stay. Soft hyphens stay: they are the page's
hyphenation points, which the gold of every development set keeps (taking them out cost
extraction-dev's snippet F1 0.0007; NFC gained it 0.0005, the other sets unchanged).
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from cleaner.normalize import has_non_ascii

INVISIBLE = "\u200b\u2060\ufeff"
"""Zero-width space, word joiner, zero-width no-break space (a byte order mark inside the text)."""
DIRECTION_MARKS = "\u200e\u200f\u061c"
"""Left-to-right, right-to-left and Arabic letter marks."""
RIGHT_TO_LEFT = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
"""The Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan and Mandaic blocks and their
presentation forms: the scripts written right to left that text on the web uses."""
_DROP = dict.fromkeys(map(ord, INVISIBLE))
_DROP_WITH_MARKS = dict.fromkeys(map(ord, INVISIBLE + DIRECTION_MARKS))
_RIGHT_TO_LEFT = re.compile(f"[{RIGHT_TO_LEFT}]")


def tidy_text(text: str) -> str:
    """``text`` in NFC without the :data:`INVISIBLE` characters, nor direction marks unless it
    has a right-to-left letter (ASCII text is returned as it is)."""
    if text.isascii():
        return text
    # dropped first: a zero-width space between a letter and its accent kept them apart in NFC
    return unicodedata.normalize("NFC", text.translate(_DROP if _RIGHT_TO_LEFT.search(text) else _DROP_WITH_MARKS))


def tidy_series(text: pl.Series) -> pl.Series:
    """:func:`tidy_text` for every row: only rows with a non-ASCII character are touched
    (:func:`~cleaner.normalize.has_non_ascii`), so English text costs one length comparison a row."""
    rows = has_non_ascii(text).fill_null(False).arg_true()
    if len(rows) == 0:
        return text
    touched = text.gather(rows)
    dropped = (
        pl.when(touched.str.contains(f"[{RIGHT_TO_LEFT}]"))
        .then(touched.str.replace_all(f"[{INVISIBLE}]", ""))
        .otherwise(touched.str.replace_all(f"[{INVISIBLE}{DIRECTION_MARKS}]", ""))
    )
    return text.scatter(rows, pl.select(dropped).to_series().str.normalize("NFC"))

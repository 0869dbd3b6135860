"""Clutter inside kept lines: slug prefixes, bracketed references, glued citation numbers."""

from __future__ import annotations

import polars as pl

from cleaner.strip.features import DATELINE_MONTHS

_CITATION_GLUED = r"([a-z]{3})\d{1,2}([\"”’)]*[.!?][\"”’)]*(?:\s|$))"
"""A citation number glued to a word where a sentence ends (``Reuters4.``): the word and what
follows are kept. Without the punctuation it is a name (``Mazdaspeed3 for``, ``by Smitty89 on``,
``ggplot2``): on the wide and dev text dumps the rule matched 1,226 lines with the punctuation
optional and 164 with it required, and most of the difference were names. Before a comma or a
semicolon it is a name too, mostly: of the 41 lines matched there, about 7 held a citation
(``immigration country4,``) and 34 a name (``Windows7,``, ``eth0,``, ``Simula67,``, ``High5,``),
which lost its digits; every glued citation of the seeds ends a sentence."""
_DATE_GLUED = r"([a-z]{3})(\d{1,2}\.?\s+(?i:" + DATELINE_MONTHS + r")\b)"
"""A day glued to the word before it (``Dessau2. Oktober 2023``): not a citation; a space is put back."""
_CITATION_NAME_WITH_DIGITS = r"(\p{Ll}{2,}) \p{Lu}\p{Ll}+\d{3}([.!?][\"”’)]*(?:\s|$))"
"""A source whose name ends in digits with a citation number glued on (``... counterparts
France241.``): where the name ends cannot be known, so the whole marker goes, which it is
(a capitalised word and three digits appended to a sentence that ended on a lower-case word)."""
_CITATION_BRACKET = r"\s?\[(?:\d{1,3}(?:[,–-]\d{1,3})*|citation needed|note \d{1,3})\]"
_SLUG_PREFIX = r"^((?:[^/\n]{1,120}?/ ){3,8})"
_INLINE_CLUTTER_HINT = r"/ |\[|[a-z]\d"
"""What every slug prefix, bracketed reference or glued citation contains: only lines with
it go through :func:`clean_inline_expr` (about 2% of kept lines; the rest are already clean)."""

def clean_inline(text: str) -> str:
    """Cut clutter out of a kept line: slug prefixes and citation markers (:func:`clean_inline_expr`)."""
    return pl.select(clean_inline_expr(pl.lit(text, dtype=pl.String))).item()

def clean_inline_series(texts: pl.Series) -> pl.Series:
    """:func:`clean_inline_expr` of whitespace-collapsed lines, run only where it can change one."""
    rows = texts.str.contains(_INLINE_CLUTTER_HINT).fill_null(False).arg_true()
    if len(rows) == 0:
        return texts
    cleaned = texts.gather(rows).to_frame("t").select(clean_inline_expr(pl.col("t")))["t"]
    return texts.clone().scatter(rows, cleaned)  # scatter writes in place: the caller's series stays as it was

def without_reference_marks(texts: list[str]) -> list[str]:
    """``texts`` without bracketed references (``[1]``, ``[2–4]``, ``[citation needed]``), the one
    citation marker that keeps its shape in text extracted from HTML: a superscript flattened
    into a word (``eth0``, ``Windows7,``, ``Angular2.`` on the development pages) cannot be told
    from a name there, so only brackets go (:func:`clean_inline_expr` cuts the rest from text
    dumps)."""
    rows = [row for row, text in enumerate(texts) if "[" in text]
    if not rows:
        return texts
    cleaned = pl.Series([texts[row] for row in rows], dtype=pl.String).str.replace_all(_CITATION_BRACKET, "").str.strip_chars()
    unmarked = list(texts)
    for row, text in zip(rows, cleaned.to_list()):
        unmarked[row] = text
    return unmarked


def clean_inline_expr(text: pl.Expr) -> pl.Expr:
    """Cut clutter out of kept lines: a slug prefix of 3 to 8 short segments before at least
    40 characters of text, bracketed references and citation numbers glued to a word."""
    slug = text.str.extract(_SLUG_PREFIX, 1)
    segments_short = slug.str.strip_suffix("/ ").str.split("/ ").list.eval(
        pl.element().str.strip_chars().str.count_matches(r"\S+") <= 14
    ).list.all()
    without_slug = (
        pl.when(slug.is_not_null() & (text.str.len_chars() - slug.str.len_chars() >= 40) & segments_short)
        .then(text.str.slice(slug.str.len_chars()))
        .otherwise(text)
    )
    return (
        without_slug.str.replace_all(_CITATION_BRACKET, "")
        .str.replace_all(_DATE_GLUED, "${1} ${2}")
        .str.replace_all(_CITATION_NAME_WITH_DIGITS, "${1}${2}")
        .str.replace_all(_CITATION_GLUED, "${1}${2}")
        .str.strip_chars()
    )

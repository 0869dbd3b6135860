"""Line features and scores: what a line looks like, computed for a whole batch at once.

Every signal is a Polars expression over all units of the batch (Rust regular expressions,
stopword lookups as one join): length, terminal punctuation, stopword share in the
document's language, bullets, bylines and datelines, the pattern that matched, repetition
within the document and the site's template. :func:`with_scores` turns them into the score
that the article regions are searched on: prose counts its length, clutter counts against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from cleaner.normalize import normalize_series
from cleaner.paragraphs import TERMINAL
from cleaner.strip.language import (
    compiled_batch,
    document_languages,
    spread_words,
    stop_ratios,
    stoplists,
    stopword_ids,
)
from cleaner.strip.patterns import SHORT_LINE_WORDS, RuleGroup, pattern_columns
from cleaner.strip.templates import template_flags
from cleaner.strip.units import distinct_texts

BARRIER_REASONS = frozenset({"related", "comments", "footer"})
"""Reasons whose lines end the article region: what follows them is their list, not the article."""
INTERRUPTION_REASONS = frozenset({"caption", "ad", "repeated"})
"""Reasons of lines that interrupt an article without ending it (a photo, an ad slot)."""
PROSE_MIN_WORDS = 10
SHORT_SENTENCE_WEIGHT = 0.5
"""Score per character of a short complete sentence, against 1.0 for prose."""
STRONG_PROSE_WORDS = 30
LONG_LINE_CHARS = 5000
"""Lines longer than this are judged on their first 4,000 and last 1,000 characters."""
BARRIER_SCORE = -1e9
PATTERN_SCORE = -120.0
"""The score of a line that a pattern (or a rule that reads its neighbours) claims."""
REPEATED_LINE_COUNT = 3
REPEATED_LINE_WORDS = 6
"""Article text does not repeat itself word for word; a widget's label does, once per slot
(an image viewer's controls under each photo, "Reply" under each comment). A short line seen
this many times in one document is removed, and like a caption it does not break the article."""

_TERMINAL_END = "[" + re.escape(TERMINAL) + "]$"
_SENTENCE_END = r"(?:[.!?…]|\.\)|\.\"|\.”)$"
_CJK = "[\u3040-\u9fff\uac00-\ud7af]"
_SEPARATED = r" \| | > | » | / "
_BULLET = re.compile(r"^(?:[-–—•·*▪►●◦‣]|\d{1,2}[.)])\s")
_BYLINE_WORD = (
    r"^(?:by|von|par|por|di|door|av|af|od|przez|written by|reporting by|geschrieben von|verfasst von|"
    r"text:|author:|autor:|auteur\s?:)\s+"
)
_BYLINE = re.compile(_BYLINE_WORD + r"(?P<name>[^\W\d][^|]{1,120}?)\s*$", re.I)

_CO_AUTHORS = re.compile(r"\s(?:and|und|et|y|e|en|och|og|i)\s|&", re.I)
"""A byline that names several people ("A, B and C") keeps its commas."""


def byline_author(line: str) -> str | None:
    """The name in a short byline line ("By NAME", "By NAME, OUTLET | DATE"): what follows a
    separator (an outlet, a date) is cut, and so is an outlet after a comma when more follows
    it (:data:`_BYLINE_END`); ``None`` when the line is not a byline."""
    if len(line.split()) > SHORT_FEATURE_WORDS or line.rstrip().endswith("."):
        return None
    head, bar, _ = line.partition("|")
    found = _BYLINE.match(head.strip())
    if found is None:
        return None
    whole = found.group("name").strip()
    name = _BYLINE_END.sub("", whole).strip()
    if (bar or name != whole) and not _CO_AUTHORS.search(name):
        name = name.split(",")[0].strip()  # "NAME, OUTLET | DATE": a date or a bar follows an outlet
    return name or None


DATELINE_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|"
    "mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|"
    "julio|agosto|septiembre|octubre|noviembre|diciembre"
)
DATE = re.compile(
    rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.?\s+(?:{DATELINE_MONTHS})\.?\s+\d{{4}}|"
    rf"(?:{DATELINE_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.I,
)
_DATELINE_WORDS = re.compile(
    r"^(?:published|updated|posted|last updated|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado)\b",
    re.I,
)
_BYLINE_END = re.compile(
    r"\s*(?:[|·•;]|\s[-–—/]+\s|,(?=[^,]*\d|\s*[^\s,]+\s*$)|\s\d|\s(?:on|am|vom|le|el|il|op|den|at)\s(?=.*\d)|"
    rf"\s(?:{DATELINE_MONTHS})\.?\s+\d|\s(?:published|updated|posted|veröffentlicht|aktualisiert|publié|publicado|actualizado)\b).*$",
    re.I,
)
"""Where a byline's name ends: at a separator, at "Published", or where a date starts (a comma,
"on", "am" or a month before digits; any digit after a space), and at a comma before one last
word ("Ann Lee, Reuters"). A comma before several words stays: it lists co-authors ("Ann Lee,
Bo Park") as often as it names a desk. On extraction-dev's text dumps, authors found exactly as
expected went from 83 to 130 of 538 with these cuts."""


def is_dateline(line: str) -> bool:
    """Whether a short line is a dateline: a date, or "Published ..." (the ``dateline`` column's
    rule, for one line of text extracted from HTML)."""
    n_words = len(line.split())
    return n_words <= 10 and (DATE.search(line) is not None or (n_words <= 8 and _DATELINE_WORDS.search(line) is not None))


_BYLINE_WORD_RUST, _DATELINE_RUST = "(?i)" + _BYLINE_WORD, "(?i)" + _DATELINE_WORDS.pattern
_DATE_RUST = "(?i)" + DATE.pattern.replace(r"\b", r"(?-u:\b)")
"""The same expressions for Polars' regex engine, which runs them over whole batches. A date
starts and ends with an ASCII digit or month name, so its word boundaries are ASCII ones
(Unicode boundaries keep Rust's engine from its fast automaton on non-ASCII text: 40x)."""


def unit_features(units: pl.DataFrame, rules: Sequence[RuleGroup], n_docs: int) -> tuple[pl.DataFrame, list[list[str]]]:
    """Every signal a decision needs, computed for the whole batch at once.

    What depends on a line's text alone (normalising, words, patterns, shapes) is computed once
    per distinct text (:func:`distinct_texts`: a batch repeats its menus and labels, the dev pages'
    181,000 units have 114,000 texts) and spread back to the units; stopword shares depend on
    the document's language, and are computed per unit.
    """
    distinct, inverse = distinct_texts(units["text"])
    frame = distinct.to_frame("text").with_columns(pl.col("text").str.len_chars().alias("chars"))
    sampled = pl.when(pl.col("chars") > LONG_LINE_CHARS).then(
        pl.concat_str(pl.col("text").str.slice(0, 4000), pl.lit(" "), pl.col("text").str.slice(-1000))
    ).otherwise(pl.col("text"))
    whole = frame["chars"] <= LONG_LINE_CHARS  # units are collapsed; a sample's seams may not be
    frame = frame.with_columns(normalize_series(frame.select(sampled).to_series(), collapsed=whole).alias("normalized"))
    compiled = compiled_batch(frame["normalized"])
    text_words, text_word_ids = stopword_ids(frame["normalized"], compiled=compiled)
    text_n_words = np.bincount(text_words, minlength=frame.height).astype(np.int32)
    frame = frame.with_columns(pl.Series("n_words", text_n_words, dtype=pl.Int32))
    frame = frame.hstack(pattern_columns(frame["normalized"], frame["n_words"] <= SHORT_LINE_WORDS, rules))
    frame = frame.with_columns(
        pl.col("text").str.contains(_TERMINAL_END).alias("terminal"),
        pl.col("text").str.contains(_BULLET.pattern).alias("bullet"),
        pl.col("text").str.contains(_SEPARATED).alias("separated"),
    ).hstack(_short_line_features(frame))
    unit_of_word, word_id = spread_words(text_word_ids, text_n_words, inverse)
    units = units.hstack(frame.drop("text")[inverse])
    ranked = document_languages(units, unit_of_word, word_id, n_docs, compiled=compiled)
    units = units.with_columns(stop_ratios(units, unit_of_word, word_id, ranked, compiled=compiled))
    names = stoplists().names
    return units, [[names[i] for i in row if i >= 0] for row in ranked.tolist()]


SHORT_FEATURE_WORDS = 12
"""Bylines, datelines and short sentences have at most this many words: their expressions run
on such lines only (prose lines hold most of the bytes)."""


def _short_line_features(units: pl.DataFrame) -> pl.DataFrame:
    """``byline`` (the name), ``dateline``, ``upper_start``, ``sentence_end`` and ``cjk_prose``
    of the lines that can have them (false or null on longer lines)."""
    rows = np.flatnonzero(units["n_words"].to_numpy() <= SHORT_FEATURE_WORDS)
    n_words = pl.col("n_words")
    short_units = units.select("text", "n_words")[rows]
    opens_byline = short_units["text"].str.contains(_BYLINE_WORD_RUST).fill_null(False)
    bylines = short_units["text"].filter(opens_byline).map_elements(byline_author, return_dtype=pl.String)
    short = short_units.select(
        _nulls("byline", short_units.height).scatter(np.flatnonzero(opens_byline.to_numpy()), bylines),
        (
            (n_words <= 10)
            & (pl.col("text").str.contains(_DATE_RUST) | (pl.col("text").str.contains(_DATELINE_RUST) & (n_words <= 8)))
        ).fill_null(False).alias("dateline"),
        pl.col("text").str.contains(r"^\p{Lu}").alias("upper_start"),
        pl.col("text").str.contains(_SENTENCE_END).alias("sentence_end"),
    )
    columns = []
    for name in short.columns:
        empty = _nulls(name, units.height) if name == "byline" else pl.Series(name, np.zeros(units.height, dtype=bool))
        columns.append(empty.scatter(rows, short[name]) if len(rows) else empty)
    long_enough = (short_units["text"].str.len_bytes() >= 3 * CJK_PROSE_CHARS).to_numpy()  # a CJK character takes 3 bytes
    candidates = short_units["text"].filter(pl.Series(long_enough))
    cjk = (candidates.str.count_matches(_CJK) >= CJK_PROSE_CHARS) & candidates.str.contains("[。！？.!?]$")
    columns.append(pl.Series("cjk_prose", np.zeros(units.height, dtype=bool)).scatter(rows[long_enough], cjk))
    return pl.DataFrame(columns)


def _nulls(name: str, height: int) -> pl.Series:
    return pl.repeat(None, height, dtype=pl.String, eager=True).alias(name)


CJK_PROSE_CHARS = 40
"""A line of at least this many Chinese, Japanese or Korean characters ending a sentence is
prose, though it has few words (words are not separated by spaces)."""


def repeated_lines(units: pl.DataFrame) -> np.ndarray:
    """Whether each unit is a short line (:data:`REPEATED_LINE_WORDS`) whose normalised text
    its document has :data:`REPEATED_LINE_COUNT` times or more. Only short lines are counted
    (three in four of the dev pages' units; equal texts have equal word counts): the window
    over every unit's document and text took 33 ms of the batch, this 18."""
    rows = units["n_words"].is_between(1, REPEATED_LINE_WORDS).arg_true()
    counts = units.select("doc", "normalized")[rows].select(pl.len().over("doc", "normalized")).to_series().to_numpy()
    repeated = np.zeros(units.height, dtype=bool)
    repeated[rows.to_numpy()] = counts >= REPEATED_LINE_COUNT
    return repeated


def with_scores(
    units: pl.DataFrame, languages: list[list[str]], template_lines: Sequence[frozenset[int]] | None
) -> pl.DataFrame:
    """Site-template and repeated lines, barriers, the prose shapes and each unit's score."""
    pattern = pl.col("pattern")
    if template_lines is not None and any(template_lines):
        template = template_flags(units["normalized"], units["doc"], template_lines) & (units["numbers"].list.len() == 1)
        pattern = pl.when(pattern.is_null() & template).then(pl.lit("template")).otherwise(pattern)
    repeated = pl.Series("repeated", repeated_lines(units))
    has_stoplist = pl.Series([bool(names) for names in languages], dtype=pl.Boolean)
    units = units.with_columns(pl.col("pattern").alias("rule")).with_columns(
        pl.when(pattern.is_null() & repeated).then(pl.lit("repeated")).otherwise(pattern).alias("pattern"),
        has_stoplist.gather(units["doc"]).alias("has_stoplist") if len(has_stoplist) else pl.lit(False).alias("has_stoplist"),
    )
    n = pl.col("n_words")
    stop = pl.col("stop_ratio")
    loose = ~pl.col("has_stoplist")
    prose_shape = (
        ((n >= STRONG_PROSE_WORDS) & ((stop >= 0.1) | loose))
        | ((n < PROSE_MIN_WORDS) & pl.col("cjk_prose"))
        | ((n >= PROSE_MIN_WORDS) & ((stop >= 0.2) | loose) & (pl.col("terminal") | (n >= 18)))
    )
    list_item = pl.col("bullet") & (n >= 6) & ((stop >= 0.15) | loose)
    no_pattern = pl.col("pattern").is_null()
    short_sentence = (
        no_pattern & (n >= 4) & (n < PROSE_MIN_WORDS) & pl.col("upper_start") & pl.col("sentence_end") & ((stop > 0) | loose)
    )
    barrier = pl.col("pattern").is_in(list(BARRIER_REASONS)) & ((pl.col("pattern") != "footer") | pl.col("strong"))
    chars = pl.col("chars").cast(pl.Float64)
    score = (
        pl.when(barrier).then(pl.lit(BARRIER_SCORE))
        .when((no_pattern & prose_shape) | list_item).then(chars)
        .when(short_sentence).then(SHORT_SENTENCE_WEIGHT * chars)
        .when(pl.col("pattern").is_in(list(INTERRUPTION_REASONS)) | pl.col("byline").is_not_null() | pl.col("dateline"))
        .then(pl.lit(-5.0))
        .when(pl.col("pattern").is_not_null()).then(pl.lit(PATTERN_SCORE))
        .otherwise(-25.0 - 2.0 * pl.min_horizontal(chars, pl.lit(60.0)))
    )
    text = pl.col("text")
    open_end = text.str.ends_with(".") | text.str.ends_with(":") | text.str.ends_with(",")
    headline_shape = n.is_between(3, 30) & ~open_end & ~pl.col("bullet") & ~pl.col("separated")
    return units.with_columns(
        prose_shape.fill_null(False).alias("prose_shape"),
        list_item.fill_null(False).alias("list_item"),
        score.alias("score"),
        headline_shape.fill_null(False).alias("headline_shape"),
        ((n >= PROSE_MIN_WORDS) & pl.col("terminal") & ~pl.col("bullet")).alias("standfirst"),
    )


def with_claimed(units: pl.DataFrame, lines: np.ndarray, reason: str) -> pl.DataFrame:
    """``units`` with the ``lines`` (a mask) that no pattern claims yet given the pattern
    ``reason`` and the score of a pattern line: what a rule that reads a line's neighbours
    (a comment thread, a teaser list) finds."""
    newly = pl.Series(lines) & units["pattern"].is_null()
    return units.with_columns(
        pl.when(newly).then(pl.lit(reason)).otherwise(pl.col("pattern")).alias("pattern"),
        pl.when(newly).then(pl.lit(PATTERN_SCORE)).otherwise(pl.col("score")).alias("score"),
    )

"""Strip stage for plain text: decide, line by line, what is article and what is clutter.

Every line gets a decision with a reason code and a score, so that ``cleaner strip --explain``
can show why. The decision combines signals that carry over to sites never seen before:

1. **Shape**: length, terminal punctuation, stopword density in the document's language
   (jusText's lists for 100 languages). Prose is long and full of function words.
2. **Position**: clutter surrounds the article. The main region is the run of lines with the
   highest sum of prose scores (a maximum-subarray search); short lines inside it are
   headings, short lines outside it are navigation and link lists.
3. **Barriers**: markers of related-article lists, comment sections and footers end the
   region, and the lines listed under them share their reason.
4. **Phrase patterns**: data files per language (``cleaner/data/patterns``), applied to short
   lines only, so that a sentence that merely mentions "subscribe" is never removed.
5. **Repetition**: a short line seen three times in one document is a widget's label.
6. **A learned second opinion** (``line_model``): an additive model over these signals and
   the neighbours' keeps lines the rules left just outside the article and drops kept lines
   it is nearly sure about; patterns and metadata lines keep the rules' decision.

Title, byline and dateline lines are moved into metadata instead of being dropped silently,
and clutter inside kept lines (glued citation numbers, slug prefixes) is cut out.

The work is done for a whole batch of documents at once (:func:`strip_texts`): every line's
features are Polars expressions over the batch (Rust regular expressions, stopword lookups as
one join), the decisions too; only the maximum-subarray search and the headline walk run per
document in Python. That is what makes text mode fast (6x the line-by-line version).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from cleaner import line_model, stopwords
from cleaner.dates import iso_date
from cleaner.normalize import (
    WORD,
    collapse_whitespace,
    normalize_series,
    normalize_text,
    split_lines,
)
from cleaner.paragraphs import TERMINAL, Paragraph, split_paragraphs, split_wrapped
from cleaner.templates import template_flags

SHORT_LINE_WORDS = 14
"""Patterns decide lines of at most this many words; longer lines are judged on shape."""
BARRIER_REASONS = frozenset({"related", "comments", "footer"})
"""Reasons whose lines end the article region: what follows them is their list, not the article."""
LISTING_REASONS = frozenset({"related", "comments", "video"})
"""Reasons that carry over to the short lines listed right under the marker line."""
EDGE_REASONS = frozenset({"subscribe", "social", "ad", "comments", "footer"})
"""Clutter that, as a full sentence at either end of the article, is a promotion or a form."""
INTERRUPTION_REASONS = frozenset({"caption", "ad", "repeated"})
"""Reasons of lines that interrupt an article without ending it (a photo, an ad slot)."""
PROSE_MIN_WORDS = 10
SHORT_SENTENCE_WEIGHT = 0.5
"""Score per character of a short complete sentence, against 1.0 for prose."""
STRONG_PROSE_WORDS = 30
RESCUE_WORDS = 35
"""A prose line outside every article region is still kept when it has this many words."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BULLET = re.compile(r"^(?:[-–—•·*▪►●◦‣]|\d{1,2}[.)])\s")
_CITATION_GLUED = r"([a-z]{3})\d{1,2}([.,;:!?\"”’)]*(?:\s|$))"
"""A citation number glued to a word (``Reuters4.``): the word and what follows are kept."""
_CITATION_BRACKET = r"\s?\[(?:\d{1,3}(?:[,–-]\d{1,3})*|citation needed|note \d{1,3})\]"
_SLUG_PREFIX = r"^((?:[^/\n]{1,120}?/ ){3,8})"
_INLINE_CLUTTER_HINT = r"/ |\[|[a-z]\d"
"""What every slug prefix, bracketed reference or glued citation contains: only lines with
it go through :func:`_clean_inline_expr` (about 2% of kept lines; the rest are already clean)."""
_BYLINE = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|od|przez|written by|reporting by|geschrieben von|verfasst von|"
    r"text:|author:|autor:|auteur\s?:)\s+"
    r"(?P<name>[^\W\d][^|]{1,120}?)\s*$",
    re.I,
)
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|"
    "mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|"
    "julio|agosto|septiembre|octubre|noviembre|diciembre"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\.?\s+(?:{_MONTHS})\.?\s+\d{{4}}|"
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
    re.I,
)
_DATELINE_WORDS = re.compile(
    r"^(?:published|updated|posted|last updated|veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado)\b",
    re.I,
)
_BYLINE_RUST, _DATELINE_RUST = ("(?i)" + rx.pattern for rx in (_BYLINE, _DATELINE_WORDS))
_DATE_RUST = "(?i)" + _DATE.pattern.replace(r"\b", r"(?-u:\b)")
"""The same expressions for Polars' regex engine, which runs them over whole batches. A date
starts and ends with an ASCII digit or month name, so its word boundaries are ASCII ones
(Unicode boundaries keep Rust's engine from its fast automaton on non-ASCII text: 40x)."""


class LineDecision(NamedTuple):
    """What happened to one input line, and why (a tuple: millions are made per run)."""

    line: int
    text: str
    keep: bool
    reason: str
    score: float
    cleaned: str = ""
    content: float | None = None
    """The line model's probability that the line is article text (``None``: not judged)."""


@dataclass(frozen=True, eq=False)
class StripResult:
    """Kept text, per-line decisions, removed lines with reasons, and the metadata found.

    ``decisions`` (one tuple per input line) are made on first use: a batch job that only
    wants the text does not pay for a million tuples.
    """

    text: str
    paragraphs: list[Paragraph]
    metadata: dict[str, str | None] = field(default_factory=dict)
    language: str | None = None
    make_decisions: Callable[[], list[LineDecision]] = field(default=list, repr=False)

    @cached_property
    def decisions(self) -> list[LineDecision]:
        """What happened to every input line, in order."""
        return self.make_decisions()

    @property
    def removed(self) -> list[tuple[int, str, str]]:
        """``(line, text, reason)`` of every line not kept."""
        return [(d.line, d.text, d.reason) for d in self.decisions if not d.keep]


@dataclass(frozen=True)
class StripOptions:
    """What a user wants kept, and site-specific patterns added without code."""

    keep_captions: bool = False
    keep_headings: bool = True
    extra_patterns: tuple[tuple[str, str], ...] = ()
    strip: bool = True
    template_lines: frozenset[int] = frozenset()
    """Keys (``templates.line_key``) of lines that are this document's site template."""
    line_model: bool = True
    """Let the learned line model revise the rules at their margins (``line_model``)."""


# --- patterns --------------------------------------------------------------------------------


def parse_patterns(text: str, origin: str) -> list[tuple[str, str]]:
    """Parse ``reason<TAB>regex`` lines; bad expressions raise ``ValueError`` naming file and line."""
    rules: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        reason, sep, expression = line.partition("\t")
        if not sep or not reason.strip() or not expression.strip():
            raise ValueError(f"{origin}:{number}: expected 'reason<TAB>regular expression'")
        try:
            re.compile(expression)
        except re.error as exc:
            raise ValueError(f"{origin}:{number}: bad regular expression: {exc}") from exc
        rules.append((reason.strip(), expression.strip()))
    return rules


def load_pattern_file(path: str | Path) -> tuple[tuple[str, str], ...]:
    """Read a user's pattern file (same format as the bundled ones)."""
    return tuple(parse_patterns(Path(path).read_text(encoding="utf-8"), str(path)))


@lru_cache(maxsize=1)
def _bundled_patterns() -> tuple[tuple[str, str], ...]:
    folder = resources.files("cleaner").joinpath("data/patterns")
    rules: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt") and entry.name != "README.txt":
            rules.extend(parse_patterns(entry.read_text(encoding="utf-8"), f"patterns/{entry.name}"))
    return tuple(rules)


class _RuleGroup(NamedTuple):
    """All expressions of one reason and reach, as one alternation."""

    reason: str
    any_length: bool
    expression: str
    python: re.Pattern[str]
    rust: bool
    """Whether Polars' regex engine accepts the expression (else the group runs in Python)."""
    anchored: bool = False
    """Every alternative starts with ``^``: Python's engine needs to try the line's start only."""
    prefilter: str | None = None
    """The expression without its word-boundary assertions and with its bounded repetitions
    left open (``{0,80}`` as ``*``): it matches wherever the expression does (and a little
    more), and Rust's fast automaton runs it on any text. Unicode word boundaries keep that
    automaton off non-ASCII text (15x slower), and a long bounded repetition in an unanchored
    search multiplies its states until it gives up (a caption credit ``[^:]{1,80}$``: 9 s for
    the dev pages' 181,000 lines, 0.07 s left open). Only its hits meet the expression."""
    exact_in_python: bool = False
    """An unanchored expression with a long bounded repetition: its few candidate lines are
    checked in Python's engine, which the repetition does not slow down (anchored searches
    do not multiply states, and stay in Rust's engine, much faster on large alternations)."""


def _runs_in_polars(expression: str) -> bool:
    try:
        pl.select(pl.lit("").str.contains(expression))
    except Exception:  # noqa: BLE001 - any refusal of the Rust engine means "use Python's"
        return False
    return True


@lru_cache(maxsize=64)
def _compiled(extra: tuple[tuple[str, str], ...]) -> tuple[_RuleGroup, ...]:
    """The user's patterns (first, so that they win) and the bundled ones, grouped by reason.

    A line gets the reason of the first group, in this order, that matches it. Groups run as
    Polars (Rust) regular expressions over whole batches of lines; an expression only Python
    understands (look-arounds, back-references) makes its group run line by line in Python.
    Anchored expressions (``^...``) are grouped apart from the rest: mixed into one
    alternation they would stop Rust's engine from skipping ahead to the literal words of
    the unanchored ones (10x slower on non-ASCII text).
    """
    grouped: dict[tuple[str, bool, bool], list[str]] = {}
    for reason, expression in (*extra, *_bundled_patterns()):
        name, _, reach = reason.partition(":")
        grouped.setdefault((name, reach == "any", expression.startswith("^")), []).append(f"(?:{expression})")
    groups = []
    for (name, any_length, _), parts in grouped.items():
        expression = "|".join(parts)
        if _has_upper_case(expression):
            expression = "(?i)" + expression  # the lines are lower case: only a user's capitals need this
        rust = _runs_in_polars(expression)
        anchored = all(_anchored(part[3:-1]) for part in parts)
        loose = [_loosened(part[3:-1], unanchored=not anchored) for part in parts]
        prefilter = ("(?i)" if expression.startswith("(?i)") else "") + "|".join(f"(?:{part})" for part in loose)
        in_class = re.search(r"\[[^\]]*\\[bB]", expression) is not None  # [\b] is a backspace, not a boundary
        usable = rust and not in_class and prefilter != expression and _runs_in_polars(prefilter)
        opened = not anchored and any(_open_repetitions(part) != part for part in parts)
        groups.append(
            _RuleGroup(
                name, any_length, expression, re.compile(expression, re.I), rust, anchored, prefilter if usable else None, usable and opened
            )
        )
    return tuple(groups)


_WORD_BOUNDARY = re.compile(r"(?<!\\)((?:\\\\)*)\\[bB]")
"""An unescaped ``\\b`` or ``\\B`` (keeping any escaped backslashes before it)."""


LONG_REPETITION = 8
"""Bounded repetitions with more than this many optional steps are left open in a prefilter."""


def _loosened(expression: str, *, unanchored: bool) -> str:
    """A prefilter for one alternative (:attr:`_RuleGroup.prefilter`): no word boundaries and,
    where the search is unanchored, long repetitions left open and no final ``$`` (which makes
    Rust's search 4x slower: ``©.*$`` 22 ms on the dev pages' lines, ``©.*`` 4 ms); each step
    only widens what it matches (a final ``\\$`` is a dollar sign, and stays). An anchored
    search keeps both: they cost it nothing, and they keep its candidates few."""
    loose = _WORD_BOUNDARY.sub(r"\1", _open_repetitions(expression) if unanchored else expression)
    if unanchored and loose.endswith("$") and not loose.endswith("\\$"):
        loose = loose[:-1]
    return loose


def _open_repetitions(expression: str) -> str:
    """``expression`` with each ``{m,n}`` quantifier (outside classes, not escaped) where
    ``n - m`` exceeds :data:`LONG_REPETITION` written ``{m,}``: it matches a superset."""
    out: list[str] = []
    last = 0
    for index, char in _syntax_chars(expression):
        if char == "{" and index >= last and (match := _BOUNDED.match(expression, index)):
            low, high = int(match[1]), int(match[2])
            if high - low > LONG_REPETITION:
                out.extend([expression[last:index], f"{{{low},}}"])
                last = match.end()
    out.append(expression[last:])
    return "".join(out)


_BOUNDED = re.compile(r"\{(\d+),(\d+)\}")


def _anchored(expression: str) -> bool:
    """Whether every match of ``expression`` starts at the start of the line: it begins with
    ``^`` and has no top-level alternative (``^a|b`` also matches ``b`` anywhere)."""
    if not expression.startswith("^"):
        return False
    depth = 0
    for _, char in _syntax_chars(expression):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
    return True


def _syntax_chars(expression: str) -> Iterator[tuple[int, str]]:
    """``(index, char)`` of the characters of a regular expression that are its syntax: not
    escaped, not inside a character class (the class's own brackets not included)."""
    in_class, escaped = False, False
    for index, char in enumerate(expression):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            yield index, char


def _has_upper_case(expression: str) -> bool:
    """Whether a pattern has a capital letter outside escapes (``\\S``, ``\\W``, ``\\B``...)."""
    return any(char.isupper() for char in re.sub(r"\\.", "", expression))


def pattern_reasons(texts: Sequence[str], options: StripOptions | None = None) -> list[str | None]:
    """The pattern reason of each line of already-extracted text (``None`` when it is content).

    Used after HTML extraction, where position signals no longer exist but phrase patterns
    still catch the clutter that extractors let through.
    """
    options = options or StripOptions()
    normalized = normalize_series(pl.Series(texts, dtype=pl.String))
    short = normalized.str.count_matches(WORD) <= SHORT_LINE_WORDS
    reasons = _pattern_columns(normalized, short, _compiled(options.extra_patterns))["pattern"].to_list()
    return [None if reason == "caption" and options.keep_captions else reason for reason in reasons]


def _pattern_columns(
    normalized: pl.Series, short: pl.Series, rules: Sequence[_RuleGroup], reasons: frozenset[str] | None = None
) -> pl.DataFrame:
    """``pattern, strong`` of every line: the first group that matches it (any group for a
    short line, any-length groups only for a long one) and whether that group is any-length.
    ``reasons`` limits the groups tried to those with these reasons.

    Prose lines, which hold most of the bytes, meet only the few any-length groups; the short
    lines are gathered once for the others. In a large batch, groups are screened together
    (:func:`_screens`, on :func:`_pattern_thread`): one scan finds the lines any of them may
    match, and each group's expression then reads only those. A group scans lines an earlier
    group already claimed too (cheaper than gathering the undecided ones for every group).
    """
    short_rows = np.flatnonzero(short.fill_null(False).to_numpy())
    in_rust = len(normalized) >= SMALL_BATCH_LINES or normalized.str.len_bytes().sum() >= SMALL_BATCH_BYTES
    wanted = [reasons is None or group.reason in reasons for group in rules]
    if in_rust:
        hits = _pattern_thread().submit(_screened_hits, normalized, short_rows, tuple(rules), wanted, True).result()
    else:
        hits = _screened_hits(normalized, short_rows, tuple(rules), wanted, False)
    pattern = pl.Series("pattern", [None] * len(normalized), dtype=pl.String)
    strong = pl.Series("strong", [False] * len(normalized), dtype=pl.Boolean)
    undecided = np.ones(len(normalized), dtype=bool)
    for member, group in enumerate(rules):
        rows = hits.get(member, np.empty(0, dtype=np.int64))
        rows = rows[undecided[rows]]
        if len(rows):
            pattern = pattern.scatter(rows, group.reason)
            if group.any_length:
                strong = strong.scatter(rows, True)
            undecided[rows] = False
    return pl.DataFrame([pattern, strong])


@lru_cache(maxsize=1)
def _pattern_thread() -> ThreadPoolExecutor:
    """The thread that matches pattern groups in Rust's engine.

    Polars keeps the 32 regular expressions a thread compiled last; stripping a batch uses
    about 50 (the groups' screens and expressions, and the line features'), so in one thread
    each batch compiled them all again: about 90 ms per batch. On a thread of their own the
    30 pattern expressions stay compiled, and so do the 20 of the line features in the caller's.
    """
    return ThreadPoolExecutor(1, thread_name_prefix="cleaner-patterns")


def _screened_hits(
    normalized: pl.Series, short_rows: np.ndarray, rules: tuple[_RuleGroup, ...], wanted: list[bool], in_rust: bool
) -> dict[int, np.ndarray]:
    """Rows each wanted group matches: in Rust's engine screen by screen (the screens of all
    ``rules``, so that a call for a few groups reuses the compiled screens of a call for all),
    otherwise, or for a group only Python's engine understands, a group at a time in Python's."""
    short_lines = normalized.gather(short_rows)
    everything = np.arange(len(normalized))
    hits: dict[int, np.ndarray] = {}
    for screen in _screens(rules) if in_rust else [(member,) for member in range(len(rules))]:
        members = [member for member in screen if wanted[member]]
        any_length = rules[screen[0]].any_length
        lines, rows_of = (normalized, everything) if any_length else (short_lines, short_rows)
        if not members or len(lines) == 0:
            continue
        if not in_rust or not rules[screen[0]].rust:
            hits[screen[0]] = rows_of[_python_hits(lines, rules[screen[0]])]
            continue
        union = "|".join(f"(?:{rules[member].prefilter or rules[member].expression})" for member in screen)
        screened = np.flatnonzero(lines.str.contains(union).fill_null(False).to_numpy())
        candidates = lines.gather(screened)
        for member in members:
            hits[member] = rows_of[screened[_exact_hits(candidates, rules[member])]]
    return hits


def _exact_hits(candidates: pl.Series, group: _RuleGroup) -> np.ndarray:
    """Which of a screen's candidate lines ``group`` matches: in Rust's engine, or for a group
    with :attr:`_RuleGroup.exact_in_python`, in Python's on the lines its own prefilter keeps."""
    if not group.exact_in_python or group.prefilter is None:
        return candidates.str.contains(group.expression).fill_null(False).to_numpy()
    own = np.flatnonzero(candidates.str.contains(group.prefilter).fill_null(False).to_numpy())
    hit = np.zeros(len(candidates), dtype=bool)
    hit[own] = _python_hits(candidates.gather(own), group)
    return hit


SCREEN_CHARS = 4000
"""Pattern groups are screened together up to this many characters of expression: small
unions cut the per-line cost of scanning (the dev set's unanchored groups: 52 ms one by one,
21 ms as one screen), a large one outgrows Rust's fast automaton (all anchored groups as one
screen: 8x slower than one by one). The bundled 26 groups make 7 screens."""


@lru_cache(maxsize=64)
def _screens(rules: tuple[_RuleGroup, ...]) -> list[tuple[int, ...]]:
    """Indices of ``rules`` packed, in order, into screens of one reach and one anchoring, each
    up to :data:`SCREEN_CHARS` (anchored and unanchored expressions mixed would keep the engine
    from skipping ahead to literal words). Groups that need Python's engine run alone."""
    screens: list[tuple[int, ...]] = []
    open_screens: dict[tuple[bool, bool], tuple[list[int], int]] = {}
    for index, group in enumerate(rules):
        if not group.rust:
            screens.append((index,))
            continue
        key = (group.any_length, group.anchored)
        size = len(group.prefilter or group.expression)
        members, chars = open_screens.get(key, ([], 0))
        if members and chars + size > SCREEN_CHARS:
            screens.append(tuple(members))
            members, chars = [], 0
        open_screens[key] = ([*members, index], chars + size)
    screens.extend(tuple(members) for members, _ in open_screens.values())
    return screens


SMALL_BATCH_LINES = 2_000
SMALL_BATCH_BYTES = 50_000
"""Below this many lines and bytes, patterns run in Python's engine: Rust's compiles each
expression for every call (about 1 ms a group), which only a large batch pays back. Python's
engine costs about 0.35 us per byte for the edge groups, so a few thousand long lines (the
edges of a batch's article regions: 2,555 lines, 0.8 MB) take 277 ms there and 27 ms in Rust."""


def _python_hits(texts: pl.Series, group: _RuleGroup) -> np.ndarray:
    """Which of ``texts`` the group matches, in Python's engine (a line at a time)."""
    search = group.python.match if group.anchored else group.python.search
    return np.fromiter((search(text) is not None for text in texts.to_list()), dtype=bool, count=len(texts))


# --- line features ---------------------------------------------------------------------------


def _best_run(scores: Sequence[float]) -> tuple[int, int, float]:
    """Maximum-sum contiguous run ``[start, end)`` of ``scores`` (Kadane)."""
    best = (0, 0, 0.0)
    start, total = 0, 0.0
    for index, score in enumerate(scores):
        if total <= 0:
            start, total = index, 0.0
        total += score
        if total > best[2]:
            best = (start, index + 1, total)
    return best


BARRIER_CROSSING_SHARE = 0.3
"""A secondary region beyond a barrier (a related, comments or footer marker) is kept when it
scores at least this share of the main region: an article that goes on after a "more on this
topic" box, rather than the teasers or comments under it (dev set: recall 0.885 -> 0.902,
precision 0.854 -> 0.850)."""


def _regions(scores: Sequence[float]) -> list[tuple[int, int]]:
    """The main region plus strong secondary regions: not cut off from it by a barrier, or
    cut off but carrying a good share of the article (:data:`BARRIER_CROSSING_SHARE`)."""
    start, end, total = _best_run(scores)
    if total <= 0:
        return []
    regions = [(start, end)]
    threshold = max(150.0, 0.1 * total)
    pending = [(0, start, "before"), (end, len(scores), "after")]
    while pending:
        lo, hi, side = pending.pop()
        if hi - lo <= 0:
            continue
        sub_start, sub_end, sub_total = _best_run(scores[lo:hi])
        if sub_total < threshold:
            continue
        a, b = lo + sub_start, lo + sub_end
        between = scores[b:start] if side == "before" else scores[end:a]
        if sub_total < BARRIER_CROSSING_SHARE * total and any(score <= BARRIER_SCORE for score in between):
            continue
        regions.append((a, b))
        pending.extend([(lo, a, side), (b, hi, side)])
    return sorted(regions)


# --- inline clutter --------------------------------------------------------------------------


def clean_inline(text: str) -> str:
    """Cut clutter out of a kept line: slug prefixes and citation markers (:func:`_clean_inline_expr`)."""
    return pl.select(_clean_inline_expr(pl.lit(text, dtype=pl.String))).item()


# --- the classifier --------------------------------------------------------------------------


LONG_LINE_CHARS = 5000
"""Lines longer than this are judged on their first 4,000 and last 1,000 characters."""
BARRIER_SCORE = -1e9
MAX_HEADLINE_RUN = 4
HEAD_LABEL_WORDS = 2
HEAD_LABELS = 3
"""Up to this many lines of at most two words (labels, counters, share links) may sit
between a headline and the article's first paragraph."""
REPEATED_LINE_COUNT = 3
REPEATED_LINE_WORDS = 6
"""Article text does not repeat itself word for word; a widget's label does, once per slot
(an image viewer's controls under each photo, "Reply" under each comment). A short line seen
this many times in one document is removed, and like a caption it does not break the article."""

_TERMINAL_END = "[" + re.escape(TERMINAL) + "]$"
_SENTENCE_END = r"(?:[.!?…]|\.\)|\.\"|\.”)$"
_CJK = "[\u3040-\u9fff\uac00-\ud7af]"
_SEPARATED = r" \| | > | » | / "


@dataclass(frozen=True)
class _Stoplists:
    """jusText's stoplists as arrays: word ids, the languages of each word as a bit set, and
    each word's weight ``1/k`` when ``k`` lists hold it (``stopwords.guess_languages``)."""

    ids: pl.DataFrame  # hash (Polars' hash of the word), id
    words: pl.Series  # the words, by id
    names: list[str]  # language names, alphabetical (ties go to the first)
    members: np.ndarray  # uint64 [word id, 2]: bit ``l`` set when list ``l`` holds the word
    weights: np.ndarray  # float64 [word id]
    starts: np.ndarray  # int64 [word id + 1]: the word's lists are ``languages[starts[i]:starts[i + 1]]``
    languages: np.ndarray  # int64
    index: dict[str, int]  # word -> id

    def holds(self, word_ids: np.ndarray, language: np.ndarray) -> np.ndarray:
        """Whether list ``language[i]`` holds word ``word_ids[i]`` (both >= 0)."""
        words_ = self.members[word_ids, language >> 6]
        return ((words_ >> (language & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


@lru_cache(maxsize=1)
def _stoplists() -> _Stoplists:
    index = stopwords._index()
    names = sorted({name for languages in index.values() for name in languages})
    position = {name: i for i, name in enumerate(names)}
    counts = np.fromiter((len(languages) for languages in index.values()), dtype=np.int64, count=len(index))
    starts = np.concatenate([[0], np.cumsum(counts)])
    flat = np.fromiter((position[name] for languages in index.values() for name in languages), dtype=np.int64, count=int(starts[-1]))
    owner = np.repeat(np.arange(len(index), dtype=np.int64), counts)
    members = np.zeros((len(index), 2), dtype=np.uint64)
    np.bitwise_or.at(members, (owner, flat >> 6), np.left_shift(np.uint64(1), (flat & 63).astype(np.uint64)))
    words = pl.Series("word", list(index), dtype=pl.String)
    ids = pl.DataFrame({"hash": words.hash(), "id": np.arange(len(index), dtype=np.int32)})
    return _Stoplists(ids, words, names, members, 1.0 / counts, starts, flat, {word: i for i, word in enumerate(index)})


def _lines_frame(texts: Sequence[str]) -> tuple[pl.DataFrame, list[int]]:
    """One row per input line: ``doc, line, raw, text`` (``text``: whitespace collapsed), and
    each document's number of lines."""
    split = pl.Series("raw", texts, dtype=pl.String).to_frame().select(split_lines(pl.col("raw")))["raw"]
    counts = split.list.len().to_numpy().astype(np.int64)
    raw = split.explode()
    doc = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    line = (np.arange(len(raw), dtype=np.int64) - starts + 1).astype(np.int32)
    frame = pl.DataFrame({"doc": doc, "line": line, "raw": raw, "text": collapse_whitespace(raw)})
    return frame, counts.tolist()


def _blocks(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` (``doc, line, text``, non-blank, in order) with ``block`` (runs of consecutive
    lines) and ``wrapped``: whether the block looks hard-wrapped (``paragraphs.is_wrapped``).
    Blocks are contiguous rows, so their sums and maxima are numpy ``reduceat`` calls."""
    if lines.height == 0:
        return lines.with_columns(pl.lit(0, dtype=pl.Int64).alias("block"), pl.lit(False).alias("wrapped"))
    same_block_next = (pl.col("line").shift(-1) == pl.col("line") + 1) & (pl.col("doc").shift(-1) == pl.col("doc"))
    rows = lines.select(
        same_block_next.fill_null(False).alias("pair"),
        pl.col("text").str.len_chars().alias("chars"),
        pl.col("text").shift(-1).str.contains(r"^\p{Ll}").fill_null(False).alias("next_lower"),
        pl.col("text").str.contains(r"[,-]$").alias("open_end"),
    )
    pair = rows["pair"].to_numpy()
    chars = rows["chars"].to_numpy().astype(np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ~pair[:-1]]))
    size = np.diff(np.append(starts, len(pair)))
    width = np.maximum.reduceat(chars, starts)
    full = np.add.reduceat(pair & (chars >= 0.75 * np.repeat(width, size)), starts)
    mid = np.add.reduceat(pair & (rows["next_lower"].to_numpy() | rows["open_end"].to_numpy()), starts)
    pairs = size - 1
    wrapped = (pairs >= 1) & (width >= 30) & (width <= 120) & (full >= 0.6 * pairs) & (mid >= 0.4 * pairs)
    return lines.with_columns(
        pl.Series("block", np.repeat(np.arange(len(starts), dtype=np.int64), size)),
        pl.Series("wrapped", np.repeat(wrapped, size)),
    )


def _units_frame(lines: pl.DataFrame) -> pl.DataFrame:
    """Classification units: single non-blank lines, or whole hard-wrapped paragraphs.

    A wrapped paragraph's lines are each too short to look like prose, so they are judged
    together, as the paragraph they are (the rule of ``paragraphs.is_wrapped``).
    """
    blocks = _blocks(lines.filter(pl.col("text") != ""))
    singles = blocks.filter(~pl.col("wrapped")).select("doc", "line", pl.concat_list("line").alias("numbers"), "text")
    if not blocks["wrapped"].any():
        return singles
    wrapped = (
        blocks.filter(pl.col("wrapped"))
        .group_by("block", maintain_order=True)
        .agg(pl.col("doc").first(), pl.col("line").first(), pl.col("line").alias("numbers"), pl.col("text").str.join(" "))
        .select("doc", "line", "numbers", "text")
    )
    return pl.concat([singles, wrapped]).sort("doc", "line")


_NOT_WORD_OR_SPACE = r"[^\p{L}\p{M}\p{N} ]"


def _words(normalized: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Every word (:data:`normalize.WORD`) of every line of whitespace-collapsed ``normalized``
    text, in order, as ``(line, word)``: ``str.extract_all(WORD)`` exploded, at half its cost
    (a character-wise replacement and a split on spaces instead of a list of matches per line)."""
    spaced = normalized.str.replace_all(_NOT_WORD_OR_SPACE, " ")
    exploded = spaced.str.split(" ").to_frame("word").with_row_index("unit").explode("word").filter(pl.col("word") != "")
    return exploded["unit"].to_numpy().astype(np.int64), exploded["word"]


def _word_ids(words: pl.Series) -> np.ndarray:
    """Each word's stopword id, or -1 (a join for a large batch; dictionary lookups for a small
    one, where hashing the 180,000 stopwords would cost more).

    The join is on the words' 64-bit hashes (a third faster than on the strings); a match is
    then checked against the stopword itself, so a hash collision cannot make a stopword."""
    lists = _stoplists()
    if len(words) < SMALL_BATCH_WORDS:
        return np.fromiter((lists.index.get(word, -1) for word in words.to_list()), dtype=np.int64, count=len(words))
    found = words.hash().to_frame("hash").join(lists.ids, on="hash", how="left", maintain_order="left")
    ids = found["id"].fill_null(-1).to_numpy().astype(np.int64)
    matched = np.flatnonzero(ids >= 0)
    same = (words.gather(matched) == lists.words.gather(ids[matched])).to_numpy()
    ids[matched[~same]] = -1
    return ids


SMALL_BATCH_WORDS = 25_000
"""Below this many words, dictionary lookups beat the join (whose hash table over the
stopwords is built for every call: about 3 ms, then 0.05 us a word against 0.25 us)."""


LANGUAGE_SAMPLE_LINES = 60


def _languages_of(units: pl.DataFrame, unit_of_word: np.ndarray, word_id: np.ndarray, n_docs: int) -> np.ndarray:
    """Each document's likely languages, best first (``stopwords.guess_languages`` on the words
    of its 60 wordiest lines: pages often mix a template language in), as ``[doc, 3]`` list
    indices, -1 where there are fewer."""
    lists = _stoplists()
    sampled = (
        units.select("doc", "n_words")
        .with_row_index("unit")
        .filter(pl.col("n_words") > 0)
        .sort("doc", pl.col("n_words"), "unit", descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("doc") < LANGUAGE_SAMPLE_LINES)["unit"]
        .to_numpy()
    )
    in_sample = np.zeros(units.height, dtype=bool)
    in_sample[sampled] = True
    doc_of_unit = units["doc"].to_numpy().astype(np.int64)
    chosen = in_sample[unit_of_word] & (word_id >= 0)
    docs, ids = doc_of_unit[unit_of_word[chosen]], word_id[chosen].astype(np.int64)
    n_languages = len(lists.names)
    hits = np.bincount(docs, minlength=n_docs)
    pairs, times = np.unique(docs * len(lists.weights) + ids, return_counts=True)
    pair_docs, pair_ids = pairs // len(lists.weights), pairs % len(lists.weights)
    spans = lists.starts[pair_ids + 1] - lists.starts[pair_ids]
    entry = np.repeat(lists.starts[pair_ids] - np.cumsum(spans) + spans, spans) + np.arange(int(spans.sum()))
    scores = np.bincount(
        np.repeat(pair_docs, spans) * n_languages + lists.languages[entry],
        weights=np.repeat(times * lists.weights[pair_ids], spans),
        minlength=n_docs * n_languages,
    )
    scores = scores.reshape(n_docs, n_languages)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    top = np.take_along_axis(scores, order, axis=1)
    keep = (top > 0) & (top >= 0.4 * top[:, :1]) & (hits[:, None] >= 5)
    return np.where(keep, order, -1)


def _stop_ratios(units: pl.DataFrame, unit_of_word: np.ndarray, word_id: np.ndarray, languages: np.ndarray) -> pl.Series:
    """Each unit's share of words in its document's best-fitting stoplist."""
    lists = _stoplists()
    doc_of_unit = units["doc"].to_numpy().astype(np.int64)
    known = word_id >= 0
    units_, ids = unit_of_word[known], word_id[known].astype(np.int64)
    best = np.zeros(units.height, dtype=np.float64)
    for rank in range(languages.shape[1]):
        language = languages[doc_of_unit[units_], rank]
        usable = language >= 0
        member = np.zeros(len(ids), dtype=bool)
        member[usable] = lists.holds(ids[usable], language[usable])
        best = np.maximum(best, np.bincount(units_[member], minlength=units.height))
    n_words = units["n_words"].to_numpy()
    ratio = np.divide(best, n_words, out=np.zeros(units.height, dtype=np.float64), where=n_words > 0)
    return pl.Series("stop_ratio", ratio)


def _unit_features(units: pl.DataFrame, rules: Sequence[_RuleGroup], n_docs: int) -> tuple[pl.DataFrame, list[list[str]]]:
    """Every signal a decision needs, computed for the whole batch at once.

    What depends on a line's text alone (normalising, words, patterns, shapes) is computed once
    per distinct text (:func:`_distinct`: a batch repeats its menus and labels, the dev pages'
    181,000 units have 114,000 texts) and spread back to the units; stopword shares depend on
    the document's language, and are computed per unit.
    """
    distinct, inverse = _distinct(units["text"])
    frame = distinct.to_frame("text").with_columns(pl.col("text").str.len_chars().alias("chars"))
    sampled = pl.when(pl.col("chars") > LONG_LINE_CHARS).then(
        pl.concat_str(pl.col("text").str.slice(0, 4000), pl.lit(" "), pl.col("text").str.slice(-1000))
    ).otherwise(pl.col("text"))
    whole = frame["chars"] <= LONG_LINE_CHARS  # units are collapsed; a sample's seams may not be
    frame = frame.with_columns(normalize_series(frame.select(sampled).to_series(), collapsed=whole).alias("normalized"))
    text_words, words = _words(frame["normalized"])
    text_n_words = np.bincount(text_words, minlength=frame.height).astype(np.int32)
    frame = frame.with_columns(pl.Series("n_words", text_n_words, dtype=pl.Int32))
    frame = frame.hstack(_pattern_columns(frame["normalized"], frame["n_words"] <= SHORT_LINE_WORDS, rules))
    frame = frame.with_columns(
        pl.col("text").str.contains(_TERMINAL_END).alias("terminal"),
        pl.col("text").str.contains(_BULLET.pattern).alias("bullet"),
        pl.col("text").str.contains(_SEPARATED).alias("separated"),
    ).hstack(_short_line_features(frame))
    unit_of_word, word_id = _spread_words(_word_ids(words), text_n_words, inverse)
    units = units.hstack(frame.drop("text")[inverse])
    ranked = _languages_of(units, unit_of_word, word_id, n_docs)
    units = units.with_columns(_stop_ratios(units, unit_of_word, word_id, ranked))
    names = _stoplists().names
    return units, [[names[i] for i in row if i >= 0] for row in ranked.tolist()]


def _distinct(texts: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """The distinct ``texts`` in order of first appearance, and each text's row among them.

    Texts are told apart by their 64-bit hashes; the rare batch where two texts share one is
    kept whole (every text its own row), so a collision can only cost time.
    """
    _, first, inverse = np.unique(texts.hash().to_numpy(), return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    distinct, inverse = texts.gather(first[order]), rank[inverse.reshape(-1)]
    if not (distinct.gather(inverse) == texts).all():
        return texts, np.arange(len(texts))
    return distinct, inverse


def _spread_words(text_word_ids: np.ndarray, text_n_words: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(unit, stopword id)`` of every word of every unit, from the words of the distinct texts
    (``text_word_ids``, in text order, ``text_n_words`` each) and each unit's text (``inverse``)."""
    text_start = np.cumsum(text_n_words, dtype=np.int64) - text_n_words
    counts = text_n_words[inverse].astype(np.int64)
    unit_start = np.cumsum(counts) - counts
    positions = np.repeat(text_start[inverse] - unit_start, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    return np.repeat(np.arange(len(inverse), dtype=np.int64), counts), text_word_ids[positions]


SHORT_FEATURE_WORDS = 12
"""Bylines, datelines and short sentences have at most this many words: their expressions run
on such lines only (prose lines hold most of the bytes)."""


def _short_line_features(units: pl.DataFrame) -> pl.DataFrame:
    """``byline`` (the name), ``dateline``, ``upper_start``, ``sentence_end`` and ``cjk_prose``
    of the lines that can have them (false or null on longer lines)."""
    rows = np.flatnonzero(units["n_words"].to_numpy() <= SHORT_FEATURE_WORDS)
    n_words = pl.col("n_words")
    short_units = units.select("text", "n_words")[rows]
    short = short_units.select(
        pl.when(~pl.col("text").str.ends_with(".")).then(pl.col("text").str.extract(_BYLINE_RUST, 1).str.strip_chars()).alias("byline"),
        (
            (n_words <= 10)
            & (pl.col("text").str.contains(_DATE_RUST) | (pl.col("text").str.contains(_DATELINE_RUST) & (n_words <= 8)))
        ).fill_null(False).alias("dateline"),
        pl.col("text").str.contains(r"^\p{Lu}").alias("upper_start"),
        pl.col("text").str.contains(_SENTENCE_END).alias("sentence_end"),
    )
    columns = []
    for name in short.columns:
        empty = pl.Series(name, [None] * units.height, dtype=pl.String) if name == "byline" else pl.Series(name, np.zeros(units.height, dtype=bool))
        columns.append(empty.scatter(rows, short[name]) if len(rows) else empty)
    long_enough = (short_units["text"].str.len_bytes() >= 3 * CJK_PROSE_CHARS).to_numpy()  # a CJK character takes 3 bytes
    candidates = short_units["text"].filter(pl.Series(long_enough))
    cjk = (candidates.str.count_matches(_CJK) >= CJK_PROSE_CHARS) & candidates.str.contains("[。！？.!?]$")
    columns.append(pl.Series("cjk_prose", np.zeros(units.height, dtype=bool)).scatter(rows[long_enough], cjk))
    return pl.DataFrame(columns)


CJK_PROSE_CHARS = 40
"""A line of at least this many Chinese, Japanese or Korean characters ending a sentence is
prose, though it has few words (words are not separated by spaces)."""


def _with_scores(
    units: pl.DataFrame, languages: list[list[str]], template_lines: Sequence[frozenset[int]] | None
) -> pl.DataFrame:
    """Site-template and repeated lines, barriers, the prose shapes and each unit's score."""
    pattern = pl.col("pattern")
    if template_lines is not None and any(template_lines):
        template = template_flags(units["normalized"], units["doc"], template_lines) & (units["numbers"].list.len() == 1)
        pattern = pl.when(pattern.is_null() & template).then(pl.lit("template")).otherwise(pattern)
    repeated = (
        pl.col("n_words").is_between(1, REPEATED_LINE_WORDS)
        & (pl.len().over("doc", "normalized") >= REPEATED_LINE_COUNT)
    )
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
        .when(pl.col("pattern").is_not_null()).then(pl.lit(-120.0))
        .otherwise(-25.0 - 2.0 * pl.min_horizontal(chars, pl.lit(60.0)))
    )
    headline_shape = n.is_between(3, 30) & ~pl.col("text").str.contains(r"[.:,]$") & ~pl.col("bullet") & ~pl.col("separated")
    return units.with_columns(
        prose_shape.fill_null(False).alias("prose_shape"),
        list_item.fill_null(False).alias("list_item"),
        score.alias("score"),
        headline_shape.fill_null(False).alias("headline_shape"),
        ((n >= PROSE_MIN_WORDS) & pl.col("terminal") & ~pl.col("bullet")).alias("standfirst"),
    )


GAP_UNITS = 2
"""Two article regions this close, with nothing but unmatched lines between them, are one."""


def _bridged(regions: list[list[int]], units: _Units, peeled: dict[int, str]) -> list[list[int]]:
    """Join article regions separated by at most :data:`GAP_UNITS` lines that no pattern,
    template or repetition claims: a subheading or a short sentence between two runs of prose."""
    joined: list[list[int]] = []
    for start, end in sorted(regions):
        if joined and start - joined[-1][1] <= GAP_UNITS and all(
            units.pattern[index] is None and index not in peeled for index in range(joined[-1][1], start)
        ):
            joined[-1][1] = end
        else:
            joined.append([start, end])
    return joined


class _Units:
    """What the article regions are found from, as plain lists (Kadane's search runs in Python),
    and the normalised lines for the few long ones matched at a region's edge."""

    def __init__(self, units: pl.DataFrame, rules: Sequence[_RuleGroup]) -> None:
        self.rules = rules
        self.normalized = units["normalized"]
        self.n_words: list[int] = units["n_words"].to_list()
        self.rule: list[str | None] = units["rule"].to_list()
        self.pattern: list[str | None] = units["pattern"].to_list()
        self.score: list[float] = units["score"].to_list()

    def trim_edges(self, regions: list[list[list[int]]]) -> list[dict[int, str]]:
        """Peel clutter off both ends of every region (``[start, end)`` global unit indices,
        per document): returns, per document, the units peeled and their reason.

        Inside the article a long sentence that mentions a newsletter is content; as the first
        or last paragraph of the region it is almost always the promotion itself. Short lines
        have their pattern already; long ones at an edge are matched in rounds, a batch at a time.
        """
        peeled: list[dict[int, str]] = [{} for _ in regions]
        known: dict[int, str | None] = {}
        while True:
            unknown = sorted(
                {
                    index
                    for doc_regions in regions
                    for start, end in doc_regions
                    if start < end
                    for index in (start, end - 1)
                    if index not in known
                }
            )
            known.update(zip(unknown, self.edge_reasons(unknown)))
            changed = False
            for doc, doc_regions in enumerate(regions):
                for region in doc_regions:
                    while region[0] < region[1] and (reason := known.get(region[0])) is not None:
                        peeled[doc][region[0]] = reason
                        region[0] += 1
                        changed = True
                    while region[1] > region[0] and (reason := known.get(region[1] - 1)) is not None:
                        peeled[doc][region[1] - 1] = reason
                        region[1] -= 1
                        changed = True
            if not changed or not any(r[0] < r[1] and (r[0] not in known or r[1] - 1 not in known) for rs in regions for r in rs):
                return peeled

    def edge_reasons(self, indices: list[int]) -> list[str | None]:
        """The promotion, form or footer reason (:data:`EDGE_REASONS`) of each unit, if it has one:
        a short line's pattern, or for a long one the edge groups matched now."""
        long_lines = [i for i in indices if self.n_words[i] > SHORT_LINE_WORDS]
        found: dict[int, str | None] = {}
        if long_lines:
            normalized = self.normalized.gather(long_lines)
            everywhere = pl.Series([True] * len(long_lines))
            patterns = _pattern_columns(normalized, everywhere, self.rules, EDGE_REASONS)["pattern"].to_list()
            found = dict(zip(long_lines, patterns))
        reasons = [found[i] if i in found else self.rule[i] for i in indices]
        return [reason if reason in EDGE_REASONS else None for reason in reasons]


@dataclass(frozen=True, eq=False)
class StrippedBatch:
    """A batch's results, and every line's decision as one frame (:data:`LINE_DECISIONS`):
    a pipeline writes its audit from the frame instead of a tuple per line."""

    results: list[StripResult]
    lines: pl.DataFrame


LINE_DECISIONS = pl.Schema(
    {
        "doc": pl.Int32, "line": pl.Int32, "raw": pl.String, "keep": pl.Boolean, "reason": pl.String,
        "score": pl.Float64, "cleaned": pl.String, "content": pl.Float64,
    }
)
"""One row per input line of a batch (``doc``: the text's index in the batch)."""


def strip_texts(
    texts: Sequence[str],
    *,
    options: StripOptions | None = None,
    titles: Sequence[str | None] | None = None,
    template_lines: Sequence[frozenset[int]] | None = None,
) -> list[StripResult]:
    """:func:`strip_text` for many documents at once, much faster per document: the features
    and decisions of every line of the batch are computed together by Polars; only the
    search for each article's region and its headline walk run per document.

    ``titles[i]`` and ``template_lines[i]`` are document ``i``'s known title and site
    template lines (``options.template_lines`` applies when ``template_lines`` is not given).
    """
    return strip_batch(texts, options=options, titles=titles, template_lines=template_lines).results


def strip_batch(
    texts: Sequence[str],
    *,
    options: StripOptions | None = None,
    titles: Sequence[str | None] | None = None,
    template_lines: Sequence[frozenset[int]] | None = None,
) -> StrippedBatch:
    """:func:`strip_texts`, with every line's decision also as one frame."""
    options = options or StripOptions()
    if not options.strip or not texts:
        results = [_keep_all(text) for text in texts]
        return StrippedBatch(results, _decision_frame(results))
    classified = _classified(texts, options, titles, template_lines)
    reasons = pl.Series("reason", classified.reasons, dtype=pl.String)
    content = np.full(len(reasons), np.nan)
    if options.line_model:
        features = _model_features(classified, reasons)
        judged = line_model.judged(reasons)
        log_odds = line_model.bundled_model().log_odds(features.filter(pl.Series(judged)))
        content[judged] = line_model.content_probability(log_odds)
        doc, n_words = classified.features["doc"].to_numpy(), classified.features["n_words"].to_numpy()
        reasons = line_model.revised_reasons(reasons, content, doc, n_words)
    return _results(classified, reasons.to_list(), content)


@dataclass(frozen=True, eq=False)
class _Classified:
    """A batch as the rules leave it: lines, unit features, each unit's reason and region."""

    lines: pl.DataFrame
    line_counts: list[int]
    features: pl.DataFrame
    reasons: list[str]
    in_region: np.ndarray
    metadata: list[dict[str, str | None]]
    languages: list[list[str]]


def _classified(
    texts: Sequence[str],
    options: StripOptions,
    titles: Sequence[str | None] | None,
    template_lines: Sequence[frozenset[int]] | None,
) -> _Classified:
    """The rules' decision for every unit of a batch (before the line model)."""
    if template_lines is None and options.template_lines:
        template_lines = [options.template_lines] * len(texts)
    rules = _compiled(options.extra_patterns)
    lines, line_counts = _lines_frame(texts)
    features, languages = _unit_features(_units_frame(lines), rules, len(texts))
    features = _with_scores(features, languages, template_lines)
    bounds = np.searchsorted(features["doc"].to_numpy(), np.arange(len(texts) + 1)).tolist()
    units = _Units(features, rules)
    regions = [
        [[bounds[doc] + start, bounds[doc] + end] for start, end in _regions(units.score[bounds[doc] : bounds[doc + 1]])]
        for doc in range(len(texts))
    ]
    peeled = units.trim_edges(regions)
    regions = [_bridged(doc_regions, units, peeled[doc]) for doc, doc_regions in enumerate(regions)]
    decided = _decide(features, regions, peeled, bounds, titles, options)
    reasons: list[str] = decided["reason"].to_list()
    _mark_promotions_outside(reasons, decided, units)
    metadata = _metadata(decided, len(texts))
    head = _HeadColumns(decided)
    for doc in range(len(texts)):
        first_main = regions[doc][0][0] if regions[doc] else bounds[doc + 1]
        title_known = (titles is not None and titles[doc] is not None) or metadata[doc]["title"] is not None
        _head_of_article(head, reasons, bounds[doc], first_main, metadata[doc], title_known)
    return _Classified(lines, line_counts, features, reasons, decided["in_region"].to_numpy(), metadata, languages)


def _mark_promotions_outside(reasons: list[str], decided: pl.DataFrame, units: _Units) -> None:
    """Give long sentences outside every article region their promotion, form or footer reason.

    Outside the article, a full sentence that asks for an e-mail address or a follow is the
    request itself, as it is at the article's edges (:meth:`_Units.trim_edges`); marked here,
    neither the long-prose rescue nor the line model can bring it back. Only sentences are
    matched (prose-shaped lines: 87% of the dev pages' marks, 75% of the lines).
    """
    outside = (
        decided.select(
            pl.col("reason").is_in(["outside-main", ""])
            & ~pl.col("in_region")
            & (pl.col("n_words") > SHORT_LINE_WORDS)
            & pl.col("prose_shape")
        )
        .to_series()
        .arg_true()
        .to_list()
    )
    for index, reason in zip(outside, units.edge_reasons(outside)):
        if reason is not None:
            reasons[index] = reason


def _model_features(classified: _Classified, reasons: pl.Series) -> pl.DataFrame:
    return line_model.line_features(classified.features.select(line_model.MODEL_INPUTS), reasons, classified.in_region)


def line_model_inputs(texts: Sequence[str], options: StripOptions | None = None) -> pl.DataFrame:
    """Every unit of a batch with the rules' reason and the line model's features: what
    ``benchmarks/train_line_model.py`` learns from (``doc``, ``line``, ``text``, ``reason``, features)."""
    classified = _classified(texts, options or StripOptions(), None, None)
    reasons = pl.Series("reason", classified.reasons, dtype=pl.String)
    return classified.features.select("doc", "line", "text").with_columns(reasons).hstack(_model_features(classified, reasons))


def _decision_frame(results: Sequence[StripResult]) -> pl.DataFrame:
    """:data:`LINE_DECISIONS` from the per-line tuples (a batch that is not stripped)."""
    rows = [(doc, *decision) for doc, result in enumerate(results) for decision in result.decisions]
    return pl.DataFrame(rows, schema=LINE_DECISIONS, orient="row")


def strip_text(
    text: str,
    *,
    options: StripOptions | None = None,
    title: str | None = None,
) -> StripResult:
    """Separate article text from clutter in one plain-text document.

    ``title`` (when the record already has one) lets the title line be recognised.
    Returns the kept paragraphs with their line spans, a decision per input line
    (kept or removed, reason, score) and the title/author/date found in the text.
    Many documents: :func:`strip_texts` is about twenty times faster per document (a call
    has a fixed cost of a few milliseconds, which a batch shares).
    """
    return strip_texts([text], options=options, titles=[title])[0]


def _decide(
    features: pl.DataFrame,
    regions: list[list[list[int]]],
    peeled: list[dict[int, str]],
    bounds: list[int],
    titles: Sequence[str | None] | None,
    options: StripOptions,
) -> pl.DataFrame:
    """Every unit's reason to be removed (``""``: kept), for the whole batch at once.

    A unit with a pattern has its reason; otherwise bylines and datelines above the article
    go to metadata, short lines listed under a related/comments/video marker share its
    reason (until the next paragraph of prose), lines inside an article region are kept,
    and long prose outside every region is rescued.
    """
    n = features.height
    in_region = np.zeros(n, dtype=bool)
    before_main = np.zeros(n, dtype=bool)
    for doc, doc_regions in enumerate(regions):
        for start, end in doc_regions:
            in_region[start:end] = True
        before_main[bounds[doc] : doc_regions[0][0] if doc_regions else bounds[doc + 1]] = True
    edge_rows = [index for doc in peeled for index in doc]
    edge_reasons = [reason for doc in peeled for reason in doc.values()]
    pattern = features["pattern"].scatter(edge_rows, edge_reasons) if edge_rows else features["pattern"]
    title_keys = [normalize_text(title) if title else None for title in (titles or [None] * (len(bounds) - 1))]
    frame = features.select("doc", "n_words", "prose_shape", "list_item", "byline", "dateline", "normalized", "text").with_columns(
        pattern.alias("pattern"),
        pl.Series("in_region", in_region),
        pl.Series("before_main", before_main),
        pl.Series(title_keys, dtype=pl.String).gather(features["doc"]).alias("title_key"),
    )
    words_ = pl.col("n_words")
    pattern_ = pl.col("pattern")
    prose = (pattern_.is_null() & pl.col("prose_shape")) | pl.col("list_item")
    reset = prose & (words_ >= PROSE_MIN_WORDS)
    marker = pl.when(pattern_.is_in(list(LISTING_REASONS))).then(pattern_)
    listing = (
        pl.when(reset).then(pl.lit("")).otherwise(marker.shift(1).over("doc")).forward_fill().over("doc")
    )
    frame = frame.with_columns(prose.alias("prose"), listing.alias("listing")).with_columns(
        pl.when(pl.col("listing") == "").then(None).otherwise(pl.col("listing")).alias("listing")
    )
    weak = ~pl.col("prose") | (words_ < PROSE_MIN_WORDS)
    caption_kept = (pattern_ == "caption") & pl.lit(options.keep_captions)
    reason = (
        pl.when(pl.col("normalized") == pl.col("title_key")).then(pl.lit("title"))
        .when(pattern_.is_not_null()).then(pl.when(caption_kept).then(pl.lit("")).otherwise(pattern_))
        .when(weak & pl.col("byline").is_not_null()).then(pl.lit("byline"))
        .when(weak & pl.col("dateline") & pl.col("before_main")).then(pl.lit("dateline"))
        .when(weak & pl.col("listing").is_not_null() & ~pl.col("in_region")).then(pl.col("listing"))
        .when(pl.col("in_region")).then(pl.when(~pl.col("prose") & pl.lit(not options.keep_headings)).then(pl.lit("heading")).otherwise(pl.lit("")))
        .when(pl.col("prose") & (words_ >= RESCUE_WORDS) & pl.col("listing").is_null()).then(pl.lit(""))
        .otherwise(pl.lit("outside-main"))
    )
    return frame.with_columns(reason.alias("reason")).with_columns(
        features["headline_shape"], features["standfirst"]
    )


def _metadata(decided: pl.DataFrame, n_docs: int) -> list[dict[str, str | None]]:
    """Each document's author and date: its first byline and its first dateline."""
    metadata: list[dict[str, str | None]] = [{"title": None, "author": None, "date": None} for _ in range(n_docs)]
    firsts = (
        decided.select("doc", "reason", "byline", "text")
        .filter(pl.col("reason").is_in(["byline", "dateline"]))
        .group_by("doc", "reason", maintain_order=True)
        .first()
    )
    for doc, reason, byline, text in firsts.iter_rows():
        if reason == "byline":
            metadata[doc]["author"] = byline
        else:
            metadata[doc]["date"] = iso_date(text)
    return metadata


class _HeadColumns:
    """What the headline walk reads, as lists for the whole batch."""

    def __init__(self, decided: pl.DataFrame) -> None:
        self.n_words: list[int] = decided["n_words"].to_list()
        self.pattern: list[str | None] = decided["pattern"].to_list()
        self.headline_shape: list[bool] = decided["headline_shape"].to_list()
        self.standfirst: list[bool] = decided["standfirst"].to_list()
        self.text = decided["text"]  # one line per document is read: not worth a list of all


def _head_of_article(
    columns: _HeadColumns, reasons: list[str], lo: int, first_main: int, metadata: dict[str, str | None], title_known: bool
) -> None:
    """Find the headline above the main text, and keep the deck and standfirst beside it.

    Walking up from the main text over bylines, datelines, captions and a few short labels,
    a run of headline-shaped lines (and full sentences) is the head of the article. Its first
    headline of four words or more is the title (moved to metadata, unless the record had
    one); what follows it (deck, standfirst) stays in the text; what precedes it (kickers,
    section labels, breadcrumbs) stays out.
    """
    if first_main <= lo:
        return
    n_words, standfirst = columns.n_words[lo:first_main], columns.standfirst[lo:first_main]

    def headline(offset: int) -> bool:
        return columns.headline_shape[lo + offset] and columns.pattern[lo + offset] is None

    run: list[int] = []
    skipped = 0
    for offset in range(first_main - lo - 1, -1, -1):
        reason = reasons[lo + offset]
        if reason in ("byline", "dateline", "caption", "title", "repeated", ""):
            continue
        if n_words[offset] <= HEAD_LABEL_WORDS and skipped < HEAD_LABELS and not headline(offset):
            skipped += 1
            continue
        if reason != "outside-main":
            break
        if not (standfirst[offset] or headline(offset)) or len(run) >= MAX_HEADLINE_RUN:
            break
        run.append(offset)
    if not run:
        return
    head = run[::-1]
    title_at = next((i for i, offset in enumerate(head) if headline(offset) and n_words[offset] >= 4), None)
    if title_at is None:
        return
    if not title_known:
        metadata["title"] = columns.text[lo + head[title_at]]
        reasons[lo + head[title_at]] = "title"
    for offset in head[title_at + 1 :]:
        reasons[lo + offset] = ""


def _clean_inline_series(texts: pl.Series) -> pl.Series:
    """:func:`_clean_inline_expr` of whitespace-collapsed lines, run only where it can change one."""
    rows = texts.str.contains(_INLINE_CLUTTER_HINT).fill_null(False).arg_true()
    if len(rows) == 0:
        return texts
    return texts.scatter(rows, texts.gather(rows).to_frame("t").select(_clean_inline_expr(pl.col("t")))["t"])


def _clean_inline_expr(text: pl.Expr) -> pl.Expr:
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
        .str.replace_all(_CITATION_GLUED, "${1}${2}")
        .str.strip_chars()
    )


def _results(classified: _Classified, reasons: list[str], content: np.ndarray) -> StrippedBatch:
    """Every line's decision (blank lines included), its cleaned text, and each document's result."""
    lines, line_counts, features = classified.lines, classified.line_counts, classified.features
    metadata, languages = classified.metadata, classified.languages
    by_line = (
        features.select("doc", "numbers", "score")
        .with_columns(pl.Series("reason", reasons, dtype=pl.String), pl.Series("content", content, dtype=pl.Float64))
        .explode("numbers")
    )
    # each line's row in ``lines``: its document's first row plus its number, no join needed
    first_rows = np.cumsum([0, *line_counts])[:-1]
    rows = first_rows[by_line["doc"].to_numpy()] + by_line["numbers"].to_numpy().astype(np.int64) - 1
    reason = pl.Series("reason", ["blank"] * lines.height, dtype=pl.String).scatter(rows, by_line["reason"])
    score = np.zeros(lines.height, dtype=np.float64)
    score[rows] = by_line["score"].to_numpy()
    probability = np.full(lines.height, np.nan)
    probability[rows] = by_line["content"].to_numpy()
    kept_rows = rows[by_line["reason"].to_numpy() == ""]
    kept_rows.sort()
    cleaned_kept = _clean_inline_series(lines["text"].gather(kept_rows))
    cleaned = pl.Series("cleaned", [""] * lines.height, dtype=pl.String).scatter(kept_rows, cleaned_kept)
    emptied = kept_rows[(cleaned_kept == "").to_numpy()]
    reason = reason.scatter(kept_rows, "kept")
    if len(emptied):
        reason = reason.scatter(emptied, "inline-clutter")
    decided = lines.with_columns(
        reason, pl.Series("score", score), cleaned, pl.Series("content", probability, nan_to_null=True)
    ).with_columns(
        (pl.col("reason") == "kept").alias("keep")
    )
    kept = _blocks(decided.filter(pl.col("keep")).select("doc", "line", pl.col("cleaned").alias("text")))
    kept_docs = np.searchsorted(kept["doc"].to_numpy(), np.arange(len(line_counts) + 1)).tolist()
    kept_line, kept_text, kept_block, kept_wrapped = (kept[name].to_list() for name in ("line", "text", "block", "wrapped"))
    wrapped_before = np.concatenate([[0], np.cumsum(kept["wrapped"].to_numpy())]).tolist()
    doc_rows = np.cumsum([0, *line_counts]).tolist()
    results = []
    for doc, count in enumerate(line_counts):
        lo, hi = kept_docs[doc], kept_docs[doc + 1]
        if wrapped_before[hi] == wrapped_before[lo]:  # no wrapped block: a paragraph per kept line
            paragraphs = list(map(Paragraph, kept_text[lo:hi], kept_line[lo:hi], kept_line[lo:hi]))
            text = "\n\n".join(kept_text[lo:hi])
        else:
            paragraphs = _paragraphs(kept_line, kept_text, kept_block, kept_wrapped, lo, hi)
            text = "\n\n".join(p.text for p in paragraphs)
        language = languages[doc][0] if languages[doc] else None
        rows = decided.slice(doc_rows[doc], count)

        def decisions(rows: pl.DataFrame = rows) -> list[LineDecision]:
            columns = (rows[name].to_list() for name in ("line", "raw", "keep", "reason", "score", "cleaned", "content"))
            return list(map(LineDecision, *columns))

        results.append(
            StripResult(
                text=text,
                paragraphs=paragraphs,
                metadata=metadata[doc],
                language=stopwords.iso_code(language),
                make_decisions=decisions,
            )
        )
    return StrippedBatch(results, decided.select(*LINE_DECISIONS))


def _paragraphs(
    line: list[int], text: list[str], block: list[int], wrapped: list[bool], lo: int, hi: int
) -> list[Paragraph]:
    """``paragraphs.split_paragraphs`` of one document's kept lines (rows ``lo`` to ``hi``),
    whose blocks were found for the whole batch: only wrapped blocks are split here."""
    paragraphs: list[Paragraph] = []
    index = lo
    while index < hi:
        if not wrapped[index]:
            paragraphs.append(Paragraph(text[index], line[index], line[index]))
            index += 1
            continue
        end = index
        while end < hi and block[end] == block[index]:
            end += 1
        paragraphs.extend(split_wrapped(list(zip(line[index:end], text[index:end]))))
        index = end
    return paragraphs


def _keep_all(text: str) -> StripResult:
    """Every non-blank line kept as it is (already-clean text): no features are computed."""
    decisions = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        clean = " ".join(raw.split())
        decisions.append(LineDecision(number, raw, bool(clean), "kept" if clean else "blank", 0.0, clean))
    return _result(decisions, {"title": None, "author": None, "date": None}, None)


def _result(decisions: list[LineDecision], metadata: dict[str, str | None], language: str | None) -> StripResult:
    paragraphs = split_paragraphs([(d.line, d.cleaned) for d in decisions if d.keep])
    return StripResult(
        text="\n\n".join(p.text for p in paragraphs),
        paragraphs=paragraphs,
        metadata=metadata,
        language=language,
        make_decisions=lambda: decisions,
    )

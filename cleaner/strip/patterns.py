"""Phrase patterns: data files of ``reason<TAB>regex`` lines, compiled for two regex engines.

The bundled files (``cleaner/data/patterns/``, one per language) and a user's own
(``--patterns``) are grouped by reason and reach (short lines only, or any line) into one
alternation each. A batch's lines are matched in Polars' (Rust) engine, screened several
groups at a time; an expression only Python's engine understands, and small batches, run in
Python's. Each line gets the reason of the first group that matches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from cleaner.normalize import WORD, normalize_series
from cleaner.once import once
from cleaner.strip.options import StripOptions

SHORT_LINE_WORDS = 14
"""Patterns decide lines of at most this many words; longer lines are judged on shape."""


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


@once
def _bundled_patterns() -> tuple[tuple[str, str], ...]:
    folder = resources.files("cleaner").joinpath("data/patterns")
    rules: list[tuple[str, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt") and entry.name != "README.txt":
            rules.extend(parse_patterns(entry.read_text(encoding="utf-8"), f"patterns/{entry.name}"))
    return tuple(rules)


class RuleGroup(NamedTuple):
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
def compiled_rules(extra: tuple[tuple[str, str], ...]) -> tuple[RuleGroup, ...]:
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
        loose = [loosened(part[3:-1], unanchored=not anchored) for part in parts]
        prefilter = ("(?i)" if expression.startswith("(?i)") else "") + "|".join(f"(?:{part})" for part in loose)
        in_class = re.search(r"\[[^\]]*\\[bB]", expression) is not None  # [\b] is a backspace, not a boundary
        usable = rust and not in_class and prefilter != expression and _runs_in_polars(prefilter)
        opened = not anchored and any(_open_repetitions(part) != part for part in parts)
        groups.append(
            RuleGroup(
                name, any_length, expression, re.compile(expression, re.I), rust, anchored, prefilter if usable else None, usable and opened
            )
        )
    return tuple(groups)


_WORD_BOUNDARY = re.compile(r"(?<!\\)((?:\\\\)*)\\[bB]")
"""An unescaped ``\\b`` or ``\\B`` (keeping any escaped backslashes before it)."""


LONG_REPETITION = 8
"""Bounded repetitions with more than this many optional steps are left open in a prefilter."""


def loosened(expression: str, *, unanchored: bool) -> str:
    """A prefilter for one alternative (:attr:`RuleGroup.prefilter`): no word boundaries and,
    where the search is unanchored, long repetitions left open and no final ``$`` (which makes
    Rust's search 4x slower: ``©.*$`` 22 ms on the dev pages' lines, ``©.*`` 4 ms); each step
    only widens what it matches (a final ``\\$`` is a dollar sign, and stays). An anchored
    search keeps both: they cost it nothing, and they keep its candidates few."""
    loose = _WORD_BOUNDARY.sub(r"\1", _open_repetitions(expression) if unanchored else expression)
    if not unanchored:
        return loose
    loose = "|".join(_before_open_dot(branch) for branch in _top_level_branches(loose))
    if loose.endswith("$") and not loose.endswith("\\$"):
        loose = loose[:-1]
    return loose


def _top_level_branches(expression: str) -> list[str]:
    """The alternatives of ``expression`` that are not inside a group."""
    branches, start = [], 0
    for index, char in _top_level_chars(expression):
        if char == "|":
            branches.append(expression[start:index])
            start = index + 1
    branches.append(expression[start:])
    return branches


def _before_open_dot(branch: str) -> str:
    """``branch`` up to its first top-level ``.*`` (``.{0,}``), where it has one and something
    before it: an unanchored search for the part before the run matches wherever the whole
    does. What follows the run ("sign up ... newsletter") kept Rust's automaton busy on every
    line: the dev pages' short lines, screened for the eight short-line groups, 56 -> 42 ms."""
    for index, char in _top_level_chars(branch):
        if char == "." and index > 0 and branch.startswith((".{0,}", ".*"), index):
            return branch[:index]
    return branch


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
    return expression.startswith("^") and all(char != "|" for _, char in _top_level_chars(expression))


def _top_level_chars(expression: str) -> Iterator[tuple[int, str]]:
    """:func:`_syntax_chars` outside every group (the groups' own parentheses not included)."""
    depth = 0
    for index, char in _syntax_chars(expression):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            yield index, char


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
    reasons = pattern_columns(normalized, short, compiled_rules(options.extra_patterns))["pattern"].to_list()
    return [None if reason == "caption" and options.keep_captions else reason for reason in reasons]


def pattern_columns(
    normalized: pl.Series, short: pl.Series, rules: Sequence[RuleGroup], reasons: frozenset[str] | None = None
) -> pl.DataFrame:
    """``pattern, strong`` of every line: the first group that matches it (any group for a
    short line, any-length groups only for a long one) and whether that group is any-length.
    ``reasons`` limits the groups tried to those with these reasons.

    Prose lines, which hold most of the bytes, meet only the few any-length groups; the short
    lines are gathered once for the others. In a large batch, groups are screened together
    (:func:`screens`, on :func:`_pattern_thread`): one scan finds the lines any of them may
    match, and each group's expression then reads only those. A group scans lines an earlier
    group already claimed too (cheaper than gathering the undecided ones for every group).
    """
    short_rows = np.flatnonzero(short.fill_null(False).to_numpy())
    wanted = [reasons is None or group.reason in reasons for group in rules]
    in_rust = len(normalized) >= SMALL_BATCH_LINES or normalized.str.len_bytes().sum() >= RUST_BYTES_PER_GROUP * sum(wanted)
    if in_rust:
        hits = _pattern_thread().submit(_screened_hits, normalized, short_rows, tuple(rules), wanted, True).result()
    else:
        hits = _screened_hits(normalized, short_rows, tuple(rules), wanted, False)
    pattern = pl.repeat(None, len(normalized), dtype=pl.String, eager=True).alias("pattern")
    strong = pl.Series("strong", np.zeros(len(normalized), dtype=bool))
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


@once
def _pattern_thread() -> ThreadPoolExecutor:
    """The thread that screens lines with the pattern groups in Rust's engine.

    Polars keeps the 32 regular expressions a thread compiled last, and with them the states
    their automata built while matching. Stripping a batch uses about 60: the groups' 7
    screens, their 30 expressions (and prefilters), and the line features' 20. In one thread
    each batch compiled them all again (about 90 ms a batch). Even the screens and expressions
    together (33) were one too many for one thread: each batch compiled them again, and Rust's
    lazy automata built their states anew. So the screens run here, the groups' own expressions
    on :func:`_expression_thread`, and the line features in the caller's thread: each stays
    under 32. All pattern matching of a batch of the dev pages (median of 12 batches, two runs
    each way): 278-300 ms with screens and expressions on one thread, 250-259 on two.
    """
    return ThreadPoolExecutor(1, thread_name_prefix="cleaner-patterns")


@once
def _expression_thread() -> ThreadPoolExecutor:
    """The thread that matches each group's own expression on its screen's candidate lines
    (:func:`_pattern_thread` says why not on the same thread)."""
    return ThreadPoolExecutor(1, thread_name_prefix="cleaner-pattern-groups")


def _screened_hits(
    normalized: pl.Series, short_rows: np.ndarray, rules: tuple[RuleGroup, ...], wanted: list[bool], in_rust: bool
) -> dict[int, np.ndarray]:
    """Rows each wanted group matches: in Rust's engine screen by screen (the screens of all
    ``rules``, so that a call for a few groups reuses the compiled screens of a call for all),
    otherwise, or for a group only Python's engine understands, a group at a time in Python's."""
    short_lines = normalized.gather(short_rows)
    everything = np.arange(len(normalized))
    hits: dict[int, np.ndarray] = {}
    for screen in screens(rules) if in_rust else [(member,) for member in range(len(rules))]:
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
        groups = [rules[member] for member in members]
        matched = _expression_thread().submit(_groups_hits, lines.gather(screened), groups).result()
        for member, hit in zip(members, matched):
            hits[member] = rows_of[screened[hit]]
    return hits


def _groups_hits(candidates: pl.Series, groups: list[RuleGroup]) -> list[np.ndarray]:
    return [_exact_hits(candidates, group) for group in groups]


def _exact_hits(candidates: pl.Series, group: RuleGroup) -> np.ndarray:
    """Which of a screen's candidate lines ``group`` matches: in Rust's engine, or for a group
    with :attr:`RuleGroup.exact_in_python`, in Python's on the lines its own prefilter keeps."""
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
screen: 8x slower than one by one). The bundled 26 groups make 8 screens."""
ALONE_CHARS = 1500
"""An unanchored group with a longer expression screens alone. Searched anywhere in a line, a
large alternation of literal phrases mixed with other groups' classes (``\\d+\\s+``) slows
the whole screen: the dev pages' 159,000 short lines, the eight short-line groups in one
screen 41 ms, the 2,186-character promotion group apart 9 + 15 ms; on the 5,000 end
sentences of article edges, 13.5 against 5 + 4 ms (best of five each)."""


@lru_cache(maxsize=64)
def screens(rules: tuple[RuleGroup, ...]) -> list[tuple[int, ...]]:
    """Indices of ``rules`` packed, in order, into screens of one reach and one anchoring, each
    up to :data:`SCREEN_CHARS` (anchored and unanchored expressions mixed would keep the engine
    from skipping ahead to literal words). Groups that need Python's engine, and unanchored
    ones over :data:`ALONE_CHARS`, run alone."""
    screens: list[tuple[int, ...]] = []
    open_screens: dict[tuple[bool, bool], tuple[list[int], int]] = {}
    for index, group in enumerate(rules):
        size = len(group.prefilter or group.expression)
        if not group.rust or (not group.anchored and size > ALONE_CHARS):
            screens.append((index,))
            continue
        key = (group.any_length, group.anchored)
        members, chars = open_screens.get(key, ([], 0))
        if members and chars + size > SCREEN_CHARS:
            screens.append(tuple(members))
            members, chars = [], 0
        open_screens[key] = ([*members, index], chars + size)
    screens.extend(tuple(members) for members, _ in open_screens.values())
    return screens


SMALL_BATCH_LINES = 2_000
RUST_BYTES_PER_GROUP = 1_000
"""Below this many lines, and bytes for each group the call wants, patterns run in Python's
engine. Rust's costs about 0.8 ms a group for every call, however few the lines: Polars spends
about 0.2 ms on any operation here (a ``str.contains`` of 4 lines with the expression already
compiled), and each group takes several, on the pattern threads. Python's costs about 0.85 us
a byte whatever the number of groups.
Measured on calls of 50-page batches of the dev pages' visible texts (both engines, best of
two), Python's is faster up to about 10 KB for the 10 edge groups (at 12.8 KB: 11.4 against
16.2 ms; at 18.3 KB: 15.8 against 15.3; at 42 KB: 35 against 17.5) and about 20 KB for all 26
(at 14 KB: 18.3 against 27.4 ms; at 54 KB: 47.7 against 30.1). One threshold of 50 KB for
every call kept those calls in Python's engine; the HTML view's edge calls cost a third more."""


def _python_hits(texts: pl.Series, group: RuleGroup) -> np.ndarray:
    """Which of ``texts`` the group matches, in Python's engine (a line at a time)."""
    search = group.python.match if group.anchored else group.python.search
    return np.fromiter((search(text) is not None for text in texts.to_list()), dtype=bool, count=len(texts))

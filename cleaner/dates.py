"""Dates as ISO 8601 strings, so that "earliest copy" can be decided by comparing strings.

Only unambiguous shapes are parsed; anything else is kept as written (and sorts after every
parsed date when the canonical copy is chosen).
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january", "januar", "janvier", "enero", "gennaio"),
            ("feb", "february", "februar", "février", "febrero", "febbraio"),
            ("mar", "march", "märz", "maerz", "mars", "marzo"),
            ("apr", "april", "avril", "abril", "aprile"),
            ("may", "mai", "mayo", "maggio"),
            ("jun", "june", "juni", "juin", "junio", "giugno"),
            ("jul", "july", "juli", "juillet", "julio", "luglio"),
            ("aug", "august", "août", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre", "settembre"),
            ("oct", "october", "oktober", "octobre", "octubre", "ottobre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "dezember", "décembre", "diciembre", "dicembre"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?))?")
_SLASHED = re.compile(r"\b(\d{4})/(\d{1,2})/(\d{1,2})\b")
_DOTTED = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b")
"""Day and month in either order ("13/01/2020", "01/13/2020"): parsed only when the order shows,
a number past 12 (or the two equal); "03/04/2020" is April in London and March in New York.
On extraction-dev's text dumps, dates found right 304 -> 307 of 728, wrong ones 52 -> 52."""
_MONTH_FIRST = re.compile(r"\b([a-zé]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I)
_DAY_FIRST = re.compile(r"\b(\d{1,2})\.?\s+(?:de\s+)?([a-zéû]{3,9})\.?\s+(?:de\s+)?(\d{4})\b", re.I)


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_date(text: str | None) -> str | None:
    """``text`` as ``YYYY-MM-DD`` (with time when given as ISO), else ``text`` unchanged."""
    if text is None:
        return None
    value = text.strip()
    if not value:
        return None
    match = _ISO.search(value)
    if match:
        day = _valid(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if day:
            return f"{day}T{match.group(4)}" if match.group(4) else day
    for pattern, order in ((_SLASHED, "ymd"), (_DOTTED, "dmy")):
        match = pattern.search(value)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups())))
            day = _valid(parts["y"], parts["m"], parts["d"])
            if day:
                return day
    match = _NUMERIC.search(value)
    if match:
        first, second, year = (int(g) for g in match.groups())
        if first == second or max(first, second) > 12:
            day, month = (first, second) if first > 12 or first == second else (second, first)
            if found := _valid(year, month, day):
                return found
    match = _MONTH_FIRST.search(value)
    if match and match.group(1).lower() in _MONTHS:
        day = _valid(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
        if day:
            return day
    match = _DAY_FIRST.search(value)
    if match and match.group(2).lower() in _MONTHS:
        day = _valid(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
        if day:
            return day
    return value

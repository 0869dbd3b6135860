"""Stopword lists for 100 languages (jusText's), used to tell prose from clutter in any language.

Prose is full of function words; menus, captions-as-labels and link lists are not. The share
of stopwords in a line is therefore a language-independent signal once the document's
language is known, and the language itself is guessed from which list fits best.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

ISO_CODES = {
    "English": "en", "Simple_English": "en", "German": "de", "French": "fr", "Spanish": "es",
    "Italian": "it", "Portuguese": "pt", "Dutch": "nl", "Russian": "ru", "Polish": "pl",
    "Czech": "cs", "Slovak": "sk", "Swedish": "sv", "Danish": "da", "Norwegian_Bokmal": "nb",
    "Norwegian_Nynorsk": "nn", "Finnish": "fi", "Hungarian": "hu", "Romanian": "ro",
    "Turkish": "tr", "Greek": "el", "Ukrainian": "uk", "Bulgarian": "bg", "Croatian": "hr",
    "Serbian": "sr", "Slovenian": "sl", "Catalan": "ca", "Indonesian": "id", "Malay": "ms",
    "Vietnamese": "vi", "Arabic": "ar", "Persian": "fa", "Hebrew": "he", "Hindi": "hi",
    "Korean": "ko", "Lithuanian": "lt", "Latvian": "lv", "Estonian": "et", "Icelandic": "is",
    "Irish": "ga", "Welsh": "cy", "Basque": "eu", "Galician": "gl", "Albanian": "sq",
}
"""ISO 639-1 codes of the lists; a list without one is reported under its jusText name."""


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, ...]]:
    """Map every stopword to the languages whose list holds it (built once per process)."""
    import justext  # imports lxml: loaded only by runs that strip text

    index: dict[str, list[str]] = {}
    for name in sorted(justext.get_stoplists()):
        if name == "Simple_English":
            continue
        for word in justext.get_stoplist(name):
            index.setdefault(word, []).append(name)
    return {word: tuple(names) for word, names in index.items()}


@lru_cache(maxsize=256)
def stoplist(language: str) -> frozenset[str]:
    """The stopwords of one jusText language name."""
    import justext

    return frozenset(justext.get_stoplist(language))


def guess_language(words: Iterable[str], min_hits: int = 5) -> str | None:
    """The jusText language whose stopwords cover most of ``words``, or ``None`` if too few match.

    Words of several lists count for each of them; ties go to the alphabetically first
    name so that the guess is deterministic.
    """
    index = _index()
    counts: Counter[str] = Counter()
    for word in words:
        for name in index.get(word, ()):
            counts[name] += 1
    if not counts:
        return None
    best, hits = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return best if hits >= min_hits else None


def guess_languages(words: Iterable[str], min_hits: int = 5, share: float = 0.4, most: int = 3) -> list[str]:
    """The best-fitting language and up to ``most - 1`` others within ``share`` of its score.

    A word counts ``1/k`` for each of the ``k`` lists that hold it, so the function words
    particular to a language decide, not the English words that many lists contain.

    Pages mix languages (an English template around a German article); scoring a line
    against each plausible list keeps the article's own function words counting.
    """
    index = _index()
    found: Counter[str] = Counter(word for word in words if word in index)
    counts: Counter[str] = Counter()
    for word, times in found.items():
        names = index[word]
        weight = times / len(names)
        for name in names:
            counts[name] += weight
    hits = sum(found.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if not ranked or hits < min_hits:
        return []
    return [name for name, hits in ranked[:most] if hits >= share * ranked[0][1]]


def iso_code(language: str | None) -> str | None:
    """ISO 639-1 code for a jusText language name (or its lower-cased name)."""
    if language is None:
        return None
    return ISO_CODES.get(language, language.lower())

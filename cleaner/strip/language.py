"""Words and stopwords: the document's language and each line's share of function words.

Prose is full of function words; menus, captions-as-labels and link lists are not. The share
of stopwords in a line is therefore a language-independent signal once the document's
language is known, and the language itself is guessed from which of jusText's 100 lists fits
best. Pages mix languages (an English template around a German article), so up to three
languages count: a line is scored against each plausible list.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import polars as pl

from cleaner.normalize import normalize_series, word_characters
from cleaner.once import once
from cleaner.schemas import utf8_buffers

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
    "Afrikaans": "af", "Aragonese": "an", "Armenian": "hy", "Azerbaijani": "az", "Belarusian": "be",
    "Belarusian_Taraskievica": "be", "Bengali": "bn", "Bosnian": "bs", "Breton": "br", "Chuvash": "cv",
    "Esperanto": "eo", "Georgian": "ka", "Gujarati": "gu", "Haitian": "ht", "Ido": "io", "Igbo": "ig",
    "Javanese": "jv", "Kannada": "kn", "Kazakh": "kk", "Kurdish": "ku", "Kyrgyz": "ky", "Latin": "la",
    "Luxembourgish": "lb", "Macedonian": "mk", "Malayalam": "ml", "Maltese": "mt", "Marathi": "mr",
    "Nepali": "ne", "Occitan": "oc", "Quechua": "qu", "Sundanese": "su", "Swahili": "sw", "Tagalog": "tl",
    "Tamil": "ta", "Telugu": "te", "Turkmen": "tk", "Urdu": "ur", "Uzbek": "uz", "Volapuk": "vo",
    "Walloon": "wa", "West_Frisian": "fy", "Yoruba": "yo",
}
"""ISO 639-1 codes of the lists; a list without one (Aromanian, Asturian, Cebuano, Lombard, Low Saxon,
Neapolitan, Newar, Piedmontese, Samogitian, Serbo-Croatian, Sicilian, Waray-Waray, Western
Panjabi, Bishnupriya Manipuri: ISO 639-2 or -3 only, or withdrawn) is reported under its
lower-cased jusText name."""


@once
def stopword_index() -> dict[str, tuple[str, ...]]:
    """Map every stopword to the languages whose list holds it (built once per process).

    jusText's lists are sets, whose order follows the string hash seed: words are sorted, so
    that word ids, and the order in which floating-point language scores are summed, are the
    same in every process (the scores' last bits decided ties: 1.3% of documents' languages
    changed between two runs)."""
    index: dict[str, list[str]] = {}
    for name, words in sorted(_jus_text_lists().items()):
        if name == "Simple_English":
            continue
        for word in own_script_words(words):
            index.setdefault(word, []).append(name)
    return {word: tuple(names) for word, names in index.items()}


def own_script_words(words: list[str]) -> list[str]:
    """A stoplist's words, less the Latin-script ones of a list that is mostly in another script.

    jusText's lists were counted from Wikipedia, and those of Marathi (331 of its 2,482 words),
    Nepali, Telugu, Korean and others hold English words ("the", "film", "city", "according"):
    an English text with more of them than of English's list came out Marathi or Telugu. Of
    the 3,211 pages of the four development sets' text dumps, 20 changed language: 18 are now
    English (16 Marathi, 1 Telugu, 1 Finnish before), 2 moved between wrong guesses (Marathi to
    Sundanese, Finnish to Uzbek). Token F1 held out, each set left out: Dragnet 0.8248 ->
    0.8251, CleanEval 0.8971 -> 0.8967, Readability 0.9029 -> 0.9026; extraction-dev and the
    HTML mode unchanged (CleanEval 0.91049 -> 0.91046). A list counts as another script's when
    most of its words are not Latin; a Latin-script list (Vietnamese, Czech) keeps every word."""
    latin = [word for word in words if _is_latin(word)]
    return [word for word in words if not _is_latin(word)] if 2 * len(latin) < len(words) else words


def _is_latin(word: str) -> bool:
    return all(not char.isalpha() or char.isascii() or "LATIN" in unicodedata.name(char, "") for char in word)


@once
def _jus_text_lists() -> dict[str, list[str]]:
    """jusText's 100 stoplists, each sorted, from cleaner's package data (``tools/vendor_stoplists.py``
    says why they are a copy)."""
    data = resources.files("cleaner").joinpath("data", "stoplists.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


def iso_code(language: str | None) -> str | None:
    """ISO 639-1 code for a jusText language name (or its lower-cased name)."""
    if language is None:
        return None
    return ISO_CODES.get(language, language.lower())


@dataclass(frozen=True)
class Stoplists:
    """jusText's stoplists as arrays: word ids, the languages of each word as a bit set, and
    each word's weight ``1/k`` when ``k`` lists hold it, so that the function words particular
    to a language decide, not the English words that many lists contain."""

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


@once
def stoplists() -> Stoplists:
    index = stopword_index()
    names = sorted({name for languages in index.values() for name in languages})
    position = {name: i for i, name in enumerate(names)}
    counts = np.fromiter((len(languages) for languages in index.values()), dtype=np.int64, count=len(index))
    starts = np.concatenate([[0], np.cumsum(counts)])
    flat = np.fromiter((position[name] for languages in index.values() for name in languages), dtype=np.int64, count=int(starts[-1]))
    owner = np.repeat(np.arange(len(index), dtype=np.int64), counts)
    members = np.zeros((len(index), 2), dtype=np.uint64)
    np.bitwise_or.at(members, (owner, flat >> 6), np.left_shift(np.uint64(1), (flat & 63).astype(np.uint64)))
    return Stoplists(names, members, 1.0 / counts, starts, flat, {word: i for i, word in enumerate(index)})


COMPILED_BATCH_BYTES = 100_000
"""From this many bytes of normalised text on, a batch's words and languages are counted by
the compiled loops of :mod:`cleaner.strip.word_scan`; below it, by Polars and NumPy. numba's
start costs a process 0.4-0.6 s, which a few documents (``cleaner strip page.txt``, a small
``strip_text``) should not pay; the dev pages' 9 MB save 150 ms with the loops. Both ways give
the same results (tests compare them)."""


def compiled_batch(normalized: pl.Series) -> bool:
    """Whether a batch of ``normalized`` lines is large enough for the compiled loops."""
    return bool(normalized.str.len_bytes().sum() >= COMPILED_BATCH_BYTES)


_NOT_WORD_OR_SPACE = r"[^\p{L}\p{M}\p{N} ]"


def stopword_ids(normalized: pl.Series, *, compiled: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(line, stopword id or -1)`` of every word (``normalize.WORD``) of every line of
    ``normalized`` text, in order.

    Compiled: one scan of the lines' bytes (:func:`word_scan.scan_words`), 55 ms on the dev
    pages' 9 MB of distinct lines. Otherwise, for a small batch, Polars splits the words (a
    character-wise replacement and a split on spaces: ``str.extract_all(WORD)`` at half its
    cost) and a dictionary looks them up (0.25 us a word); for the dev pages that way, with a
    hash join for the lookups, took 136 ms.
    """
    if compiled:
        from cleaner.strip import word_scan

        data, offsets = utf8_buffers(normalized)
        line, ids = word_scan.scan_words(data, offsets, word_characters(), *_scan_table())
        return line.astype(np.int64), ids.astype(np.int64)
    spaced = normalized.str.replace_all(_NOT_WORD_OR_SPACE, " ")
    exploded = spaced.str.split(" ").to_frame("word").with_row_index("unit").explode("word").filter(pl.col("word") != "")
    index = stoplists().index
    words = exploded["word"].to_list()
    return exploded["unit"].to_numpy().astype(np.int64), np.fromiter((index.get(word, -1) for word in words), dtype=np.int64, count=len(words))


@once
def _scan_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from cleaner.strip import word_scan

    return word_scan.stopword_table(list(stoplists().index))


LANGUAGE_SAMPLE_LINES = 60


def document_languages(
    units: pl.DataFrame, unit_of_word: np.ndarray, word_id: np.ndarray, n_docs: int, *, compiled: bool
) -> np.ndarray:
    """Each document's likely languages, as ``[doc, 3]`` list indices (-1 where there are fewer).

    From the words of its 60 wordiest lines (pages often mix a template language in), each
    stopword counting ``1/k`` for each of the ``k`` lists that hold it, the candidates are the
    best list and up to two others within 40% of its score, given at least 5 stopwords: lines
    are scored against each of them (:func:`stop_ratios`). They are ordered by their plain
    stopword counts, and the first is the document's language: the ``1/k`` weights let lists
    that borrow many English words (Marathi, Sundanese) win on English text. On the 904
    extraction-dev pages whose ``<html lang>`` names a language, the first candidate agrees
    853 times (by weighted score alone: 847; by plain counts over the whole text: 852).
    ``units`` are in document order, ``unit_of_word`` in unit order.
    """
    scores, counts, hits = (_language_counts_compiled if compiled else _language_counts)(units, unit_of_word, word_id, n_docs)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :3]
    top = np.take_along_axis(scores, order, axis=1)
    keep = (top > 0) & (top >= 0.4 * top[:, :1]) & (hits[:, None] >= 5)
    # the candidates in the order of their plain stopword counts: the first is the document's language
    plain = np.where(keep, np.take_along_axis(counts, order, axis=1), -1.0)
    by_count = np.argsort(-plain, axis=1, kind="stable")
    return np.take_along_axis(np.where(keep, order, -1), by_count, axis=1)


def _language_counts_compiled(
    units: pl.DataFrame, unit_of_word: np.ndarray, word_id: np.ndarray, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from cleaner.strip import word_scan

    lists = stoplists()
    return word_scan.language_counts(
        units["doc"].to_numpy().astype(np.int64), units["n_words"].to_numpy().astype(np.int64),
        unit_of_word, word_id, n_docs, LANGUAGE_SAMPLE_LINES, lists.starts, lists.languages, lists.weights, len(lists.names),
    )


def _language_counts(
    units: pl.DataFrame, unit_of_word: np.ndarray, word_id: np.ndarray, n_docs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(scores, counts, hits)``: per document and list, the weighted and the plain count of
    the stopwords of the sampled lines, and the number of those stopwords."""
    lists = stoplists()
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
    cells = np.repeat(pair_docs, spans) * n_languages + lists.languages[entry]
    scores = np.bincount(cells, weights=np.repeat(times * lists.weights[pair_ids], spans), minlength=n_docs * n_languages)
    counts = np.bincount(cells, weights=np.repeat(times, spans).astype(np.float64), minlength=n_docs * n_languages)
    return scores.reshape(n_docs, n_languages), counts.reshape(n_docs, n_languages), hits


SCRIPT_SAMPLE_CHARS = 3_000
SPACELESS_SCRIPTS = {"th": r"\p{Thai}", "lo": r"\p{Lao}", "km": r"\p{Khmer}", "my": r"\p{Myanmar}"}
"""Scripts of one language each that are written without spaces (jusText has no stoplist for them)."""


def languages_by_script(texts: Sequence[str]) -> list[str | None]:
    """The language of each text written in a script that has no stoplist, by its letters: a
    third or more of the letters of its first 3,000 characters Han and kana gives ``ja`` when a
    tenth of those are kana (Japanese writes its grammar in them; Chinese has none), else
    ``zh``; Thai, Lao, Khmer or Myanmar letters give their language; otherwise ``None``. Used
    where the stoplists found nothing: a Japanese or Chinese document had no language."""
    if not texts:
        return []
    sample = pl.Series(texts, dtype=pl.String).str.slice(0, SCRIPT_SAMPLE_CHARS)
    letters = sample.str.count_matches(r"\p{L}").to_numpy()
    kana = sample.str.count_matches(r"[\p{Hiragana}\p{Katakana}]").to_numpy()
    han = sample.str.count_matches(r"\p{Han}").to_numpy() + kana
    scripts = {code: sample.str.count_matches(pattern).to_numpy() for code, pattern in SPACELESS_SCRIPTS.items()}
    found: list[str | None] = []
    for row in range(len(texts)):
        if letters[row] and 3 * han[row] >= letters[row]:
            found.append("ja" if 10 * kana[row] >= han[row] else "zh")
        else:
            found.append(next((code for code, counts in scripts.items() if letters[row] and 3 * counts[row] >= letters[row]), None))
    return found


def language_codes(texts: Sequence[str]) -> list[str | None]:
    """Each text's language as an ISO 639-1 code: :func:`guess_languages`, and where no
    stoplist fits, :func:`languages_by_script` (what ``documents.language`` says)."""
    codes = [iso_code(name) for name in guess_languages(texts)]
    unknown = [index for index, code in enumerate(codes) if code is None]
    for index, code in zip(unknown, languages_by_script([texts[index] for index in unknown])):
        codes[index] = code
    return codes


def guess_languages(texts: Sequence[str]) -> list[str | None]:
    """Each text's language (a jusText list name, or ``None``): :func:`document_languages` over
    its lines, the rule the stripper uses, for text that has no units of its own (extracted HTML)."""
    lines = pl.Series("line", texts, dtype=pl.String).str.split("\n")
    counts = lines.list.len().to_numpy().astype(np.int64)
    normalized = normalize_series(lines.explode())
    compiled = compiled_batch(normalized)
    unit_of_word, word_id = stopword_ids(normalized, compiled=compiled)
    units = pl.DataFrame(
        {"doc": np.repeat(np.arange(len(texts), dtype=np.int64), counts), "n_words": np.bincount(unit_of_word, minlength=int(counts.sum()))}
    )
    ranked = document_languages(units, unit_of_word, word_id, len(texts), compiled=compiled)
    names = stoplists().names
    return [names[best] if best >= 0 else None for best in ranked[:, 0].tolist()]


def stop_ratios(
    units: pl.DataFrame, unit_of_word: np.ndarray, word_id: np.ndarray, languages: np.ndarray, *, compiled: bool
) -> pl.Series:
    """Each unit's share of words in its document's best-fitting stoplist."""
    lists = stoplists()
    doc_of_unit = units["doc"].to_numpy().astype(np.int64)
    if compiled:
        from cleaner.strip import word_scan

        best = word_scan.stopword_counts(unit_of_word, word_id, doc_of_unit, languages.astype(np.int64), lists.members)
    else:
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


def spread_words(text_word_ids: np.ndarray, text_n_words: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(unit, stopword id)`` of every word of every unit, from the words of the distinct texts
    (``text_word_ids``, in text order, ``text_n_words`` each) and each unit's text (``inverse``)."""
    text_start = np.cumsum(text_n_words, dtype=np.int64) - text_n_words
    counts = text_n_words[inverse].astype(np.int64)
    unit_start = np.cumsum(counts) - counts
    positions = np.repeat(text_start[inverse] - unit_start, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    return np.repeat(np.arange(len(inverse), dtype=np.int64), counts), text_word_ids[positions]

"""The compiled loops of text mode's large batches: words and stopwords, then language counts.

Text mode needs, for every line, its words and which of them are stopwords. In Polars that was
a regex replacement, a split, an explode and a hash join with a check of every match: on the
dev pages' 114,000 distinct lines (9 MB, 1.3 million words) 79 ms for the words and 57 ms for
the ids, an eighth of the strip stage. :func:`scan_words` reads the lines' UTF-8 bytes once:
it decodes each character, looks its class up in a table, hashes each word as it reads it and
finds the hash among the stopwords' (then compares the bytes, so a collision cannot make a
stopword), most other words ruled out by a bit filter first (:data:`SEEN_BITS_LOG2`).
:func:`language_counts` and :func:`stopword_counts` then count each document's and each line's
stopwords per list (89 ms -> 38 ms and 45 ms -> 10 ms against NumPy's arrays).

A word is what ``normalize.WORD`` matches, a run of letters, marks and numbers: the table of
word characters is built by Polars' own regex engine over every code point
(:func:`cleaner.normalize.word_characters`), so both ways of splitting agree by construction
(a property test compares them, and ``language``'s NumPy counts with these).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numba import njit, uint64

from cleaner.compiled import code_point, compiled
from cleaner.schemas import utf8_buffers

_FNV_OFFSET = uint64(0xCBF29CE484222325)
_FNV_PRIME = uint64(0x100000001B3)


@njit(inline="always")
def _hash_bytes(data: np.ndarray, start: int, end: int) -> np.uint64:
    """FNV-1a over ``data[start:end]`` (a word is short: one multiply a byte is enough). Not the
    signatures' XXH3 (``duplicates.kernel``): in this scan's table lookups it made the dev
    pages' stopword ids 113 ms instead of 65 ms."""
    value = _FNV_OFFSET
    for index in range(start, end):
        value = (value ^ uint64(data[index])) * _FNV_PRIME
    return value


@njit(inline="always")
def _lookup(
    data: np.ndarray, start: int, end: int, value: np.uint64,
    slots: np.ndarray, slot_keys: np.ndarray, key_data: np.ndarray, key_offsets: np.ndarray, seen: np.ndarray,
) -> int:
    """The id of the stopword with the bytes ``data[start:end]`` (whose FNV-1a hash is ``value``),
    or -1. ``seen`` (:func:`_seen_bits`) rules most other words out first; then open addressing
    with linear probing in ``slot_keys`` (a stopword's hash with its lowest bit set, 0 for an
    empty slot; its id in ``slots``, read only when the hash matches: a miss reads one array)."""
    value = value | uint64(1)
    bit = (value * _SEEN_MULTIPLIER) >> uint64(64 - SEEN_BITS_LOG2)
    if not (seen[bit >> uint64(6)] >> (bit & uint64(63))) & uint64(1):
        return -1
    mask = uint64(slots.shape[0] - 1)
    slot = (value ^ (value >> uint64(32))) & mask
    while slot_keys[slot] != 0:
        if slot_keys[slot] == value:
            word = slots[slot]
            lo, hi = key_offsets[word], key_offsets[word + 1]
            if hi - lo == end - start:
                same = True
                for k in range(hi - lo):
                    if key_data[lo + k] != data[start + k]:
                        same = False
                        break
                if same:
                    return word
        slot = (slot + uint64(1)) & mask
    return -1


SEEN_BITS_LOG2 = 21
"""The stopwords' bit filter has 2**21 bits (256 KB, held in a core's second-level cache). The
100 stoplists' hash table is 6 MB: every word not in it, half the words of a page, cost a
read from main memory. With the filter, the dev pages' 1.3 million words: 95 -> 51 ms (2**20
bits: 63 ms, more false hits; 2**22: 61 ms, no longer in cache)."""
_SEEN_MULTIPLIER = uint64(0x9E3779B97F4A7C15)


@compiled
def _seen_bits(slot_keys: np.ndarray) -> np.ndarray:
    """One bit for each stopword's hash (by Fibonacci hashing of ``slot_keys``' entries)."""
    bits = np.zeros((1 << SEEN_BITS_LOG2) >> 6, dtype=np.uint64)
    for key in slot_keys:
        if key != 0:
            bit = (key * _SEEN_MULTIPLIER) >> uint64(64 - SEEN_BITS_LOG2)
            bits[bit >> uint64(6)] |= uint64(1) << (bit & uint64(63))
    return bits


@compiled
def hash_words(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """FNV-1a hash of each of the strings ``data[offsets[i]:offsets[i + 1]]``."""
    n = offsets.shape[0] - 1
    hashes = np.empty(n, dtype=np.uint64)
    for row in range(n):
        hashes[row] = _hash_bytes(data, offsets[row], offsets[row + 1])
    return hashes


@compiled
def scan_words(
    data: np.ndarray, offsets: np.ndarray, is_word: np.ndarray,
    slots: np.ndarray, slot_keys: np.ndarray, key_data: np.ndarray, key_offsets: np.ndarray, seen: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(line, stopword id or -1)`` of every word of the UTF-8 lines ``data[offsets[i]:offsets[i + 1]]``,
    in order. ``is_word[c]`` says whether code point ``c`` belongs to a word; the stopwords are
    :func:`stopword_table`'s. A word's hash is built as its bytes are read."""
    n = offsets.shape[0] - 1
    most = (offsets[n] - offsets[0] + n) // 2 + 1  # a word takes a byte, and one more parts it from the next
    lines = np.empty(most, dtype=np.int32)
    found = np.empty(most, dtype=np.int32)
    words = 0
    for row in range(n):
        index, end = offsets[row], offsets[row + 1]
        start = -1
        value = _FNV_OFFSET
        while index < end:
            lead = data[index]
            if lead < 0x80:
                in_word, width = is_word[lead], 1
            else:
                code, width = code_point(data, index)
                in_word = is_word[code]
            if in_word:
                if start < 0:
                    start = index
                    value = _FNV_OFFSET
                for byte in range(index, index + width):
                    value = (value ^ uint64(data[byte])) * _FNV_PRIME
            elif start >= 0:
                lines[words] = row
                found[words] = _lookup(data, start, index, value, slots, slot_keys, key_data, key_offsets, seen)
                words += 1
                start = -1
            index += width
        if start >= 0:
            lines[words] = row
            found[words] = _lookup(data, start, end, value, slots, slot_keys, key_data, key_offsets, seen)
            words += 1
    return lines[:words].copy(), found[:words].copy()


def stopword_table(words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(slots, slot_keys, key_data, key_offsets, seen)`` of :func:`scan_words` for the stopwords
    ``words`` (a word's id is its position): a hash table at most half full, so that a miss
    ends at an empty slot after one or two probes (a binary search over the sorted hashes made
    the scan of the dev pages' lines 136 ms; with this table it took 55 ms), and its bit filter."""
    data, offsets = utf8_buffers(pl.Series(words, dtype=pl.String))
    slots, slot_keys = _hash_table(hash_words(data, offsets))
    return slots, slot_keys, data, offsets, _seen_bits(slot_keys)


@compiled
def _hash_table(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    size = 1
    while size < 2 * hashes.shape[0]:
        size *= 2
    slots = np.full(size, -1, dtype=np.int32)
    slot_keys = np.zeros(size, dtype=np.uint64)
    mask = uint64(size - 1)
    for word in range(hashes.shape[0]):
        value = hashes[word] | uint64(1)
        slot = (value ^ (value >> uint64(32))) & mask
        while slot_keys[slot] != 0:
            slot = (slot + uint64(1)) & mask
        slots[slot] = word
        slot_keys[slot] = value
    return slots, slot_keys


@njit
def _wordiest(units: np.ndarray, n_words: np.ndarray, take: int) -> np.ndarray:
    """The ``take`` units with the most words (ties: the earlier units), in unit order: the
    units above the ``take``-th largest count, then those at it (a stable sort took 22 ms of
    the dev pages' 40)."""
    counts = n_words[units]
    cut = -np.partition(-counts, take - 1)[take - 1]
    chosen = np.empty(take, dtype=np.int64)
    above = 0
    for unit in range(units.shape[0]):
        if counts[unit] > cut:
            above += 1
    at = 0
    found = 0
    for unit in range(units.shape[0]):
        if counts[unit] > cut or (counts[unit] == cut and at < take - above):
            at += counts[unit] == cut
            chosen[found] = units[unit]
            found += 1
    return chosen


@compiled
def language_counts(
    doc_of_unit: np.ndarray, n_words: np.ndarray, unit_of_word: np.ndarray, word_id: np.ndarray, n_docs: int,
    sample_lines: int, starts: np.ndarray, languages: np.ndarray, weights: np.ndarray, n_languages: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(scores, counts, hits)`` of ``language.document_languages``: per document and stoplist,
    the weighted and the plain count of its stopwords, over the words of its ``sample_lines``
    wordiest units (ties: the earlier unit), and its number of stopwords.

    Units are in document order (``doc_of_unit`` sorted) and words in unit order. A document's
    stopwords are counted per word id in ascending order, as the NumPy version's ``bincount``
    over ``(doc, id)`` pairs added them, so that each sum is the same float to the last bit.
    They are tallied in one array and only the distinct ids sorted (sorting every occurrence
    made the dev pages' counts 50 ms; now 29).
    """
    scores = np.zeros((n_docs, n_languages), dtype=np.float64)
    counts = np.zeros((n_docs, n_languages), dtype=np.float64)
    hits = np.zeros(n_docs, dtype=np.int64)
    unit_bounds = np.searchsorted(doc_of_unit, np.arange(n_docs + 1))
    n_units = doc_of_unit.shape[0]
    word_bounds = np.zeros(n_units + 1, dtype=np.int64)
    for word in range(unit_of_word.shape[0]):
        word_bounds[unit_of_word[word] + 1] += 1
    for unit in range(n_units):
        word_bounds[unit + 1] += word_bounds[unit]
    tally = np.zeros(starts.shape[0], dtype=np.int64)
    touched = np.empty(starts.shape[0], dtype=np.int64)
    for doc in range(n_docs):
        lo, hi = unit_bounds[doc], unit_bounds[doc + 1]
        wordy = np.flatnonzero(n_words[lo:hi] > 0) + lo
        if wordy.shape[0] > sample_lines:
            wordy = _wordiest(wordy, n_words, sample_lines)
        distinct = 0
        found = 0
        for unit in wordy:
            for word in range(word_bounds[unit], word_bounds[unit + 1]):
                known = word_id[word]
                if known >= 0:
                    if tally[known] == 0:
                        touched[distinct] = known
                        distinct += 1
                    tally[known] += 1
                    found += 1
        hits[doc] = found
        for word in np.sort(touched[:distinct]):
            times = np.float64(tally[word])
            tally[word] = 0
            weighted = times * weights[word]
            for entry in range(starts[word], starts[word + 1]):
                scores[doc, languages[entry]] += weighted
                counts[doc, languages[entry]] += times
    return scores, counts, hits


@compiled
def stopword_counts(
    unit_of_word: np.ndarray, word_id: np.ndarray, doc_of_unit: np.ndarray, ranked: np.ndarray, members: np.ndarray
) -> np.ndarray:
    """Each unit's largest count of words held by one of its document's ``ranked`` stoplists
    (``members[word, list >> 6]`` has bit ``list & 63`` set when the list holds the word)."""
    n_units = doc_of_unit.shape[0]
    counts = np.zeros((n_units, ranked.shape[1]), dtype=np.int64)
    for word in range(word_id.shape[0]):
        known = word_id[word]
        if known < 0:
            continue
        unit = unit_of_word[word]
        doc = doc_of_unit[unit]
        for rank in range(ranked.shape[1]):
            listed = ranked[doc, rank]
            if listed >= 0 and (members[known, listed >> 6] >> uint64(listed & 63)) & uint64(1):
                counts[unit, rank] += 1
    best = np.zeros(n_units, dtype=np.float64)
    for unit in range(n_units):
        for rank in range(ranked.shape[1]):
            best[unit] = max(best[unit], np.float64(counts[unit, rank]))
    return best

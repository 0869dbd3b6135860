"""The compiled part of the map stage: text to word hashes, shingle hashes, MinHash and band keys.

These loops are the map stage's arithmetic, compiled by numba (a wheel from the package index,
no compiler on the user's machine). :func:`scan_tokens` reads the normalised paragraphs' UTF-8
bytes once: their words, each hashed with XXH3-64 as it ends, where sentences start, and the
words joined for the exact key (0.08 s per 100,000 paragraphs in batches of 8,192, where
Polars' regex extraction, polars-hash and the join took 0.55 s). Per paragraph, each shingle is
mixed once and then runs through all permutations while the signature stays in the CPU cache;
band keys are folded from the signature before the next paragraph, so no ``(paragraphs,
permutations)`` matrix is ever built: shingles, MinHash and band keys from the word hashes took
0.67 s as NumPy array operations and take 0.15 s here. ``python benchmarks/dedup.py`` prints the
rate from the normalised text on one core: 387,000-420,000 paragraphs per second (585,000-660,000
from the word hashes; the spread is the shared machine's) on an Intel machine with AVX-512; on an
AMD Zen 3 machine (AVX2, no 64-bit vector multiply) 284,000-302,000 (422,000-439,000), where
245,000-277,000 (356,000-389,000) before :func:`minhash_band_keys` folded the bands side by
side (alternating runs), 255,000-262,000 (355,000-365,000) before :func:`_signature` kept its
minima biased, and 176,000-178,000 (219,000-223,000) before it wrote into a second row.

The functions are compiled once and cached on disk (:func:`cleaner.compiled.cache_folder`). A cold
compile took 1.2-1.4 s on the Intel machine, 2.75-2.85 s on the AMD one (2.0-2.1 s before the
band-parallel folds), once per machine and numba version; loading from the cache costs each
process 0.5-0.75 s, numba's own start included (``benchmarks/dedup.py`` prints both).

Everything is wrapping 64-bit unsigned arithmetic, bit for bit the definitions in
``signatures`` (``fold_hashes``, ``fmix64``, datasketch's ``affine64``) and the ``xxhash``
package's XXH3; the tests compare the results with datasketch, xxhash and the pure-Python
definitions.
"""

from __future__ import annotations

import numpy as np
from numba import int64, njit, uint64

from cleaner.compiled import code_point, compiled, copy8, read_u32, read_u64
from cleaner.duplicates.signatures import FMIX, FOLD_MULTIPLIER, FOLD_SEED

_SHIFT, _M1, _M2 = (uint64(constant) for constant in FMIX)
_FOLD_MULTIPLIER = uint64(FOLD_MULTIPLIER)
_FOLD_SEED = uint64(FOLD_SEED)
_MAX = uint64(0xFFFFFFFFFFFFFFFF)
_SIGN_BIT = uint64(1 << 63)
_BIASED_MAX = int64(0x7FFFFFFFFFFFFFFF)


@njit(inline="always")
def _fmix64(value: np.uint64) -> np.uint64:
    value ^= value >> _SHIFT
    value *= _M1
    value ^= value >> _SHIFT
    value *= _M2
    return value ^ (value >> _SHIFT)


@njit(inline="always")
def _fold(value: np.uint64, item: np.uint64) -> np.uint64:
    return _fmix64((value ^ item) * _FOLD_MULTIPLIER)


@njit(inline="always")
def _signature(buffers: np.ndarray, shingles: np.ndarray, a: np.ndarray, b_biased: np.ndarray) -> np.ndarray:
    """MinHash, biased: each shingle, mixed once, lowers every permutation's minimum of
    ``a * h + b`` modulo 2**64 (datasketch's ``affine64``), kept plus 2**63 as signed integers
    (:func:`_unbiased` gives the value back). Returns the row of ``buffers`` (two ``int64`` rows
    of permutations) that holds it; ``b_biased`` is ``b + 2**63``.

    AVX2 compares 64-bit integers only as signed: an unsigned minimum flipped the top bit of
    both sides before every comparison. Adding 2**63 is that flip, done once in ``b``, so the
    loop compares directly: 0.339 -> 0.296 ns per shingle and permutation on an AMD EPYC (Zen 3,
    AVX2) virtual machine, the same signatures (20,000 random paragraphs of 20-80 shingles,
    three runs each).

    Each shingle reads the minima from one row and writes them, all of them, into the other.
    Written back where they were read, LLVM stores only the lowered minima, with a masked store
    (``vpmaskmovq``), which AMD's Zen cores run in microcode: on a Zen 3 virtual machine (AVX2)
    that loop took 0.77 ns per shingle and permutation, and this one took 0.44 (a blend and a
    plain store; 100,000 generated paragraphs, best of four, the same signatures).
    """
    buffers[0, :] = _BIASED_MAX
    current = 0
    for shingle in shingles:
        mixed = _fmix64(shingle)
        source, target = buffers[current], buffers[1 - current]
        for p in range(a.shape[0]):
            value = int64(a[p] * mixed + b_biased[p])
            target[p] = min(source[p], value)
        current = 1 - current
    return buffers[current]


@njit(inline="always")
def _unbiased(value: np.int64) -> np.uint64:
    """A minimum kept by :func:`_signature` as the ``affine64`` value it stands for."""
    return uint64(value) ^ _SIGN_BIT


@compiled
def separate_marks(token_hashes: np.ndarray, is_mark: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split each paragraph's token hashes into its word hashes, its word count, and whether
    each word starts a sentence (the first of its paragraph, or the first after a mark)."""
    n = counts.shape[0]
    words = np.empty(token_hashes.shape[0] - is_mark.sum(), dtype=np.uint64)
    lengths = np.zeros(n, dtype=np.int64)
    sentence_start = np.empty(words.shape[0], dtype=np.bool_)
    start = 0
    word = 0
    for row in range(n):
        starts = True
        first_word = word
        for token in range(start, start + counts[row]):
            if is_mark[token]:
                starts = True
            else:
                words[word] = token_hashes[token]
                sentence_start[word] = starts
                starts = False
                word += 1
        start += counts[row]
        lengths[row] = word - first_word
    return words, lengths, sentence_start


@compiled
def fold_shingles(word_hashes: np.ndarray, lengths: np.ndarray, shingle_words: int, min_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of every paragraph, flat, and their count per paragraph.

    A paragraph of ``min_words`` words or more has one shingle per window of ``shingle_words``
    words (one of all its words if it is shorter than a window); a shorter paragraph has none.
    """
    n = lengths.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    total = 0
    for row in range(n):
        if lengths[row] >= min_words:
            counts[row] = max(lengths[row] - shingle_words + 1, 1)
            total += counts[row]
    out = np.empty(total, dtype=np.uint64)
    start = 0
    written = 0
    for row in range(n):
        length = lengths[row]
        width = min(length, shingle_words)
        for window in range(counts[row]):
            value = _FOLD_SEED
            for k in range(width):
                value = _fold(value, word_hashes[start + window + k])
            out[written] = value
            written += 1
        start += length
    return out, counts


@compiled
def minhash_band_keys(
    shingles: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray, bands: int, rows: int
) -> np.ndarray:
    """``(paragraphs, bands)`` band keys of the MinHash signatures of each paragraph's shingles.

    A paragraph without shingles gets the keys of a signature of all ones (the maximum), as
    the NumPy definition did; the caller drops them. Every permutation is computed, even those
    no band reads (2 of the default 128): the loop over permutations runs 8 at a time, and 126
    left a tail that cost 8% more than 128.

    The signature is computed with the permutations in row order (position ``k * bands + band``
    holds permutation ``band * rows + k``), so that the ``k``-th fold of every band reads one
    contiguous run and the bands fold side by side in vector registers, instead of one band's
    chain of dependent folds at a time: 100,000 generated paragraphs in batches of 8,192,
    209-211 -> 180-182 ms on an AMD Zen 3 machine (MinHash alone: 164-167 ms), the same keys.
    Copies are plain loops: slice assignments (``values[:] = ...``) made the first compile
    2.7 s longer.
    """
    n = counts.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    order = np.arange(a.shape[0])
    for k in range(rows):
        for band in range(bands):
            order[k * bands + band] = band * rows + k
    a_by_row = a[order]
    b_biased = b[order] + _SIGN_BIT
    band_seeds = np.empty(bands, dtype=np.uint64)
    for band in range(bands):
        band_seeds[band] = _fold(_FOLD_SEED, uint64(band))
    buffers = np.empty((2, a.shape[0]), dtype=np.int64)
    values = np.empty(bands, dtype=np.uint64)
    start = 0
    for row in range(n):
        signature = _signature(buffers, shingles[start : start + counts[row]], a_by_row, b_biased)
        start += counts[row]
        for band in range(bands):
            values[band] = band_seeds[band]
        for k in range(rows):
            for band in range(bands):
                values[band] = _fold(values[band], _unbiased(signature[k * bands + band]))
        for band in range(bands):
            keys[row, band] = values[band]
    return keys


@compiled
def minhash(shingles: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(paragraphs, permutations)`` MinHash signatures; rows without shingles hold the maximum."""
    n = counts.shape[0]
    signatures = np.empty((n, a.shape[0]), dtype=np.uint64)
    buffers = np.empty((2, a.shape[0]), dtype=np.int64)
    b_biased = b + _SIGN_BIT
    start = 0
    for row in range(n):
        signature = _signature(buffers, shingles[start : start + counts[row]], a, b_biased)
        for p in range(a.shape[0]):
            signatures[row, p] = _unbiased(signature[p])
        start += counts[row]
    return signatures



# XXH3-64 (seed 0, default secret) of inputs up to 128 bytes, bit for bit ``xxhash.xxh3_64``
# (the reference, xxhash.h 0.8): a word of normalised text is short, and the few longer ones
# are hashed by the ``xxhash`` package (:func:`scan_tokens` lists them).
_XXH3_SECRET = np.frombuffer(bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
    "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
), dtype=np.uint8)
_SECRET_WORDS = _XXH3_SECRET.view("<u8").copy()
"""The secret as 64-bit little-endian words: every offset the short hashes read is a multiple of 8."""
_BITFLIP_1_3 = uint64(int.from_bytes(_XXH3_SECRET[0:4].tobytes(), "little") ^ int.from_bytes(_XXH3_SECRET[4:8].tobytes(), "little"))
_BITFLIP_4_8 = uint64(int(_SECRET_WORDS[1] ^ _SECRET_WORDS[2]))
_BITFLIP_9_16_LOW = uint64(int(_SECRET_WORDS[3] ^ _SECRET_WORDS[4]))
_BITFLIP_9_16_HIGH = uint64(int(_SECRET_WORDS[5] ^ _SECRET_WORDS[6]))
_PRIME64_1 = uint64(0x9E3779B185EBCA87)
_PRIME64_2 = uint64(0xC2B2AE3D27D4EB4F)
_PRIME64_3 = uint64(0x165667B19E3779F9)
_PRIME_MX1 = uint64(0x165667919E3779F9)
_PRIME_MX2 = uint64(0x9FB21C651E98DF25)
_LOW32 = uint64(0xFFFFFFFF)
XXH3_COMPILED_BYTES = 128


@njit(inline="always")
def _mul128_fold64(a: np.uint64, b: np.uint64) -> np.uint64:
    a_lo, a_hi, b_lo, b_hi = a & _LOW32, a >> uint64(32), b & _LOW32, b >> uint64(32)
    lo_lo, hi_lo, lo_hi, hi_hi = a_lo * b_lo, a_hi * b_lo, a_lo * b_hi, a_hi * b_hi
    cross = (lo_lo >> uint64(32)) + (hi_lo & _LOW32) + lo_hi
    upper = (hi_lo >> uint64(32)) + (cross >> uint64(32)) + hi_hi
    lower = (cross << uint64(32)) | (lo_lo & _LOW32)
    return lower ^ upper


@njit(inline="always")
def _rotl64(value: np.uint64, bits: int) -> np.uint64:
    return (value << uint64(bits)) | (value >> uint64(64 - bits))


@njit(inline="always")
def _xxh3_avalanche(h: np.uint64) -> np.uint64:
    h ^= h >> uint64(37)
    h *= _PRIME_MX1
    return h ^ (h >> uint64(32))


@njit(inline="always")
def _mix16(data: np.ndarray, at: int, secret: np.ndarray, word: int) -> np.uint64:
    return _mul128_fold64(read_u64(data, at) ^ secret[word], read_u64(data, at + 8) ^ secret[word + 1])


@njit(inline="always")
def _xxh3_64(data: np.ndarray, start: int, end: int, secret: np.ndarray) -> np.uint64:
    """XXH3-64 of ``data[start:end]``, 1 to :data:`XXH3_COMPILED_BYTES` bytes (``secret``: :data:`_SECRET_WORDS`)."""
    length = end - start
    if length <= 3:
        combined = (
            (uint64(data[start]) << uint64(16)) | (uint64(data[start + (length >> 1)]) << uint64(24))
            | uint64(data[end - 1]) | (uint64(length) << uint64(8))
        )
        h = combined ^ _BITFLIP_1_3
        h ^= h >> uint64(33)
        h *= _PRIME64_2
        h ^= h >> uint64(29)
        h *= _PRIME64_3
        return h ^ (h >> uint64(32))
    if length <= 8:
        keyed = (read_u32(data, end - 4) + (read_u32(data, start) << uint64(32))) ^ _BITFLIP_4_8
        keyed ^= _rotl64(keyed, 49) ^ _rotl64(keyed, 24)
        keyed *= _PRIME_MX2
        keyed ^= (keyed >> uint64(35)) + uint64(length)
        keyed *= _PRIME_MX2
        return keyed ^ (keyed >> uint64(28))
    if length <= 16:
        low = read_u64(data, start) ^ _BITFLIP_9_16_LOW
        high = read_u64(data, end - 8) ^ _BITFLIP_9_16_HIGH
        swapped = uint64(0)
        for k in range(8):
            swapped = (swapped << uint64(8)) | ((low >> uint64(8 * k)) & uint64(0xFF))
        return _xxh3_avalanche(uint64(length) + swapped + high + _mul128_fold64(low, high))
    acc = uint64(length) * _PRIME64_1
    if length > 32:
        if length > 64:
            if length > 96:
                acc += _mix16(data, start + 48, secret, 12)
                acc += _mix16(data, end - 64, secret, 14)
            acc += _mix16(data, start + 32, secret, 8)
            acc += _mix16(data, end - 48, secret, 10)
        acc += _mix16(data, start + 16, secret, 4)
        acc += _mix16(data, end - 32, secret, 6)
    acc += _mix16(data, start, secret, 0)
    acc += _mix16(data, end - 16, secret, 2)
    return _xxh3_avalanche(acc)


@compiled
def xxh3_64(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """XXH3-64 of each of the strings ``data[offsets[i]:offsets[i + 1]]`` (1 to 128 bytes each)."""
    n = offsets.shape[0] - 1
    hashes = np.empty(n, dtype=np.uint64)
    for row in range(n):
        hashes[row] = _xxh3_64(data, offsets[row], offsets[row + 1], _SECRET_WORDS)
    return hashes


_WORD_BYTE, _MARK_BYTE, _NOT_ASCII = 1, 2, 4
"""Classes of a byte in :func:`scan_tokens`' first pass (bits): an ASCII word character, an
ASCII sentence mark, a byte of a character beyond ASCII."""


@njit(inline="always")
def _word_edges(
    data: np.ndarray, begin: int, end: int, byte_class: np.ndarray, is_word: np.ndarray,
    edges: np.ndarray, marks_before: np.ndarray, beyond_ascii: bool,
) -> tuple[int, int, int]:
    """Where the words of ``data[begin:end]`` start and end (``edges``, alternately, with the
    sentence marks seen before each), as ``(edges found, inside a word at the end, the byte
    classes met)``. Without ``beyond_ascii`` every byte is read as ASCII; with it, a character
    beyond ASCII is decided at its first byte and the bytes that continue it change nothing.
    No branch at a word edge either way (inlined, so each call site keeps its one loop)."""
    inside = 0
    marks = 0
    classes = 0
    n_edges = 0
    for index in range(begin, end):
        kind = byte_class[data[index]]
        if beyond_ascii and kind & _NOT_ASCII:
            in_word = (1 if is_word[code_point(data, index)[0]] else 0) if data[index] >= 0xC0 else inside
        else:
            in_word = kind & _WORD_BYTE
        edges[n_edges] = index
        marks_before[n_edges] = marks
        n_edges += in_word ^ inside
        inside = in_word
        marks += (kind >> 1) & 1
        classes |= kind
    return n_edges, inside, classes


@compiled
def scan_tokens(
    data: np.ndarray, offsets: np.ndarray, is_word: np.ndarray, is_mark: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The words of each UTF-8 paragraph ``data[offsets[i]:offsets[i + 1]]`` as
    ``(word_hashes, lengths, sentence_start, exact_data, exact_offsets, long_words)``.

    A word is a run of characters with ``is_word[code point]``; an ASCII character with
    ``is_mark`` is a sentence mark (the next word starts a sentence, as does a paragraph's
    first); anything else parts words. ``word_hashes`` holds each word's XXH3-64 except for
    the ``long_words`` (``[word, start, end]`` rows: words over :data:`XXH3_COMPILED_BYTES`
    bytes, for the caller to hash); ``exact_data[exact_offsets[i]:exact_offsets[i + 1]]``
    is paragraph ``i``'s words joined by single spaces.

    Two passes per paragraph. The first finds where words start and end without a branch at
    each word edge, from a byte's class in a table; a paragraph with a byte beyond ASCII is
    read again, each such character decided at its first byte (the bytes that continue it
    change nothing). A branch at every edge was mispredicted often enough to cost half the
    scan. The second hashes and copies each word, a word of up to 8 bytes as 8 bytes at once
    (the next word overwrites the surplus); every read of a word's bytes is one load
    (``compiled.read_u64``). In batches of 8,192 on one core, before and now: 100,000 generated
    English paragraphs 124 -> 69 ms; extraction-dev's 113,605 distinct lines (a third beyond
    ASCII) 43 -> 35 ms; those beyond ASCII alone 30 -> 26 ms. Deciding every byte's class in
    one pass was faster beyond ASCII (20 ms) and slower on English (82 ms); reading a paragraph
    beyond ASCII again a character at a time, as before, was slower than before there (34 ms).
    """
    n = offsets.shape[0] - 1
    total = offsets[n] - offsets[0]
    most = (total + n) // 2 + 1
    word_hashes = np.empty(most, dtype=np.uint64)
    sentence_start = np.empty(most, dtype=np.bool_)
    lengths = np.zeros(n, dtype=np.int64)
    exact_data = np.empty(total + 8, dtype=np.uint8)
    exact_offsets = np.zeros(n + 1, dtype=np.int64)
    long_words = np.empty((total // (XXH3_COMPILED_BYTES + 1) + 1, 3), dtype=np.int64)  # as many as there can be: no growing
    byte_class = np.full(256, _NOT_ASCII, dtype=np.int64)
    for code in range(128):
        byte_class[code] = (_WORD_BYTE if is_word[code] else 0) | (_MARK_BYTE if is_mark[code] else 0)
    longest = 0
    for row in range(n):
        longest = max(longest, offsets[row + 1] - offsets[row])
    edges = np.empty(longest + 2, dtype=np.int64)  # where a paragraph's words start and end, alternately
    marks_before = np.empty(longest + 2, dtype=np.int64)  # sentence marks before each edge
    n_long = 0
    words = 0
    written = 0
    for row in range(n):
        begin, end = offsets[row], offsets[row + 1]
        n_edges, inside, classes = _word_edges(data, begin, end, byte_class, is_word, edges, marks_before, False)
        if classes & _NOT_ASCII:  # read again, a character beyond ASCII decided at its first byte
            n_edges, inside, classes = _word_edges(data, begin, end, byte_class, is_word, edges, marks_before, True)
        if inside:
            edges[n_edges] = end
            n_edges += 1
        first_word = words
        for word in range(n_edges >> 1):
            start, stop = edges[2 * word], edges[2 * word + 1]
            if stop - start <= XXH3_COMPILED_BYTES:
                word_hashes[words] = _xxh3_64(data, start, stop, _SECRET_WORDS)
            else:
                long_words[n_long, 0], long_words[n_long, 1], long_words[n_long, 2] = words, start, stop
                n_long += 1
                word_hashes[words] = 0
            sentence_start[words] = word == 0 or marks_before[2 * word] != marks_before[2 * word - 1]
            if word > 0:
                exact_data[written] = 32
                written += 1
            if stop - start <= 8 and start + 8 <= data.shape[0]:
                copy8(data, start, exact_data, written)
                written += stop - start
            else:
                for k in range(start, stop):
                    exact_data[written] = data[k]
                    written += 1
            words += 1
        lengths[row] = words - first_word
        exact_offsets[row + 1] = written
    return (
        word_hashes[:words].copy(), lengths, sentence_start[:words].copy(),
        exact_data[:written].copy(), exact_offsets, long_words[:n_long].copy(),
    )


@compiled
def sentence_anchors(
    word_hashes: np.ndarray, lengths: np.ndarray, sentence_start: np.ndarray, min_words: int, inverse_base: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """``(values, counts)``: each paragraph's anchors, sorted and distinct, flat, and their
    number per paragraph. A sentence (from a ``sentence_start`` word to the next) of at least
    ``min_words`` words hashes to ``fold(fold(seed, sum(h[start + k] * inverse_base**k)), words)``,
    the definition of ``signatures.anchor_hashes``."""
    n = lengths.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    values = np.empty(word_hashes.shape[0] // max(min_words, 1) + 1, dtype=np.uint64)
    found = 0
    word = 0
    for row in range(n):
        end_of_row = word + lengths[row]
        first = found
        start = word
        while start < end_of_row:
            end = start + 1
            while end < end_of_row and not sentence_start[end]:
                end += 1
            if end - start >= min_words:
                polynomial = uint64(0)
                power = uint64(1)
                for k in range(start, end):
                    polynomial += word_hashes[k] * power
                    power *= inverse_base
                values[found] = _fold(_fold(_FOLD_SEED, polynomial), uint64(end - start))
                found += 1
            start = end
        if found - first > 1:
            values[first:found] = np.sort(values[first:found])
            kept = first + 1
            for k in range(first + 1, found):
                if values[k] != values[kept - 1]:
                    values[kept] = values[k]
                    kept += 1
            found = kept
        counts[row] = found - first
        word = end_of_row
    return values[:found].copy(), counts


"""Signatures stage: shingles of each paragraph and their MinHash, computed a batch at a time.

Shingles are word n-grams of the normalised text (``cleaner.normalize``). Each word is hashed
with xxh3-64 (by the compiled scan of a whole batch, :func:`scan_tokens`), and an n-gram's hash
folds its words' hashes with a fixed mixing step, so no shingle string is ever built. ``shingle_hash`` is the
same function on a shingle's UTF-8 bytes (words separated by single spaces): give it to
``datasketch.MinHash(hashfunc=shingle_hash, scheme="affine64")`` and the signatures are equal
bit for bit (a test shows it).

The permutation family is datasketch's ``affine64``: the 64-bit hash is pre-mixed with the
MurmurHash3 finaliser (xor-shift-multiply on all 64 bits), then ``a * h + b`` modulo 2^64 with
odd ``a``. The field notes measured correlated bands with multiply-add-shift on 32-bit folded
hashes; a mixing family on the full 64 bits did not show them.

Short paragraphs are handled deliberately: fewer than ``min_words`` words get no signature
(only exact duplicates are found for them), so two-word headings never collide; text written
without spaces (Chinese, Japanese, Thai...: :func:`written_without_spaces`) is shingled by
characters instead.

Sentence anchors (:func:`anchor_hashes`) are computed here too, from the same hashed words:
hashes of each paragraph's long sentences, which the candidates stage pairs on to find
abridged copies and quotes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl
import polars_hash
import pyarrow as pa
import xxhash

from cleaner.normalize import SENTENCE_MARKS, word_characters
from cleaner.normalize import words as python_words
from cleaner.schemas import (
    flat_from_lists,
    lists_from_flat,
    series_from_arrow,
    utf8_buffers,
)

SCHEME = "affine64"
FOLD_SEED = np.uint64(0x243F6A8885A308D3)
FOLD_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
FMIX = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
"""The folding step's constants (MurmurHash3's finaliser: shift, two multipliers), here once
for the NumPy definitions and the compiled kernel (``kernel``)."""


@dataclass(frozen=True)
class SignatureParams:
    """Everything that defines a signature, and the LSH banding its band keys are cut by.

    ``bands`` x ``rows`` is chosen once per run from the Jaccard threshold
    (``banding.choose_bands``, through ``CleanConfig.signature_params``); the defaults are
    that choice for the default threshold 0.5 and 128 permutations.
    """

    num_perm: int = 128
    seed: int = 1
    shingle_words: int = 3
    char_ngram: int = 5
    min_words: int = 6
    scheme: str = SCHEME
    without_spaces: str = "a third of the characters Han, Hiragana, Katakana, Thai, Lao, Khmer or Myanmar"
    """The rule for text written without spaces, shingled by characters (:func:`written_without_spaces`),
    recorded so that an index built by another rule is refused."""
    hash: str = "xxh3_64 per word, folded (cleaner.signatures.shingle_hash)"
    """An identifier persisted in every index and manifest: kept as first written, though the
    function now lives in ``cleaner.duplicates.signatures``."""
    bands: int = 42
    rows: int = 3

    def __post_init__(self) -> None:
        if self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm:
            raise ValueError(f"{self.bands} bands of {self.rows} rows do not fit {self.num_perm} permutations")

    def to_dict(self) -> dict[str, Any]:
        """What makes two signatures comparable, persisted with any saved signature (the
        banding, which only decides the band keys, is recorded beside it)."""
        return {name: value for name, value in asdict(self).items() if name not in ("bands", "rows")}


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, element-wise (wrapping arithmetic is intended)."""
    shift, m1, m2 = FMIX
    values = values ^ (values >> shift)
    values = values * m1
    values = values ^ (values >> shift)
    values = values * m2
    return values ^ (values >> shift)


def token_hash(word: str) -> int:
    """64-bit hash of one word."""
    return xxhash.xxh3_64_intdigest(word.encode("utf-8"))


def fold_hashes(hashes: list[int]) -> int:
    """Combine word hashes into a shingle hash (order-sensitive)."""
    value = np.array([FOLD_SEED], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for item in hashes:
            value = fmix64((value ^ np.uint64(item)) * FOLD_MULTIPLIER)
    return int(value[0])


def shingle_hash(shingle: bytes) -> int:
    """A shingle's hash from its bytes: the ``hashfunc`` that makes datasketch agree with cleaner."""
    return fold_hashes([token_hash(word) for word in shingle.decode("utf-8").split(" ")])


WITHOUT_SPACES = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
"""Characters of the scripts written without spaces between words."""


def written_without_spaces(normalized: pl.Series) -> np.ndarray:
    """Whether each paragraph is written without spaces: at least a third of its characters are
    of :data:`WITHOUT_SPACES` scripts. Its "words" are then runs between punctuation marks (a
    Japanese news paragraph of 70 characters has five), too few and too long to shingle, so
    it is shingled by characters. With the other rule alone (two words or fewer), two
    Japanese paragraphs one word apart (or two Chinese ones) had no signature at all and were
    never compared.
    Such scripts take three UTF-8 bytes a character, so only a paragraph of at least 5 bytes
    for 3 characters can qualify: its scripts are counted (Rust's regular expressions, 0.24 s
    on 90 MB of English) only there, which costs a batch of English text almost nothing."""
    chars = normalized.str.len_chars().fill_null(0)
    wide = ((3 * normalized.str.len_bytes().fill_null(0) >= 5 * chars) & (chars > 0)).arg_true()
    found = np.zeros(len(normalized), dtype=np.bool_)
    if len(wide):
        picked = normalized.gather(wide)
        found[wide.to_numpy()] = (3 * picked.str.count_matches(WITHOUT_SPACES) >= picked.str.len_chars()).to_numpy()
    return found


def shingles_of(normalized: str, params: SignatureParams) -> list[bytes]:
    """The shingles of one normalised paragraph as bytes (for datasketch and for tests)."""
    tokens = _tokens(python_words(normalized), params, bool(written_without_spaces(pl.Series([normalized], dtype=pl.String))[0]))
    n = params.shingle_words
    if not tokens:
        return []
    if len(tokens) <= n:
        return [" ".join(tokens).encode("utf-8")]
    return [" ".join(tokens[i : i + n]).encode("utf-8") for i in range(len(tokens) - n + 1)]


def _tokens(paragraph_words: list[str], params: SignatureParams, without_spaces: bool = False) -> list[str]:
    """Words, or character n-grams for text without spaces (:func:`written_without_spaces`, or
    two words or fewer: one long run of letters); empty when too short to compare."""
    if (without_spaces or len(paragraph_words) <= 2) and sum(len(w) for w in paragraph_words) >= 4 * params.char_ngram:
        letters = "".join(paragraph_words)
        k = params.char_ngram
        grams = [letters[i : i + k] for i in range(len(letters) - k + 1)]
        return grams if len(grams) >= params.min_words else []
    return paragraph_words if len(paragraph_words) >= params.min_words else []


@dataclass(frozen=True)
class HashedTokens:
    """A batch's words as 64-bit hashes, flat and in order, and where each sentence starts.

    Computed once per batch and shared by the shingles and the sentence anchors
    (``candidates.anchor_hashes``).
    """

    word_hashes: np.ndarray  # uint64: every word of the batch, paragraph after paragraph
    lengths: np.ndarray  # int64: words per paragraph
    sentence_start: np.ndarray  # bool per word: first of its paragraph, or first after a sentence mark


def hash_tokens(token_lists: pl.Series) -> HashedTokens:
    """:class:`HashedTokens` of ``normalize.tokens`` lists (words and sentence marks), in Polars:
    the definition :func:`scan_tokens` is tested against.

    Every token is hashed by polars-hash's xxh3-64, in Rust over the whole batch: equal to
    :func:`token_hash` (the ``xxhash`` package) bit for bit.
    """
    from cleaner.duplicates import kernel

    counts = token_lists.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = token_lists.explode().drop_nulls().to_frame("token")
    token_hashes = flat.select(polars_hash.col("token").nchash.xxh3_64())["token"].to_numpy().astype(np.uint64, copy=False)
    is_mark = flat["token"].is_in(list(SENTENCE_MARKS)).to_numpy()
    word_hashes, lengths, sentence_start = kernel.separate_marks(token_hashes, is_mark, counts)
    return HashedTokens(word_hashes=word_hashes, lengths=lengths, sentence_start=sentence_start)


@dataclass(frozen=True)
class ScannedTokens:
    """A batch's :class:`HashedTokens` and each paragraph's words joined by single spaces
    (``""`` where it has none): the map stage's token work in one compiled pass."""

    hashed: HashedTokens
    joined_words: pl.Series


def scan_tokens(normalized: pl.Series) -> ScannedTokens:
    """:class:`ScannedTokens` of normalised paragraphs: the words and sentence marks of
    :data:`normalize.TOKEN` read from the UTF-8 bytes by ``kernel.scan_tokens``, each word
    hashed by XXH3-64 as it ends (:func:`token_hash`, bit for bit; the rare word of more than
    128 bytes by the ``xxhash`` package).

    The same as :func:`hash_tokens` of ``tokens_expr`` and the joined words of
    ``exact_form_expr`` (tests compare them), which took 0.55 s of the map stage's 1.44 s per
    100,000 paragraphs on one core: regex extraction of the tokens, their explosion and
    hashing, the marks' lookup, and the words joined again.
    """
    from cleaner.duplicates import kernel

    data, offsets = utf8_buffers(normalized)
    word_hashes, lengths, sentence_start, joined, joined_offsets, long_words = kernel.scan_tokens(
        data, offsets, word_characters(), _MARKS
    )
    for word, start, end in long_words.tolist():
        word_hashes[word] = xxhash.xxh3_64_intdigest(data[start:end].tobytes())
    joined_words = series_from_arrow(
        "joined_words", pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(joined_offsets), pa.py_buffer(joined))
    )
    return ScannedTokens(HashedTokens(word_hashes, lengths, sentence_start), joined_words)


_MARKS = np.zeros(128, dtype=np.bool_)
_MARKS[[ord(mark) for mark in SENTENCE_MARKS]] = True


def shingle_hashes(normalized: pl.Series, params: SignatureParams, hashed: HashedTokens | None = None) -> pl.Series:
    """Shingle hashes of each normalised paragraph, as a ``list[u64]`` Series (compiled kernel).

    ``hashed`` (the :class:`HashedTokens` of ``normalized``) can be passed when already computed.
    """
    from cleaner.duplicates import (
        kernel,  # numba loads in 0.15 s: imported only where a kernel runs
    )

    if hashed is None:
        hashed = scan_tokens(normalized).hashed
    lengths = hashed.lengths
    values, counts = kernel.fold_shingles(hashed.word_hashes, lengths, params.shingle_words, params.min_words)
    special: dict[int, np.ndarray] = {}
    without_spaces = written_without_spaces(normalized)
    candidates = np.flatnonzero((lengths <= 2) | without_spaces)  # only they can be shingled by characters
    char_rows = candidates[normalized.gather(candidates).str.len_chars().fill_null(0).to_numpy() >= 4 * params.char_ngram]
    for row in char_rows:
        tokens = _tokens(python_words(normalized[int(row)]), params, bool(without_spaces[row]))
        hashes = np.array([token_hash(t) for t in tokens], dtype=np.uint64)
        special[int(row)] = kernel.fold_shingles(hashes, np.array([len(hashes)], dtype=np.int64), params.shingle_words, 1)[0]
    if special:
        rows = np.split(values, np.cumsum(counts)[:-1]) if len(counts) else []
        for row, hashes in special.items():
            rows[row] = hashes
            counts[row] = len(hashes)
        values = np.concatenate(rows) if rows else values
    return lists_from_flat("shingles", counts, values)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine64`` permutation parameters ``(a, b)`` for this seed.

    Drawn exactly as ``datasketch.MinHash`` draws them (a test compares the two), without
    importing datasketch, whose import costs every worker process half a second.
    """
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = generator.randint(0, 1 << 64, num_perm, dtype=np.uint64)
    return a, b


def minhash_signatures(shingles: pl.Series, params: SignatureParams) -> np.ndarray:
    """MinHash signatures, ``(rows, num_perm)`` uint64; rows without shingles hold the maximum."""
    from cleaner.duplicates import kernel

    a, b = permutations(params.num_perm, params.seed)
    flat, counts = flat_from_lists(shingles)
    return kernel.minhash(flat, counts, a, b)


def to_lean_minhash(signature: np.ndarray, params: SignatureParams) -> Any:
    """One signature as a ``datasketch.LeanMinHash`` (usable in datasketch's own LSH indexes)."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=params.seed, hashvalues=np.asarray(signature, dtype=np.uint64), scheme=params.scheme)


_ANCHOR_BASE_INVERSE = np.uint64(pow(0x9FB21C651E98DF25, -1, 1 << 64))
"""``B**-1`` modulo 2**64 of the sentence anchors' polynomial (``B`` odd)."""


def anchor_hashes(hashed: HashedTokens, min_words: int) -> pl.Series:
    """Hashes of each paragraph's sentences of at least ``min_words`` words (``list[u64]``, sorted, unique).

    A sentence is a run of words between sentence marks (``normalize.SENTENCE_MARKS``). Its
    hash is a polynomial in its word hashes, ``sum(h[start + k] * B**-k)`` modulo 2**64 (``B``
    odd, so invertible), folded with its length: ``fold_hashes([polynomial, words])``. The
    compiled loop (``kernel.sentence_anchors``) takes 0.05 s per 100,000 paragraphs, where
    NumPy prefix sums and a Polars unique took 0.34 s.
    """
    from cleaner.duplicates import kernel

    values, counts = kernel.sentence_anchors(hashed.word_hashes, hashed.lengths, hashed.sentence_start, min_words, _ANCHOR_BASE_INVERSE)
    return lists_from_flat("anchors", counts, values)

"""The compiled map kernel: the same bits as the definitions, and compiled once per machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import xxhash
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates import kernel
from cleaner.duplicates.banding import band_keys
from cleaner.duplicates.signatures import (
    SignatureParams,
    anchor_hashes,
    fold_hashes,
    hash_tokens,
    minhash_signatures,
    permutations,
    scan_tokens,
    shingle_hash,
    shingle_hashes,
    shingles_of,
    token_hash,
)
from cleaner.normalize import (
    exact_form_expr,
    normalize_series,
    normalize_text,
    tokens,
    tokens_expr,
)
from cleaner.schemas import utf8_buffers

WORDS = st.lists(st.sampled_from(["red", "fox", "ran", "far", "away", "now", "über", "1,000"]), max_size=14)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=6), st.integers(1, 5), st.integers(1, 8))
def test_folded_shingles_are_the_hashes_of_the_shingle_bytes(paragraphs: list[list[str]], width: int, min_words: int) -> None:
    lengths = np.array([len(words) for words in paragraphs], dtype=np.int64)
    word_hashes = np.array([token_hash(w) for words in paragraphs for w in words], dtype=np.uint64)
    flat, counts = kernel.fold_shingles(word_hashes, lengths, width, min_words)
    expected: list[int] = []
    for words, count in zip(paragraphs, counts):
        if len(words) < min_words:
            assert count == 0
            continue
        windows = [words[i : i + width] for i in range(max(len(words) - width + 1, 1))]
        assert count == len(windows)
        expected.extend(shingle_hash(" ".join(window).encode("utf-8")) for window in windows)
    assert flat.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=kernel.XXH3_COMPILED_BYTES), min_size=1, max_size=20))
def test_compiled_xxh3_is_the_xxhash_package_bit_for_bit(strings: list[bytes]) -> None:
    data = np.frombuffer(b"".join(strings), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in strings])]).astype(np.int64)
    assert kernel.xxh3_64(data, offsets).tolist() == [xxhash.xxh3_64_intdigest(s) for s in strings]


PARAGRAPH_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
SENTENCES = st.lists(
    st.sampled_from(["The", "council", "met.", "Ça", "va?", "日本語", "x²", "a;b", "...", "1,000", "é" * 70, "z" * 200]), max_size=20
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PARAGRAPH_TEXT, SENTENCES), min_size=1, max_size=8))
def test_the_token_scan_is_the_regex_tokens_hashed_and_the_exact_form(texts: list[str]) -> None:
    """Words longer than the compiled hash's 128 bytes ("é" * 70, "z" * 200) are hashed in Python."""
    normalized = normalize_series(pl.Series("n", texts, dtype=pl.String))
    token_lists = normalized.to_frame().select(tokens_expr(pl.col("n")))["n"]
    scanned = scan_tokens(normalized)
    expected = hash_tokens(token_lists)
    assert scanned.hashed.word_hashes.tolist() == expected.word_hashes.tolist()
    assert scanned.hashed.lengths.tolist() == expected.lengths.tolist()
    assert scanned.hashed.sentence_start.tolist() == expected.sentence_start.tolist()
    exact = pl.DataFrame([normalized, token_lists.alias("t")]).select(exact_form_expr(pl.col("n"), pl.col("t")))["n"]
    assert pl.select(pl.when(scanned.joined_words == "").then(normalized).otherwise(scanned.joined_words)).to_series().to_list() == exact.to_list()


def test_a_sentence_anchor_is_the_folded_polynomial_of_its_word_hashes() -> None:
    """The definition, written out: index entries made before the compiled loop must still match."""
    text = normalize_text("The council met on Monday to vote on the budget. Short one! Then it adjourned until the spring session")
    sentences, current = [], []
    for token in [*tokens(text), "."]:
        if token in ".!?;:":
            if len(current) >= 6:
                sentences.append(current)
            current = []
        else:
            current.append(token)
    inverse = pow(0x9FB21C651E98DF25, -1, 1 << 64)
    expected = sorted(
        fold_hashes([sum(token_hash(word) * pow(inverse, k, 1 << 64) for k, word in enumerate(words_)) % (1 << 64), len(words_)])
        for words_ in sentences
    )
    assert len(expected) == 2
    assert anchor_hashes(scan_tokens(pl.Series([text])).hashed, 6).to_list() == [expected]


def test_utf8_buffers_read_a_sliced_series_from_its_own_offset() -> None:
    series = pl.Series(["skip me", "über", "", None, "fin"]).slice(1)
    data, offsets = utf8_buffers(series)
    assert [data[offsets[i] : offsets[i + 1]].tobytes().decode() for i in range(len(series))] == ["über", "", "", "fin"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=12), min_size=1, max_size=5), st.sampled_from([(16, 1), (42, 3), (8, 16)]))
def test_band_keys_fold_each_band_of_the_datasketch_signature(shingle_lists: list[list[int]], banding: tuple[int, int]) -> None:
    bands, rows = banding
    params = SignatureParams(bands=bands, rows=rows)
    shingles = pl.Series("shingles", shingle_lists, dtype=pl.List(pl.UInt64))
    keys = band_keys(shingles, params)
    signatures = minhash_signatures(shingles, params)
    for row, hashes in enumerate(shingle_lists):
        if not hashes:
            continue
        reference = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine64", hashfunc=int)
        reference.update_batch(hashes)
        assert np.array_equal(signatures[row], reference.hashvalues)
        expected = [fold_hashes([band, *reference.hashvalues[band * rows : (band + 1) * rows].tolist()]) for band in range(bands)]
        assert keys[row].tolist() == expected


def test_signature_of_a_paragraph_does_not_depend_on_its_batch() -> None:
    params = SignatureParams()
    texts = [normalize_text(t) for t in ["One two three four five six seven.", "Short.", "Eight nine ten eleven twelve thirteen fourteen."]]
    together = band_keys(shingle_hashes(pl.Series(texts), params), params)
    for row, text in enumerate(texts):
        if shingles_of(text, params):
            assert np.array_equal(band_keys(shingle_hashes(pl.Series([text]), params), params)[0], together[row])


def test_a_permutation_family_of_another_size_works() -> None:
    a, b = permutations(64, 7)
    hashes = np.array([1, 2, 3, 2**63], dtype=np.uint64)
    signature = kernel.minhash(hashes, np.array([4], dtype=np.int64), a, b)[0]
    reference = MinHash(num_perm=64, seed=7, scheme="affine64", hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(signature, reference.hashvalues)


CALL_KERNEL = """
import json, numpy as np
from cleaner.duplicates import kernel
flat, counts = kernel.fold_shingles(np.arange(9, dtype=np.uint64), np.array([9], dtype=np.int64), 3, 6)
a = np.ones(8, dtype=np.uint64)
kernel.minhash_band_keys(flat, counts, a, a, 2, 4)
print(json.dumps({name: sum(getattr(kernel, name).stats.cache_hits.values()) for name in ("fold_shingles", "minhash_band_keys")}))
"""


def test_the_kernel_is_compiled_once_and_then_loaded_from_the_cache(tmp_path: Path) -> None:
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def cache_hits() -> dict[str, int]:
        done = subprocess.run([sys.executable, "-c", CALL_KERNEL], env=environment, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    assert cache_hits() == {"fold_shingles": 0, "minhash_band_keys": 0}
    assert any(tmp_path.rglob("*.nbi"))
    assert cache_hits() == {"fold_shingles": 1, "minhash_band_keys": 1}

"""Signatures, candidates, verification and clusters of near-duplicate paragraphs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.duplicates.signatures import (
    SignatureParams,
    anchor_hashes,
    hash_tokens,
    minhash_signatures,
    permutations,
    shingle_hash,
    shingle_hashes,
    shingles_of,
    to_lean_minhash,
    written_without_spaces,
)
from cleaner.normalize import SENTENCE_MARKS, normalize_text, tokens, tokens_expr
from tests.conftest import PARAGRAPHS

SENTENCE_WORDS = st.lists(st.sampled_from(["red", "fox", "ran", "far", "away", "now"]), min_size=0, max_size=9)



def test_signatures_equal_datasketch_bit_for_bit() -> None:
    params = SignatureParams()
    normalized = pl.Series([normalize_text(p) for p in PARAGRAPHS])
    hashes = shingle_hashes(normalized, params)
    signatures = minhash_signatures(hashes, params)
    for row, text in enumerate(normalized.to_list()):
        tokens = shingles_of(text, params)
        assert [shingle_hash(t) for t in tokens] == hashes[row].to_list()
        reference = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine64", hashfunc=shingle_hash)
        if tokens:
            reference.update_batch(tokens)
        assert np.array_equal(reference.hashvalues, signatures[row])
        lean = to_lean_minhash(signatures[row], params)
        assert isinstance(lean, LeanMinHash) and lean.scheme == "affine64"
    assert len(shingles_of(normalize_text(PARAGRAPHS[3]), params)) > 5
    assert shingles_of(normalize_text(PARAGRAPHS[4]), params) == []


JAPANESE = "港のフェリーは今朝から運航を再開した。市の担当者によると、天候は回復しており、全ての便が予定通り運航される見込みである。"
CHINESE = "港的渡轮今天早上恢复运营。市政府官员表示，天气已经好转，所有航班预计将按计划运行。许多游客松了一口气。"
NAMED_IN_ENGLISH = "The mayor of Kyoto (京都市長) said on Monday that the ferries would sail again once the storm had passed."


def test_text_written_without_spaces_is_shingled_by_characters_as_datasketch_sees_it() -> None:
    params = SignatureParams()
    normalized = pl.Series([normalize_text(text) for text in (JAPANESE, CHINESE, NAMED_IN_ENGLISH, "")])
    assert written_without_spaces(normalized).tolist() == [True, True, False, False]
    hashes = shingle_hashes(normalized, params)
    for row, text in enumerate(normalized.to_list()[:3]):
        shingles = shingles_of(text, params)
        assert [shingle_hash(shingle) for shingle in shingles] == hashes[row].to_list()
        pieces = {len(piece) for shingle in shingles for piece in shingle.decode().split(" ")}
        assert (pieces == {params.char_ngram}) == (row < 2)  # character 5-grams, or the English words


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 123456)])
def test_permutations_are_drawn_as_datasketch_draws_them(num_perm: int, seed: int) -> None:
    a, b = permutations(num_perm, seed)
    reference = MinHash(num_perm=num_perm, seed=seed, scheme="affine64")
    assert np.array_equal(a, reference.permutations[0]) and np.array_equal(b, reference.permutations[1])


def test_exported_signatures_work_in_datasketch_lsh() -> None:
    params = SignatureParams()
    signatures = minhash_signatures(shingle_hashes(pl.Series([normalize_text(p) for p in PARAGRAPHS[:3]]), params), params)
    index = MinHashLSH(threshold=0.5, num_perm=params.num_perm)
    for row in range(3):
        index.insert(str(row), to_lean_minhash(signatures[row], params))
    assert sorted(index.query(to_lean_minhash(signatures[0], params))) == ["0", "1"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(SENTENCE_WORDS, st.sampled_from([". ", "! ", "; ", ", ", " "])), max_size=4), min_size=1, max_size=6))
def test_sentence_anchors_match_exactly_the_shared_long_sentences(paragraphs: list[list[tuple[list[str], str]]]) -> None:
    texts = [normalize_text("".join(" ".join(words_) + end for words_, end in sentences)) for sentences in paragraphs]
    min_words = 3
    expected = []
    for text in texts:
        sentences, current = set(), []
        for token in tokens(text) + ["."]:
            if token in SENTENCE_MARKS:
                if len(current) >= min_words:
                    sentences.add(tuple(current))
                current = []
            else:
                current.append(token)
        expected.append(sentences)
    token_lists = pl.Series(texts).to_frame("t").select(tokens_expr(pl.col("t")))["t"]
    anchors = [set(row) for row in anchor_hashes(hash_tokens(token_lists), min_words).to_list()]
    assert [len(row) for row in anchors] == [len(row) for row in expected]
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert bool(anchors[i] & anchors[j]) == bool(expected[i] & expected[j])

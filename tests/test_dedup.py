"""Signatures, candidates, verification and clusters of near-duplicate paragraphs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.candidates import (
    anchor_hashes,
    bucket_pairs,
    candidate_probability,
    choose_bands,
)
from cleaner.canonical import assign_canonical
from cleaner.clusters import (
    MatchRule,
    ShingleSets,
    exact_groups,
    star_clusters,
    verify_pairs,
)
from cleaner.normalize import (
    SENTENCE_MARKS,
    WORD,
    normalize_expr,
    normalize_series,
    normalize_text,
    tokens,
    tokens_expr,
    words,
)
from cleaner.signatures import (
    SignatureParams,
    hash_tokens,
    minhash_signatures,
    permutations,
    shingle_hash,
    shingle_hashes,
    shingles_of,
    to_lean_minhash,
)

BASE = (
    "The regional utility said fallen trees had brought down power lines in more than three hundred "
    "places and that some rural customers could be without electricity until Saturday evening."
)
PARAGRAPHS = [
    BASE,
    "LANGFORD (Wire) - " + BASE.replace("three hundred", "300"),
    "Schools were closed on Thursday and the transit authority suspended buses on four routes.",
    "東京都庁は新しい計画を発表しました。市民の生活を改善するための取り組みです。",
    "Too short to compare",
    "",
]


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


ALPHABET = st.characters(blacklist_categories=("Cs", "Cn", "Co"))


LATIN_AND_COMPATIBILITY = st.sampled_from(
    list("aZé üÆ\u00a0\u00aa\u00b2\u00bd\u00b5\u00b4\u00a8\u00b8'’“—\t x\u0301\ufb01\uff21\u2003İẞΣς")
    # beyond Latin-1: inert letters and punctuation next to what composes with them or changes alone
    + list("ąę\u0328ΆΐΰЙй\u0306\u0387…„€\u2126\u212a\u212b\u017f\u1e9b\uf900中\uac00\u11a8\u1100\u1161\u0b47\u0b3e🙂\u200b")
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LATIN_AND_COMPATIBILITY, max_size=20).map("".join), max_size=8))
def test_nfkc_is_skipped_only_where_it_changes_nothing(texts: list[str]) -> None:
    assert normalize_series(pl.Series(texts, dtype=pl.String)).to_list() == [normalize_text(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_python_and_polars_normalisers_agree(text: str) -> None:
    frame = pl.DataFrame({"t": [text]})
    normalized = frame.select(normalize_expr(pl.col("t")))["t"][0]
    assert normalized == normalize_text(text)
    assert frame.select(pl.lit(normalized).str.extract_all(WORD))["literal"][0].to_list() == words(normalized)
    assert frame.select(tokens_expr(pl.lit(normalized)))["literal"][0].to_list() == tokens(normalized)


ASCII_HEAVY = st.one_of(st.text(alphabet="ab .,;!?\t\n  Z9-", max_size=40), st.text(alphabet=ALPHABET, max_size=40))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), ASCII_HEAVY), max_size=12))
def test_normalize_series_skips_only_work_that_changes_nothing(texts: list[str | None]) -> None:
    expected = [None if text is None else normalize_text(text) for text in texts]
    assert normalize_series(pl.Series(texts, dtype=pl.String)).to_list() == expected
    collapsed = [None if text is None else " ".join(text.split()) for text in texts]
    told = normalize_series(pl.Series(collapsed, dtype=pl.String), collapsed=pl.Series([True] * len(texts)))
    assert told.to_list() == [None if text is None else normalize_text(text) for text in collapsed]


SENTENCE_WORDS = st.lists(st.sampled_from(["red", "fox", "ran", "far", "away", "now"]), min_size=0, max_size=9)


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


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9])
def test_banding_keeps_recall_at_the_threshold(threshold: float) -> None:
    bands, rows = choose_bands(threshold, 128)
    assert bands * rows <= 128
    assert candidate_probability(threshold, bands, rows) >= 0.95
    grid = np.linspace(threshold, 1.0, 50)
    assert np.mean([candidate_probability(j, bands, rows) for j in grid]) >= 0.99


def test_buckets_hold_every_pair_of_equal_keys_and_only_near_collisions_besides() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64)
    keys[:300] = keys[1000:1300]  # 300 true pairs
    keys[2000] = (keys[5] & np.uint64(0xFFFFFFFF00000000)) | np.uint64(1)  # same upper half as key 5, different key
    rids = np.arange(len(keys), dtype=np.uint64)
    codes = bucket_pairs(rids, keys, max_bucket=100)
    found = {(int(c >> np.uint64(32)), int(c & np.uint64(0xFFFFFFFF))) for c in codes}
    exact = {(i, j) for i in range(len(keys)) for j in np.flatnonzero(keys == keys[i]) if i < j}
    assert exact <= found
    assert all(keys[a] >> np.uint64(32) == keys[b] >> np.uint64(32) for a, b in found)
    assert (5, 2000) in found  # a collision of upper halves is only an extra candidate


def test_giant_buckets_become_stars() -> None:
    rids = np.arange(12, dtype=np.uint64)
    keys = np.array([7] * 10 + [3, 3], dtype=np.uint64) << np.uint64(40)
    assert len(np.unique(bucket_pairs(rids, keys, max_bucket=100))) == 45 + 1
    star = np.unique(bucket_pairs(rids, keys, max_bucket=5))
    assert len(star) == 9 + 1
    assert {int(code >> np.uint64(32)) for code in star} == {0, 10}


def _shingles(rows: dict[int, list[int]]) -> ShingleSets:
    return ShingleSets.from_lists(pl.Series([rows[r] for r in sorted(rows)], dtype=pl.List(pl.UInt64)))


@given(
    st.lists(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=4), min_size=1, max_size=5), min_size=1, max_size=5),
    st.data(),
)
def test_shingle_sets_gather_across_chunks_in_order(chunks: list[list[list[int]]], data: st.DataObject) -> None:
    lists = pl.concat([pl.Series("s", chunk, dtype=pl.List(pl.UInt64)) for chunk in chunks], rechunk=False)
    rows = np.array(data.draw(st.lists(st.integers(0, len(lists) - 1), max_size=8)), dtype=np.int64)
    rids = np.array(data.draw(st.lists(st.integers(0, max(len(rows) - 1, 0)), max_size=10 if len(rows) else 0)), dtype=np.int64)
    sets = ShingleSets.for_rows(lists, rows)
    assert sets.gather(rids).to_list() == lists.gather(rows[rids]).to_list()


def test_verification_scores_and_kinds() -> None:
    shingles = _shingles({0: list(range(20)), 1: list(range(2, 22)), 2: list(range(10)), 3: list(range(100, 120)), 4: [1, 2, 3]})
    pairs = pl.DataFrame({"a": [0, 0, 0, 0], "b": [1, 2, 3, 4]}, schema={"a": pl.UInt32, "b": pl.UInt32})
    edges = verify_pairs(pairs, shingles, MatchRule(jaccard_threshold=0.5, containment_threshold=0.8, min_contained_words=8))
    got = {row["b"]: (round(row["jaccard"], 3), row["containment"], row["match"]) for row in edges.iter_rows(named=True)}
    assert got[1] == (round(18 / 22, 3), 0.9, "near")
    assert got[2] == (0.5, 1.0, "near")
    assert got[3] == (0.0, 0.0, None)
    assert got[4] == (0.15, 1.0, None)  # contained, but too short to count


def test_clusters_do_not_chain() -> None:
    rule = MatchRule(jaccard_threshold=0.5)
    shingles = _shingles({0: list(range(0, 20)), 1: list(range(6, 26)), 2: list(range(12, 32))})
    pairs = pl.DataFrame({"a": [0, 1], "b": [1, 2]}, schema={"a": pl.UInt32, "b": pl.UInt32})
    edges = verify_pairs(pairs, shingles, rule)
    assert edges["match"].to_list() == ["near", "near"]
    stars = star_clusters(np.arange(3), edges, shingles, rule)
    assert dict(zip(stars["rid"], stars["centre"])) == {0: 0, 1: 0, 2: 2}


def test_exact_groups_and_assignment_work_on_rows_not_keys() -> None:
    paragraphs = pl.DataFrame(
        {"para_id": ["p0", "p1", "p2", "p3"], "doc_id": ["d0", "d0", "d1", "d2"], "norm_key": ["k" * 32, "j" * 32, "k" * 32, "k" * 32]}
    )
    members = exact_groups(paragraphs["norm_key"], np.array([3, 0, 1, 2], dtype=np.uint32))
    assert members["canonical"].to_list() == [2, 1, 2, 2]  # the best-ranked copy of each text
    assert members["match"].to_list() == ["exact", "canonical", "canonical", "exact"]
    assignment = assign_canonical(paragraphs, members)
    assert assignment["cluster_id"].to_list() == ["c" + "k" * 24, "c" + "j" * 24, "c" + "k" * 24, "c" + "k" * 24]
    assert assignment["is_canonical"].to_list() == [False, True, True, False]
    assert assignment["para_id"].to_list() == paragraphs["para_id"].to_list()


def test_pipeline_reports_near_and_contained_copies() -> None:
    quote = '"Please stay away from downed lines and treat every one of them as live," said the head of operations.'
    records = [
        {"id": "wire", "date": "2026-03-05", "text": BASE + "\n\n" + quote},
        {"id": "edited", "date": "2026-03-06", "text": PARAGRAPHS[1]},
        {"id": "quoting", "date": "2026-03-06", "text": "At a briefing on Thursday evening, after a long day in which crews restored power to about half of the "
         "homes that lost it, the utility repeated its warning. " + quote + " Crews worked through the night, and more "
         "help was expected from the neighbouring provinces by Friday."},
        {"id": "other", "date": "2026-03-06", "text": PARAGRAPHS[2]},
    ]
    result = cleaner.clean(records, workers=1)
    rows = {r["doc_id"]: r for r in result.paragraphs.iter_rows(named=True)}
    assert rows["edited"]["match"] == "near" and 0.5 <= rows["edited"]["similarity"] < 1.0
    assert rows["quoting"]["match"] == "contained" and rows["quoting"]["containment"] >= 0.8
    assert rows["other"]["is_canonical"] and rows["other"]["match"] == "canonical"
    wire = result.paragraphs.filter(pl.col("doc_id") == "wire")
    assert wire["is_canonical"].to_list() == [True, True]
    assert result.clusters.filter(pl.col("size") > 1)["doc_ids"].to_list() == [["edited", "wire"], ["quoting", "wire"]]
    assert result.manifest["dedup"]["signature"]["scheme"] == "affine64"


def test_short_paragraphs_only_match_exactly() -> None:
    records = [{"id": str(i), "text": t} for i, t in enumerate(["Read more", "Read more here", "Bus routes", "Bus routes today"])]
    result = cleaner.clean(records, workers=1, strip=False)
    assert result.clusters.height == 4
    assert cleaner.clean([], workers=1).paragraphs.height == 0


def test_dedup_on_clean_frames_keeps_every_line() -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "text": ["Menu\n" + BASE, "Share this\n" + PARAGRAPHS[1]]})
    result = cleaner.dedup(frame)
    assert result.removed.height == 0
    assert result.paragraphs.height == 4
    assert result.paragraphs["match"].to_list() == ["canonical", "near", "canonical", "canonical"]


def test_incremental_index_dedups_against_earlier_runs(tmp_path):
    from click.testing import CliRunner

    from cleaner.cli import cli
    from cleaner.index import DedupIndex

    day1 = tmp_path / "day1"
    day2 = tmp_path / "day2"
    day1.mkdir()
    day2.mkdir()
    (day1 / "wire.txt").write_text(BASE + "\n\n" + PARAGRAPHS[2] + "\n", encoding="utf-8")
    (day2 / "copy.txt").write_text(PARAGRAPHS[1] + "\n\nA new paragraph that only appeared on the second day of the story.\n", encoding="utf-8")
    index = tmp_path / "index"
    runner = CliRunner()
    first = runner.invoke(cli, ["clean", str(day1), "-o", str(tmp_path / "out1"), "--index", str(index), "--no-strip", "--workers", "1"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["clean", str(day2), "-o", str(tmp_path / "out2"), "--index", str(index), "--no-strip", "--workers", "1"])
    assert second.exit_code == 0, second.output
    paragraphs = pl.read_parquet(tmp_path / "out2" / "paragraphs.parquet")
    assert paragraphs["doc_id"].unique().to_list() == ["copy.txt"]
    copy = paragraphs.row(0, named=True)
    assert copy["match"] == "near" and not copy["is_canonical"]
    clusters = pl.read_parquet(tmp_path / "out2" / "clusters.parquet")
    shared = clusters.filter(pl.col("cluster_id") == copy["cluster_id"]).row(0, named=True)
    assert shared["canonical_para_id"] == "wire.txt#p0" and shared["doc_ids"] == ["copy.txt", "wire.txt"]
    first_clusters = pl.read_parquet(tmp_path / "out1" / "clusters.parquet")
    assert copy["cluster_id"] in first_clusters["cluster_id"].to_list()
    assert DedupIndex(index).meta()["paragraphs"] == 4
    rerun = runner.invoke(cli, ["clean", str(day2), "-o", str(tmp_path / "out3"), "--index", str(index), "--no-strip", "--workers", "1"])
    assert rerun.exit_code == 0
    again = pl.read_parquet(tmp_path / "out3" / "paragraphs.parquet")
    assert again.equals(paragraphs)
    mismatch = runner.invoke(cli, ["clean", str(day2), "-o", str(tmp_path / "out4"), "--index", str(index), "--jaccard", "0.9"])
    assert mismatch.exit_code == 2 and "index" in mismatch.output

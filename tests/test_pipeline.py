"""The library end to end: tables, provenance, determinism, atomic output, golden samples."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

import cleaner
from cleaner import schemas
from cleaner.errors import OutputExistsError
from cleaner.tables.write import read_output
from tests.conftest import ARTICLE, SAMPLES, SEEDS

GOLDEN = Path(__file__).parent / "golden" / "samples.json"


def test_tables_have_their_declared_schemas(corpus: Path) -> None:
    result = cleaner.clean(corpus, workers=1)
    for name, schema in schemas.OUTPUT_TABLES.items():
        assert result.tables[name].schema == schema, name


def test_exact_duplicates_are_clustered_with_provenance(corpus: Path) -> None:
    result = cleaner.clean(corpus, workers=1, near_duplicates=False)
    assert result.documents["source"].to_list() == ["outlet-a", "outlet-b"]
    shared = result.clusters.filter(pl.col("size") == 2)
    assert shared.height == 2
    assert shared["sources"].to_list() == [["outlet-a", "outlet-b"]] * 2
    copies = result.paragraphs.filter(~pl.col("is_canonical"))
    assert copies["match"].to_list() == ["exact", "exact"]
    assert copies["similarity"].to_list() == [1.0, 1.0]
    canonical_ids = set(result.clusters["canonical_para_id"].to_list())
    assert set(result.paragraphs.filter(pl.col("is_canonical"))["para_id"].to_list()) == canonical_ids
    assert result.clusters["size"].sum() == result.paragraphs.height


def test_canonical_rule_prefers_earliest_date_then_given_sources() -> None:
    records = [
        {"id": "late", "source": "A", "date": "2026-03-02", "text": ARTICLE},
        {"id": "early", "source": "B", "date": "1 March 2026", "text": ARTICLE},
        {"id": "undated", "source": "C", "text": ARTICLE},
    ]
    result = cleaner.clean(records, workers=1)
    canon = result.paragraphs.filter(pl.col("is_canonical"))["doc_id"].unique().to_list()
    assert canon == ["early"]
    assert result.documents.filter(pl.col("doc_id") == "early")["date"].item() == "2026-03-01"
    undated = [{**r, "date": None} for r in records]
    preferred = cleaner.clean(undated, workers=1, prefer_sources=("C", "A"))
    assert preferred.paragraphs.filter(pl.col("is_canonical"))["doc_id"].unique().to_list() == ["undated"]
    dup = dict(zip(preferred.documents["doc_id"], preferred.documents["duplicate_of"]))
    assert dup == {"late": "early", "early": None, "undated": "early"}


def test_a_date_that_does_not_exist_is_no_date_for_the_canonical_rule() -> None:
    records = [
        {"id": "dated", "source": "A", "date": "2026-03-02", "text": ARTICLE},
        {"id": "impossible", "source": "B", "date": "2021-13-45", "text": ARTICLE},
    ]
    result = cleaner.clean(records, workers=1)
    assert result.paragraphs.filter(pl.col("is_canonical"))["doc_id"].unique().to_list() == ["dated"]
    assert result.documents.filter(pl.col("doc_id") == "impossible")["date"].item() == "2021-13-45"  # kept as written


def test_clean_frame_uses_named_columns() -> None:
    frame = pl.DataFrame({"key": ["a", "b"], "body": [ARTICLE, ARTICLE.replace("Millbrook", "Eastbrook")], "outlet": ["x", "y"]})
    result = cleaner.clean_frame(frame, text_col="body", id_col="key", source_col="outlet", workers=1)
    assert result.documents["doc_id"].to_list() == ["a", "b"]
    assert result.documents["source"].to_list() == ["x", "y"]
    assert result.documents["n_paragraphs"].to_list() == [3, 3]


def test_every_text_line_is_accounted_for(corpus: Path) -> None:
    result = cleaner.clean(corpus, workers=1)
    for doc in result.documents.iter_rows(named=True):
        n_lines = len(Path(doc["path"]).read_text(encoding="utf-8").removesuffix("\n").split("\n"))
        paragraphs = result.paragraphs.filter(pl.col("doc_id") == doc["doc_id"])
        covered = [n for s, e in zip(paragraphs["line_start"], paragraphs["line_end"]) for n in range(s, e + 1)]
        removed = result.removed.filter(pl.col("doc_id") == doc["doc_id"])["line"].to_list()
        assert sorted(covered + removed) == list(range(1, n_lines + 1))


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds not present")
def test_seeds_end_to_end() -> None:
    result = cleaner.clean(SEEDS, workers=1)
    assert result.documents.height == 5
    assert result.documents["source"].n_unique() == 5
    labels = [json.loads(line) for line in (SEEDS / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    for doc in result.documents.iter_rows(named=True):
        lines = Path(doc["path"]).read_text(encoding="utf-8").split("\n")
        paragraphs = result.paragraphs.filter(pl.col("doc_id") == doc["doc_id"])
        kept_lines = set()
        for paragraph in paragraphs.iter_rows(named=True):
            span = range(paragraph["line_start"], paragraph["line_end"] + 1)
            kept_lines.update(span)
            words = paragraph["text"].split()
            source_text = " ".join(" ".join(lines[n - 1] for n in span).split())
            assert words[-1].rstrip(".") in source_text and words[0] in source_text
        content = {r["line"] for r in labels if r["file"] == doc["doc_id"] and r["label"] == "content"}
        assert content <= kept_lines
    assert result.documents["title"].null_count() <= 2


def test_same_tables_whatever_the_worker_count_and_file_order(tmp_path: Path) -> None:
    one = cleaner.clean(SAMPLES, workers=1, batch_size=2)
    two = cleaner.clean(SAMPLES, workers=2, batch_size=2)
    for name in schemas.OUTPUT_TABLES:
        assert one.tables[name].equals(two.tables[name]), name
    one.write(tmp_path / "a")
    two.write(tmp_path / "b")
    for name in schemas.OUTPUT_TABLES:
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (tmp_path / "b" / f"{name}.parquet").read_bytes()


def test_batches_on_threads_then_in_processes_give_the_same_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without stripping, text-only batches run on threads (the first ``THREADED_BATCHES``)
    and the others, HTML included, in worker processes."""
    from cleaner.engines import local

    one = cleaner.clean(SAMPLES, workers=1, batch_size=2, strip=False)
    for threaded in (1000, 2):
        monkeypatch.setattr(local, "THREADED_BATCHES", threaded)
        two = cleaner.clean(SAMPLES, workers=2, batch_size=2, strip=False)
        for name in schemas.OUTPUT_TABLES:
            assert one.tables[name].equals(two.tables[name]), (threaded, name)


def test_write_refuses_existing_output_and_replaces_atomically(tmp_path: Path, corpus: Path) -> None:
    result = cleaner.clean(corpus, workers=1)
    out = tmp_path / "out"
    result.write(out)
    with pytest.raises(OutputExistsError):
        result.write(out)
    result.write(out, overwrite=True, output_format="jsonl")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", *(f"{name}.jsonl" for name in schemas.OUTPUT_TABLES)]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news", "out"]
    tables = read_output(out)
    assert tables["paragraphs"].equals(result.paragraphs)
    assert tables["clusters"].equals(result.clusters)


def test_a_failing_write_leaves_the_previous_output(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cleaner.clean(corpus, workers=1)
    out = tmp_path / "out"
    result.write(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", explode)
    with pytest.raises(OSError, match="disk full"):
        result.write(out, overwrite=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news", "out"]
    with pytest.raises(OSError):
        result.write(tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def _golden_view(result: cleaner.CleanResult) -> dict:
    return {
        "documents": [
            {k: row[k] for k in ("doc_id", "source", "title", "author", "date", "n_paragraphs", "duplicate_of")}
            for row in result.documents.iter_rows(named=True)
        ],
        "shared_clusters": sorted(
            [row["canonical_para_id"], row["size"], row["sources"]]
            for row in result.clusters.filter(pl.col("size") > 1).iter_rows(named=True)
        ),
        "errors": [[Path(r["path"]).name, r["record"], r["action"]] for r in result.errors.iter_rows(named=True)],
        "removed_by_reason": result.manifest["counts"]["removed_by_reason"],
    }


def test_samples_golden() -> None:
    """The sample corpus's results; regenerate with CLEANER_UPDATE_GOLDEN=1 after a deliberate change."""
    view = _golden_view(cleaner.clean(SAMPLES, workers=1))
    if os.environ.get("CLEANER_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(view, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert view == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_samples_show_every_feature() -> None:
    result = cleaner.clean(SAMPLES, workers=1)
    reasons = set(result.removed["reason"].to_list())
    assert {"nav", "related", "social", "widget", "comments", "caption", "video", "footer", "title", "byline", "ad", "subscribe"} <= reasons
    paths = pl.col("path")
    pages = result.documents.filter(paths.str.ends_with(".html") | paths.str.ends_with(".html.gz"))
    assert pages["extractor"].to_list() == ["trafilatura", "trafilatura"]  # closer to their third reading
    items = result.documents.filter(paths.str.ends_with(".rss"))
    assert items["extractor"].to_list() == ["readability", "readability"]  # an RSS item's HTML has no clutter to choose by
    feed_footer = result.removed.filter((pl.col("doc_id") == "harbor-gazette-ferries-0305") & (pl.col("reason") == "footer"))
    assert feed_footer["text"].str.starts_with("The post Storm cancels ferries").to_list() == [True]  # "... appeared first on Harbor Gazette."
    assert result.clusters.filter(pl.col("size") > 1)["sources"].list.len().max() >= 3
    assert set(result.errors["action"].to_list()) == {"renamed", "skipped"}
    bodies = " ".join(result.documents["text"].to_list())
    assert "Metro Wire2" not in bodies and "/ Morning Brief/" not in bodies


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DOC_LINE = st.one_of(
    st.just(""),
    st.sampled_from(["Menu", "Share this", "By A. Writer", "Related stories", "© 2026 Paper", "Advertisement"]),
    st.builds(lambda n: " ".join(["the council said that the plan was good for the town"] * n) + ".", st.integers(1, 3)),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), max_size=60),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.lists(DOC_LINE, max_size=15).map("\n".join), st.none()), max_size=6))
def test_documents_and_lines_are_all_accounted_for(texts: list[str | None]) -> None:
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(texts)]
    result = cleaner.clean(records, workers=1, allow_empty=True)
    skipped = result.errors.filter(pl.col("action") == "skipped")
    assert result.documents.height + skipped.height == len(records)
    for doc_id, text in ((f"d{i}", t) for i, t in enumerate(texts)):
        if doc_id not in result.documents["doc_id"].to_list():
            assert text is None or not text.strip()
            continue
        lines = len(__import__("re").split(r"\r\n|\r|\n", text))
        lines -= lines > 1 and __import__("re").search(r"(\r\n|\r|\n)$", text) is not None  # no line after a final break
        paragraphs = result.paragraphs.filter(pl.col("doc_id") == doc_id)
        covered = [n for s, e in zip(paragraphs["line_start"], paragraphs["line_end"]) for n in range(s, e + 1)]
        removed = result.removed.filter(pl.col("doc_id") == doc_id)["line"].to_list()
        assert sorted(covered + removed) == list(range(1, lines + 1))


def test_many_small_batches_give_the_tables_of_one_big_batch() -> None:
    """More than 64 batches: outputs are merged into chunks as they arrive, and columns added
    later are cut to those chunks; none of it may change a table."""
    stories = [ARTICLE.replace("Millbrook", f"Town{i % 7}").replace("fifty", str(i)) for i in range(150)]
    records = [{"id": f"d{i:03d}", "source": f"s{i % 5}", "text": text} for i, text in enumerate(stories)]
    one = cleaner.clean(records, workers=1, batch_size=1024)
    many = cleaner.clean(records, workers=1, batch_size=1)
    assert one.clusters.filter(pl.col("size") > 1).height > 0
    for name in schemas.OUTPUT_TABLES:
        assert getattr(many, name).equals(getattr(one, name)), name


def test_chunked_like_follows_the_frame_chunks() -> None:
    frame = pl.concat([pl.DataFrame({"x": [1, 2, 3]}), pl.DataFrame({"x": [4]}), pl.DataFrame({"x": [5, 6]})], rechunk=False)
    column = schemas.chunked_like(pl.Series("y", [10, 20, 30, 40, 50, 60]), frame)
    assert column.chunk_lengths() == [3, 1, 2] and column.to_list() == [10, 20, 30, 40, 50, 60]
    assert frame.with_columns(column).n_chunks("all") == [3, 3]


def test_public_names_are_listed_once_and_load_on_first_use() -> None:
    import subprocess
    import sys

    import cleaner

    assert dir(cleaner) == sorted(cleaner.__all__) and len(set(cleaner.__all__)) == len(cleaner.__all__)
    assert all(callable(getattr(cleaner, name)) for name in cleaner.__all__ if name != "__version__")
    probe = "import sys, cleaner.batch; print('cleaner.pipeline' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (None, "not NoneType"),
        (3, "not int"),
        (b"folder", "not bytes"),
        ({"text": "one record"}, "pass a list of records"),
        ([1, 2], r"inputs\[0\] is of type int"),
        (["a.txt", {"text": "x"}], r"inputs\[1\] is of type dict, where inputs\[0\] is a path"),
        ([{"text": "x"}, "a.txt"], r"inputs\[1\] is of type str, where inputs\[0\] is a record"),
    ],
)
def test_inputs_of_a_kind_nothing_reads_are_refused_with_what_is_accepted(inputs: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        cleaner.clean(inputs, workers=1)


def test_a_preferred_source_no_document_has_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    records = [{"id": "a", "text": ARTICLE, "source": "harbor-gazette"}]
    with caplog.at_level("WARNING", logger="cleaner"):
        cleaner.clean(records, workers=1, prefer_sources=("harbour-gazette", "harbor-gazette"))
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warnings == ["--prefer 'harbour-gazette': no document of this run has that source (sources: harbor-gazette)"]

"""Every input format, the identity and source rules, and bad files among good ones."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import CleanConfig, clean
from cleaner.decode import decode_bytes
from cleaner.discover import ErrorRow
from cleaner.read import (
    FILES_TO_READ,
    READ_ROWS,
    count_newlines,
    csv_delimiter,
    host_of,
    iter_raw_documents,
    read_file_rows,
)
from tests.conftest import ARTICLE, write_gz, write_jsonl


def read_all(*inputs, config: CleanConfig | None = None) -> tuple[list[dict], list[ErrorRow]]:
    errors: list[ErrorRow] = []
    docs = list(iter_raw_documents(list(inputs), config or CleanConfig(), errors))
    return docs, errors


def test_text_formats_and_gzip(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha text", encoding="utf-8")
    (tmp_path / "b.text").write_text("beta text", encoding="utf-8")
    (tmp_path / "c.md").write_text("gamma text", encoding="utf-8")
    write_gz(tmp_path / "d.txt.gz", b"delta text")
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [d["doc_id"] for d in docs] == ["a.txt", "b.text", "c.md", "d.txt.gz"]
    assert [d["body"] for d in docs] == ["alpha text", "beta text", "gamma text", "delta text"]
    assert {d["content_type"] for d in docs} == {"text"}


def test_html_formats(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    write_gz(tmp_path / "q.htm.gz", "<html><body><p>caf\u00e9</p></body></html>".encode("utf-8"))
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [(d["doc_id"], d["content_type"]) for d in docs] == [("p.html", "html"), ("q.htm.gz", "html")]
    assert "caf\u00e9" in docs[1]["body"]


def test_a_page_saved_as_text_is_read_as_html(tmp_path: Path) -> None:
    greek = "\u0397 \u03b2\u03bf\u03c5\u03bb\u03ae \u03c3\u03c5\u03bd\u03b5\u03b4\u03c1\u03af\u03b1\u03c3\u03b5"
    page = f"<!-- saved -->\n<!DOCTYPE html><html><head><meta charset=iso-8859-7><title>T</title></head><body><p>{greek}</p></body></html>"
    (tmp_path / "page.txt").write_bytes(page.encode("iso-8859-7"))
    (tmp_path / "about.txt").write_text("<p> opens a paragraph in HTML; <html> holds the page.", encoding="utf-8")
    write_jsonl(tmp_path / "r.jsonl", [
        {"id": "r", "text": "<html lang=en><body><p>two</p></body></html>"},
        {"id": "read-with-its-mark", "text": "\ufeff<!DOCTYPE html><html><body><p>three</p></body></html>"},
    ])
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [(d["doc_id"], d["content_type"]) for d in docs] == [
        ("about.txt", "text"), ("page.txt", "html"), ("r", "html"), ("read-with-its-mark", "html"),
    ]
    assert greek in docs[1]["body"]  # the page's own charset, not a guess


def test_record_formats(tmp_path: Path) -> None:
    records = [{"text": "one"}, {"html": "<p>two</p>", "id": "custom"}]
    write_jsonl(tmp_path / "r.jsonl", records)
    write_jsonl(tmp_path / "s.ndjson", records[:1])
    (tmp_path / "t.json").write_text(json.dumps(records), encoding="utf-8")
    write_gz(tmp_path / "u.jsonl.gz", b'{"text": "zipped"}\n')
    pl.DataFrame({"text": ["p1", "p2"], "source": ["S", None]}).write_parquet(tmp_path / "v.parquet")
    (tmp_path / "w.csv").write_text('text,url\n"c,1",https://www.example.org/x\n', encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [e.action for e in errors] == ["renamed"]
    ids = [d["doc_id"] for d in docs]
    assert ids == ["r.jsonl:1", "custom", "s.ndjson:1", "t.json:1", "custom#2", "u.jsonl.gz:1", "v.parquet:1", "v.parquet:2", "w.csv:1"]
    by_id = {d["doc_id"]: d for d in docs}
    assert by_id["custom"]["content_type"] == "html"
    assert by_id["v.parquet:1"]["source"] == "S"
    assert by_id["w.csv:1"]["body"] == "c,1"
    assert by_id["w.csv:1"]["source"] == "example.org"


def test_duplicate_ids_are_renamed_and_reported(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "one"}, {"id": "x", "text": "two"}])
    docs, errors = read_all(tmp_path)
    assert [d["doc_id"] for d in docs] == ["x", "x#2"]
    assert [(e.action, e.record, "x#2" in e.error) for e in errors] == [("renamed", 2, True)]  # the renamed one's record


def test_identity_rules(tmp_path: Path) -> None:
    root = tmp_path / "news"
    (root / "outlet-a" / "2026").mkdir(parents=True)
    (root / "outlet-a" / "2026" / "x.txt").write_text("text", encoding="utf-8")
    (root / "flat.txt").write_text("text", encoding="utf-8")
    write_jsonl(root / "feed.jsonl", [{"text": "t", "url": "https://www.paper.example/a"}, {"text": "t", "source": "Wire"}, {"text": "t"}])
    docs, _ = read_all(root)
    got = {d["doc_id"]: d["source"] for d in docs}
    assert got == {
        "feed.jsonl:1": "paper.example",
        "feed.jsonl:2": "Wire",
        "feed.jsonl:3": "feed",
        "flat.txt": "flat",
        "outlet-a/2026/x.txt": "outlet-a",
    }
    single, _ = read_all(root / "outlet-a" / "2026" / "x.txt")
    assert single[0]["doc_id"] == "x.txt"
    assert single[0]["source"] == "x"


def test_field_mapping(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "f.jsonl", [{"guid": "g1", "body": "mapped text", "link": "https://site.example/p", "headline": "H"}])
    config = CleanConfig().with_options(text_field="body", id_field="guid", url_field="link", title_field="headline")
    docs, errors = read_all(tmp_path / "f.jsonl", config=config)
    assert errors == []
    assert docs[0]["doc_id"] == "g1" and docs[0]["source"] == "site.example" and docs[0]["title"] == "H"


def test_fields_that_are_not_plain_text(tmp_path: Path) -> None:
    records = [
        {"id": "paragraphs", "text": ["First paragraph.", None, "Second paragraph."], "author": ["Ann Lee", "Bo Park"]},
        {"id": "person", "text": "Body.", "author": {"@type": "Person", "name": "Cy Dunn"}, "source": {"feed": 7}},
        {"id": "object", "text": {"nested": "not a body"}},
        {"id": "objects", "text": [{"p": "one"}]},
        {"id": {"$oid": "5f1d"}, "text": "Body two.", "date": ["2024-03-01"]},
    ]
    write_jsonl(tmp_path / "odd.jsonl", records)
    docs, errors = read_all(tmp_path / "odd.jsonl")
    by_id = {doc["doc_id"]: doc for doc in docs}
    assert by_id["paragraphs"]["body"] == "First paragraph.\n\nSecond paragraph."
    assert by_id["paragraphs"]["author"] == "Ann Lee; Bo Park"
    assert by_id["person"]["author"] == "Cy Dunn" and by_id["person"]["source"] == '{"feed":7}'
    assert by_id['{"$oid":"5f1d"}']["date"] == "2024-03-01"
    assert [(e.record, e.error) for e in errors] == [
        (3, "field 'text' holds an object, not text"),
        (4, "field 'text' holds a list of objects, not text"),
    ]


def test_a_date_given_as_a_number_is_unix_time_in_seconds_or_milliseconds(tmp_path: Path) -> None:
    dates = [1700000000, 1700000000123, 42, "2024-03-01", "last Tuesday"]
    write_jsonl(tmp_path / "dates.jsonl", [{"id": str(n), "text": "Body.", "date": date} for n, date in enumerate(dates)])
    docs, _ = read_all(tmp_path / "dates.jsonl")
    assert [doc["date"] for doc in docs] == ["2023-11-14T22:13:20Z", "2023-11-14T22:13:20Z", "42", "2024-03-01", "last Tuesday"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b'{"text": "from stdin"}\nnot json\n{"text": "second"}\n'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    docs, errors = read_all("-")
    assert [d["doc_id"] for d in docs] == ["<stdin>:1", "<stdin>:3"]
    assert [(e.path, e.record) for e in errors] == [("-", 2)]


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz", ".zst"])
def test_compressed_standard_input_is_known_by_how_it_starts(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    data = compress(b'{"text": "from a pipe"}\n{"text": "second"}\n', suffix)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    docs, errors = read_all("-")
    assert errors == []
    assert [d["body"] for d in docs] == ["from a pipe", "second"]


def test_bad_files_among_good_ones(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "broken.txt.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    write_jsonl(tmp_path / "mixed.jsonl", [{"text": "ok"}, {"title": "no text"}])
    with open(tmp_path / "mixed.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    docs, errors = read_all(tmp_path, tmp_path / "missing.txt")
    assert [d["doc_id"] for d in docs] == ["good.txt", "mixed.jsonl:1"]
    reported = {(Path(e.path).name, e.record, e.action) for e in errors}
    assert reported == {
        ("binary.txt", None, "skipped"),
        ("broken.txt.gz", None, "skipped"),
        ("empty.txt", None, "skipped"),
        ("image.png", None, "ignored"),
        ("mixed.jsonl", 2, "skipped"),
        ("mixed.jsonl", 3, "skipped"),
        ("missing.txt", None, "skipped"),
    }
    messages = {Path(e.path).name: e.error for e in errors}
    assert "gzip" in messages["broken.txt.gz"]
    assert "binary" in messages["binary.txt"]


def test_folder_documentation_and_annotation_files_are_not_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("article", encoding="utf-8")
    (tmp_path / "README.md").write_text("# about this folder", encoding="utf-8")
    write_jsonl(tmp_path / "labels.jsonl", [{"file": "a.txt", "line": 1, "text": "article"}])
    docs, errors = read_all(tmp_path)
    assert [d["doc_id"] for d in docs] == ["a.txt"]
    assert sorted((Path(e.path).name, e.action) for e in errors) == [("README.md", "ignored"), ("labels.jsonl", "ignored")]
    named, named_errors = read_all(tmp_path / "README.md")
    assert [d["doc_id"] for d in named] == ["README.md"] and named_errors == []


def test_decoding() -> None:
    assert decode_bytes("caf\u00e9".encode("cp1252") + b" au lait, cr\xe8me br\xfbl\xe9e et g\xe2teau")[0].startswith("caf\u00e9")
    assert decode_bytes("\ufeffbom".encode("utf-8"))[0] == "bom"
    html = b'<meta charset="iso-8859-1"><p>caf\xe9</p>'
    assert "caf\u00e9" in decode_bytes(html, html=True)[0]


def test_host_of() -> None:
    assert host_of("https://www.example.com/a?b") == "example.com"
    assert host_of("not a url") is None
    assert host_of(None) is None


def test_in_memory_records_and_frames() -> None:
    result = clean([{"text": ARTICLE, "source": "S"}, {"id": "k", "text": ARTICLE}, {"nothing": 1}])
    assert result.documents["doc_id"].to_list() == ["1", "k"]
    assert result.errors.filter(pl.col("action") == "skipped")["record"].to_list() == [3]


def test_warc_html_responses_become_documents(tmp_path: Path) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(tmp_path / "crawl.warc.gz", "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        page = f"<html><head><title>Library opens</title></head><body><article><p>{ARTICLE.splitlines()[8]}</p></article></body></html>"
        for url, body, ctype in (
            ("https://www.paper.example/library", page.encode("utf-8"), "text/html; charset=utf-8"),
            ("https://www.paper.example/logo.png", b"\x89PNG", "image/png"),
            ("https://www.paper.example/untyped", b"<!-- cached -->\n<!DOCTYPE html>" + page.encode("utf-8"), ""),
            ("https://www.paper.example/untyped.bin", b"\x00\x01 no page", ""),
        ):
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)] if ctype else [], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
            writer.write_record(record)
        for status, url in (("301 Moved Permanently", "https://www.paper.example/old"), ("404 Not Found", "https://www.paper.example/gone")):
            headers = StatusAndHeaders(status, [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(b"<html>moved</html>"), http_headers=headers))
    with open(tmp_path / "crawl.warc.wet.gz", "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        text = ARTICLE.encode("utf-8")
        writer.write_record(writer.create_warc_record("https://news.example/story", "conversion", payload=BytesIO(text), warc_content_type="text/plain"))
    docs, errors = read_all(tmp_path)
    kinds = [(d["source"], d["content_type"], d["doc_id"].startswith("<urn:uuid:")) for d in docs]
    assert kinds == [("paper.example", "html", True), ("paper.example", "html", True), ("news.example", "text", True)]
    assert docs[0]["url"] == "https://www.paper.example/library" and docs[0]["date"] is None  # a capture time is no publication date
    assert docs[1]["url"] == "https://www.paper.example/untyped"  # no Content-Type: a page by its first bytes, as browsers sniff
    ignored = [(e.record, e.error.split(" response")[0]) for e in errors if e.action == "ignored" and e.record is not None]
    assert ignored == [(5, "HTTP 301"), (6, "HTTP 404")]
    assert [e.error.split(" archive")[0] for e in errors if e.record is None] == ["2"]  # the image and the untyped bytes
    result = clean(tmp_path, workers=1)
    assert result.documents["n_paragraphs"].to_list()[:2] == [1, 1] and result.documents.height == 3


def test_pandas_arrow_and_lazy_frames_are_read_like_polars_frames() -> None:
    import pandas as pd
    import pyarrow as pa

    records = {"id": ["a", "b"], "text": [ARTICLE, ARTICLE.replace("Millbrook", "Greywater")]}
    expected = clean(pl.DataFrame(records), workers=1).paragraphs
    for table in (pd.DataFrame(records), pa.table(records), pl.DataFrame(records).lazy()):
        assert clean(table, workers=1).paragraphs.equals(expected), type(table)


def test_records_without_the_text_field_show_their_fields_and_the_option_to_try(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cleaner.cli import cli

    records = [{"guid": f"g{i}", "body": ARTICLE.replace("Millbrook", f"Town{i}"), "outlet": "Wire"} for i in range(2)]
    write_jsonl(tmp_path / "feed.jsonl", records)
    refused = CliRunner().invoke(cli, ["clean", str(tmp_path / "feed.jsonl"), "-o", str(tmp_path / "out")])
    assert refused.exit_code == 1 and "records have guid, body, outlet: try --text-field body" in refused.output
    read = CliRunner().invoke(cli, ["clean", str(tmp_path / "feed.jsonl"), "-o", str(tmp_path / "out"), "--text-field", "text,body", "--id-field", "guid"])
    assert read.exit_code == 0, read.output
    nested = clean([{"id": "n", "doc": {"content": ARTICLE}}], workers=1, text_field="doc.content")
    assert nested.documents["doc_id"].to_list() == ["n"] and "Millbrook" in nested.documents["text"][0]


def compress(data: bytes, suffix: str) -> bytes:
    """``data`` as a file ending in ``suffix`` holds it (pyarrow writes Zstandard frames as the zstd tool does)."""
    import bz2
    import gzip
    import lzma

    import pyarrow as pa

    if suffix == ".zst":
        sink = pa.BufferOutputStream()
        with pa.CompressedOutputStream(sink, "zstd") as out:
            out.write(data)
        return sink.getvalue().to_pybytes()
    return {"": bytes, ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}[suffix](data)


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz", ".zst"])
def test_reading_progress_moves_within_a_large_json_lines_file(tmp_path: Path, suffix: str) -> None:
    from cleaner.discover import discover
    from cleaner.read import PROGRESS_LINES, file_size

    noise = random.Random(0)  # text that no codec can shrink much, so that its file is read in many steps
    lines = "".join(
        json.dumps({"id": str(n), "text": f"Paragraph {n}: {noise.getrandbits(256):x}."}) + "\n" for n in range(3 * PROGRESS_LINES + 5)
    )
    (tmp_path / f"big.jsonl{suffix}").write_bytes(compress(lines.encode("utf-8"), suffix))
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "last", "text": "One more."}) + "\n", encoding="utf-8")
    heard: list[int] = []
    documents = list(iter_raw_documents([tmp_path], CleanConfig(), [], on_bytes=heard.append))
    assert len(documents) == 3 * PROGRESS_LINES + 6
    sizes = {item.path: file_size(item) for item in discover([tmp_path], [], False)}
    assert sum(heard) == sum(sizes.values())  # every byte once, never more
    assert all(amount > 0 for amount in heard)
    assert len(heard) >= 3  # within the large file, not only when each file ends


def test_reading_rows_number_each_files_errors_and_documents_in_reading_order(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(f"{json.dumps({'text': ARTICLE})}\n{{bad\n{json.dumps({'text': ARTICLE})}\n")
    files = pl.DataFrame(
        {
            "piece": [7], "path": [b"in/a.jsonl"], "absolute": [os.fsencode(tmp_path / "a.jsonl")],
            "relative": [b"a.jsonl"], "kind": ["records"], "compressed": [False],
            "start": [None], "end": [None], "newlines_before": [None],
        },
        schema=FILES_TO_READ,
    )
    rows = pl.concat(list(read_file_rows(files, CleanConfig())))
    assert rows.select("piece", "seq", "doc_number", "doc_id", "record", "path").rows() == [
        (7, 0, 0, "a.jsonl:1", 1, "in/a.jsonl"),
        (7, 1, None, None, 2, "in/a.jsonl"),
        (7, 2, 1, "a.jsonl:3", 3, "in/a.jsonl"),
    ]


def _rows_in_pieces(path: Path, cuts: list[int], max_chars: int = 64 << 20) -> list[tuple[object, ...]]:
    """Every document and error of ``path`` read as the parts between ``cuts`` (in frames of
    about ``max_chars`` characters), in order."""
    size = path.stat().st_size
    bounds = sorted({0, *(cut for cut in cuts if 0 < cut < size), size})
    pieces = []
    for number, (start, end) in enumerate(itertools.pairwise(bounds)):
        pieces.append({
            "piece": number, "path": b"in.jsonl", "absolute": os.fsencode(path), "relative": b"in.jsonl",
            "kind": "records", "compressed": False, "start": start, "end": end,
            "newlines_before": count_newlines(str(path), 0, start),
        })
    frames = list(read_file_rows(pl.DataFrame(pieces, schema=FILES_TO_READ), CleanConfig(max_document_bytes=200), max_chars))
    rows = pl.concat(frames) if frames else pl.DataFrame(schema=READ_ROWS)
    return rows.sort("piece", "seq").select("doc_id", "body", "record", "error").rows()


LINES = st.one_of(
    st.builds(lambda text: json.dumps({"text": text}), st.text(alphabet="ab é\n\"{", max_size=30)),
    st.sampled_from(["", "{broken", "[1]", json.dumps({"text": "x" * 300}), json.dumps({"id": "same", "text": "t"})]),
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(LINES, max_size=12), cuts=st.lists(st.integers(0, 600), max_size=5), final_newline=st.booleans())
def test_a_json_lines_file_read_in_parts_gives_what_it_gives_whole(tmp_path_factory: pytest.TempPathFactory, lines: list[str], cuts: list[int], final_newline: bool) -> None:
    path = tmp_path_factory.mktemp("parts") / "in.jsonl"
    path.write_bytes(("\n".join(lines) + ("\n" if final_newline and lines else "")).encode("utf-8"))
    assert _rows_in_pieces(path, cuts, max_chars=1) == _rows_in_pieces(path, [])  # a frame per document: places run on across frames


def test_lone_surrogates_become_replacement_characters_and_are_noted(tmp_path: Path) -> None:
    # JSON's \ud800 escape without its pair decodes to a code point UTF-8 cannot hold; a pair stays one emoji
    (tmp_path / "a.jsonl").write_bytes(
        b'{"id": "lone", "text": "half \\ud800 of a pair", "tag": "x\\udfff"}\n'
        b'{"id": "pair", "text": "a whole pair \\ud83d\\ude00"}\n'
    )
    (tmp_path / "b.json").write_bytes(b'[{"id": "in-array", "text": "array \\uDC00 text"}]')
    docs, errors = read_all(tmp_path)
    assert [(d["doc_id"], d["body"]) for d in docs] == [
        ("lone", "half \ufffd of a pair"), ("pair", "a whole pair \U0001f600"), ("in-array", "array \ufffd text"),
    ]
    assert json.loads(docs[0]["metadata"]) == {"tag": "x\ufffd"}
    assert [(Path(e.path).name, e.record, e.action) for e in errors] == [("a.jsonl", 1, "recovered"), ("b.json", 1, "recovered")]
    assert all("surrogate" in e.error for e in errors)


def test_lone_surrogates_in_a_library_callers_records_do_not_stop_the_run() -> None:
    result = clean([{"id": "a", "text": ARTICLE + " \udfff", "title": "t\ud800", "extra": {"k\ud800": 1}, "tags": ("x\udc00",)}], workers=1)
    assert result.documents.height == 1
    assert "\ufffd" in result.documents["title"][0]
    assert result.errors.select("record", "action").rows() == [(1, "recovered")]


def test_a_byte_order_mark_does_not_cost_the_first_record_or_column(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b'\xef\xbb\xbf{"id": "first", "text": "one"}\r\n{"id": "second", "text": "two"}\r\n')
    (tmp_path / "b.csv").write_bytes(b'\xef\xbb\xbfid,text\nrow-id,"three, with a comma"\n')
    (tmp_path / "c.json").write_bytes(b'\xef\xbb\xbf' + json.dumps([{"id": "in-array", "text": "four"}], indent=2).encode())
    (tmp_path / "d.json").write_bytes(b'\xef\xbb\xbf' + json.dumps({"id": "object", "text": "five"}, indent=2).encode())
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [(d["doc_id"], d["body"]) for d in docs] == [
        ("first", "one"), ("second", "two"), ("row-id", "three, with a comma"), ("in-array", "four"), ("object", "five"),
    ]


def test_a_utf16_json_lines_file_is_one_error_that_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes('{"text": "one"}\r\n{"text": "two"}\r\n'.encode("utf-16"))
    docs, errors = read_all(tmp_path)
    assert docs == []
    assert [(e.record, "UTF-16" in e.error and "iconv" in e.error) for e in errors] == [(None, True)]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_is_read_from_the_header(tmp_path: Path, delimiter: str) -> None:
    (tmp_path / "a.csv").write_text(f"id{delimiter}text\nr1{delimiter}prose, with commas, in it\n", encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [(d["doc_id"], d["body"]) for d in docs] == [("r1", "prose, with commas, in it")]


def test_csv_delimiter_guess_keeps_the_comma_when_the_header_is_unclear() -> None:
    assert csv_delimiter("id,text") == ","
    assert csv_delimiter('"a;b",text') == ","
    assert csv_delimiter('"x,y";text') == ";"
    assert csv_delimiter("id;text|more") == ","
    assert csv_delimiter("text") == ","


def test_an_archive_record_that_trips_its_parser_is_an_error_and_the_run_goes_on(tmp_path: Path) -> None:
    # a response without WARC-Target-URI: warcio fails with AttributeError on None
    (tmp_path / "a.warc").write_bytes(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<html>")
    (tmp_path / "b.txt").write_text(ARTICLE, encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [d["doc_id"] for d in docs] == ["b.txt"]
    assert [(Path(e.path).name, e.action) for e in errors] == [("a.warc", "skipped")]
    assert "corrupt web archive" in errors[0].error


def test_an_unexpected_parser_failure_loses_the_file_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner import read

    def broken(*_args: object) -> object:
        raise IndexError("a parser's own bug")

    monkeypatch.setattr(read, "_iter_table_rows", broken)
    (tmp_path / "a.csv").write_text("text\nrow\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(ARTICLE, encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [d["doc_id"] for d in docs] == ["b.txt"]
    assert [(Path(e.path).name, e.error) for e in errors] == [("a.csv", "cannot read file: IndexError: a parser's own bug")]


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zst"])
def test_every_supported_compression_is_read_as_the_file_inside(tmp_path: Path, suffix: str) -> None:
    records = "".join(json.dumps({"id": f"r{n}", "text": f"Record {n}."}) + "\n" for n in range(3)).encode("utf-8")
    (tmp_path / f"feed.jsonl{suffix}").write_bytes(compress(records, suffix))
    (tmp_path / f"page.txt{suffix}").write_bytes(compress(ARTICLE.encode("utf-8"), suffix))
    (tmp_path / f"rows.csv{suffix}").write_bytes(compress(b"id,text\ncsv-row,From a table.\n", suffix))
    docs, errors = read_all(tmp_path)
    assert errors == []
    assert [(d["doc_id"], d["source"]) for d in docs] == [
        ("r0", "feed"), ("r1", "feed"), ("r2", "feed"), (f"page.txt{suffix}", "page"), ("csv-row", "rows"),
    ]
    assert docs[3]["body"] == ARTICLE


def uncompressed_warc(records: list[tuple[str, str, bytes]]) -> bytes:
    """A web archive of ``(url, record type, payload)`` records, not compressed."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for url, kind, payload in records:
        if kind == "response":
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, kind, payload=io.BytesIO(payload), http_headers=headers))
        else:
            writer.write_record(writer.create_warc_record(url, kind, payload=io.BytesIO(payload), warc_content_type="text/plain"))
    return buffer.getvalue()


@pytest.mark.parametrize("suffix", [".bz2", ".xz", ".zst"])
def test_web_archives_compressed_whole_are_read_as_the_archive_inside(tmp_path: Path, suffix: str) -> None:
    page = f"<html><body><article><p>{ARTICLE.splitlines()[8]}</p></article></body></html>".encode()
    (tmp_path / f"crawl.warc{suffix}").write_bytes(compress(uncompressed_warc([("https://www.paper.example/a", "response", page)]), suffix))
    (tmp_path / f"crawl.warc.wet{suffix}").write_bytes(
        compress(uncompressed_warc([("https://news.example/b", "conversion", ARTICLE.encode())]), suffix)
    )
    (tmp_path / f"damaged.warc{suffix}").write_bytes(compress(uncompressed_warc([("https://x.example/c", "response", page)]), suffix)[:-20])
    docs, errors = read_all(tmp_path)
    assert sorted((d["source"], d["content_type"], d["url"]) for d in docs) == [
        ("news.example", "text", "https://news.example/b"), ("paper.example", "html", "https://www.paper.example/a"),
    ]
    assert [d["body"] for d in docs if d["content_type"] == "text"] == [ARTICLE]
    assert [(Path(e.path).name, e.error.split(" after")[0]) for e in errors] == [(f"damaged.warc{suffix}", "corrupt web archive")]


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zst"])
def test_a_damaged_compressed_file_is_an_error_naming_it_and_the_run_goes_on(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"a.jsonl{suffix}").write_bytes(b"not compressed data at all")
    (tmp_path / f"b.txt{suffix}").write_bytes(compress(ARTICLE.encode("utf-8"), suffix)[:-12])
    (tmp_path / "c.txt").write_text(ARTICLE, encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [d["doc_id"] for d in docs] == ["c.txt"]
    assert [Path(e.path).name for e in errors] == [f"a.jsonl{suffix}", f"b.txt{suffix}"]


def test_a_records_file_without_a_single_record_is_reported(tmp_path: Path) -> None:
    (tmp_path / "header-only.csv").write_text("id,text\n", encoding="utf-8")
    (tmp_path / "blank.jsonl").write_text("\n\n  \n", encoding="utf-8")
    (tmp_path / "good.jsonl").write_text('{"id": "g", "text": "one"}\n', encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [d["doc_id"] for d in docs] == ["g"]
    assert sorted((Path(e.path).name, e.record, e.error) for e in errors) == [
        ("blank.jsonl", None, "no records in the file"), ("header-only.csv", None, "no records in the file")
    ]


def test_a_csv_file_without_a_header_row_is_told_so(tmp_path: Path) -> None:
    sentence = "The council met on Monday to agree the budget for the new school year."
    (tmp_path / "rows.csv").write_text(f"{sentence}\nAnother row of the file, a sentence too.\n", encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert docs == [] and len(errors) == 1
    assert "first row of a CSV file is its header" in errors[0].error and errors[0].record == 1


def test_an_archived_response_s_charset_is_read_as_browsers_read_it(tmp_path: Path) -> None:
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    quoted = "\u201cThe library opens on Saturday\u201d \u2013 the council said, and caf\u00e9s will stay open late."
    responses = (
        ("latin1", f"<html><body><p>{quoted}</p></body></html>".encode("cp1252"), "text/html; charset=ISO-8859-1"),
        ("utf8", f"<html><body><p>{quoted}</p></body></html>".encode("utf-8"), "text/html; charset=iso-8859-1"),  # a server's default
        ("unknown", f"<html><body><p>{quoted}</p></body></html>".encode("utf-8"), "text/html; charset=x-no-such-charset"),
    )
    with open(tmp_path / "crawl.warc.gz", "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for name, body, content_type in responses:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://paper.example/{name}", "response", payload=BytesIO(body), http_headers=headers))
    docs, errors = read_all(tmp_path)
    assert errors == [] and [quoted in d["body"] for d in docs] == [True, True, True]


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Harbour Wire</title><link>https://wire.example/</link><description>News</description>
<item><title>Ferry service resumes</title><link>https://wire.example/ferry</link><guid>wire-ferry-1</guid>
<pubDate>Tue, 03 Mar 2026 08:15:00 GMT</pubDate><dc:creator>Mara Quill</dc:creator>
<description>A teaser.</description>
<content:encoded><![CDATA[<p>The island ferry sailed again on Tuesday after three days in port.</p>
<p>Engineers found no damage.</p>]]></content:encoded>
</item>
<item><title>Market notes</title><link>https://wire.example/market</link><description>Fish prices rose again.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Quay Blog</title><id>urn:quay</id><updated>2026-03-03T10:00:00Z</updated>
<entry><title>Notes from the quay</title><id>urn:quay:1</id><link href="https://quay.example/notes"/>
<published>2026-03-04T10:00:00Z</published><author><name>Ivo Penn</name></author>
<content type="text">Plain notes written on the quay.</content></entry></feed>"""


def test_rss_items_are_documents_with_their_own_identity(tmp_path: Path) -> None:
    (tmp_path / "wire.rss").write_text(RSS, encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert errors == []
    ferry, market = docs
    assert (ferry["doc_id"], ferry["url"], ferry["title"], ferry["author"]) == (
        "wire-ferry-1", "https://wire.example/ferry", "Ferry service resumes", "Mara Quill"
    )
    assert ferry["date"] == "2026-03-03T08:15:00Z" and ferry["source"] == "wire.example"  # RFC 822 in, ISO 8601 in UTC out
    assert ferry["content_type"] == "html" and "Engineers found no damage." in ferry["body"]  # the full content, not the teaser
    assert market["doc_id"] == "https://wire.example/market" and "Fish prices rose again." in market["body"]


def test_atom_entries_and_text_content(tmp_path: Path) -> None:
    write_gz(tmp_path / "quay.atom.gz", ATOM.encode())
    (doc,), errors = read_all(tmp_path)
    assert errors == []
    assert (doc["doc_id"], doc["author"], doc["content_type"]) == ("urn:quay:1", "Ivo Penn", "text")
    assert doc["body"] == "Plain notes written on the quay."
    assert doc["date"] == "2026-03-04T10:00:00Z"


def test_a_broken_feed_keeps_its_items_and_xml_that_is_no_feed_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "cut.rss").write_text(RSS[: RSS.index("<item><title>Market")] + "<item><title>Mar", encoding="utf-8")
    sitemap = '<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>'
    (tmp_path / "sitemap.xml").write_text(sitemap, encoding="utf-8")
    docs, errors = read_all(tmp_path)
    assert [doc["doc_id"] for doc in docs] == ["wire-ferry-1"]
    by_file = {(Path(error.path).name, error.record, error.action): error.error for error in errors}
    assert "malformed feed" in by_file[("cut.rss", None, "recovered")]
    assert "no content or summary" in by_file[("cut.rss", 2, "skipped")]
    assert "not an RSS or Atom feed" in by_file[("sitemap.xml", None, "skipped")]


def test_feeds_run_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "wire.rss").write_text(RSS, encoding="utf-8")
    result = clean(tmp_path / "in", workers=1)
    assert result.documents.sort("doc_id")["doc_id"].to_list() == ["https://wire.example/market", "wire-ferry-1"]
    assert any("island ferry sailed again" in text for text in result.paragraphs["text"].to_list())


def test_a_compressed_feed_cut_short_keeps_the_items_before_the_cut(tmp_path: Path) -> None:
    import gzip

    items = "".join(
        f"<item><title>Item {n}</title><guid>item-{n}</guid><description>Story {n} of the day in a few words.</description></item>"
        for n in range(400)
    )
    data = gzip.compress(RSS.replace("</channel>", items + "</channel>").encode())
    (tmp_path / "wire.rss.gz").write_bytes(data[: len(data) // 2])
    docs, errors = read_all(tmp_path)
    assert [doc["doc_id"] for doc in docs][:3] == ["wire-ferry-1", "https://wire.example/market", "item-0"] and len(docs) < 402
    assert any(error.action == "recovered" and "ends abruptly" in error.error for error in errors)


def test_a_feed_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaner.read

    monkeypatch.setattr(cleaner.read, "FEED_BYTES_LIMIT", 100)
    (tmp_path / "big.rss").write_text(RSS, encoding="utf-8")
    write_gz(tmp_path / "big2.rss.gz", RSS.encode())
    docs, errors = read_all(tmp_path)
    assert docs == [] and [("larger than 100 bytes" in error.error, error.action) for error in errors] == [(True, "skipped")] * 2

"""Read stage: turn every record of the input files into a raw document.

The files come from ``discover`` (folders walked in sorted order, ``-`` for JSON Lines on
standard input). A file that cannot be read becomes a row of the ``errors`` table naming
the file (and record), and reading goes on: one bad file never stops a run.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import IO, Any
from urllib.parse import urlsplit

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from cleaner import schemas
from cleaner.config import CleanConfig, FieldMap
from cleaner.dates import iso_date
from cleaner.decode import (
    REPLACEMENT,
    InputError,
    decode_bytes,
    decode_declared,
    open_text_stream,
    read_bytes,
    replaced_lines,
    too_large,
)
from cleaner.discover import (
    DECOMPRESSION_ERRORS,
    STDIN,
    STDIN_NAME,
    ErrorRow,
    InputFile,
    compression_suffix,
    discover,
    open_decompressed,
    position_on_disk,
    printable,
    without_compression,
)
from cleaner.record_metadata import other_fields, read_field_names

# --- records ----------------------------------------------------------------------------------


def _iter_json_lines(
    item: InputFile,
    errors: list[ErrorRow],
    limit: int,
    at_byte: Callable[[int], None] | None = None,
    span: Span | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line_number, value)`` for every JSON line; bad lines become errors naming the
    line. A line longer than ``limit`` bytes is skipped (read through, never held whole).
    ``at_byte`` hears how far into the file (on disk: compressed bytes for a compressed file) the
    reading is, every :data:`PROGRESS_LINES` lines: one JSON-lines file is often the whole input.
    ``span``: only the lines that start in that part of an uncompressed file."""
    stream = open_text_stream(item)
    line_number = 0
    try:
        lines_before = _first_line_of(stream, span) if span is not None else 0
        lines = _bounded_lines(stream, limit, end=span.end if span is not None else None)
        line_number = lines_before
        for line_number, raw in enumerate(lines, start=lines_before + 1):
            if at_byte is not None and line_number % PROGRESS_LINES == 0:
                _tell(stream, at_byte)
            if raw is None:
                errors.append(ErrorRow(item.path, line_number, f"record {too_large(limit)}"))
                continue
            if line_number == 1:
                raw = _without_byte_order_mark(raw)
            if not raw.strip():
                continue
            try:
                text = _decode_line(raw)
                value = json.loads(text)
            except (ValueError, InputError) as exc:
                errors.append(ErrorRow(item.path, line_number, f"malformed or truncated JSON: {exc}"))
                continue
            except RecursionError:
                errors.append(ErrorRow(item.path, line_number, "JSON nested too deeply to read"))
                continue
            if REPLACEMENT in text and replaced_lines(text, raw):
                errors.append(ErrorRow(item.path, line_number, "bytes that are not UTF-8 replaced by U+FFFD", "recovered"))
            if b"\\u" in raw and _SURROGATE_ESCAPE.search(raw):
                value = _checked_surrogates(value, item.path, line_number, errors)
            yield line_number, value
    except DECOMPRESSION_ERRORS as exc:
        where = f"after line {line_number}" if line_number else "before its first line"
        errors.append(ErrorRow(item.path, line_number + 1, f"input ends abruptly {where}: {exc}"))
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _without_byte_order_mark(first_line: bytes) -> bytes:
    """The first line of a JSON-lines file without the UTF-8 byte order mark Windows tools put
    first. A UTF-16 file (PowerShell 5's ``Out-File``) is refused whole, with what to do: read
    as UTF-8, every line of it would be a malformed-JSON error."""
    if first_line.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("the file is UTF-16 (its byte order mark says so); JSON lines are UTF-8: convert it (iconv -f UTF-16 -t UTF-8)")
    return first_line.removeprefix(codecs.BOM_UTF8)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATES_REPLACED = "lone UTF-16 surrogate escapes (\\ud800-\\udfff without their pair) replaced by U+FFFD"


def without_surrogates(value: Any) -> tuple[Any, bool]:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD, and
    whether there was one. JSON's ``\\ud800`` escape decodes to one, and so may a string a
    library caller passes; UTF-8 cannot encode it, so Arrow would refuse the whole batch."""
    if isinstance(value, str):
        if value.isascii() or not _LONE_SURROGATE.search(value):
            return value, False
        return _LONE_SURROGATE.sub("\ufffd", value), True
    if isinstance(value, (list, tuple)):
        items = [without_surrogates(item) for item in value]
        return ([item for item, _ in items], True) if any(changed for _, changed in items) else (value, False)
    if isinstance(value, Mapping):
        pairs = [(without_surrogates(key), without_surrogates(inner)) for key, inner in value.items()]
        if not any(key_changed or changed for (_, key_changed), (_, changed) in pairs):
            return value, False
        return {key: inner for (key, _), (inner, _) in pairs}, True
    return value, False


def _checked_surrogates(value: Any, path: str, record: int, errors: list[ErrorRow]) -> Any:
    """``value`` without lone surrogates; their replacement is noted in ``errors`` as recovered."""
    value, replaced = without_surrogates(value)
    if replaced:
        errors.append(ErrorRow(path, record, SURROGATES_REPLACED, "recovered"))
    return value


PROGRESS_LINES = 4096
"""Lines of a JSON-lines file between two reports of its reading's position."""


def _tell(stream: IO[bytes], at_byte: Callable[[int], None]) -> None:
    try:
        at_byte(position_on_disk(stream))  # a compressed stream reads its file ahead of itself
    except (OSError, ValueError):  # standard input from a pipe has no position
        pass


@dataclass(frozen=True)
class Span:
    """A part of an uncompressed JSON-lines file, read by one task: the lines that start at a
    byte in ``[start, end)``, knowing the file has ``newlines_before`` line breaks before ``start``
    (so that records keep their line numbers, and their ids)."""

    start: int
    end: int
    newlines_before: int


def _first_line_of(stream: IO[bytes], span: Span) -> int:
    """Move ``stream`` to the first line that starts in ``span``; the number of lines before it."""
    if span.start == 0:
        return 0
    stream.seek(span.start - 1)
    if stream.read(1) == b"\n":
        return span.newlines_before
    while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
        pass
    return span.newlines_before + 1


def count_newlines(path: str, start: int, end: int, chunk: int = 1 << 22) -> int:
    """Line breaks in bytes ``[start, end)`` of a file: what a :class:`Span` needs to know."""
    found = 0
    with open(path, "rb") as handle:
        handle.seek(start)
        while start < end and (data := handle.read(min(chunk, end - start))):
            found += data.count(b"\n")
            start += len(data)
    return found


def _bounded_lines(stream: IO[bytes], limit: int, end: int | None = None) -> Iterator[bytes | None]:
    """The stream's lines, each read with at most ``limit`` bytes held; a longer line is read
    through and given as ``None``. With ``end``, only lines that start before that byte."""
    while True:
        if end is not None and stream.tell() >= end:
            return
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = stream.readline(1 << 20)
        yield None


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return decode_bytes(raw)[0]


def _iter_records(
    item: InputFile, errors: list[ErrorRow], limit: int, at_byte: Callable[[int], None] | None = None, span: Span | None = None
) -> Iterator[tuple[int, Any]]:
    """Records of a JSON / JSONL file, numbered 1-based; a ``.json`` file may hold an array.
    ``span``: a part of a JSON-lines file (:func:`splittable`)."""
    if span is not None:
        yield from _iter_json_lines(item, errors, limit, span=span)
        return
    if item.path != STDIN and without_compression(item.path.lower()).endswith(".json"):
        stream = open_text_stream(item)
        try:
            head = stream.read(65_536)
        finally:
            stream.close()
        head = head.removeprefix(codecs.BOM_UTF8)  # Windows tools write one (PowerShell 5's Out-File)
        first = head.lstrip()[:1]
        if first == b"[":
            for number, value in iter_json_array(item, limit=limit):
                yield number, _checked_surrogates(value, item.path, number, errors)
            return
        if first == b"{" and b"\n" in head.strip():
            data = read_bytes(item, limit)
            try:
                yield 1, _checked_surrogates(json.loads(decode_bytes(data)[0]), item.path, 1, errors)
                return
            except ValueError:
                pass
            except RecursionError as exc:
                raise InputError("JSON nested too deeply to read") from exc
    yield from _iter_json_lines(item, errors, limit, at_byte)


def iter_json_array(item: InputFile, chunk_size: int = 1 << 20, limit: int = 1 << 62) -> Iterator[tuple[int, Any]]:
    """The elements of a top-level JSON array, decoded one at a time from a stream.

    Memory holds one element and one chunk, so a multi-gigabyte array file streams like
    JSON Lines; an element over ``limit`` characters ends the file's reading with an error.
    The file must be UTF-8 (as JSON requires).
    """
    decoder = json.JSONDecoder()
    stream = io.TextIOWrapper(open_text_stream(item), encoding="utf-8-sig", errors="replace")
    buffer = ""
    position = 0
    number = 0
    started = False
    try:
        while True:
            chunk = stream.read(chunk_size)
            buffer = buffer[position:] + chunk
            position = 0
            while True:
                while position < len(buffer) and buffer[position] in " \t\r\n,":
                    position += 1
                if not started:
                    if position < len(buffer):
                        if buffer[position] != "[":
                            raise InputError("malformed JSON array: it does not start with '['")
                        started = True
                        position += 1
                    continue
                if position < len(buffer) and buffer[position] == "]":
                    return
                if position >= len(buffer):
                    break
                try:
                    value, end = decoder.raw_decode(buffer, position)
                except ValueError as exc:
                    if chunk and len(buffer) - position <= limit:
                        break  # the element continues in the next chunk
                    if chunk:
                        raise InputError(f"element {number + 1} of the JSON array is {too_large(limit)}") from exc
                    raise InputError(f"malformed JSON array after element {number}: {exc}") from exc
                except RecursionError as exc:
                    raise InputError(f"element {number + 1} of the JSON array is nested too deeply to read") from exc
                number += 1
                position = end
                yield number, value
            if not chunk:
                raise InputError(f"JSON array ends abruptly after element {number}")
    except DECOMPRESSION_ERRORS as exc:
        raise InputError(f"input ends abruptly after element {number}: {exc}") from exc
    finally:
        stream.close()


def _iter_table_rows(item: InputFile, limit: int) -> Iterator[tuple[int, Any]]:
    """Rows of a Parquet or CSV file, streamed (row groups, or lines) so memory stays bounded.

    A quote left open would swallow every row after it into one field (7 rows of 10,
    silently): a file with an odd number of quote characters is read strictly, which makes it
    an error naming the row. Others are read leniently (a stray quote inside a field is
    common, and harmless when the quotes pair up)."""
    if item.kind == "parquet":
        try:
            source: Any = io.BytesIO(read_bytes(item, limit)) if item.compressed else item.path
            batches = pq.ParquetFile(source).iter_batches(batch_size=10_000)
            number = 0
            for batch in batches:
                for row in batch.to_pylist():
                    number += 1
                    yield number, row
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"cannot read Parquet: {exc}") from exc
        return
    csv.field_size_limit(min(limit, sys.maxsize))
    encoding, head = _sniff_encoding(item)
    delimiter = csv_delimiter(head.decode(encoding, errors="replace").removeprefix("\ufeff").partition("\n")[0])
    number = 0
    try:
        strict = not _quotes_balanced(item)
    except DECOMPRESSION_ERRORS as exc:
        raise InputError(f"cannot read file: {exc}") from exc
    stream = open_text_stream(item)
    try:
        # utf-8-sig: a byte order mark (Excel writes one) would otherwise start the first column's name
        text = io.TextIOWrapper(stream, encoding="utf-8-sig" if encoding == "utf-8" else encoding, errors="replace", newline="")
        reader = csv.DictReader(text, strict=strict, delimiter=delimiter)
        number = 0
        for number, row in enumerate(reader, start=1):
            yield number, row
    except csv.Error as exc:
        raise InputError(f"malformed CSV after row {number}: {exc}") from exc
    except DECOMPRESSION_ERRORS as exc:
        raise InputError(f"input ends abruptly after row {number}: {exc}") from exc
    finally:
        stream.close()


def _quotes_balanced(item: InputFile, chunk: int = 1 << 20) -> bool:
    """Whether the file holds an even number of ``"`` (escaped quotes come in pairs)."""
    count = 0
    with open_text_stream(item) as stream:
        while block := stream.read(chunk):
            count += block.count(b'"')
    return count % 2 == 0


def _sniff_encoding(item: InputFile, size: int = 262_144) -> tuple[str, bytes]:
    """The encoding of a file judged from its first ``size`` bytes (a cut UTF-8 sequence is
    forgiven), and those bytes."""
    stream = open_text_stream(item)
    try:
        head = stream.read(size)
    except DECOMPRESSION_ERRORS as exc:
        raise InputError(f"cannot read file: {exc}") from exc
    finally:
        stream.close()
    try:
        head.decode("utf-8")
        return "utf-8", head
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == size:
            return "utf-8", head
    return decode_bytes(head)[1], head


_OTHER_DELIMITERS = ";\t|"


def csv_delimiter(header: str) -> str:
    """The field delimiter of a CSV file, read from its header line: a comma, unless the header
    has none outside quotes and exactly one of semicolon (spreadsheets in locales with a decimal
    comma), tab or bar. Only the header is read: a text column's commas would mislead a guess
    made on the rows (``csv.Sniffer``)."""
    names = re.sub(r'"[^"]*"', "", header)
    if "," in names:
        return ","
    found = [mark for mark in _OTHER_DELIMITERS if mark in names]
    return found[0] if len(found) == 1 else ","


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _sniffed_html(payload: bytes | None) -> bool:
    """Whether a response that states no ``Content-Type`` is a page by its first bytes, as a
    browser sniffs it: the rule for a text body that is a page (:func:`is_html_document`)."""
    return payload is not None and is_html_document(payload[:4096].decode("utf-8", errors="replace"))


def _iter_warc(item: InputFile, errors: list[ErrorRow], limit: int) -> Iterator[tuple[int, Any]]:
    """Documents of a web archive as records, numbered by archive record, with the
    ``WARC-Record-ID`` as their id: each successful HTML response (WARC), or each text
    conversion (WET, Common Crawl's extracted text).

    Redirects and error responses are not documents: each is listed in ``errors`` as
    ``ignored`` with its status. Requests, metadata and other media are counted once per file.
    The capture time is not a publication date, so it does not become the document's ``date``
    (which decides the canonical copy): it is kept as ``metadata.warc_date``.

    warcio reads a ``.gz`` archive itself (a gzip member per record, as crawlers write them); an
    archive compressed whole by another codec (``.warc.zst``, ``.warc.bz2``, ``.warc.xz``) is
    decompressed here and handed to it as a plain one.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    skipped = 0
    number = 0
    try:
        whole = compression_suffix(item.path) not in (None, ".gz")
        with _EndsLoudly(open_decompressed(item.path)) if whole else open(item.path, "rb") as handle:
            for number, record in enumerate(ArchiveIterator(handle), start=1):
                headers = record.rec_headers
                payload = None
                if record.rec_type == "conversion":
                    key, payload_type = "text", ""
                else:
                    content_type = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
                    if record.rec_type == "response" and not content_type.strip():
                        payload = record.content_stream().read(limit + 1)  # no type: the body says, as browsers sniff it
                    if record.rec_type != "response" or not (content_type.lower().startswith(_HTML_TYPES) or _sniffed_html(payload)):
                        skipped += 1
                        continue
                    status = record.http_headers.get_statuscode() if record.http_headers else "200"
                    if not str(status).startswith("2"):
                        url = headers.get_header("WARC-Target-URI")
                        errors.append(ErrorRow(item.path, number, f"HTTP {status} response for {url}: a redirect or an error, not a page", "ignored"))
                        continue
                    key, payload_type = "html", content_type
                if payload is None:
                    payload = record.content_stream().read(limit + 1)
                if len(payload) > limit:
                    errors.append(ErrorRow(item.path, number, f"response {too_large(limit)}"))
                    continue
                yield number, {
                    key: _decode_payload(payload, payload_type, html=key == "html"),
                    "id": headers.get_header("WARC-Record-ID"),
                    "url": headers.get_header("WARC-Target-URI"),
                    "warc_date": headers.get_header("WARC-Date"),
                }
    except (ArchiveLoadFailed, *DECOMPRESSION_ERRORS, ValueError, LookupError, AttributeError, TypeError) as exc:
        # warcio trips over damaged headers with whatever error the missing piece gives
        # (a response without WARC-Target-URI: AttributeError on None)
        errors.append(ErrorRow(item.path, number + 1, f"corrupt web archive after record {number}: {_exception_text(exc)}"))
    if skipped:
        errors.append(
            ErrorRow(item.path, None, f"{skipped} archive record(s) are not HTML responses (requests, metadata, other media)", "ignored")
        )


def _iter_feed(item: InputFile, errors: list[ErrorRow], limit: int) -> Iterator[tuple[int, Any]]:
    """The items of an RSS or Atom feed (feedparser: RSS 0.9x to 2.0, Atom 0.3 and 1.0) as
    records, numbered in the feed's order: the item's full content where the feed carries it
    (``content:encoded``, Atom ``content``), else its summary, as HTML or text as the feed
    declares it; its ``guid``/``id``, link, title, author and publication date.

    A feed that is not well-formed is read as far as feedparser gets (its items are kept, the
    fault is listed as ``recovered``); an XML file with no feed in it is an error."""
    import feedparser

    too_large_feed = InputError(f"feed larger than {FEED_BYTES_LIMIT:,} bytes: split it into smaller files")
    if not item.compressed and os.path.getsize(item.path) > FEED_BYTES_LIMIT:
        raise too_large_feed
    chunks: list[bytes] = []
    size = 0
    with open_decompressed(item.path) as handle:
        try:
            while chunk := handle.read(FEED_CHUNK_BYTES):
                chunks.append(chunk)
                size += len(chunk)
                if size > FEED_BYTES_LIMIT:
                    raise too_large_feed
        except DECOMPRESSION_ERRORS as exc:
            errors.append(ErrorRow(item.path, None, f"input ends abruptly: {exc}; the items before the cut are read", "recovered"))
    feed = feedparser.parse(b"".join(chunks), sanitize_html=False, resolve_relative_uris=False)
    if not feed.entries:
        fault = f": {_exception_text(feed.bozo_exception)}" if feed.get("bozo") else ""
        raise InputError(f"not an RSS or Atom feed, or a feed with no items{fault}")
    if feed.get("bozo"):
        fault = _exception_text(feed.bozo_exception)
        errors.append(ErrorRow(item.path, None, f"malformed feed, read as far as possible: {fault}", "recovered"))
    for number, entry in enumerate(feed.entries, start=1):
        parts = [*entry.get("content", []), *([entry["summary_detail"]] if entry.get("summary_detail") else [])]
        body = max(parts, key=lambda part: len(part.get("value") or ""), default=None)
        if body is None or len(body.get("value") or "") > limit:
            problem = "feed item has no content or summary" if body is None else f"item {too_large(limit)}"
            errors.append(ErrorRow(item.path, number, problem))
            continue
        key = "html" if body.get("type", "").startswith(_HTML_TYPES) else "text"
        yield number, {
            key: body.get("value") or "",
            "id": entry.get("id") or entry.get("link"),
            "url": entry.get("link"),
            "title": entry.get("title"),
            "author": entry.get("author"),
            "date": _feed_date(entry),
        }


def _feed_date(entry: Mapping[str, Any]) -> str | None:
    """An item's publication date (else its last update) in UTC as ISO 8601 with its time, as
    feedparser reads RSS's RFC 822 dates and Atom's ISO ones alike; a date it cannot read is
    kept as written."""
    for key in ("published", "updated"):
        if parsed := entry.get(f"{key}_parsed"):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
        if entry.get(key):
            return str(entry[key])
    return None


FEED_BYTES_LIMIT = 100 << 20
"""A feed is parsed whole (feedparser reads no stream, and its items take several times the
file's size in memory): larger files are refused, not read. Feeds are rarely over a few MB."""
FEED_CHUNK_BYTES = 4096
"""Small reads, so that a compressed feed cut short still gives the bytes before the cut (a
decompressor raises on the read that meets the cut, and that read's bytes are lost)."""


class _EndsLoudly:
    """A decompressing stream whose truncation is an error warcio does not swallow: bz2 and
    lzma raise ``EOFError`` for a file cut short, which warcio takes for the archive's end, so
    a damaged ``.warc.bz2`` lost its last records without a word (seen in a test)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except EOFError as exc:
            raise OSError(f"the compressed file ends abruptly: {exc}") from exc

    def tell(self) -> int:
        return self.stream.tell()

    def __enter__(self) -> _EndsLoudly:
        return self

    def __exit__(self, *_: object) -> None:
        self.stream.close()


def _decode_payload(payload: bytes, content_type: str, *, html: bool) -> str:
    """An archived payload as text: the charset its response declared
    (:func:`~cleaner.decode.decode_declared`), else detected as a file's bytes are."""
    declared = re.search(r"charset=([\w.:-]+)", content_type, re.IGNORECASE)
    if declared is not None and (found := decode_declared(payload, declared.group(1))) is not None:
        return found[0]
    try:
        return decode_bytes(payload, html=html)[0]
    except InputError:
        return payload.decode("utf-8", errors="replace")  # binary bytes: damaged text, not a lost archive


def _clean_str(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\x00", "")
    return text if text.strip() else None


_SCALARS = (str, int, float, bool)


def _body_text(record: Mapping[str, Any], spec: str, joiner: str, *, html: bool = False) -> str | None:
    """The body a field option finds: text, or a list of texts (an export's paragraphs, joined
    by ``joiner``). Anything else (an object, a list of objects) is not a body to guess at: the
    record is reported, not filled with the object's printed form."""
    value = field_value(record, spec)
    if isinstance(value, (bytes, bytearray)):
        value = decode_bytes(bytes(value), html=html)[0]
    elif isinstance(value, list) and all(item is None or isinstance(item, _SCALARS) for item in value):
        value = joiner.join(str(item) for item in value if item is not None and str(item).strip())
    elif value is not None and not isinstance(value, _SCALARS):
        raise InputError(f"field '{spec}' holds {_json_kind(value)}, not text")
    return _clean_str(value)


def _metadata_text(record: Mapping[str, Any], spec: str) -> str | None:
    """A metadata field as text. Several values (two authors) are joined by ``"; "``, as
    trafilatura joins them; an object with a ``name`` (JSON-LD's ``Person``) gives its name;
    any other structure is kept as compact JSON, so nothing is printed as Python's repr."""
    value = field_value(record, spec)
    if isinstance(value, list):
        names = [_metadata_name(item) for item in value]
        return _clean_str("; ".join(name for name in names if name and name.strip()))
    return _clean_str(_metadata_name(value))


def _metadata_name(value: Any) -> str | None:
    if value is None or isinstance(value, _SCALARS):
        return None if value is None else str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return value["name"]
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


EPOCH_SECONDS = (1e8, 1e10)
"""A JSON number in this range given as a date is Unix time in seconds (1973 to 2286); one
1,000 times larger, in milliseconds (exports from JavaScript and many databases)."""


def _date_text(record: Mapping[str, Any], spec: str) -> str | None:
    """A record's date as ISO 8601 where it can be read (:func:`cleaner.dates.iso_date`): a JSON
    number is Unix time, in seconds or milliseconds, written in UTC; other numbers and
    unreadable text are kept as written."""
    value = field_value(record, spec)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        seconds = value if EPOCH_SECONDS[0] <= value < EPOCH_SECONDS[1] else value / 1000
        if EPOCH_SECONDS[0] <= seconds < EPOCH_SECONDS[1]:
            moment = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(microsecond=0)
            return moment.isoformat().replace("+00:00", "Z")
    return iso_date(_metadata_text(record, spec))


def _json_kind(value: Any) -> str:
    return "an object" if isinstance(value, Mapping) else "a list of objects" if isinstance(value, list) else type(value).__name__


def host_of(url: str | None) -> str | None:
    """The host of ``url`` without a leading ``www.``, the usual name of an outlet."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


_MISSING = object()


@lru_cache(maxsize=256)
def _field_paths(spec: str) -> tuple[tuple[str, ...], ...]:
    """A field option's names as key paths: ``body,doc.content`` is ``(("body",), ("doc", "content"))``."""
    return tuple(tuple(name.strip().split(".")) for name in spec.split(","))


def _walk(record: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """What one name of a field option finds in a record (``_MISSING`` where it is absent):
    ``doc.content`` walks into nested objects."""
    value: Any = record
    for part in path:
        value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
        if value is _MISSING:
            break
    return value


def field_value(record: Mapping[str, Any], spec: str) -> Any:
    """The first value the names of a field option (``body,text`` is two names) find, ``None``
    and blank text skipped. Called 8 times a record: a plain name is one lookup."""
    for path in _field_paths(spec):
        value = record.get(path[0]) if len(path) == 1 else _walk(record, path)
        if value is not _MISSING and value is not None and (not isinstance(value, str) or value.strip()):
            return value
    return None


def _found(record: Mapping[str, Any], spec: str) -> bool:
    """Whether the record has a field the option names (even an empty one)."""
    return any(_walk(record, path) is not _MISSING for path in _field_paths(spec))


HEADER_WORDS = 5
"""A field name of five words or more is a sentence, not a name: a CSV file without a header
row had its first row of data read as one."""


def _suggestion(record: Mapping[str, Any]) -> str:
    """The record's fields, and the one that most looks like the text (its longest string,
    nested objects included) as the option to try."""
    strings: list[tuple[int, str]] = []

    def walk(value: Any, path: str, depth: int) -> None:
        if isinstance(value, str):
            strings.append((len(value), path))
        elif isinstance(value, Mapping) and depth < 3:
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key), depth + 1)

    walk(record, "", 0)
    if any(len(str(key).split()) >= HEADER_WORDS for key in record):
        return ("its field names read like text: the first row of a CSV file is its header, which names the columns "
                "(such as id,text)")
    names = ", ".join(str(key) for key in list(record)[:12]) + (", ..." if len(record) > 12 else "")
    if not strings:
        return f"records have {names}"
    _, best = max(strings, key=lambda item: (item[0], item[1]))
    return f"records have {names}: try --text-field {best}"


def _document(
    item: InputFile,
    record_number: int | None,
    record: Mapping[str, Any],
    fields: FieldMap,
) -> dict[str, Any]:
    """Apply the identity and source rules to one record."""
    text = _body_text(record, fields.text, "\n\n")
    html = _body_text(record, fields.html, "\n", html=True)
    if html is None and text is not None and is_html_document(text):
        text, html = None, text
    if text is None and html is None:
        if _found(record, fields.text) or _found(record, fields.html):
            raise InputError("record is empty")
        raise InputError(f"record has no '{fields.text}' or '{fields.html}' field; {_suggestion(record)}")
    given_id = _metadata_text(record, fields.id)
    if given_id is not None:
        doc_id = given_id.strip()
    elif record_number is None:
        doc_id = item.relative
    else:
        doc_id = f"{item.relative}:{record_number}"
    url = _metadata_text(record, fields.url)
    source = _metadata_text(record, fields.source)
    source = source.strip() if source else host_of(url) or item.folder_source or item.stem
    return {
        "doc_id": doc_id,
        "source": source,
        "path": printable(item.path) if item.path != STDIN else STDIN_NAME,
        "url": url.strip() if url else None,
        "title": _metadata_text(record, fields.title),
        "author": _metadata_text(record, fields.author),
        "date": _date_text(record, fields.date),
        "content_type": "text" if text is not None else "html",
        "body": text if text is not None else html,
        "metadata": other_fields(record, read_field_names(fields)),
        "record": record_number,  # where a renamed id is reported
    }


_HTML_DOCUMENT = re.compile(r"\ufeff?\s*(?:<!--(?:(?!-->).)*-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
"""A comment cannot hold its own end, so the comments before the page split one way only (a
lazy ``.*?`` could take several comments for one and backtrack through every split)."""


def is_html_document(text: str) -> bool:
    """Whether a text body is an HTML page (it opens with ``<!DOCTYPE html`` or ``<html``,
    after a byte order mark a file's reader left in, blanks and comments): a scraper's page
    saved as ``.txt``, or a record that put the
    page under ``text``. Such a body is extracted as HTML, where as text its markup became
    paragraphs. Markup further in (an article quoting a tag) leaves a text as text."""
    return _HTML_DOCUMENT.match(text, 0, 4096) is not None


def _within(document: dict[str, Any], limit: int) -> dict[str, Any]:
    """``document``, unless its body is over the size cap (a record of a Parquet file, a frame)."""
    if len(document["body"]) > limit:
        raise InputError(f"record {too_large(limit)}")
    return document


def read_file(
    item: InputFile,
    config: CleanConfig,
    errors: list[ErrorRow],
    at_byte: Callable[[int], None] | None = None,
    span: Span | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield raw documents of one input file; problems go to ``errors`` with file and record.
    ``at_byte`` hears how far into a JSON-lines file the reading is (progress); ``span``: only
    that part of a file that :func:`splittable` allows to split."""
    try:
        limit = config.max_document_bytes
        if item.kind in ("text", "html"):
            data = read_bytes(item, limit)
            text, _ = decode_bytes(data, html=item.kind == "html")
            if item.kind == "text" and is_html_document(text):
                text, _ = decode_bytes(data, html=True)  # its meta charset, if the bytes are not UTF-8
            text = text.replace("\x00", "")
            if not text.strip():
                raise InputError("empty file")
            if lines := replaced_lines(text, data):
                shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
                errors.append(ErrorRow(item.path, None, f"bytes that are not UTF-8 replaced by U+FFFD on line(s) {shown}", "recovered"))
            yield _document(item, None, {item.kind: text}, FieldMap())
            return
        fields = FieldMap() if item.kind in ("warc", "feed") else config.fields  # archives and feeds name their own fields
        if item.kind == "warc":
            rows = _iter_warc(item, errors, limit)
        elif item.kind == "feed":
            rows = _iter_feed(item, errors, limit)
        elif item.kind == "records":
            rows = _iter_records(item, errors, limit, at_byte, span)
        else:
            rows = _iter_table_rows(item, limit)
        reported = len(errors)
        number = 0
        for number, record in rows:
            if not isinstance(record, Mapping):
                errors.append(ErrorRow(item.path, number, "record is not a JSON object"))
                continue
            try:
                yield _within(_document(item, number, record, fields), limit)
            except InputError as exc:
                errors.append(ErrorRow(item.path, number, str(exc)))
        if number == 0 and span is None and len(errors) == reported:
            raise InputError("no records in the file")
    except InputError as exc:
        errors.append(ErrorRow(item.path, None, str(exc)))
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser's own bug on a hostile file loses that file, not the run
        errors.append(ErrorRow(item.path, None, f"cannot read file: {_exception_text(exc)}"))


def _exception_text(exc: BaseException) -> str:
    """An exception as an error row says it: its message, and its kind when the message alone
    would not say what went wrong."""
    message = str(exc)
    return message if isinstance(exc, (OSError, ValueError, InputError)) and message else f"{type(exc).__name__}: {message}"


def iter_raw_documents(
    inputs: Iterable[str | os.PathLike[str]],
    config: CleanConfig,
    errors: list[ErrorRow],
    kinds: Collection[str] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """All raw documents behind ``inputs`` in a stable order, with unique ``doc_id`` values.

    A ``doc_id`` seen before is renamed ``id#2``, ``id#3``... and the rename is reported.
    ``kinds`` limits reading to some file kinds (a pass that only needs plain text skips pages).
    ``on_bytes`` hears the bytes of the files read, as they are read (progress): every few
    thousand lines of a JSON-lines file, the rest of a file when its reading ends.
    """
    files = [item for item in discover(inputs, errors, config.follow_symlinks) if kinds is None or item.kind in kinds]

    def documents() -> Iterator[dict[str, Any]]:
        for item in files:
            if on_bytes is None:
                yield from read_file(item, config, errors)
                continue
            read = _BytesRead(on_bytes, file_size(item))
            yield from read_file(item, config, errors, read.reached)
            read.reached(read.size)

    yield from _unique_ids(documents(), errors)


class _BytesRead:
    """One file's share of the reading progress: positions in, increments out, never more
    than the file's size in all."""

    def __init__(self, on_bytes: Callable[[int], None], size: int) -> None:
        self.on_bytes = on_bytes
        self.size = size
        self.reported = 0

    def reached(self, position: int) -> None:
        position = min(position, self.size)
        if position > self.reported:
            self.on_bytes(position - self.reported)
            self.reported = position


def file_size(item: InputFile) -> int:
    """The size of an input file on disk (0 for standard input or a file gone)."""
    try:
        return os.path.getsize(item.path) if item.path != STDIN else 0
    except OSError:
        return 0


def iter_record_documents(
    records: Iterable[Mapping[str, Any]], config: CleanConfig, errors: list[ErrorRow], *, from_frame: bool = False
) -> Iterator[dict[str, Any]]:
    """Raw documents from in-memory records (library use); record numbers stand in for paths.
    ``from_frame``: rows of an Arrow-backed frame, whose strings are valid UTF-8 already (a
    caller's dicts may hold lone surrogates: :func:`without_surrogates`)."""
    item = InputFile("<records>", "<records>", "records", False)

    def documents() -> Iterator[dict[str, Any]]:
        for number, record in enumerate(records, start=1):
            if not isinstance(record, Mapping):
                errors.append(ErrorRow(item.path, number, "record is not a mapping"))
                continue
            if not from_frame:
                record = _checked_surrogates(record, item.path, number, errors)
            try:
                doc = _within(_document(item, number, record, config.fields), config.max_document_bytes)
            except InputError as exc:
                errors.append(ErrorRow(item.path, number, str(exc)))
                continue
            if field_value(record, config.fields.id) is None:
                doc["doc_id"] = str(number)
            if field_value(record, config.fields.source) is None and not host_of(doc["url"]):
                doc["source"] = "records"
            yield doc

    yield from _unique_ids(documents(), errors)


class UniqueIds:
    """The identity rule for a ``doc_id`` seen before: ``id#2``, ``id#3``..., skipping names
    already taken. Fed the ids in reading order; shared by the driver's reading and the Spark
    engine, which feeds it only the ids that can clash (those seen twice and those with a
    ``#``: a generated name always has one, so no other id can meet it)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def assign(self, doc_id: str) -> str | None:
        """The new name of the next document called ``doc_id``, or ``None`` when it keeps it."""
        new_id = None
        if doc_id in self.seen:
            self.seen[doc_id] += 1
            new_id = f"{doc_id}#{self.seen[doc_id]}"
            while new_id in self.seen:
                self.seen[doc_id] += 1
                new_id = f"{doc_id}#{self.seen[doc_id]}"
        self.seen.setdefault(new_id or doc_id, 1)
        return new_id


def renamed_error(path: str, doc_id: str, new_id: str, record: int | None) -> ErrorRow:
    """The note that a document's id was taken: the file and record of the renamed one."""
    return ErrorRow(path, record, f"duplicate doc_id {doc_id!r} renamed to {new_id!r}", "renamed")


def _unique_ids(documents: Iterable[dict[str, Any]], errors: list[ErrorRow]) -> Iterator[dict[str, Any]]:
    ids = UniqueIds()
    for order, doc in enumerate(documents):
        new_id = ids.assign(doc["doc_id"])
        if new_id is not None:
            errors.append(renamed_error(doc["path"], doc["doc_id"], new_id, doc.get("record")))
            doc["doc_id"] = new_id
        doc["order"] = order
        yield doc


# --- files read where they are (the Spark engine's executors) ----------------------------------

def splittable(item: InputFile) -> bool:
    """Whether parts of the file can be read apart (:class:`Span`): an uncompressed JSON-lines
    file. A ``.json`` file may hold one array or one object over many lines."""
    return item.kind == "records" and not item.compressed and item.path != STDIN and not item.path.lower().endswith(".json")


FILES_TO_READ = pl.Schema(
    {
        "piece": pl.Int64,
        "path": pl.Binary,
        "absolute": pl.Binary,
        "relative": pl.Binary,
        "kind": pl.String,
        "compressed": pl.Boolean,
        "start": pl.Int64,
        "end": pl.Int64,
        "newlines_before": pl.Int64,
    }
)
"""Files, or parts of files (``start``, ``end``, ``newlines_before``: a :class:`Span`; null for
a whole file), handed to a reader elsewhere, numbered in reading order. Paths are bytes (a name
need not be UTF-8): ``path`` is the name the tables show, ``absolute`` the one opened (an
executor has its own working folder)."""

READ_ROWS = pl.Schema(
    {
        "piece": pl.Int64,
        "seq": pl.Int64,  # the row's place in its piece's reading: errors and documents interleaved
        "doc_number": pl.Int64,  # the document's place among its piece's documents; null on an error row
        "file_kind": pl.String,
        **{name: dtype for name, dtype in schemas.RAW_DOCUMENTS.items() if name != "order"},
        "metadata": pl.String,
        "record": pl.Int64,
        "error": pl.String,
        "action": pl.String,
    }
)
"""What reading a file gives, one row per document or error, in reading order."""


def read_file_rows(files: pl.DataFrame, config: CleanConfig, max_chars: int = 64 << 20) -> Iterator[pl.DataFrame]:
    """Read every file or part of ``files`` (:data:`FILES_TO_READ`) with :func:`read_file`:
    frames of :data:`READ_ROWS` of at most about ``max_chars`` characters of bodies. The rows
    number each piece's documents and errors in the order the driver's reading meets them, so
    that ids, the global order and the errors table come out exactly as there."""
    rows: list[dict[str, Any]] = []
    chars = 0
    for piece, path, absolute, relative, kind, compressed, start, end, newlines_before in files.select(list(FILES_TO_READ)).iter_rows():
        item = InputFile(os.fsdecode(absolute), os.fsdecode(relative), kind, compressed)
        span = Span(start, end, newlines_before) if start is not None else None
        shown = {"piece": piece, "file_kind": kind, "path": printable(os.fsdecode(path))}
        errors: list[ErrorRow] = []
        seq = 0
        for documents, document in enumerate(read_file(item, config, errors, span=span)):
            seq = _error_rows(errors, shown, seq, rows)
            rows.append({**document, **shown, "seq": seq, "doc_number": documents})
            seq += 1
            chars += len(document["body"])
            if chars >= max_chars:
                yield schemas.frame(rows, READ_ROWS)
                rows, chars = [], 0
        _error_rows(errors, shown, seq, rows)
    if rows:
        yield schemas.frame(rows, READ_ROWS)


def _error_rows(errors: list[ErrorRow], shown: dict[str, Any], seq: int, rows: list[dict[str, Any]]) -> int:
    """The errors met since the last document appended to ``rows`` from place ``seq`` on (then
    forgotten); the next free place."""
    rows.extend({**error.as_dict(), **shown, "seq": seq + i} for i, error in enumerate(errors))
    seq += len(errors)
    errors.clear()
    return seq

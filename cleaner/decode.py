"""Decoding input files: bytes to text, with a size cap, and with damage noted, not hidden.

Byte-order marks, an HTML page's declared charset, strict UTF-8, UTF-8 with a few bad bytes
(kept as UTF-8, the lines listed), then legacy encodings; a file is read decompressed with at
most the document cap held (``read_bytes``).
"""

from __future__ import annotations

import codecs
import re
from typing import IO

import charset_normalizer

from cleaner.discover import (
    COMPRESSIONS,
    DECOMPRESSION_ERRORS,
    STDIN,
    InputFile,
    compression_suffix,
    open_decompressed,
    open_standard_input,
)


class InputError(Exception):
    """A problem with one input file or record, reported in ``errors`` rather than raised to the user."""


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


SHORT_INPUT_BYTES = 2048
"""Below this size statistical detection guesses poorly; Windows-1252 is tried first."""


def decode_bytes(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """Decode ``data`` to text and name the encoding used.

    Order: byte-order mark, the HTML meta charset (for pages), strict UTF-8, then for short
    inputs (one JSON line, say) Windows-1252, the most common legacy encoding on the web,
    and otherwise charset-normalizer's detection. Raises :class:`InputError` for binary content.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    if b"\x00" in data[:8192] and data[:8192].count(b"\x00") > len(data[:8192]) // 100:
        raise InputError("binary content (NUL bytes), not text")
    if html:
        match = _META_CHARSET.search(data[:4096])
        if match:
            declared = match.group(1).decode("ascii", "ignore").lower()
            try:
                codecs.lookup(declared)
                text = data.decode(declared)
                return text, declared
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly, "utf-8"
    if len(data) < SHORT_INPUT_BYTES:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(data[:262144]).best()
    if best is None:
        raise InputError("binary content: no text encoding fits")
    return data.decode(best.encoding, errors="replace"), best.encoding


REPLACEMENT = "\ufffd"
MOSTLY_UTF8 = 1
"""Bytes that are not UTF-8 in a text that has at least this many valid multi-byte characters
per bad sequence are damage, not another encoding: decoding the whole text as a legacy
encoding instead would garble every accented letter ("Brücke" as "BrÃ¼cke"). Text in a
legacy encoding has almost no valid multi-byte sequences (an accented letter followed by an
ASCII one is not one); on the extraction-dev pages, 4 pages were read as mojibake before."""


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 with its few bad sequences replaced by U+FFFD, or ``None`` when it
    is not UTF-8 with some damage (:data:`MOSTLY_UTF8`)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count(REPLACEMENT) - data.count(REPLACEMENT.encode("utf-8"))
    valid = sum(1 for char in text if ord(char) > 127) - bad
    return text if valid > 0 and valid >= MOSTLY_UTF8 * bad else None


def replaced_lines(text: str, data: bytes) -> list[int]:
    """The lines (1-based) where decoding replaced bytes that were not UTF-8."""
    if REPLACEMENT not in text or data.count(REPLACEMENT.encode("utf-8")) == text.count(REPLACEMENT):
        return []
    return [number for number, line in enumerate(text.splitlines(), start=1) if REPLACEMENT in line]


def read_bytes(item: InputFile, limit: int) -> bytes:
    """The file's bytes, decompressed, reading at most ``limit`` of them: a larger document (a
    gzip bomb, a 2 GB single line) is refused by name instead of filling the memory."""
    try:
        with open_text_stream(item) as stream:
            data = stream.read(limit + 1)
    except InputError:
        raise
    except DECOMPRESSION_ERRORS as exc:
        suffix = compression_suffix(item.path)
        what = f"corrupt or truncated {COMPRESSIONS[suffix]} data" if suffix else "cannot read file"
        raise InputError(f"{what}: {getattr(exc, 'strerror', None) or exc}") from exc
    if len(data) > limit:
        raise InputError(too_large(limit))
    return data


def too_large(limit: int) -> str:
    return f"larger than the limit of {limit:,} bytes per document (decompressed); --max-document-bytes raises it"


def open_text_stream(item: InputFile) -> IO[bytes]:
    """The file's bytes as a stream, decompressed (standard input for ``-``)."""
    if item.path == STDIN:
        return open_standard_input()
    try:
        return open_decompressed(item.path)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}") from exc

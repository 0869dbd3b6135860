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
import webencodings

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
    head = data[:8192]
    if b"\x00" in head and head.count(b"\x00") > len(head) // 100:
        unmarked = _utf16_without_bom(data)
        if unmarked is None:
            raise InputError("binary content (NUL bytes), not text")
        return unmarked
    try:
        utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if html:
        match = _META_CHARSET.search(data[:4096])
        if match and (found := decode_declared(data, match.group(1).decode("ascii", "ignore"), utf8)) is not None:
            return found
    if utf8 is not None:
        return utf8, "utf-8"
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly, "utf-8"
    if len(data) < SHORT_INPUT_BYTES:
        try:
            western = data.decode("cp1252")
        except UnicodeDecodeError:
            western = None
        if western is not None and _reads_as_western(western):
            return western, "cp1252"
    best = charset_normalizer.from_bytes(data[:262144]).best()
    if best is None:
        raise InputError("binary content: no text encoding fits")
    return data.decode(best.encoding, errors="replace"), best.encoding


def decode_declared(data: bytes, label: str, utf8: str | None = None) -> tuple[str, str] | None:
    """``data`` decoded as its declared charset ``label`` says (:func:`declared_encoding`), or
    ``None`` when that does not fit. Bytes that are valid UTF-8 beyond ASCII are UTF-8 whatever
    is declared: text in a legacy encoding is valid UTF-8 only by a string of accidents (an
    accented capital followed by a symbol, each time), while pages saved as UTF-8 by a crawler,
    and servers left at their default, keep a charset that is not the bytes'. Declared and
    UTF-8 agree on every extraction-dev page, where a declared legacy charset always comes with
    bytes that are not UTF-8. ``utf8``: ``data`` already decoded as UTF-8, if it is valid."""
    if not data.isascii():
        try:
            return (utf8 if utf8 is not None else data.decode("utf-8")), "utf-8"
        except UnicodeDecodeError:
            pass
    declared = declared_encoding(label)
    try:
        return data.decode(declared), declared
    except (LookupError, UnicodeDecodeError):
        return None


def declared_encoding(label: str) -> str:
    """The Python codec for a page's declared charset, as browsers read it (the WHATWG Encoding
    standard's labels, through ``webencodings``): ``iso-8859-1``, ``latin1`` and ``ascii`` mean
    Windows-1252, whose curly quotes and dashes stand at bytes Latin-1 reads as invisible C1
    controls; ``gb2312`` means GBK, ``shift_jis`` Windows-932. A UTF-16 label in a page whose
    bytes spelled it in ASCII cannot be true, and means UTF-8 (HTML's prescan rule), as does
    ``x-user-defined`` Windows-1252. An unknown label is returned as given (a Python codec name,
    or a :class:`LookupError` when decoded)."""
    found = webencodings.lookup(label.strip())
    if found is None:
        return label.strip().lower()
    if found.name in ("utf-16le", "utf-16be"):
        return "utf-8"
    if found.name == "x-user-defined":
        return "cp1252"
    return str(found.codec_info.name)


def _reads_as_western(text: str) -> bool:
    """Whether a short text decoded as Windows-1252 reads as a Western European language: its
    accented letters do not outnumber its plain ones. French, German or Portuguese text has a
    few accented letters in a hundred; Cyrillic, Greek, Hebrew or Arabic in their Windows
    encodings decode as nothing but accented Latin letters ("Ãîðîäñêîé"), and are left to
    charset-normalizer's detection, which names them even in a line (and reads short French as
    Baltic, which is why Windows-1252 comes first)."""
    accented = sum(1 for char in text if ord(char) > 127 and char.isalpha())
    plain = sum(1 for char in text if char.isascii() and char.isalpha())
    return accented <= plain


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text saved as UTF-16 without a byte-order mark, told from binary content by where its NUL
    bytes stand: mostly-ASCII UTF-16 has one after (little-endian) or before (big-endian) every
    character, at one parity of position only, which binary data rarely keeps to. ``None``
    unless the bytes decode strictly as that UTF-16 into text without control characters
    (other than whitespace): 16-bit numbers (a sound file) keep to one parity too."""
    head = data[:8192]  # an even length: a character is two bytes
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if min(even, odd) > 0 or max(even, odd) < len(head) // 4:
        return None
    encoding = "utf-16-le" if odd else "utf-16-be"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text, 0, 4096) else (text, encoding)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


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

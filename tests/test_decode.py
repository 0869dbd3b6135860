"""Bytes to text: declared charsets read as browsers read them, legacy and UTF-16 text told from binary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaner.decode import InputError, declared_encoding, decode_bytes

QUOTED = "“We opened the doors at nine” – said the librarian…"


def _page(charset: str, body: str) -> str:
    return f'<html><head><meta charset="{charset}"></head><body><p>{body}</p></body></html>'


def test_a_page_declared_latin1_reads_its_curly_quotes_as_windows_1252() -> None:
    # bytes 0x93, 0x94, 0x96, 0x85: quotes, dash and ellipsis in Windows-1252, invisible C1 controls in Latin-1
    text, encoding = decode_bytes(_page("iso-8859-1", QUOTED).encode("cp1252"), html=True)
    assert QUOTED in text and encoding == "cp1252"
    assert not any(0x80 <= ord(char) <= 0x9F for char in text)


def test_a_page_saved_as_utf8_is_read_as_utf8_whatever_charset_it_still_declares() -> None:
    # a crawler decodes with the server's charset, saves UTF-8 and leaves the page's meta as it was
    text, encoding = decode_bytes(_page("iso-8859-1", QUOTED + " Café crème").encode("utf-8"), html=True)
    assert QUOTED + " Café crème" in text and encoding == "utf-8"
    ascii_only, declared = decode_bytes(_page("iso-8859-1", "plain words").encode("ascii"), html=True)
    assert "plain words" in ascii_only and declared == "cp1252"


def test_declared_labels_follow_the_whatwg_encoding_standard() -> None:
    assert [declared_encoding(label) for label in ("ISO-8859-1", "latin1", "us-ascii", "gb2312", "shift_jis", "utf-16", "UTF-8")] == [
        "cp1252", "cp1252", "cp1252", "gbk", "cp932", "utf-8", "utf-8"
    ]
    assert declared_encoding("no-such-charset") == "no-such-charset"


def test_a_page_that_claims_utf16_in_ascii_bytes_is_read_as_utf8() -> None:
    body = "Café owners said the bridge closure cost them a third of their sales."
    text, _ = decode_bytes(_page("utf-16", body).encode("utf-8"), html=True)
    assert body in text


def test_a_page_declared_gb2312_with_gbk_characters_is_read() -> None:
    body = "市議會討論了預算—道路"  # traditional characters: GBK, not GB2312
    text, encoding = decode_bytes(_page("gb2312", body).encode("gbk"), html=True)
    assert body in text and encoding == "gbk"


def test_a_short_text_in_a_cyrillic_or_greek_windows_encoding_is_not_read_as_western() -> None:
    russian = "Городской совет собрался в понедельник."
    greek = "Ο δήμος συνεδρίασε τη Δευτέρα."
    assert decode_bytes(russian.encode("cp1251"))[0] == russian
    assert decode_bytes(greek.encode("cp1253"))[0] == greek


def test_a_short_western_text_stays_windows_1252() -> None:
    french = "Café crème brûlée, déjà vu: the menu changed on Monday."
    assert decode_bytes(french.encode("cp1252")) == (french, "cp1252")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_text_not_binary(encoding: str) -> None:
    text = "The council met on Monday.\r\n\r\nIt agreed the budget for the new school year, cafés included.\r\n"
    assert decode_bytes(text.encode(encoding)) == (text, encoding)


def test_nul_bytes_at_both_parities_are_binary() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"text and \x00\x00 more" * 50)


def test_small_16_bit_numbers_keep_their_nul_bytes_to_one_parity_and_are_still_binary() -> None:
    samples = bytes(byte for value in range(4000) for byte in (value % 200, 0))  # little-endian, all under 256
    with pytest.raises(InputError, match="binary"):
        decode_bytes(samples)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from("éèüç"), min_size=1))
def test_mostly_ascii_text_saved_as_utf16_le_without_a_mark_reads_back(text: str) -> None:
    if sum(char.isascii() for char in text) < len(text) // 2 + 1:
        return
    decoded, encoding = decode_bytes(text.encode("utf-16-le"))
    assert decoded == text and encoding == "utf-16-le"

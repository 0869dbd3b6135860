"""Keys of each paragraph, made in the map stage: its exact key and its signatures.

``norm_key`` makes exact copies (the same words once normalised) one group from the start; the
signature columns (shingles, LSH band keys, sentence anchors) are what near-duplicate search
reads later. Both are computed a batch at a time, in the workers.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import polars_hash
import xxhash

from cleaner import schemas
from cleaner.duplicates.banding import band_keys
from cleaner.duplicates.signatures import (
    HashedTokens,
    SignatureParams,
    anchor_hashes,
    scan_tokens,
    shingle_hashes,
)
from cleaner.normalize import WORD, exact_form_expr, normalize_series
from cleaner.schemas import lists_from_flat


def norm_key(exact: str) -> str:
    """Stable 128-bit hex key of a paragraph's exact form (``normalize.exact_form``; xxh3: stable
    across versions and platforms)."""
    return xxhash.xxh3_128_hexdigest(exact.encode("utf-8"))


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HALF = pl.lit(1 << 64, dtype=pl.UInt128)


def norm_keys(exact: pl.Series) -> pl.Series:
    """:func:`norm_key` of every text of a batch, with no Python call per row: polars-hash's
    XXH3-128 (the same digest; a test compares them), written as hex from its two halves.

    One call of ``xxhash`` per paragraph held the GIL in the map stage's threads for 0.32-0.36 s
    of each thread's 8 s at 1M paragraphs (py-spy), while the main thread read the input.
    """
    if exact.null_count():
        raise ValueError("a paragraph without text has no exact key")
    halves = exact.to_frame("exact").select(polars_hash.col("exact").nchash.xxh3_128().alias("key")).select(
        (pl.col("key") // _HALF).cast(pl.UInt64).alias("high"), (pl.col("key") % _HALF).cast(pl.UInt64).alias("low")
    )
    rows = halves.height
    digest = np.empty((rows, 2), dtype=">u8")  # big-endian: the hex digest's byte order
    digest[:, 0] = halves["high"].to_numpy()
    digest[:, 1] = halves["low"].to_numpy()
    octets = digest.view(np.uint8).reshape(rows, 16)
    text = np.empty((rows, 32), dtype=np.uint8)
    text[:, 0::2] = _HEX_DIGITS[octets >> 4]
    text[:, 1::2] = _HEX_DIGITS[octets & 15]
    # the hex text, not the digest's bytes, goes through NumPy's fixed-width bytes (which drop trailing
    # zero bytes); a Series made from an Arrow array instead imports pyarrow.compute (0.06 s)
    return pl.Series("norm_key", text.view("S32").reshape(rows), dtype=pl.Binary).cast(pl.String)


EXACT_KEY_RULE = "words-v1"
"""The rule behind ``norm_key``, recorded by a dedup index: the words of the normalised text.
An index whose keys were made by another rule cannot be matched against and is refused."""


MAX_COMPARED_CHARS = 100_000
"""Near-duplicate search looks at a paragraph's first 100,000 normalised characters: a longer
"paragraph" is a dump, not prose, and would cost memory out of all proportion. Exact keys
and token counts still use the whole text."""

KEYED_WITH_TEXT = pl.Schema(
    {
        **schemas.PARAGRAPHS_RAW,
        "para_id": pl.String,
        "norm_key": pl.String,
        "n_tokens": pl.Int32,
        "normalized": pl.String,
    }
)


def key_paragraphs(paragraphs: pl.DataFrame) -> tuple[pl.DataFrame, HashedTokens]:
    """Add ``para_id`` (``<doc_id>#p<position>``), ``norm_key`` and ``n_tokens`` to :data:`schemas.PARAGRAPHS_RAW`.

    Also returns the ``normalized`` text (its first :data:`MAX_COMPARED_CHARS`) and its
    hashed tokens, which the signature stage uses.
    """
    normalized = normalize_series(paragraphs["text"]).alias("normalized")
    compared = normalized.str.slice(0, MAX_COMPARED_CHARS)
    scanned = scan_tokens(compared)
    n_words = pl.Series("n_words", scanned.hashed.lengths)
    joined = scanned.joined_words
    exact = pl.select(pl.when(joined == "").then(normalized).otherwise(joined)).to_series()  # exact_form: the words, else the text
    long_rows = normalized.str.len_chars() > MAX_COMPARED_CHARS
    if long_rows.any():
        n_words = pl.select(pl.when(long_rows).then(normalized.str.count_matches(WORD)).otherwise(n_words)).to_series()
        exact = pl.select(pl.when(long_rows).then(exact_form_expr(normalized)).otherwise(exact)).to_series()
    keyed = paragraphs.with_columns(
        pl.concat_str(pl.col("doc_id"), pl.lit("#p"), pl.col("position").cast(pl.String)).alias("para_id"),
        norm_keys(exact),
        n_words.cast(pl.Int32).alias("n_tokens"),
        compared,
    )
    return schemas.conform(keyed, KEYED_WITH_TEXT), scanned.hashed


def signature_columns(
    normalized: pl.Series, params: SignatureParams | None, anchor_words: int, hashed: HashedTokens | None = None
) -> list[pl.Series]:
    """Shingles, LSH band keys and sentence anchors (of ``anchor_words`` words or more) of
    normalised paragraphs; empty lists when ``params`` is ``None`` (exact copies only).

    ``hashed`` (the hashed tokens of ``normalized``) can be passed when already computed.
    """
    if params is None or len(normalized) == 0:
        empty = lists_from_flat("empty", np.zeros(len(normalized), dtype=np.int64), np.empty(0, dtype=np.uint64))
        return [empty.alias("shingles"), empty.alias("band_keys"), empty.alias("anchors")]
    if hashed is None:
        hashed = scan_tokens(normalized).hashed
    # distinct per paragraph: verification intersects them as sets without copying them again
    shingles = shingle_hashes(normalized, params, hashed).list.unique(maintain_order=True)
    keys = band_keys(shingles, params)
    has_signature = (shingles.list.len() > 0).to_numpy()
    counts = np.where(has_signature, params.bands, 0).astype(np.int64)
    band_lists = lists_from_flat("band_keys", counts, keys[has_signature].reshape(-1))
    return [shingles.alias("shingles"), band_lists, anchor_hashes(hashed, anchor_words)]

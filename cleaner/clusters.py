"""Clusters stage: which paragraphs are copies of one another.

Exact copies share the key of their normalised text and form one group each. Groups are
the unit the canonical stage works on; a singleton paragraph is a group of one.
"""

from __future__ import annotations

import polars as pl

MEMBERS = pl.Schema({"para_id": pl.String, "group_key": pl.String})
"""Which group each paragraph belongs to (``group_key`` is opaque, stable for the run)."""


def exact_groups(paragraphs: pl.DataFrame) -> pl.DataFrame:
    """Group paragraphs whose normalised text is identical (NFKC, case, quotes, dashes, spaces)."""
    return paragraphs.select(pl.col("para_id"), pl.col("norm_key").alias("group_key"))

"""cleaner: strip boilerplate from multi-source news text, find near-duplicate paragraphs,
and write a canonical dataset with provenance and an audit trail.

Library entry points (the ``cleaner`` command is a thin layer over them):

- :func:`clean` for paths or records, :func:`clean_frame` for a Polars frame,
  :func:`dedup` for a frame of text that is clean already;
- :func:`strip_text` for the boilerplate rules on one text, :func:`strip_texts` on many
  (much faster per text);
- :class:`CleanConfig`, the one place for every option.
"""

__version__ = "0.1.0"

from cleaner.config import CleanConfig, FieldMap
from cleaner.pipeline import CleanResult, clean, clean_frame, dedup
from cleaner.strip import StripOptions, StripResult, strip_text, strip_texts

__all__ = [
    "CleanConfig",
    "CleanResult",
    "FieldMap",
    "StripOptions",
    "StripResult",
    "__version__",
    "clean",
    "clean_frame",
    "dedup",
    "strip_text",
    "strip_texts",
]

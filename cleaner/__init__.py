"""cleaner: strip boilerplate from multi-source news text, find near-duplicate paragraphs,
and write a canonical dataset with provenance and an audit trail.

Library entry points (the ``cleaner`` command is a thin layer over them):

- :func:`clean` for paths or records, :func:`clean_frame` for a Polars frame,
  :func:`dedup` for a frame of text that is clean already;
- :func:`strip_text` for the boilerplate rules on one text, :func:`strip_texts` on many
  (much faster per text);
- :class:`CleanConfig`, the one place for every option, checked when it is built;
- :class:`CleanerError`, the base of every error that stops a run.

The names are loaded on first use: a worker process that imports one stage module does not
pay for the pipeline, the writers and the engines (a tenth of a second per worker).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "CleanConfig": "cleaner.config",
    "CleanerError": "cleaner.errors",
    "FieldMap": "cleaner.config",
    "CleanResult": "cleaner.result",
    "clean": "cleaner.pipeline",
    "clean_frame": "cleaner.pipeline",
    "dedup": "cleaner.pipeline",
    "StripOptions": "cleaner.strip",
    "StripResult": "cleaner.strip",
    "strip_text": "cleaner.strip",
    "strip_texts": "cleaner.strip",
}

__all__ = [
    "CleanConfig",
    "CleanResult",
    "CleanerError",
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

if TYPE_CHECKING:
    from cleaner.config import CleanConfig, FieldMap
    from cleaner.errors import CleanerError
    from cleaner.pipeline import clean, clean_frame, dedup
    from cleaner.result import CleanResult
    from cleaner.strip import StripOptions, StripResult, strip_text, strip_texts


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

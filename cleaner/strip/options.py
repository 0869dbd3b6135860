"""What a user can ask of the stripper: what to keep, and patterns of their own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StripOptions:
    """What a user wants kept, and site-specific patterns added without code."""

    keep_captions: bool = False
    keep_headings: bool = True
    extra_patterns: tuple[tuple[str, str], ...] = ()
    strip: bool = True
    template_lines: frozenset[int] = frozenset()
    """Keys (``strip.templates.line_key``) of lines that are this document's site template."""
    line_model: bool = True
    """Let the learned line model revise the rules at their margins (``line_model``)."""

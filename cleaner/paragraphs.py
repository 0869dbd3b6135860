"""Paragraphs stage: group kept lines into paragraphs that remember their line span.

Two layouts occur in text dumps: blank-line separated paragraphs (possibly hard-wrapped
over several lines) and one paragraph per line with headings inline. A run of consecutive
kept lines is joined into one paragraph only when it looks hard-wrapped; otherwise every
line is a paragraph of its own. A removed line always ends a paragraph, so a paragraph's
span never covers a line listed in ``removed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

TERMINAL = ".!?…:;\"'”’»)]。！？"
_MAX_WRAP_WIDTH = 120


class Paragraph(NamedTuple):
    """A paragraph's text and the 1-based, inclusive line span it came from (``None`` without lines)."""

    text: str
    line_start: int | None
    line_end: int | None


def blocks_of(lines: Sequence[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = []
    for number, text in lines:
        if blocks and blocks[-1][-1][0] == number - 1:
            blocks[-1].append((number, text))
        else:
            blocks.append([(number, text)])
    return blocks


def is_wrapped(block: Sequence[tuple[int, str]]) -> bool:
    """Does a run of consecutive lines look like one hard-wrapped paragraph (or several)?

    Hard-wrapped text fills its lines to a similar width and breaks mid-sentence, so the
    next line usually starts in lower case. Lists of headlines or menu items vary in length
    and start every line with a capital: they stay one paragraph per line.
    """
    if len(block) < 2:
        return False
    width = max(len(text) for _, text in block)
    if width > _MAX_WRAP_WIDTH or width < 30:
        return False
    pairs = list(zip(block, block[1:]))
    full = sum(1 for (_, line), _ in pairs if len(line) >= 0.75 * width)
    mid_sentence = sum(
        1 for (_, line), (_, following) in pairs if following[:1].islower() or line.endswith((",", "-"))
    )
    return full >= 0.6 * len(pairs) and mid_sentence >= 0.4 * len(pairs)


def _join(texts: Sequence[str]) -> str:
    joined = texts[0]
    for text in texts[1:]:
        joined = joined + text if joined.endswith("-") and text[:1].islower() else f"{joined} {text}"
    return joined


def _split_wrapped(block: Sequence[tuple[int, str]]) -> list[Paragraph]:
    width = max(len(text) for _, text in block)
    paragraphs: list[Paragraph] = []
    current: list[tuple[int, str]] = []
    for index, (number, text) in enumerate(block):
        current.append((number, text))
        last = index == len(block) - 1
        ends_paragraph = not last and text.endswith(tuple(TERMINAL)) and len(text) < 0.7 * width
        if last or ends_paragraph:
            paragraphs.append(Paragraph(_join([t for _, t in current]), current[0][0], current[-1][0]))
            current = []
    return paragraphs


def split_paragraphs(lines: Sequence[tuple[int, str]]) -> list[Paragraph]:
    """Paragraphs from kept ``(line_number, text)`` pairs, in order; text is whitespace-trimmed."""
    cleaned = [(number, " ".join(text.split())) for number, text in lines]
    paragraphs: list[Paragraph] = []
    for block in blocks_of([(n, t) for n, t in cleaned if t]):
        if is_wrapped(block):
            paragraphs.extend(_split_wrapped(block))
        else:
            paragraphs.extend(Paragraph(text, number, number) for number, text in block)
    return paragraphs


def split_unnumbered(text: str) -> list[Paragraph]:
    """Paragraphs of text that has no input lines of its own (extracted HTML): one per line."""
    return [Paragraph(" ".join(line.split()), None, None) for line in text.split("\n") if line.strip()]

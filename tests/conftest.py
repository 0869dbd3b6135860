"""Shared fixtures: small corpora written into temporary folders."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"

ARTICLE = """Example Times
Home | World | Business | Sport
Sign in

A quiet town gets its first library in fifty years

By Jane Doe

The town of Millbrook opened its first public library in fifty years on Saturday, after a decade of fundraising by residents and local businesses.

More than four hundred people queued outside the converted grain store before the doors opened, and the shelves were half empty by the afternoon.

"We wanted a place where anyone can sit down and read without paying for a coffee," said the head librarian, who has worked on the project since it began.

Share this article
Facebook | Twitter | Email

Related stories
Millbrook council approves new bus route
Local bakery wins regional prize

© 2026 Example Times. All rights reserved.
"""

BASE = (
    "The regional utility said fallen trees had brought down power lines in more than three hundred "
    "places and that some rural customers could be without electricity until Saturday evening."
)
PARAGRAPHS = [
    BASE,
    "LANGFORD (Wire) - " + BASE.replace("three hundred", "300"),
    "Schools were closed on Thursday and the transit authority suspended buses on four routes.",
    "東京都庁は新しい計画を発表しました。市民の生活を改善するための取り組みです。",
    "Too short to compare",
    "",
]


def write_gz(path: Path, data: bytes) -> Path:
    with open(path, "wb") as handle:
        with gzip.GzipFile(filename="", fileobj=handle, mode="wb", mtime=0) as gz:
            gz.write(data)
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def article() -> str:
    return ARTICLE


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder with two outlets, one text file each, sharing one paragraph."""
    root = tmp_path / "news"
    (root / "outlet-a").mkdir(parents=True)
    (root / "outlet-b").mkdir(parents=True)
    (root / "outlet-a" / "library.txt").write_text(ARTICLE, encoding="utf-8")
    copy = ARTICLE.replace("Example Times", "Other Post").replace(
        "More than four hundred people", "Hundreds of people"
    )
    (root / "outlet-b" / "library.txt").write_text(copy, encoding="utf-8")
    return root

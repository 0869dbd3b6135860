"""Shared fixtures: small corpora written into temporary folders."""

from __future__ import annotations

import gzip
import json
import random
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


def syndicated_records(paragraphs: int, seed: int = 11) -> list[dict]:
    """Documents of eight paragraphs; about half the stories are copied by other documents,
    some with a word changed, some cut short (contained), so every kind of match occurs; one
    document in 25 is reprinted whole by an aggregator (a duplicate document)."""
    rng = random.Random(seed)
    vocabulary = [f"w{index}" for index in range(20_000)]
    texts: list[str] = []
    while len(texts) < paragraphs:
        story = " ".join(rng.choices(vocabulary, k=rng.randint(25, 70))) + "."
        texts.append(story)
        if rng.random() < 0.5:
            for _ in range(rng.choice([1, 1, 2, 4])):
                words = story.split()
                edit = rng.random()
                if edit < 0.4:
                    words[rng.randrange(len(words))] = rng.choice(vocabulary)
                elif edit < 0.6:
                    words = words[: max(10, len(words) * 2 // 3)]
                texts.append(" ".join(words))
        if rng.random() < 0.02:
            texts.append("Follow us for more news.")
    texts = texts[:paragraphs]
    rng.shuffle(texts)
    records = [
        {"id": f"d{start // 8}", "source": f"outlet-{(start // 8) % 40}", "date": f"2026-{1 + (start // 8) % 12:02d}-01",
         "text": "\n\n".join(texts[start : start + 8])}
        for start in range(0, len(texts), 8)
    ]
    reprinted = [
        {**record, "id": f"{record['id']}-reprint", "source": "aggregator", "date": "2026-12-31"}
        for record in records[::25]
    ]
    return records + reprinted


def syndicated_corpus(path: Path, paragraphs: int, seed: int = 11) -> Path:
    """:func:`syndicated_records` as a JSON Lines file."""
    return write_jsonl(path, syndicated_records(paragraphs, seed))
